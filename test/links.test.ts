import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLinkBuilder, signLinkToken, verifyLinkToken } from "~/links/tokens.server";
import { BASE64URL, linkPayload, mutateToken, tokenMutation } from "./helpers/token-mutations";

const secret = "s".repeat(40);
const enrollmentId = "0b8f2c3e-4d5a-4b6c-8d7e-9f0a1b2c3d4e";

describe("link tokens", () => {
  it("round-trips and binds kind, enrollment and touch", () => {
    const token = signLinkToken(secret, { kind: "review", enrollmentId, position: 3 });
    expect(verifyLinkToken(secret, token)).toEqual({ kind: "review", enrollmentId, position: 3 });
    expect(verifyLinkToken(secret, token, "unsubscribe")).toBeNull();
    expect(token.length).toBeLessThan(60);
    expect(createLinkBuilder("https://k.example/", secret).review(enrollmentId, 1)).toMatch(/^https:\/\/k\.example\/r\/[\w-]+\.[\w-]+$/);
  });

  it("rejects another secret and any single-character change", () => {
    const token = signLinkToken(secret, { kind: "unsubscribe", enrollmentId, position: 1 });
    expect(verifyLinkToken("t".repeat(40), token)).toBeNull();
    for (let i = 0; i < token.length; i++) {
      const c = token[i] === "A" ? "B" : "A";
      const tampered = token.slice(0, i) + c + token.slice(i + 1);
      expect(verifyLinkToken(secret, tampered)).toBeNull();
    }
  });

  it("accepts every genuine token and refuses every mutation of one (property)", () => {
    fc.assert(
      fc.property(linkPayload, tokenMutation, (payload, mutation) => {
        const token = signLinkToken(secret, payload);
        expect(verifyLinkToken(secret, token)).toEqual(payload);
        expect(verifyLinkToken(secret, token, payload.kind)).toEqual(payload);
        const mutated = mutateToken(secret, token, mutation);
        fc.pre(mutated !== token);
        expect(verifyLinkToken(secret, mutated), `${mutation.type}: ${JSON.stringify(mutated)}`).toBeNull();
      }),
      { numRuns: 2_000 },
    );
  });

  it("refuses a token whose MAC is written another way (padding, whitespace, unused bits)", () => {
    const token = signLinkToken(secret, { kind: "review", enrollmentId, position: 2 });
    const [body, mac] = token.split(".") as [string, string];
    // The MAC is 16 bytes: 22 characters whose last carries 4 unused bits.
    const sameBits = mac.slice(0, -1) + BASE64URL[BASE64URL.indexOf(mac[21]!) ^ 1];
    expect(Buffer.from(sameBits, "base64url").equals(Buffer.from(mac, "base64url"))).toBe(true);
    for (const spelling of [`${mac}=`, `${mac}==`, `${mac} `, `${mac}!`, `${mac.slice(0, 8)}%${mac.slice(8)}`, sameBits]) {
      expect(verifyLinkToken(secret, `${body}.${spelling}`), JSON.stringify(spelling)).toBeNull();
    }
  });
});
