// The sandbox host end to end through the real route handlers: wherever the sandbox (or Kudos's
// generic connector) would call APP_URL over HTTP, an in-process fetch dispatches the request to
// the route's loader or action instead of a running server.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { authenticateAdmin } from "~/auth/admin.server";
import { sessionPolicy } from "~/auth/require-admin.server";
import { resetEnvForTests, parseEnv } from "~/env.server";
import { getHostEventProcessDeps } from "~/hosts/ingest/runtime.server";
import { processDueHostEvents } from "~/hosts/ingest/process.server";
import { getSandboxDeps } from "~/hosts/sandbox/deps.server";
import { resetSandboxStoresForTests } from "~/hosts/sandbox/store.server";
import { createServices, getServices } from "~/services.server";
import * as installRoute from "~/routes/auth.hosts.$host.install";
import * as callbackRoute from "~/routes/auth.hosts.$host.callback";
import * as webhookRoute from "~/routes/webhooks.hosts.$host";
import * as authorizeRoute from "~/routes/sandbox.oauth.authorize";
import * as tokenRoute from "~/routes/sandbox.oauth.token";
import * as accountsApi from "~/routes/sandbox.api.accounts";
import * as jobsApi from "~/routes/sandbox.api.accounts.$id.jobs";
import * as uninstallApi from "~/routes/sandbox.api.accounts.$id.uninstall";
import * as sessionTokenRoute from "~/routes/sandbox.accounts.$id.session-token";
import * as adminRoute from "~/routes/sandbox.accounts.$id.admin";
import { useTestDatabase } from "../helpers/db";
import { inProcessFetch, type TestRouteModule } from "./helpers";

const APP_URL = "http://kudos.sandbox.test";
const db = useTestDatabase();

type RouteModule = TestRouteModule;

const routes: Array<[RegExp, string[], RouteModule]> = [
  [/^\/auth\/hosts\/([^/]+)\/install$/, ["host"], installRoute as RouteModule],
  [/^\/auth\/hosts\/([^/]+)\/callback$/, ["host"], callbackRoute as RouteModule],
  [/^\/webhooks\/hosts\/([^/]+)$/, ["host"], webhookRoute as RouteModule],
  [/^\/sandbox\/oauth\/authorize$/, [], authorizeRoute as unknown as RouteModule],
  [/^\/sandbox\/oauth\/token$/, [], tokenRoute as RouteModule],
  [/^\/sandbox\/api\/accounts$/, [], accountsApi as RouteModule],
  [/^\/sandbox\/api\/accounts\/([^/]+)\/jobs$/, ["id"], jobsApi as RouteModule],
  [/^\/sandbox\/api\/accounts\/([^/]+)\/uninstall$/, ["id"], uninstallApi as RouteModule],
  [/^\/sandbox\/accounts\/([^/]+)\/session-token$/, ["id"], sessionTokenRoute as RouteModule],
];

const fetchInProcess = inProcessFetch(APP_URL, routes);
const call = (pathname: string, init?: RequestInit) => fetchInProcess(`${APP_URL}${pathname}`, init);
const post = (pathname: string, body: unknown) =>
  call(pathname, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const work = () => processDueHostEvents(getHostEventProcessDeps());

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
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "kudos-sandbox-e2e-")),
  });
  resetEnvForTests();
  resetSandboxStoresForTests();
  vi.stubGlobal("fetch", fetchInProcess);
});

afterAll(async () => {
  vi.unstubAllGlobals();
  const g = globalThis as unknown as { __kudosServices?: unknown; __kudosDb?: { prisma: { $disconnect(): Promise<void> }; pool: { end(): Promise<void> } } };
  await g.__kudosDb?.prisma.$disconnect();
  await g.__kudosDb?.pool.end().catch(() => {});
  g.__kudosServices = undefined;
  g.__kudosDb = undefined;
});

