import { beforeEach, describe, expect, it } from "vitest";
import { installBusiness, uninstallBusiness } from "~/domain/business.server";
import { readHostTokens } from "~/hosts/install/credentials.server";
import { beginInstall, completeInstall, createInstallState, INSTALL_COOKIE, verifyInstallState } from "~/hosts/install/install.server";
import { sandboxAfterInstall } from "~/hosts/sandbox/deps.server";
import { decideAuthorization, parseAuthorizeRequest } from "~/hosts/sandbox/oauth.server";
import { createAccount } from "~/hosts/sandbox/platform.server";
import { hashSecret, type SandboxStore } from "~/hosts/sandbox/store.server";
import { decryptSecret } from "~/lib/crypto.server";
import { ManualClock } from "~/lib/clock.server";
import { useTestDatabase } from "../helpers/db";
import { APP_URL, ENCRYPTION_KEY, installDeps, LINK_SECRET, SANDBOX_OAUTH, sandboxTokenFetch, tempSandboxStore, testRegistry } from "../sandbox/helpers";

const db = useTestDatabase();
const clock = new ManualClock("2026-01-05T15:00:00Z");
let store: SandboxStore;
let registry: ReturnType<typeof testRegistry>;

beforeEach(() => {
  clock.set("2026-01-05T15:00:00Z");
  store = tempSandboxStore();
  registry = testRegistry({ clock, fetch: sandboxTokenFetch(store, clock) });
});

const deps = (withSandboxHook = false) =>
  installDeps(db(), registry, clock, withSandboxHook ? { afterInstall: sandboxAfterInstall(store, db().prisma) } : {});

/** The merchant's browser: install start → consent (approve) → the callback URL and its cookie. */
async function authorize(accountId: string, opts: { approve?: boolean } = {}) {
  const start = await beginInstall(deps(), "sandbox", new Request(`${APP_URL}/auth/hosts/sandbox/install?account=${accountId}`));
  expect(start.status).toBe(302);
  const authorizeUrl = new URL(start.headers.get("Location")!);
  const cookie = start.headers.get("Set-Cookie")!.split(";")[0]!;
  const parsed = parseAuthorizeRequest(SANDBOX_OAUTH, authorizeUrl.searchParams);
  if (!parsed.ok) throw new Error(parsed.error);
  const decided = await decideAuthorization(store, parsed.request, { approve: opts.approve ?? true, accountId, now: clock.now() });
  if (!decided.ok) throw new Error(decided.error);
  return { authorizeUrl, cookie, callbackUrl: new URL(decided.location), parsed: parsed.request };
}

const callback = (url: URL | string, cookie: string | null, withSandboxHook = false) =>
  completeInstall(deps(withSandboxHook), "sandbox", new Request(String(url), { headers: cookie ? { Cookie: cookie } : {} }));

