// Tokens that open something: tracked-link, unsubscribe and feedback tokens cannot be guessed,
// enumerated, altered or swapped between kinds (every such request is a plain 404 that writes
// nothing); session tokens for the admin are refused when expired, for another app, re-signed,
// tampered with or unsigned.
import { createHmac, randomBytes } from "node:crypto";
import { createRequestHandler } from "@remix-run/node";
import fc from "fast-check";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { SessionTokenError, signSessionToken, verifySessionToken } from "~/auth/session-token.server";
import { signLinkToken, verifyLinkToken } from "~/links/tokens.server";
import { useTestDatabase } from "../helpers/db";
import { TEST_LINK_SECRET } from "../helpers/engine";
import { sentFirstTouch, useRouteEnv } from "../stops/helpers";
import { LONG } from "../reliability/harness";
import { mutateToken, tokenMutation } from "../helpers/token-mutations";
import { publicRoutesBuild } from "./public-build";

const db = useTestDatabase();
useRouteEnv(db);
const handle = (request: Request) => createRequestHandler(publicRoutesBuild(), "production")(request, {});

async function writes() {
  const p = db().prisma;
  return Promise.all([
    p.enrollmentTouch.count({ where: { clickedAt: { not: null } } }),
    p.suppression.count(),
    p.feedback.count(),
    p.enrollment.count({ where: { status: "stopped" } }),
  ]);
}

/** GET and POST on each link route: 404, nothing written. */
async function expectDeadToken(token: string) {
  const before = await writes();
  for (const path of ["r", "u", "f"]) {
    const url = `http://internal:3000/${path}/${encodeURIComponent(token)}`;
    const get = await handle(new Request(url));
    expect(get.status, `${path}/${token}`).toBe(404);
    if (path !== "r") {
      const post = await handle(new Request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "message=hi&List-Unsubscribe=One-Click" }));
      expect(post.status, `POST ${path}/${token}`).toBe(404);
    }
  }
  expect(await writes()).toEqual(before);
}

