// Secrets: from the environment in production; the embedded default generates them once and
// keeps them in DATA_DIR/secrets.json (mode 0600) so links and encrypted tokens survive restarts.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Env } from "~/env.server";

export interface Secrets {
  /** AES-256-GCM key for host tokens at rest. */
  encryptionKey: Buffer;
  /** HMAC key for public tokens (review links, unsubscribe links). */
  linkSecret: string;
}

export function loadSecrets(env: Pick<Env, "ENCRYPTION_KEY" | "LINK_SECRET" | "DATA_DIR">): Secrets {
  if (env.ENCRYPTION_KEY && env.LINK_SECRET) {
    return { encryptionKey: Buffer.from(env.ENCRYPTION_KEY, "base64"), linkSecret: env.LINK_SECRET };
  }
  const file = path.resolve(env.DATA_DIR, "secrets.json");
  const found: { encryptionKey?: string; linkSecret?: string } = existsSync(file)
    ? JSON.parse(readFileSync(file, "utf8"))
    : {};
  const stored = {
    encryptionKey: found.encryptionKey ?? randomBytes(32).toString("base64"),
    linkSecret: found.linkSecret ?? randomBytes(32).toString("base64url"),
  };
  if (!found.encryptionKey || !found.linkSecret) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return {
    encryptionKey: Buffer.from(env.ENCRYPTION_KEY ?? stored.encryptionKey, "base64"),
    linkSecret: env.LINK_SECRET ?? stored.linkSecret,
  };
}
