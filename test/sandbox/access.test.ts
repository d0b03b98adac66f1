// SANDBOX_SECRET through the real route handlers: every /sandbox page and API answers 401 with a
// Basic challenge unless the request presents the secret (Basic password, any user; or Bearer),
// and changes nothing. The install flow still works end to end: the sandbox's own call to its
// consent screen presents the secret, and Kudos's server reaches the token endpoint with the
// app's client credentials. As in sandbox.test.ts, an in-process fetch plays the server.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "~/env.server";
import { getSandboxDeps } from "~/hosts/sandbox/deps.server";
import { resetSandboxStoresForTests } from "~/hosts/sandbox/store.server";
import { getServices } from "~/services.server";
import * as installRoute from "~/routes/auth.hosts.$host.install";
import * as callbackRoute from "~/routes/auth.hosts.$host.callback";
import * as webhookRoute from "~/routes/webhooks.hosts.$host";
import * as homeRoute from "~/routes/sandbox._index";
import * as adminRoute from "~/routes/sandbox.accounts.$id.admin";
import * as jobsRoute from "~/routes/sandbox.accounts.$id.jobs";
import * as sessionTokenRoute from "~/routes/sandbox.accounts.$id.session-token";
import * as accountsApi from "~/routes/sandbox.api.accounts";
import * as jobsApi from "~/routes/sandbox.api.accounts.$id.jobs";
import * as uninstallApi from "~/routes/sandbox.api.accounts.$id.uninstall";
import * as authorizeRoute from "~/routes/sandbox.oauth.authorize";
import * as tokenRoute from "~/routes/sandbox.oauth.token";
import { useTestDatabase } from "../helpers/db";
import { inProcessFetch, type TestRouteModule } from "./helpers";

const APP_URL = "http://kudos.sandbox-access.test";
const SECRET = "sandbox-secret-0123456789";
const CHALLENGE = 'Basic realm="Kudos sandbox"';
const db = useTestDatabase();

type RouteModule = TestRouteModule;
const m = (module: unknown) => module as RouteModule;

const routes: Array<[RegExp, string[], RouteModule]> = [
  [/^\/auth\/hosts\/([^/]+)\/install$/, ["host"], m(installRoute)],
  [/^\/auth\/hosts\/([^/]+)\/callback$/, ["host"], m(callbackRoute)],
  [/^\/webhooks\/hosts\/([^/]+)$/, ["host"], m(webhookRoute)],
  [/^\/sandbox$/, [], m(homeRoute)],
  [/^\/sandbox\/accounts\/([^/]+)\/admin$/, ["id"], m(adminRoute)],
  [/^\/sandbox\/accounts\/([^/]+)\/jobs$/, ["id"], m(jobsRoute)],
  [/^\/sandbox\/accounts\/([^/]+)\/session-token$/, ["id"], m(sessionTokenRoute)],
  [/^\/sandbox\/api\/accounts$/, [], m(accountsApi)],
  [/^\/sandbox\/api\/accounts\/([^/]+)\/jobs$/, ["id"], m(jobsApi)],
  [/^\/sandbox\/api\/accounts\/([^/]+)\/uninstall$/, ["id"], m(uninstallApi)],
  [/^\/sandbox\/oauth\/authorize$/, [], m(authorizeRoute)],
  [/^\/sandbox\/oauth\/token$/, [], m(tokenRoute)],
];

const fetchInProcess = inProcessFetch(APP_URL, routes);
const call = (pathname: string, init?: RequestInit) => fetchInProcess(`${APP_URL}${pathname}`, init);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const json = (body: unknown, authorization?: string): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json", ...(authorization ? { Authorization: authorization } : {}) },
  body: JSON.stringify(body),
});
const form = (fields: Record<string, string>): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields),
});
const accountsInStore = () => getSandboxDeps()!.store.read((s) => s.accounts.length);

beforeAll(() => {
  const g = globalThis as unknown as { __kudosServices?: unknown; __kudosDb?: unknown };
  g.__kudosServices = undefined;
  g.__kudosDb = undefined;
  Object.assign(process.env, {
    DATABASE_URL: db().url,
    APP_URL,
    LINK_SECRET: randomBytes(32).toString("base64url"),
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    SANDBOX_HOST: "1",
    SANDBOX_SECRET: SECRET,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "kudos-sandbox-access-")),
  });
  resetEnvForTests();
  resetSandboxStoresForTests();
  vi.stubGlobal("fetch", fetchInProcess);
});

afterAll(async () => {
  vi.unstubAllGlobals();
  delete process.env.SANDBOX_SECRET;
  resetEnvForTests();
  const g = globalThis as unknown as { __kudosServices?: unknown; __kudosDb?: { prisma: { $disconnect(): Promise<void> }; pool: { end(): Promise<void> } } };
  await g.__kudosDb?.prisma.$disconnect();
  await g.__kudosDb?.pool.end().catch(() => {});
  g.__kudosServices = undefined;
  g.__kudosDb = undefined;
});

