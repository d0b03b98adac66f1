// The standalone admin (hosts that do not frame apps; Jobber): Manage App signs a merchant in,
// the cookie session opens /app, mutations need the same origin and the session's CSRF token,
// sessions end when idle, when too old, on logout and on a new sign-in, and an install through
// OAuth lands in the admin. Jobber's HTTP API is the msw stand-in (test/mocks/jobber.ts).
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_SESSION_COOKIE, CSRF_HEADER, type SessionPolicy } from "~/auth/admin-session.server";
import { authenticateAdmin, type AdminAuthDeps } from "~/auth/admin.server";
import { installBusiness, uninstallBusiness } from "~/domain/business.server";
import { beginInstall, completeInstall } from "~/hosts/install/install.server";
import { logout, manageApp, signedOutPage } from "~/hosts/install/manage-app.server";
import { ManualClock } from "~/lib/clock.server";
import { useTestDatabase } from "../helpers/db";
import { createJobberMock, encodedId, type JobberMock } from "../mocks/jobber";
import { APP_URL, installDeps, JOBBER_CREDENTIALS, testRegistry } from "../sandbox/helpers";

const db = useTestDatabase();
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const clock = new ManualClock("2026-01-05T15:00:00Z");
const MANAGE = `${APP_URL}/auth/hosts/jobber/manage`;
const POLICY: SessionPolicy = { idleMs: 12 * 3_600_000, maxAgeMs: 7 * 86_400_000, appUrl: APP_URL };
let mock: JobberMock;
let registry: ReturnType<typeof testRegistry>;
let seq = 0;

beforeEach(() => {
  clock.set("2026-01-05T15:00:00Z");
  mock = createJobberMock({ ...JOBBER_CREDENTIALS, now: () => clock.now() });
  server.use(...mock.handlers);
  registry = testRegistry({ clock, jobber: true });
});

const deps = () => installDeps(db(), registry, clock);
const authDeps = (): AdminAuthDeps => ({ db: db().prisma, clock, sessionKeys: registry.sessionKeys(), sessions: POLICY });

/** A Jobber account known to the stand-in, installed in Kudos unless `installed` is false. */
async function jobberAccount(installed = true) {
  const id = encodedId("Account", 500 + ++seq);
  mock.addAccount({ id, name: `Jobber Co ${seq}` });
  const business = installed
    ? (await installBusiness({ db: db().prisma, clock }, { host: "jobber", externalAccountId: id, name: `Jobber Co ${seq}`, timezone: "America/Chicago" })).business
    : null;
  return { id, business };
}

/** The merchant clicks Manage App in Jobber: the browser arrives with a fresh code. */
function manageRequest(accountId: string, cookie?: string): Request {
  const url = new URL(MANAGE);
  url.searchParams.set("code", mock.issueCode(accountId, MANAGE));
  return new Request(url, { headers: cookie ? { Cookie: cookie } : {} });
}

const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith(`${ADMIN_SESSION_COOKIE}=`) && !c.startsWith(`${ADMIN_SESSION_COOKIE}=;`))?.split(";")[0];

const adminGet = (cookie: string, headers: Record<string, string> = {}) => new Request(`${APP_URL}/app`, { headers: { Cookie: cookie, ...headers } });
const adminPost = (cookie: string, headers: Record<string, string>) =>
  new Request(`${APP_URL}/app/settings`, { method: "POST", headers: { Cookie: cookie, ...headers }, body: new URLSearchParams({ intent: "save" }) });

async function refusal(request: Request): Promise<Response> {
  try {
    await authenticateAdmin(request, authDeps());
  } catch (err) {
    if (err instanceof Response) return err;
    throw err;
  }
  throw new Error("the request was let in");
}