describe("install start", () => {
  it("redirects to the host's authorize page with a signed state bound to a cookie", async () => {
    const account = await createAccount({ store, clock }, { name: "Whitfield Lawn", timezone: "America/Chicago" });
    const { authorizeUrl, cookie } = await authorize(account.id);
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${APP_URL}/sandbox/oauth/authorize`);
    expect(Object.fromEntries(authorizeUrl.searchParams)).toMatchObject({
      response_type: "code",
      client_id: SANDBOX_OAUTH.clientId,
      redirect_uri: `${APP_URL}/auth/hosts/sandbox/callback`,
      scope: "read_jobs read_customers",
      account: account.id,
    });
    const nonce = cookie.slice(`${INSTALL_COOKIE}=`.length);
    expect(verifyInstallState(LINK_SECRET, authorizeUrl.searchParams.get("state")!, { host: "sandbox", now: clock.now(), nonce })).toMatchObject({ host: "sandbox", nonce });
  });

  it("answers 404 for a host that is not enabled", async () => {
    expect((await beginInstall(deps(), "jobber", new Request(`${APP_URL}/auth/hosts/jobber/install`))).status).toBe(404);
  });
});

describe("install callback", () => {
  it("installs: active Standard copy, tokens encrypted at rest, confirmation in the sandbox admin", async () => {
    const account = await createAccount({ store, clock }, { name: "Whitfield Lawn", timezone: "America/Chicago" });
    const { callbackUrl, cookie } = await authorize(account.id);
    const response = await callback(callbackUrl, cookie, true);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/sandbox/accounts/${account.id}/admin?installed=first`);
    expect(response.headers.get("Set-Cookie")).toContain("Max-Age=0");

    const business = await db().prisma.business.findUniqueOrThrow({
      where: { host_externalAccountId: { host: "sandbox", externalAccountId: account.id } },
      include: { campaigns: true, credential: true },
    });
    expect(business).toMatchObject({ name: "Whitfield Lawn", timezone: "America/Chicago", status: "installed", physicalAddress: account.address });
    expect(business.reviewLinks).toEqual([{ site: "Google", url: account.googleReviewUrl }]);
    expect(business.campaigns).toHaveLength(1);
    expect(business.campaigns[0]).toMatchObject({ status: "active", name: expect.stringMatching(/standard/i) });

    // At rest: ciphertext only, bound to this business.
    const tokens = await readHostTokens(db().prisma, ENCRYPTION_KEY, business.id);
    expect(tokens!.accessToken).toMatch(/^sbx_at_/);
    expect(tokens!.refreshToken).toMatch(/^sbx_rt_/);
    const stored = business.credential!;
    expect(stored.accessTokenEnc).not.toContain(tokens!.accessToken);
    expect(stored.refreshTokenEnc).not.toContain(tokens!.refreshToken!);
    expect(JSON.stringify(stored)).not.toContain(tokens!.accessToken);
    expect(() => decryptSecret(ENCRYPTION_KEY, stored.accessTokenEnc, "another-business-id")).toThrow();
    // What the host issued is what Kudos holds.
    const issued = await store.read((s) => s.tokens.map((t) => t.hash));
    expect(issued).toContain(hashSecret(tokens!.accessToken));
    expect(await store.read((s) => s.accounts[0]!.appInstalled)).toBe(true);
  });

  it("without a host hook, confirms on a page saying the Standard campaign is active and can be paused", async () => {
    const account = await createAccount({ store, clock }, { name: "Acme Plumbing" });
    const { callbackUrl, cookie } = await authorize(account.id);
    const response = await callback(callbackUrl, cookie);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("active copy of the Standard campaign");
    expect(html).toContain("pause it or change it any time");
  });

  it("rejects a tampered, foreign, expired or unbound state and installs nothing", async () => {
    const account = await createAccount({ store, clock }, { name: "Tamper Test" });
    const { callbackUrl, cookie } = await authorize(account.id);
    const state = callbackUrl.searchParams.get("state")!;
    const [payload, signature] = state.split(".") as [string, string];
    const withState = (s: string) => {
      const u = new URL(callbackUrl);
      u.searchParams.set("state", s);
      return u;
    };
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), e: 9_999_999_999 })).toString("base64url");
    const cases: Array<[string, URL, string | null]> = [
      ["tampered payload", withState(`${forged}.${signature}`), cookie],
      ["bad signature", withState(`${payload}.${signature.slice(0, -2)}xx`), cookie],
      ["no state", withState(""), cookie],
      ["no cookie (another browser)", callbackUrl, null],
      ["another nonce", callbackUrl, `${INSTALL_COOKIE}=someone-elses-nonce`],
      ["another host's state", withState(createInstallState(LINK_SECRET, { host: "jobber", now: clock.now(), nonce: cookie.split("=")[1]! }).state), cookie],
    ];
    for (const [label, url, c] of cases) {
      const response = await callback(url, c);
      expect(response.status, label).toBe(400);
    }
    clock.advance(11 * 60_000);
    expect((await callback(callbackUrl, cookie)).status).toBe(400);
    expect(await db().prisma.business.count({ where: { externalAccountId: account.id } })).toBe(0);
  });

  it("reports a cancelled consent and a reused code without installing", async () => {
    const account = await createAccount({ store, clock }, { name: "Cancel Test" });
    const denied = await authorize(account.id, { approve: false });
    expect(denied.callbackUrl.searchParams.get("error")).toBe("access_denied");
    const cancelled = await callback(denied.callbackUrl, denied.cookie);
    expect(cancelled.status).toBe(400);
    expect(await cancelled.text()).toContain("cancelled");

    const { callbackUrl, cookie } = await authorize(account.id);
    expect((await callback(callbackUrl, cookie)).status).toBe(200);
    const reused = await callback(callbackUrl, cookie);
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain("already used");
  });

  it("completes one install per state: the same state and cookie with a second, valid code install nothing", async () => {
    const account = await createAccount({ store, clock }, { name: "Replay Co" });
    const other = await createAccount({ store, clock }, { name: "Victim Co" });
    const first = await authorize(account.id);
    expect((await callback(first.callbackUrl, first.cookie)).status).toBe(200);
    // A fresh code, minted by the host for the same state (another account, within the state's 10 minutes).
    clock.advance(60_000);
    const again = await decideAuthorization(store, first.parsed, { approve: true, accountId: other.id, now: clock.now() });
    if (!again.ok) throw new Error(again.error);
    const second = new URL(again.location);
    expect(second.searchParams.get("state")).toBe(first.callbackUrl.searchParams.get("state"));
    expect(second.searchParams.get("code")).not.toBe(first.callbackUrl.searchParams.get("code"));
    const replayed = await callback(second, first.cookie);
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toContain("This install link was already used");
    expect(await db().prisma.business.count({ where: { externalAccountId: other.id } })).toBe(0);
    // Abandoned installs' nonces are forgotten once expired: the table does not grow.
    await authorize(account.id);
    clock.advance(11 * 60_000);
    await authorize(account.id);
    expect(await db().prisma.installState.count()).toBe(1);
  });

  it("reinstalls: the same business reactivated with new tokens and no second campaign", async () => {
    const account = await createAccount({ store, clock }, { name: "Reinstall Co" });
    const first = await authorize(account.id);
    await callback(first.callbackUrl, first.cookie, true);
    const business = await db().prisma.business.findUniqueOrThrow({ where: { host_externalAccountId: { host: "sandbox", externalAccountId: account.id } } });
    const before = await readHostTokens(db().prisma, ENCRYPTION_KEY, business.id);
    await db().prisma.business.update({ where: { id: business.id }, data: { physicalAddress: "9 Elm St, Dover, DE 19901" } });

    clock.advance(3_600_000);
    await uninstallBusiness({ db: db().prisma, clock }, business.id);
    expect(await readHostTokens(db().prisma, ENCRYPTION_KEY, business.id)).toBeNull();

    const second = await authorize(account.id);
    const response = await callback(second.callbackUrl, second.cookie, true);
    expect(response.headers.get("Location")).toBe(`/sandbox/accounts/${account.id}/admin?installed=again`);
    const after = await db().prisma.business.findUniqueOrThrow({ where: { id: business.id }, include: { campaigns: true } });
    expect(after).toMatchObject({ status: "installed", uninstalledAt: null, installedAt: clock.now(), physicalAddress: "9 Elm St, Dover, DE 19901" });
    expect(after.campaigns).toHaveLength(1);
    expect(await db().prisma.business.count({ where: { externalAccountId: account.id } })).toBe(1);
    const tokens = await readHostTokens(db().prisma, ENCRYPTION_KEY, business.id);
    expect(tokens!.accessToken).not.toBe(before!.accessToken);
    expect(tokens!.refreshToken).not.toBe(before!.refreshToken);
  });
});

describe("the business's name", () => {
  it("comes from the host; a reinstall without one keeps the stored name instead of a made-up one", async () => {
    const deps = { db: db().prisma, clock };
    const first = await installBusiness(deps, { host: "sandbox", externalAccountId: "acct-name-1", name: null, fallbackName: "Sandbox account acct-name-1" });
    expect(first.business.name).toBe("Sandbox account acct-name-1");
    await db().prisma.business.update({ where: { id: first.business.id }, data: { name: "Rooter Bros" } });
    const again = await installBusiness(deps, { host: "sandbox", externalAccountId: "acct-name-1", name: null, fallbackName: "Sandbox account acct-name-1" });
    expect(again.business.name).toBe("Rooter Bros");
    const renamed = await installBusiness(deps, { host: "sandbox", externalAccountId: "acct-name-1", name: "  Rooter Brothers " });
    expect(renamed.business.name).toBe("Rooter Brothers");
  });
});