describe("SANDBOX_SECRET", () => {
  it("every sandbox page and API call without it answers 401 with a Basic challenge, and changes nothing", async () => {
    const requests: Array<[string, RequestInit?]> = [
      ["/sandbox"],
      ["/sandbox", form({ intent: "create", name: "Intruder Co" })],
      ["/sandbox/accounts/acct_x/admin"],
      ["/sandbox/accounts/acct_x/jobs"],
      ["/sandbox/accounts/acct_x/jobs", form({ intent: "create", firstName: "Eve", email: "eve@example.com", completed: "true" })],
      ["/sandbox/accounts/acct_x/session-token"],
      ["/sandbox/accounts/acct_x/session-token", { method: "POST" }],
      ["/sandbox/api/accounts"],
      ["/sandbox/api/accounts", json({ name: "Intruder Co" })],
      ["/sandbox/api/accounts/acct_x/jobs"],
      ["/sandbox/api/accounts/acct_x/jobs", json({ customer: { firstName: "Eve", email: "eve@example.com" }, completed: true })],
      ["/sandbox/api/accounts/acct_x/uninstall", { method: "POST" }],
      ["/sandbox/oauth/authorize?client_id=x&redirect_uri=x&state=s"],
      ["/sandbox/oauth/authorize", form({ decision: "approve", account_id: "acct_x" })],
    ];
    const wrong = [undefined, `Bearer ${SECRET.slice(0, -1)}`, basic("admin", "password"), basic(SECRET, ""), `Basic ${Buffer.from(SECRET).toString("base64")}`, SECRET];
    for (const [pathname, init] of requests) {
      for (const authorization of wrong) {
        const headers = new Headers(init?.headers);
        if (authorization) headers.set("Authorization", authorization);
        const answer = await call(pathname, { ...init, headers });
        const what = `${init?.method ?? "GET"} ${pathname} with ${authorization ?? "nothing"}`;
        expect(answer.status, what).toBe(401);
        expect(answer.headers.get("WWW-Authenticate"), what).toBe(CHALLENGE);
        expect(await answer.text(), what).not.toContain("acct_");
      }
    }
    expect(await accountsInStore()).toBe(0);
    expect(await db().prisma.business.count()).toBe(0);
  });

  it("with the secret as a Basic password (any user) or a Bearer token, the sandbox works, install included", async () => {
    expect((await call("/sandbox/api/accounts", json({ name: "Whitfield Lawn & Garden" }))).status).toBe(401);
    const created = await call("/sandbox/api/accounts", json({ name: "Whitfield Lawn & Garden" }, `Bearer ${SECRET}`));
    expect(created.status).toBe(201);
    const { accountId, businessId } = (await created.json()) as { accountId: string; businessId: string };
    // The install went through the protected consent screen and the token endpoint.
    expect(await db().prisma.business.findUniqueOrThrow({ where: { id: businessId } })).toMatchObject({ host: "sandbox", externalAccountId: accountId, status: "installed" });

    const listed = await call("/sandbox/api/accounts", { headers: { Authorization: basic("anyone", SECRET) } });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ accounts: [{ id: accountId }] });
    const home = await call("/sandbox", { headers: { Authorization: basic("", SECRET) } });
    expect(await home.json()).toMatchObject({ accounts: [{ id: accountId, appInstalled: true }] });
    const minted = await call(`/sandbox/accounts/${accountId}/session-token`, { method: "POST", headers: { Authorization: basic("me", SECRET) } });
    expect(minted.status).toBe(200);
    expect(await minted.json()).toEqual({ token: expect.any(String) });
    const job = await call(`/sandbox/api/accounts/${accountId}/jobs`, json({ customer: { firstName: "Dana", email: "dana@example.com" }, completed: true }, `bearer ${SECRET}`));
    expect(job.status).toBe(201);
    expect(await job.json()).toMatchObject({ status: 200 });
  });

  it("unlike the consent screen, the token endpoint stays reachable for Kudos's server and checks the app's client credentials instead", async () => {
    const { clientId, clientSecret } = getServices().secrets.sandbox;
    const consent = `/sandbox/oauth/authorize?client_id=${clientId}&redirect_uri=${encodeURIComponent(`${APP_URL}/auth/hosts/sandbox/callback`)}&state=s`;
    expect((await call(consent)).status).toBe(401);
    expect((await call(consent, { headers: { Authorization: `Bearer ${SECRET}` } })).status).toBe(200);
    const token = (fields: Record<string, string>) => call("/sandbox/oauth/token", form(fields));
    const badClient = await token({ grant_type: "authorization_code", code: "x", client_id: clientId, client_secret: "wrong" });
    expect(badClient.status).toBe(401);
    expect(badClient.headers.get("WWW-Authenticate")).toBeNull();
    expect(await badClient.json()).toEqual({ error: "invalid_client" });
    const unknownCode = await token({ grant_type: "authorization_code", code: "never-issued", client_id: clientId, client_secret: clientSecret, redirect_uri: `${APP_URL}/auth/hosts/sandbox/callback` });
    expect(unknownCode.status).toBe(400);
    expect(await unknownCode.json()).toEqual({ error: "invalid_grant" });
  });
});