describe("link tokens", () => {
  it("mutations of genuine tokens, sequential ids and raw enrollment ids all 404 and write nothing", async () => {
    const s = await sentFirstTouch(db());
    // Each genuine token works before it is mutated (the review link is left unclicked: GET /r
    // records a click, which expectDeadToken would count as a write).
    expect((await handle(new Request(`http://internal:3000/u/${s.unsubscribeToken}`))).status).toBe(200);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(s.reviewToken, s.unsubscribeToken), tokenMutation, async (token, mutation) => {
        const mutated = mutateToken(TEST_LINK_SECRET, token, mutation);
        // "." and ".." are path segments, not tokens: the URL itself resolves elsewhere.
        fc.pre(mutated !== token && mutated.trim() !== "" && !mutated.includes("/") && mutated !== "." && mutated !== "..");
        await expectDeadToken(mutated);
      }),
      { numRuns: LONG ? 300 : 40 },
    );
    for (const token of ["1", "2", "3", "100", s.enrollmentId, s.enrollmentId.replace(/-/g, ""), `${s.enrollmentId}.1`]) await expectDeadToken(token);
  });

  it("a token altered by one character, signed with another secret, or of another kind is refused", async () => {
    const s = await sentFirstTouch(db());
    const [body, mac] = s.reviewToken.split(".") as [string, string];
    const flip = (t: string, i: number) => t.slice(0, i) + (t[i] === "A" ? "B" : "A") + t.slice(i + 1);
    for (let i = 0; i < body.length; i += 3) await expectDeadToken(`${flip(body, i)}.${mac}`);
    // Every character of the MAC, the last one included (its 4 unused bits are not a way in).
    for (let i = 0; i < mac.length; i++) await expectDeadToken(`${body}.${flip(mac, i)}`);
    // The next enrollment over, or the next touch, with a forged MAC: enumeration gets nowhere.
    const raw = Buffer.from(body, "base64url");
    raw[1] = raw[1]! + 1;
    await expectDeadToken(`${raw.toString("base64url")}.${mac}`);
    const foreign = signLinkToken("another-deployments-secret-0123456789abcdef", { kind: "review", enrollmentId: s.enrollmentId, position: 1 });
    await expectDeadToken(foreign);
    // A review token does not unsubscribe, an unsubscribe token does not open the feedback form.
    expect(verifyLinkToken(TEST_LINK_SECRET, s.reviewToken, "unsubscribe")).toBeNull();
    const before = await writes();
    expect((await handle(new Request(`http://internal:3000/u/${s.reviewToken}`, { method: "POST", body: "" }))).status).toBe(404);
    expect((await handle(new Request(`http://internal:3000/f/${s.unsubscribeToken}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "message=x" }))).status).toBe(404);
    expect((await handle(new Request(`http://internal:3000/r/${s.unsubscribeToken}`))).status).toBe(404);
    expect(await writes()).toEqual(before);
  });

  it("carry 128 bits of MAC: guessing one is not a matter of trying harder", () => {
    const token = signLinkToken(TEST_LINK_SECRET, { kind: "review", enrollmentId: "00000000-0000-4000-8000-000000000001", position: 1 });
    expect(Buffer.from(token.split(".")[1]!, "base64url").length * 8).toBe(128);
  });
});

describe("admin session tokens", () => {
  const secret = "sandbox-client-secret-0123456789abcdef";
  const clientId = "sandbox-client";
  const now = new Date("2026-01-05T15:00:00Z");
  const base = { secret, clientId, accountId: "acct-1", userId: "user-1", adminOrigin: "http://localhost:3000", now };
  const verify = (token: string, at = now) => verifySessionToken(token, { host: "sandbox", secret, clientId, now: at, adminOrigins: ["http://localhost:3000"] });
  const reason = async (token: string, at = now) => {
    try {
      await verify(token, at);
      return "accepted";
    } catch (err) {
      expect(err).toBeInstanceOf(SessionTokenError);
      expect((err as SessionTokenError).status).toBe(401);
      return (err as SessionTokenError).reason;
    }
  };

  it("accepts a fresh token and refuses an expired, foreign, re-signed, tampered or unsigned one", async () => {
    const good = await signSessionToken(base);
    expect(await reason(good)).toBe("accepted");
    expect(await reason(good, new Date(now.getTime() + 2 * 60_000))).toBe("expired");
    expect(await reason(await signSessionToken({ ...base, clientId: "another-app" }))).toBe("wrong_audience");
    expect(await reason(await signSessionToken({ ...base, secret: "not-the-apps-secret-0123456789abcdef" }))).toBe("bad_signature");
    expect(await reason(await signSessionToken({ ...base, lifetimeSeconds: 3600 }))).toBe("lifetime_too_long");
    expect(await reason(await signSessionToken({ ...base, adminOrigin: "https://evil.example" }))).toBe("wrong_issuer");
    // Another account's id pasted into a genuine token's payload: the signature no longer matches.
    const [header, payload, signature] = good.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const swapped = Buffer.from(JSON.stringify({ ...claims, acct: "acct-2" })).toString("base64url");
    expect(await reason(`${header}.${swapped}.${signature}`)).toBe("bad_signature");
    // alg "none" and HS256 over the same claims with an empty key.
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
    expect(await reason(none)).toBe("malformed");
    const emptyKey = `${header}.${payload}.${createHmac("sha256", "").update(`${header}.${payload}`).digest("base64url")}`;
    expect(await reason(emptyKey)).toBe("bad_signature");
    // A token without the account claim is useless even when correctly signed.
    const noAccount = await new SignJWT({ dest: base.adminOrigin })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(base.adminOrigin)
      .setAudience(clientId)
      .setSubject("user-1")
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 60)
      .sign(new TextEncoder().encode(secret));
    expect(await reason(noAccount)).toBe("missing_claim");
    expect(await reason(randomBytes(40).toString("base64url"))).toBe("malformed");
  });
});
