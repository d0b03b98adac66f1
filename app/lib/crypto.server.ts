// Small cryptographic helpers: secrets at rest (host OAuth tokens) and HMAC checks for webhooks.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12; // the GCM standard nonce size
const TAG_BYTES = 16;

export class SecretDecryptionError extends Error {
  constructor(message = "Secret could not be decrypted (wrong key, or tampered)") {
    super(message);
    this.name = "SecretDecryptionError";
  }
}

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new TypeError(`AES-256-GCM key must be 32 bytes, got ${key.length}`);
}

/**
 * AES-256-GCM with a fresh random IV per call, as `v1.<iv>.<tag>.<ciphertext>` (base64url).
 * `associatedData` (e.g. the business id) binds the ciphertext to its row: moved elsewhere, it fails.
 */
export function encryptSecret(key: Buffer, plaintext: string, associatedData?: string): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(".");
}

/** Inverse of encryptSecret; throws SecretDecryptionError on any tampering or a wrong key. */
export function decryptSecret(key: Buffer, sealed: string, associatedData?: string): string {
  assertKey(key);
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new SecretDecryptionError("Secret is not in the v1 format");
  }
  const [, ivText, tagText, bodyText] = parts as [string, string, string, string];
  const iv = Buffer.from(ivText, "base64url");
  const tag = Buffer.from(tagText, "base64url");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretDecryptionError("Secret has a malformed IV or tag");
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(bodyText, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptionError();
  }
}

/** Base64 HMAC-SHA256, the signature format of Shopify-style webhooks. */
export function hmacSha256Base64(key: string | Buffer, data: string | Uint8Array): string {
  return createHmac("sha256", key).update(data).digest("base64");
}

/**
 * Constant-time string comparison. Both sides are hashed first, so neither the content nor the
 * length of the expected value leaks through timing.
 */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const da = createHash("sha256").update(a, "utf8").digest();
  const db = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}
