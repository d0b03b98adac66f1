import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLinkBuilder, signLinkToken, verifyLinkToken } from "~/links/tokens.server";

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

  it("rejects another secret, any single-character change and random strings", () => {
    const token = signLinkToken(secret, { kind: "unsubscribe", enrollmentId, position: 1 });
    expect(verifyLinkToken("t".repeat(40), token)).toBeNull();
    for (let i = 0; i < token.length; i++) {
      const c = token[i] === "A" ? "B" : "A";
      const tampered = token.slice(0, i) + c + token.slice(i + 1);
      if (tampered !== token) expect(verifyLinkToken(secret, tampered)).toBeNull();
    }
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => verifyLinkToken(secret, s) === null));
  });
});