describe("sandbox automation API", () => {
  it("creates an account and installs Kudos through the real OAuth flow over HTTP", async () => {
    const response = await post("/sandbox/api/accounts", { name: "Whitfield Lawn & Garden", timezone: "America/Chicago" });
    expect(response.status).toBe(201);
    const { accountId, businessId } = (await response.json()) as { accountId: string; businessId: string };
    expect(accountId).toMatch(/^acct_/);
    const business = await db().prisma.business.findUniqueOrThrow({ where: { id: businessId }, include: { campaigns: { include: { touches: true } }, credential: true } });
    expect(business).toMatchObject({ host: "sandbox", externalAccountId: accountId, name: "Whitfield Lawn & Garden", timezone: "America/Chicago", status: "installed" });
    expect(business.campaigns).toHaveLength(1);
    expect(business.campaigns[0]).toMatchObject({ status: "active", isPreset: false });
    expect(business.campaigns[0]!.name).toMatch(/standard/i);
    expect(business.physicalAddress).toBeTruthy();
    expect(business.reviewLinks).toEqual([{ site: "Google", url: expect.stringContaining("google.com") }]);
    expect(business.credential).not.toBeNull();
  });

  it("a completed job: the webhook answers 200, and after the worker runs the customer is enrolled", async () => {
    const { accountId, businessId } = (await (await post("/sandbox/api/accounts", { name: "Acme Plumbing" })).json()) as { accountId: string; businessId: string };
    const response = await post(`/sandbox/api/accounts/${accountId}/jobs`, {
      customer: { firstName: "Dana", lastName: "Reyes", email: "Dana@Example.com", phone: "(305) 555-0142" },
      serviceType: "Water heater",
      completed: true,
    });
    expect(response.status).toBe(201);
    const { jobId, status } = (await response.json()) as { jobId: string; status: number };
    expect(status).toBe(200);
    // Stored, not processed: the request path did no enrollment work.
    expect(await db().prisma.hostEvent.count({ where: { businessId, processedAt: null } })).toBe(1);
    expect(await db().prisma.enrollment.count({ where: { businessId } })).toBe(0);

    expect(await work()).toMatchObject({ processed: 1 });
    const job = await db().prisma.job.findUniqueOrThrow({ where: { businessId_hostJobId: { businessId, hostJobId: jobId } }, include: { enrollments: true, customer: true } });
    expect(job).toMatchObject({ status: "completed", serviceType: "Water heater", outcome: "enrolled" });
    expect(job.customer).toMatchObject({ email: "dana@example.com", phone: "+13055550142", timezone: "America/New_York" });
    expect(job.enrollments).toHaveLength(1);
  });

  it("validates input with the field named, and 404s an unknown account", async () => {
    const bad = await post("/sandbox/api/accounts", { timezone: "Mars/Olympus" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { fields: { name: expect.any(String), timezone: expect.any(String) } } });
    const { accountId } = (await (await post("/sandbox/api/accounts", { name: "Validation Co" })).json()) as { accountId: string };
    const badJob = await post(`/sandbox/api/accounts/${accountId}/jobs`, { customer: { lastName: "X", email: "nope" } });
    expect(badJob.status).toBe(400);
    expect(await badJob.json()).toMatchObject({ error: { fields: { "customer.firstName": expect.any(String), "customer.email": expect.any(String) } } });
    const notJson = await call(`/sandbox/api/accounts/${accountId}/jobs`, { method: "POST", body: "{oops" });
    expect(notJson.status).toBe(400);
    const unknown = await post("/sandbox/api/accounts/acct_nope/jobs", { customer: { firstName: "A", email: "a@example.com" } });
    expect(unknown.status).toBe(404);
  });

  it("uninstall delivers app.uninstalled; the worker uninstalls the business", async () => {
    const { accountId, businessId } = (await (await post("/sandbox/api/accounts", { name: "Leaving Co" })).json()) as { accountId: string; businessId: string };
    const response = await post(`/sandbox/api/accounts/${accountId}/uninstall`, {});
    expect(await response.json()).toMatchObject({ status: 200 });
    await work();
    expect(await db().prisma.business.findUniqueOrThrow({ where: { id: businessId } })).toMatchObject({ status: "uninstalled" });
    expect(await db().prisma.hostCredential.count({ where: { businessId } })).toBe(0);
    // The sandbox revoked its tokens too: refreshing with the old one fails.
    const store = getSandboxDeps()!.store;
    expect(await store.read((s) => s.tokens.filter((t) => t.accountId === accountId))).toEqual([]);
  });
});