describe("Manage App", () => {
  it("signs the merchant of an installed account in: a session cookie, then /app with the business from the session", async () => {
    const { id, business } = await jobberAccount();
    const res = await manageApp(deps(), "jobber", manageRequest(id));
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/app");
    const setCookie = res.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    const cookie = cookieOf(res)!;
    const admin = await authenticateAdmin(adminGet(cookie), authDeps());
    expect(admin).toMatchObject({ mode: "standalone", business: { id: business!.id }, adminOrigin: null });
    // The session id is stored hashed, never as the cookie's value.
    const rows = await db().prisma.adminSession.findMany({ where: { businessId: business!.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.idHash).not.toContain(cookie.split("=")[1]!);
    expect(rows[0]!.idHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is Secure on an https deployment", async () => {
    const { id } = await jobberAccount();
    const secure = installDeps(db(), registry, clock, { sessions: { ...POLICY, appUrl: "https://kudos.example.com" } });
    const res = await manageApp(secure, "jobber", manageRequest(id));
    expect(res.headers.get("Set-Cookie")).toMatch(/; Secure/);
    // Plain http is tolerated for a local development server only.
    const local = installDeps(db(), registry, clock, { sessions: { ...POLICY, appUrl: "http://localhost:3000" } });
    expect((await manageApp(local, "jobber", manageRequest(id))).headers.get("Set-Cookie")).not.toMatch(/Secure/);
    const plain = installDeps(db(), registry, clock, { sessions: { ...POLICY, appUrl: "http://kudos.example.com" } });
    expect((await manageApp(plain, "jobber", manageRequest(id))).headers.get("Set-Cookie")).toMatch(/; Secure/);
  });

  it("refuses an account with no installation, with a link to install, and signs nobody in", async () => {
    const { id } = await jobberAccount(false);
    const sessions = await db().prisma.adminSession.count();
    const res = await manageApp(deps(), "jobber", manageRequest(id));
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain("Kudos is not installed");
    expect(html).toContain('href="/auth/hosts/jobber/install"');
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(await db().prisma.adminSession.count()).toBe(sessions);
  });

  it("refuses a disconnected account (uninstalled), and ends its sessions", async () => {
    const { id, business } = await jobberAccount();
    const cookie = cookieOf(await manageApp(deps(), "jobber", manageRequest(id)))!;
    await uninstallBusiness({ db: db().prisma, clock }, business!.id);
    const res = await manageApp(deps(), "jobber", manageRequest(id));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("was disconnected");
    const refused = await refusal(adminGet(cookie));
    expect(refused.status).toBe(401);
  });

  it("refuses a replayed code (400), and a visit without one", async () => {
    const { id } = await jobberAccount();
    const request = manageRequest(id);
    expect((await manageApp(deps(), "jobber", request)).status).toBe(302);
    const replayed = await manageApp(deps(), "jobber", new Request(request.url));
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toContain("already used or has expired");
    expect((await manageApp(deps(), "jobber", new Request(MANAGE))).status).toBe(400);
    // An embedded host has no Manage App entry.
    expect((await manageApp(deps(), "sandbox", new Request(`${APP_URL}/auth/hosts/sandbox/manage?code=x`))).status).toBe(404);
  });

  it("forgets sessions that can no longer be used when new ones start", async () => {
    const { id } = await jobberAccount();
    await manageApp(deps(), "jobber", manageRequest(id));
    const before = await db().prisma.adminSession.count();
    expect(before).toBeGreaterThan(0);
    clock.advance(8 * 86_400_000);
    await manageApp(deps(), "jobber", manageRequest(id));
    expect(await db().prisma.adminSession.count()).toBe(1);
  });

  it("rotates: signing in again from the same browser ends the old session", async () => {
    const { id } = await jobberAccount();
    const first = cookieOf(await manageApp(deps(), "jobber", manageRequest(id)))!;
    const second = cookieOf(await manageApp(deps(), "jobber", manageRequest(id, first)))!;
    expect(second).not.toBe(first);
    expect((await refusal(adminGet(first))).status).toBe(401);
    expect((await authenticateAdmin(adminGet(second), authDeps())).mode).toBe("standalone");
  });
});

describe("the session", () => {
  async function signedIn() {
    const { id, business } = await jobberAccount();
    const res = await manageApp(deps(), "jobber", manageRequest(id));
    const row = await db().prisma.adminSession.findFirstOrThrow({ where: { businessId: business!.id } });
    return { cookie: cookieOf(res)!, csrf: row.csrfToken, business: business! };
  }

  it("lets a same-origin mutation with the session's CSRF token through, and refuses cross-site ones with 403", async () => {
    const { cookie, csrf } = await signedIn();
    expect((await authenticateAdmin(adminPost(cookie, { Origin: APP_URL, [CSRF_HEADER]: csrf }), authDeps())).mode).toBe("standalone");
    expect((await authenticateAdmin(adminPost(cookie, { "Sec-Fetch-Site": "same-origin", [CSRF_HEADER]: csrf }), authDeps())).mode).toBe("standalone");
    const refused: Array<[string, Record<string, string>]> = [
      ["another origin", { Origin: "https://evil.example", [CSRF_HEADER]: csrf }],
      ["a sibling port", { Origin: "http://localhost:4000", [CSRF_HEADER]: csrf }],
      ["no origin, cross-site fetch metadata", { "Sec-Fetch-Site": "cross-site", [CSRF_HEADER]: csrf }],
      ["no origin at all", { [CSRF_HEADER]: csrf }],
      ["same origin without the token", { Origin: APP_URL }],
      ["same origin with another token", { Origin: APP_URL, [CSRF_HEADER]: "not-the-token" }],
    ];
    for (const [label, headers] of refused) {
      const res = await refusal(adminPost(cookie, headers));
      expect(res.status, label).toBe(403);
    }
    // Reading needs no token.
    expect((await authenticateAdmin(adminGet(cookie), authDeps())).mode).toBe("standalone");
  });

  it("ends after 12 idle hours, and after 7 days however active", async () => {
    const { cookie } = await signedIn();
    clock.advance(11 * 3_600_000);
    await authenticateAdmin(adminGet(cookie), authDeps());
    clock.advance(11 * 3_600_000);
    await authenticateAdmin(adminGet(cookie), authDeps());
    clock.advance(12 * 3_600_000 + 1_000);
    const idle = await refusal(adminGet(cookie));
    expect(idle.status).toBe(401);
    expect(((await idle.json()) as { error: { message: string; signIn: string } }).error).toMatchObject({
      message: expect.stringContaining("inactivity"),
      signIn: "/auth/signed-out?reason=idle&host=jobber",
    });

    // Used every 11 hours: never idle, but over after 7 days.
    const active = await signedIn();
    let elapsed = 0;
    while (elapsed + 11 * 3_600_000 < 7 * 86_400_000) {
      clock.advance(11 * 3_600_000);
      elapsed += 11 * 3_600_000;
      await authenticateAdmin(adminGet(active.cookie), authDeps());
    }
    clock.advance(11 * 3_600_000);
    const expired = await refusal(adminGet(active.cookie));
    expect(((await expired.json()) as { error: { signIn: string } }).error.signIn).toBe("/auth/signed-out?reason=expired&host=jobber");
  });

  it("sends a page load without a valid session to the sign-in page, which goes back through the host", async () => {
    const { cookie } = await signedIn();
    clock.advance(13 * 3_600_000);
    const res = await refusal(adminGet(cookie, { "Sec-Fetch-Dest": "document" }));
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/auth/signed-out?reason=idle&host=jobber");
    const page = signedOutPage({ hosts: registry }, new Request(`${APP_URL}${res.headers.get("Location")}`));
    const html = await page.text();
    expect(html).toContain("Your session expired");
    expect(html).toContain('href="/auth/hosts/jobber/install"');
    // No cookie and no token at all: the same page, listing every way in.
    const none = await refusal(new Request(`${APP_URL}/app`, { headers: { "Sec-Fetch-Dest": "document" } }));
    expect(none.headers.get("Location")).toBe("/auth/signed-out?reason=missing");
  });

  it("logout ends the session (a cross-site logout is refused)", async () => {
    const { cookie } = await signedIn();
    const crossSite = await logout({ db: db().prisma, clock, sessions: POLICY }, new Request(`${APP_URL}/auth/logout`, { method: "POST", headers: { Cookie: cookie, Origin: "https://evil.example" } }));
    expect(crossSite.status).toBe(403);
    await authenticateAdmin(adminGet(cookie), authDeps());
    const res = await logout({ db: db().prisma, clock, sessions: POLICY }, new Request(`${APP_URL}/auth/logout`, { method: "POST", headers: { Cookie: cookie, Origin: APP_URL } }));
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/auth/signed-out?reason=revoked&host=jobber");
    expect(res.headers.get("Set-Cookie")).toMatch(new RegExp(`^${ADMIN_SESSION_COOKIE}=; .*Max-Age=0`));
    expect((await refusal(adminGet(cookie))).status).toBe(401);
  });
});

describe("installing through OAuth", () => {
  it("lands a standalone host's merchant in the admin, signed in", async () => {
    const id = encodedId("Account", 900 + ++seq);
    mock.addAccount({ id, name: "Fresh Install Co" });
    const start = await beginInstall(deps(), "jobber", new Request(`${APP_URL}/auth/hosts/jobber/install`));
    const callback = new URL(`${APP_URL}/auth/hosts/jobber/callback`);
    callback.searchParams.set("code", mock.issueCode(id, callback.toString()));
    callback.searchParams.set("state", new URL(start.headers.get("Location")!).searchParams.get("state")!);
    const done = await completeInstall(deps(), "jobber", new Request(callback, { headers: { Cookie: start.headers.get("Set-Cookie")!.split(";")[0]! } }));
    expect(done.status).toBe(302);
    expect(done.headers.get("Location")).toBe("/app");
    const cookie = cookieOf(done)!;
    const admin = await authenticateAdmin(adminGet(cookie), authDeps());
    expect(admin.business).toMatchObject({ host: "jobber", externalAccountId: id, name: "Fresh Install Co", status: "installed" });
  });
});
