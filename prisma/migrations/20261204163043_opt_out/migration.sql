-- Opt-outs that outlive the business row (docs/decisions/0004-durable-opt-outs.md): keyed by a
-- scope ("account:<host>:<external account id>" or "sender:<number or Messaging Service>"), the
-- channel and HMAC-SHA256(key, normalised address). No business foreign key: account.redact and
-- uninstall leave them, and a reinstall of the same account finds them by its scope.
CREATE TABLE "opt_out" (
    "scope" TEXT NOT NULL,
    "channel" "Channel" NOT NULL,
    "address_hash" BYTEA NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "opt_out_pkey" PRIMARY KEY ("scope","channel","address_hash")
);

-- HMAC-SHA256 from the key's inner and outer pads (app/lib/opt-out-key.server.ts), with the
-- built-in sha256 (no extension needed): the send-time check computes the customer's hash in SQL.
CREATE FUNCTION opt_out_address_hash(address text, ipad bytea, opad bytea) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT sha256(opad || sha256(ipad || convert_to(address, 'UTF8'))) $$;
