// The key behind opt-out records that outlive a business (docs/decisions/0004-durable-opt-outs.md):
// an opt-out is kept as HMAC-SHA256(key, normalised address), never the address itself, so a
// record that must survive uninstall, account.redact and reinstall holds no personal data.
// PostgreSQL computes the same HMAC from the pads below (sha256 is built in; no extension), so the
// send-time check joins on it in one statement; Node computes it for writes.
import { createHmac } from "node:crypto";

export interface OptOutKey {
  /** HMAC-SHA256 key (32 bytes). */
  readonly key: Buffer;
  /** key XOR 0x36, padded to the 64-byte SHA-256 block: HMAC's inner pad, for SQL. */
  readonly ipad: Buffer;
  /** key XOR 0x5c, padded to the block: HMAC's outer pad, for SQL. */
  readonly opad: Buffer;
}

/** What the opt-out checks need: the key, and the SMS senders (numbers, Messaging Services) in use. */
export interface OptOutContext {
  key: OptOutKey;
  /** Sender scopes (see senderScope) of the SMS transports that may send; STOPs to them apply. */
  smsSenders: string[];
}

const BLOCK = 64;

/**
 * Derived from the link secret, which every machine of a deployment shares and which must already
 * stay fixed (it signs links customers keep). Changing it forgets every durable opt-out.
 */
export function deriveOptOutKey(linkSecret: string): OptOutKey {
  const key = createHmac("sha256", linkSecret).update("kudos opt-out address key v1").digest();
  const pad = (byte: number) => {
    const out = Buffer.alloc(BLOCK, byte);
    for (let i = 0; i < key.length; i++) out[i] = key[i]! ^ byte;
    return out;
  };
  return { key, ipad: pad(0x36), opad: pad(0x5c) };
}

export function hashAddress(key: OptOutKey, address: string): Buffer {
  return createHmac("sha256", key.key).update(address, "utf8").digest();
}

/** An opt-out given to one business on one host account (survives reinstall: no business id). */
export function accountScope(host: string, externalAccountId: string): string {
  return `account:${host}:${externalAccountId}`;
}

/** An SMS opt-out given to a sending number or Messaging Service, whichever business used it. */
export function senderScope(sender: string): string {
  return `sender:${sender}`;
}
