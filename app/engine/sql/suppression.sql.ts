// Writing suppressions. A business's own list (`suppression`: readable addresses, deleted with the
// business) records every reason an address is not messaged; the person's own choices (opt-outs,
// carrier opt-outs, complaints) are also written to `opt_out` under the host account's scope, and
// SMS opt-outs under the sending number's scope, as keyed hashes that outlive the business row
// (docs/decisions/0004-durable-opt-outs.md). Both writes run in the caller's transaction.
// Index use: suppression (business_id, channel, address) unique; opt_out primary key
// (scope, channel, address_hash); business primary key.
import type { Channel, PrismaClient } from "~/generated/prisma/client";
import { accountScope, hashAddress, type OptOutKey } from "~/lib/opt-out-key.server";

type Queryable = Pick<PrismaClient, "$queryRaw">;

export type SuppressionReason =
  | "opted_out"
  | "bounced"
  | "complained"
  | "provider_unsubscribed"
  /** Twilio 30006: a landline or a carrier that cannot take texts. */
  | "unreachable"
  /** Twilio 21614: not a mobile number. */
  | "not_mobile";

/** Reasons that are the person's choice: they outlive the business and bind a shared sender. */
export const DURABLE_REASONS: readonly SuppressionReason[] = ["opted_out", "provider_unsubscribed", "complained"];

/** Reasons a texted START lifts (never a bounce, a complaint or an unreachable number). */
export const SMS_RESUBSCRIBABLE: readonly SuppressionReason[] = ["opted_out", "provider_unsubscribed"];

export async function businessScope(tx: Queryable, businessId: string): Promise<string | null> {
  const rows = await tx.$queryRaw<{ host: string; account: string }[]>`
    SELECT host, external_account_id AS account FROM business WHERE id = ${businessId}::uuid`;
  return rows[0] ? accountScope(rows[0].host, rows[0].account) : null;
}

export interface SuppressOptions {
  key: OptOutKey;
  /** Further scopes the opt-out binds (the sending number a STOP was texted to). */
  extraScopes?: string[];
}

/** Adds the addresses to the business's list; returns those that were not on it yet. */
export async function suppressAddresses(
  tx: Queryable,
  opts: SuppressOptions,
  businessId: string,
  channel: Channel,
  addresses: string[],
  reason: SuppressionReason,
  now: Date,
): Promise<string[]> {
  const unique = [...new Set(addresses.filter(Boolean))];
  if (unique.length === 0) return [];
  // One statement: concurrent opt-outs of one address insert once, and only that one reports "new".
  const rows = await tx.$queryRaw<{ address: string }[]>`
    INSERT INTO suppression (business_id, channel, address, reason, created_at)
    SELECT ${businessId}::uuid, ${channel}::"Channel", a, ${reason}, ${now}
      FROM unnest(${unique}::text[]) AS a
    ON CONFLICT (business_id, channel, address) DO NOTHING
    RETURNING address`;
  if (DURABLE_REASONS.includes(reason)) {
    const account = await businessScope(tx, businessId);
    const scopes = [...new Set([...(account ? [account] : []), ...(opts.extraScopes ?? [])])];
    await recordOptOuts(tx, opts.key, scopes, channel, unique, reason, now);
  }
  return rows.map((r) => r.address);
}

/** Durable records only (a STOP to a shared number, for businesses that never knew the sender). */
export async function recordOptOuts(
  tx: Queryable,
  key: OptOutKey,
  scopes: string[],
  channel: Channel,
  addresses: string[],
  reason: SuppressionReason,
  now: Date,
): Promise<number> {
  if (scopes.length === 0 || addresses.length === 0) return 0;
  const hashes = addresses.map((a) => hashAddress(key, a));
  const rows = await tx.$queryRaw<{ n: number }[]>`
    WITH added AS (
      INSERT INTO opt_out (scope, channel, address_hash, reason, created_at)
      SELECT s, ${channel}::"Channel", h, ${reason}, ${now}
        FROM unnest(${scopes}::text[]) AS s CROSS JOIN unnest(${hashes}::bytea[]) AS h
      ON CONFLICT (scope, channel, address_hash) DO NOTHING
      RETURNING 1)
    SELECT count(*)::int AS n FROM added`;
  return rows[0]?.n ?? 0;
}

/**
 * Removes the addresses from the business's list and its account's durable records (a texted
 * START), for the given reasons only; returns the addresses that were on the business's list.
 */
export async function unsuppressAddresses(
  tx: Queryable,
  opts: SuppressOptions,
  businessId: string,
  channel: Channel,
  addresses: string[],
  reasons: readonly SuppressionReason[],
): Promise<string[]> {
  if (addresses.length === 0) return [];
  const rows = await tx.$queryRaw<{ address: string }[]>`
    DELETE FROM suppression
     WHERE business_id = ${businessId}::uuid AND channel = ${channel}::"Channel"
       AND address = ANY(${addresses}::text[]) AND reason = ANY(${reasons as string[]}::text[])
    RETURNING address`;
  const account = await businessScope(tx, businessId);
  await removeOptOuts(tx, opts.key, account ? [account] : [], channel, addresses, reasons);
  return rows.map((r) => r.address);
}

/** Deletes durable records in these scopes; returns how many there were. */
export async function removeOptOuts(
  tx: Queryable,
  key: OptOutKey,
  scopes: string[],
  channel: Channel,
  addresses: string[],
  reasons: readonly SuppressionReason[],
): Promise<number> {
  if (scopes.length === 0 || addresses.length === 0) return 0;
  const hashes = addresses.map((a) => hashAddress(key, a));
  const rows = await tx.$queryRaw<{ n: number }[]>`
    WITH removed AS (
      DELETE FROM opt_out
       WHERE scope = ANY(${scopes}::text[]) AND channel = ${channel}::"Channel"
         AND address_hash = ANY(${hashes}::bytea[]) AND reason = ANY(${reasons as string[]}::text[])
      RETURNING 1)
    SELECT count(*)::int AS n FROM removed`;
  return rows[0]?.n ?? 0;
}

/**
 * The channels on which a business may not message these contact points: its own list, its
 * account's durable opt-outs (also from before a reinstall), and for SMS the senders' opt-outs.
 */
export async function suppressedChannels(
  tx: Queryable,
  ctx: { key: OptOutKey; smsSenders: string[] } | undefined,
  businessId: string,
  contact: { email: string | null; phone: string | null },
): Promise<Set<Channel>> {
  const out = new Set<Channel>();
  const account = ctx ? await businessScope(tx, businessId) : null;
  const checks: [Channel, string | null, string[]][] = [
    ["email", contact.email, account ? [account] : []],
    ["sms", contact.phone, [...(account ? [account] : []), ...(ctx?.smsSenders ?? [])]],
  ];
  for (const [channel, address, scopes] of checks) {
    if (!address) continue;
    const rows = await tx.$queryRaw<{ hit: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM suppression
                      WHERE business_id = ${businessId}::uuid AND channel = ${channel}::"Channel" AND address = ${address})
          OR EXISTS (SELECT 1 FROM opt_out
                      WHERE scope = ANY(${scopes}::text[]) AND channel = ${channel}::"Channel"
                        AND address_hash = ${ctx ? hashAddress(ctx.key, address) : Buffer.alloc(0)}) AS hit`;
    if (rows[0]?.hit) out.add(channel);
  }
  return out;
}
