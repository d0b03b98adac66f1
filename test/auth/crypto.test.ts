import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  encryptSecret,
  hmacSha256Base64,
  SecretDecryptionError,
  timingSafeEqualStrings,
} from "~/lib/crypto.server";

const key = randomBytes(32);

function flipChar(text: string, index: number): string {
  const c = text[index] === "A" ? "B" : "A";
  return text.slice(0, index) + c + text.slice(index + 1);
}

describe("encryptSecret / decryptSecret", () => {
  it("round-trips, in the versioned compact format, with a fresh IV every time", () => {
    const sealed = encryptSecret(key, "jobber-refresh-token-✓");
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(decryptSecret(key, sealed)).toBe("jobber-refresh-token-✓");
    expect(encryptSecret(key, "same")).not.toBe(encryptSecret(key, "same"));
    expect(sealed).not.toContain("jobber");
  });

  it("throws on a tampered IV, tag or ciphertext", () => {
    const sealed = encryptSecret(key, "access-token-123");
    const [v, iv, tag, body] = sealed.split(".") as [string, string, string, string];
    for (const tampered of [
      [v, flipChar(iv, 3), tag, body],
      [v, iv, flipChar(tag, 3), body],
      [v, iv, tag, flipChar(body, 2)],
    ]) {
      expect(() => decryptSecret(key, tampered.join("."))).toThrow(SecretDecryptionError);
    }
  });

  it("throws with the wrong key, wrong associated data, or an unknown format", () => {
    const sealed = encryptSecret(key, "secret", "business-1");
    expect(decryptSecret(key, sealed, "business-1")).toBe("secret");
    expect(() => decryptSecret(randomBytes(32), sealed, "business-1")).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(key, sealed, "business-2")).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(key, sealed)).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(key, sealed.replace(/^v1/, "v2"))).toThrow(/v1 format/);
    expect(() => decryptSecret(key, "plaintext-token")).toThrow(SecretDecryptionError);
  });

  it("refuses keys that are not 32 bytes", () => {
    expect(() => encryptSecret(randomBytes(16), "x")).toThrow(/32 bytes/);
  });
});

describe("HMAC helpers", () => {
  it("hmacSha256Base64 matches RFC 4231 test case 2", () => {
    expect(hmacSha256Base64("Jefe", "what do ya want for nothing?")).toBe(
      Buffer.from("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "hex").toString("base64"),
    );
  });

  it("timingSafeEqualStrings compares content and length", () => {
    expect(timingSafeEqualStrings("abc", "abc")).toBe(true);
    expect(timingSafeEqualStrings("abc", "abd")).toBe(false);
    expect(timingSafeEqualStrings("abc", "abcd")).toBe(false);
    expect(timingSafeEqualStrings("", "")).toBe(true);
  });
});
