// Secrets: from the environment in production; the embedded default generates them once and
// keeps them in DATA_DIR/secrets.json (mode 0600) so links and encrypted tokens survive restarts.
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Env } from "~/env.server";
import { deriveOptOutKey, type OptOutKey } from "./opt-out-key.server";

export interface Secrets {
  /** AES-256-GCM key for host tokens at rest. */
  encryptionKey: Buffer;
  /** HMAC key for public tokens (review links, unsubscribe links). */
  linkSecret: string;
  /** OAuth client of the built-in sandbox host (it plays the platform, so Kudos mints both sides). */
  sandbox: { clientId: string; clientSecret: string };
  /** Keys the hashes of durable opt-outs; derived from the link secret (see opt-out-key.server). */
  optOutKey: OptOutKey;
}

export function loadSecrets(env: Pick<Env, "ENCRYPTION_KEY" | "LINK_SECRET" | "DATA_DIR">): Secrets {
  if (env.ENCRYPTION_KEY && env.LINK_SECRET) {
    // Production: the sandbox host is off unless SANDBOX_HOST is set; its client is derived from
    // the link secret so every machine of a deployment agrees without another variable.
    const derive = (label: string) => createHmac("sha256", env.LINK_SECRET!).update(label).digest("base64url");
    return {
      encryptionKey: Buffer.from(env.ENCRYPTION_KEY, "base64"),
      linkSecret: env.LINK_SECRET,
      sandbox: { clientId: `sandbox-${derive("sandbox-client-id").slice(0, 16)}`, clientSecret: derive("sandbox-client-secret") },
      optOutKey: deriveOptOutKey(env.LINK_SECRET),
    };
  }
  const file = path.resolve(env.DATA_DIR, "secrets.json");
  const found: { encryptionKey?: string; linkSecret?: string; sandboxClientId?: string; sandboxClientSecret?: string } =
    existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const stored = {
    encryptionKey: found.encryptionKey ?? randomBytes(32).toString("base64"),
    linkSecret: found.linkSecret ?? randomBytes(32).toString("base64url"),
    sandboxClientId: found.sandboxClientId ?? `sandbox-${randomBytes(8).toString("hex")}`,
    sandboxClientSecret: found.sandboxClientSecret ?? randomBytes(32).toString("base64url"),
  };
  if (!found.encryptionKey || !found.linkSecret || !found.sandboxClientId || !found.sandboxClientSecret) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  const linkSecret = env.LINK_SECRET ?? stored.linkSecret;
  return {
    encryptionKey: Buffer.from(env.ENCRYPTION_KEY ?? stored.encryptionKey, "base64"),
    linkSecret,
    sandbox: { clientId: stored.sandboxClientId, clientSecret: stored.sandboxClientSecret },
    optOutKey: deriveOptOutKey(linkSecret),
  };
}