describe("sandbox admin and session tokens", () => {
  it("frames /app with a session token Kudos accepts, and mints fresh ones on request", async () => {
    const { accountId, businessId } = (await (await post("/sandbox/api/accounts", { name: "Framed Co" })).json()) as { accountId: string; businessId: string };
    const shell = (await adminRoute.loader({ request: new Request(`${APP_URL}/sandbox/accounts/${accountId}/admin?installed=first`), params: { id: accountId }, context: {} })) as {
      appSrc: string;
      notice: string;
      installed: boolean;
    };
    expect(shell.installed).toBe(true);
    expect(shell.notice).toContain("active copy of the Standard campaign");
    expect(shell.appSrc.startsWith(`${APP_URL}/app?id_token=`)).toBe(true);
    const services = getServices();
    const authDeps = { db: services.database.prisma, clock: services.domain.clock, sessionKeys: services.hosts.sessionKeys(), sessions: sessionPolicy(services.env) };
    expect((await authenticateAdmin(new Request(shell.appSrc), authDeps)).business.id).toBe(businessId);

    const minted = await call(`/sandbox/accounts/${accountId}/session-token`, { method: "POST" });
    const { token } = (await minted.json()) as { token: string };
    const admin = await authenticateAdmin(new Request(`${APP_URL}/app`, { headers: { Authorization: `Bearer ${token}` } }), authDeps);
    expect(admin).toMatchObject({ business: { id: businessId, host: "sandbox", externalAccountId: accountId }, mode: "embedded" });
  });
});

describe("routes", () => {
  it("the webhook endpoint is POST only and knows its hosts", async () => {
    const get = await call("/webhooks/hosts/sandbox");
    expect(get.status).toBe(405);
    expect(get.headers.get("Allow")).toBe("POST");
    expect((await call("/webhooks/hosts/sandbox", { method: "PUT", body: "{}" })).status).toBe(405);
    expect((await call("/webhooks/hosts/nowhere", { method: "POST", body: "{}" })).status).toBe(404);
    expect((await call("/webhooks/hosts/sandbox", { method: "POST", body: "{}" })).status).toBe(401);
  });

  it("the token endpoint follows RFC 6749 errors", async () => {
    const form = (params: Record<string, string>) => call("/sandbox/oauth/token", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(params) });
    const { clientId, clientSecret } = getServices().secrets.sandbox;
    expect((await form({ grant_type: "authorization_code", code: "x", client_id: clientId, client_secret: "wrong" })).status).toBe(401);
    const reused = await form({ grant_type: "authorization_code", code: "never-issued", client_id: clientId, client_secret: clientSecret, redirect_uri: `${APP_URL}/auth/hosts/sandbox/callback` });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toEqual({ error: "invalid_grant" });
    expect(await (await form({ grant_type: "password", client_id: clientId, client_secret: clientSecret })).json()).toEqual({ error: "unsupported_grant_type" });
  });

  it("the consent screen refuses an unknown app or redirect_uri instead of redirecting", async () => {
    const response = await call(`/sandbox/oauth/authorize?client_id=evil&redirect_uri=${encodeURIComponent("https://evil.example/cb")}&state=s&response_type=code`);
    expect(await response.json()).toMatchObject({ ok: false, error: expect.stringContaining("Unknown app") });
  });

  it("the sandbox does not exist when SANDBOX_HOST is off", () => {
    const services = getServices();
    const off = createServices(parseEnv({ ...process.env, SANDBOX_HOST: "0" }), services.database);
    expect(getSandboxDeps(off)).toBeNull();
    expect(off.hosts.get("sandbox")).toBeUndefined();
  });
});
