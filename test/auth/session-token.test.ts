import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import {
  authenticateSessionToken,
  readSessionToken,
  SessionTokenError,
  type SessionTokenFailure,
  signSessionToken,
  verifySessionToken,
} from "~/auth/session-token.server";

const secret = "sandbox-client-secret-0123456789abcdef";
const clientId = "kudos-sandbox-client";
const adminOrigin = "https://admin.sandbox.example";
const now = new Date("2026-01-05T15:00:00Z");
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

const sign = (overrides: Partial<Parameters<typeof signSessionToken>[0]> = {}) =>
  signSessionToken({ secret, clientId, accountId: "acct-42", userId: "user-7", adminOrigin, now, ...overrides });

const verify = (token: string, overrides: Partial<Parameters<typeof verifySessionToken>[1]> = {}) =>
  verifySessionToken(token, { host: "sandbox", secret, clientId, now, ...overrides });

async function failure(promise: Promise<unknown>): Promise<SessionTokenFailure> {
  const err = await promise.then(
    () => {
      throw new Error("expected the token to be rejected");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SessionTokenError);
  expect((err as SessionTokenError).status).toBe(401);
  return (err as SessionTokenError).reason;
}

describe("verifySessionToken", () => {
  it("accepts a fresh token and returns the business identity from its claims", async () => {
    const claims = await verify(await sign({ tokenId: "jti-1" }), { adminOrigins: [adminOrigin] });
    expect(claims).toEqual({
      host: "sandbox",
      accountId: "acct-42",
      userId: "user-7",
      adminOrigin,
      issuedAt: now,
      expiresAt: at(60),
      tokenId: "jti-1",
    });
  });

  it("rejects an expired token, allowing only the 10 s leeway", async () => {
    const token = await sign();
    await expect(verify(token, { now: at(65) })).resolves.toMatchObject({ accountId: "acct-42" });
    expect(await failure(verify(token, { now: at(71) }))).toBe("expired");
  });

  it("rejects a token for another app (wrong audience)", async () => {
    expect(await failure(verify(await sign({ clientId: "someone-else" })))).toBe("wrong_audience");
  });

  it("rejects a tampered token and one signed with another secret", async () => {
    const token = await sign();
    const [h, p, s] = token.split(".") as [string, string, string];
    const forged = JSON.parse(Buffer.from(p, "base64url").toString());
    forged.acct = "acct-victim";
    const tampered = `${h}.${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${s}`;
    expect(await failure(verify(tampered))).toBe("bad_signature");
    expect(await failure(verify(await sign({ secret: "another-secret-another-secret-000" })))).toBe("bad_signature");
    expect(await failure(verify("not.a.jwt"))).toBe("malformed");
  });

  it("rejects a token whose exp is more than a minute (plus leeway) ahead", async () => {
    expect(await failure(verify(await sign({ lifetimeSeconds: 3600 })))).toBe("lifetime_too_long");
    await expect(verify(await sign({ lifetimeSeconds: 70 }))).resolves.toBeTruthy();
  });

  it("rejects a token issued in the future", async () => {
    expect(await failure(verify(await sign({ now: at(30) })))).toBe("not_yet_valid");
    // Without nbf, the iat check alone catches it.
    const noNbf = await new SignJWT({ dest: adminOrigin, acct: "acct-42" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(adminOrigin)
      .setAudience(clientId)
      .setSubject("user-7")
      .setIssuedAt(Math.floor(at(30).getTime() / 1000))
      .setExpirationTime(Math.floor(at(60).getTime() / 1000))
      .sign(new TextEncoder().encode(secret));
    expect(await failure(verify(noNbf))).toBe("issued_in_future");
  });

  it("rejects other algorithms and missing claims", async () => {
    const key = new TextEncoder().encode(secret);
    const iat = Math.floor(now.getTime() / 1000);
    const hs512 = await new SignJWT({ dest: adminOrigin, acct: "acct-42" })
      .setProtectedHeader({ alg: "HS512" })
      .setIssuer(adminOrigin)
      .setAudience(clientId)
      .setSubject("user-7")
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(key);
    expect(await failure(verify(hs512))).toBe("malformed");
    const noAccount = await new SignJWT({ dest: adminOrigin })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(adminOrigin)
      .setAudience(clientId)
      .setSubject("user-7")
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(key);
    expect(await failure(verify(noAccount))).toBe("missing_claim");
  });

  it("rejects a token from an admin origin the host does not own", async () => {
    const token = await sign({ adminOrigin: "https://evil.example" });
    expect(await failure(verify(token, { adminOrigins: [adminOrigin] }))).toBe("wrong_issuer");
  });
});

describe("reading the token from a request", () => {
  it("takes the Authorization bearer header", async () => {
    const token = await sign();
    const request = new Request("https://kudos.example/app/campaigns", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(readSessionToken(request)).toBe(token);
  });

  it("takes id_token on document loads only", async () => {
    const token = await sign();
    expect(readSessionToken(new Request(`https://kudos.example/app?id_token=${token}`))).toBe(token);
    expect(readSessionToken(new Request(`https://kudos.example/app?id_token=${token}`, { method: "POST" }))).toBeNull();
    expect(readSessionToken(new Request("https://kudos.example/app"))).toBeNull();
  });
});

describe("authenticateSessionToken", () => {
  const keys = [
    { host: "jobber", clientId: "jobber-client", secret: "jobber-secret-jobber-secret-000000", adminOrigins: ["https://secure.getjobber.com"] },
    { host: "sandbox", clientId, secret, adminOrigins: [adminOrigin] },
  ];

  it("picks the host by audience and verifies with that host's secret", async () => {
    const fromHeader = new Request("https://kudos.example/app", { headers: { Authorization: `Bearer ${await sign()}` } });
    await expect(authenticateSessionToken(fromHeader, keys, now)).resolves.toMatchObject({
      host: "sandbox",
      accountId: "acct-42",
    });
    const fromQuery = new Request(`https://kudos.example/app?id_token=${await sign()}`);
    await expect(authenticateSessionToken(fromQuery, keys, now)).resolves.toMatchObject({ host: "sandbox" });
  });

  it("refuses requests without a token, or for an app no host has", async () => {
    expect(await failure(authenticateSessionToken(new Request("https://kudos.example/app"), keys, now))).toBe("missing");
    const stranger = new Request(`https://kudos.example/app?id_token=${await sign({ clientId: "nobody" })}`);
    expect(await failure(authenticateSessionToken(stranger, keys, now))).toBe("unknown_app");
    // Signed with the sandbox secret but claiming Jobber's audience: Jobber's secret rejects it.
    const crossHost = new Request(`https://kudos.example/app?id_token=${await sign({ clientId: "jobber-client" })}`);
    expect(await failure(authenticateSessionToken(crossHost, keys, now))).toBe("bad_signature");
  });
});
