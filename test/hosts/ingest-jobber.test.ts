// Jobber end to end: install over OAuth, JOB_UPDATE / VISIT_COMPLETE → job read back by GraphQL →
// enrollment once Jobber's status says the work is done,
// expired access tokens refreshed (with the rotated refresh token stored), APP_DISCONNECT and
// "the user disconnected this app" → uninstall. Jobber's HTTP API is the msw stand-in.
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHostApiAccess, readHostTokens } from "~/hosts/install/credentials.server";
import { receiveWebhook } from "~/hosts/ingest/receive.server";
import { processDueHostEvents } from "~/hosts/ingest/process.server";
import { beginInstall, completeInstall } from "~/hosts/install/install.server";
import { ManualClock } from "~/lib/clock.server";
import { useTestDatabase } from "../helpers/db";
import { clientFixture, createJobberMock, encodedId, type JobberJobFixture, jobberWebhook, jobFixture, type JobberMock } from "../mocks/jobber";
import { APP_URL, ENCRYPTION_KEY, ingestDeps, installDeps, JOBBER_CREDENTIALS, processDeps, testRegistry } from "../sandbox/helpers";

const db = useTestDatabase();
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const clock = new ManualClock("2026-01-05T15:00:00Z");
const REDIRECT = `${APP_URL}/auth/hosts/jobber/callback`;
let mock: JobberMock;
let registry: ReturnType<typeof testRegistry>;
let accountSeq = 0;

beforeEach(() => {
  clock.set("2026-01-05T15:00:00Z");
  mock = createJobberMock({ ...JOBBER_CREDENTIALS, now: () => clock.now() });
  server.use(...mock.handlers);
  // Simulated waits: the mock's cost bucket refills for the time "slept".
  registry = testRegistry({ clock, jobber: true, sleep: async (ms) => mock.restore(ms) });
});

/**
 * Installs a new Jobber account that has one job, closed unless `job` says otherwise (ids are
 * global on Jobber, so unique per test).
 */
async function install(job: Partial<JobberJobFixture> = {}): Promise<{ account: string; businessId: string; jobId: string }> {
  const account = encodedId("Account", 100 + ++accountSeq);
  const jobId = encodedId("Job", 9000 + accountSeq);
  mock.addClient(clientFixture());
  mock.addJob(jobFixture({ ...job, id: jobId }));
  mock.addAccount({ id: account, name: `Jobber Co ${accountSeq}` });
  const deps = installDeps(db(), registry, clock);
  const start = await beginInstall(deps, "jobber", new Request(`${APP_URL}/auth/hosts/jobber/install`));
  const authorize = new URL(start.headers.get("Location")!);
  expect(authorize.origin + authorize.pathname).toBe("https://api.getjobber.com/api/oauth/authorize");
  const callback = new URL(REDIRECT);
  callback.searchParams.set("code", mock.issueCode(account, REDIRECT));
  callback.searchParams.set("state", authorize.searchParams.get("state")!);
  const done = await completeInstall(deps, "jobber", new Request(callback, { headers: { Cookie: start.headers.get("Set-Cookie")!.split(";")[0]! } }));
  // Jobber's admin is standalone: the installing merchant lands in the admin, signed in.
  expect(done.status).toBe(302);
  expect(done.headers.get("Location")).toBe("/app");
  const business = await db().prisma.business.findUniqueOrThrow({ where: { host_externalAccountId: { host: "jobber", externalAccountId: account } } });
  return { account, businessId: business.id, jobId };
}

function webhook(account: string, topic: string, itemId: string, occurredAt = clock.now().toISOString()) {
  const { rawBody, headers } = jobberWebhook(JOBBER_CREDENTIALS.clientSecret, { topic, accountId: account, itemId, occurredAt });
  return receiveWebhook(ingestDeps(db(), registry, clock), "jobber", new Request(`${APP_URL}/webhooks/hosts/jobber`, { method: "POST", headers, body: rawBody }));
}

const process = () => processDueHostEvents(processDeps(db(), registry, clock));

describe("Jobber end to end", () => {
  it("JOB_UPDATE: stored at once, then the job is read by GraphQL and its customer enrolled", async () => {
    const { account, businessId, jobId } = await install();
    const graphqlBefore = mock.graphqlRequests().length;

    const response = await webhook(account, "JOB_UPDATE", jobId);
    expect(response.status).toBe(200);
    // No API call in the request path.
    expect(mock.graphqlRequests()).toHaveLength(graphqlBefore);

    expect(await process()).toMatchObject({ processed: 1 });
    expect(mock.graphqlRequests().at(-1)!.body).toMatchObject({ operationName: "KudosJob" });
    const job = await db().prisma.job.findFirstOrThrow({ where: { businessId }, include: { customer: true, enrollments: true } });
    expect(job).toMatchObject({ hostJobId: jobId, status: "completed", serviceType: "Lawn mowing", outcome: "enrolled" });
    expect(job.customer).toMatchObject({ email: "dana.whitfield@example.com", phone: "+13055550142", region: "FL", country: "US" });
    expect(job.enrollments).toHaveLength(1);
  });

  it("a one-off job with no visit: updates while it is in progress enroll nobody; the one that closes it does", async () => {
    const { account, businessId, jobId } = await install({ jobStatus: "upcoming", completedAt: null });
    const setJob = (jobStatus: string, completedAt: string | null) => mock.addJob(jobFixture({ id: jobId, jobStatus, completedAt }));
    const stored = () => db().prisma.job.findFirstOrThrow({ where: { businessId }, include: { enrollments: true } });

    await webhook(account, "JOB_UPDATE", jobId);
    clock.advance(60_000);
    setJob("late", null);
    await webhook(account, "JOB_UPDATE", jobId);
    expect(await process()).toMatchObject({ processed: 2 });
    expect(await stored()).toMatchObject({ status: "late", completedAt: null, outcome: "pending", enrollments: [] });

    // The merchant marks the job complete in Jobber: it needs invoicing.
    clock.advance(60_000);
    setJob("requires_invoicing", "2026-01-05T15:01:30Z");
    const closing = clock.now().toISOString();
    await webhook(account, "JOB_UPDATE", jobId, closing);
    // Jobber's at-least-once redelivery of that update is the same event.
    await webhook(account, "JOB_UPDATE", jobId, closing);
    expect(await db().prisma.hostEvent.count({ where: { accountId: account, topic: "JOB_UPDATE" } })).toBe(3);
    expect(await process()).toMatchObject({ processed: 1 });
    const completed = await stored();
    expect(completed).toMatchObject({ status: "completed", completedAt: new Date("2026-01-05T15:01:30Z"), outcome: "enrolled" });
    expect(completed.enrollments).toHaveLength(1);

    // Reopened in Jobber: recorded like any job.updated (the request already under way goes on),
    // and closing it again enrolls nobody twice.
    clock.advance(60_000);
    setJob("active", null);
    await webhook(account, "JOB_UPDATE", jobId);
    await process();
    expect(await stored()).toMatchObject({ status: "active", completedAt: null, enrollments: [{ status: "active" }] });
    clock.advance(60_000);
    setJob("archived", "2026-01-05T15:04:00Z");
    await webhook(account, "JOB_UPDATE", jobId);
    await process();
    expect(await stored()).toMatchObject({ status: "completed", completedAt: new Date("2026-01-05T15:04:00Z") });
    expect(await db().prisma.enrollment.count({ where: { businessId } })).toBe(1);
  });

  it("a recurring job: VISIT_COMPLETE enrolls while the job stays in progress; later updates keep its status", async () => {
    const { account, businessId, jobId } = await install({ jobStatus: "upcoming", completedAt: null });
    const visitId = encodedId("Visit", 500 + accountSeq);
    mock.addVisit({ id: visitId, completedAt: "2026-01-05T14:50:00Z", jobId });

    await webhook(account, "VISIT_COMPLETE", visitId);
    expect(await process()).toMatchObject({ processed: 1 });
    expect(mock.graphqlRequests().at(-1)!.body).toMatchObject({ operationName: "KudosVisit" });
    const job = await db().prisma.job.findFirstOrThrow({ where: { businessId }, include: { enrollments: true } });
    expect(job).toMatchObject({ status: "completed", completedAt: new Date("2026-01-05T14:50:00Z"), outcome: "enrolled" });
    expect(job.enrollments).toHaveLength(1);

    // The next visit is scheduled: the job is in progress again, and stays enrolled once.
    clock.advance(60_000);
    await webhook(account, "JOB_UPDATE", jobId);
    await process();
    expect(await db().prisma.job.findFirstOrThrow({ where: { businessId } })).toMatchObject({ status: "upcoming" });
    expect(await db().prisma.enrollment.findMany({ where: { businessId } })).toMatchObject([{ status: "active" }]);
  });

  it("rejects a webhook not signed with the client secret", async () => {
    const { account } = await install();
    const { rawBody, headers } = jobberWebhook("someone-elses-secret", { topic: "JOB_CLOSED", accountId: account, itemId: "x", occurredAt: clock.now().toISOString() });
    const response = await receiveWebhook(ingestDeps(db(), registry, clock), "jobber", new Request(`${APP_URL}/webhooks/hosts/jobber`, { method: "POST", headers, body: rawBody }));
    expect(response.status).toBe(401);
    expect(await db().prisma.hostEvent.count({ where: { accountId: account } })).toBe(0);
  });

  it("refreshes an expired access token first and stores the rotated refresh token", async () => {
    const { account, businessId, jobId } = await install();
    const installed = await readHostTokens(db().prisma, ENCRYPTION_KEY, businessId);

    clock.advance(2 * 3_600_000);
    await webhook(account, "JOB_UPDATE", jobId);
    expect(await process()).toMatchObject({ processed: 1 });

    const refreshes = mock.requests.filter((r) => r.kind === "token" && r.body.grant_type === "refresh_token");
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.body.refresh_token).toBe(installed!.refreshToken);
    const now = await readHostTokens(db().prisma, ENCRYPTION_KEY, businessId);
    expect(now!.refreshToken).not.toBe(installed!.refreshToken);
    expect(now!.accessExpiresAt).toEqual(new Date(clock.now().getTime() + 3_600_000));
    expect(await db().prisma.enrollment.count({ where: { businessId } })).toBe(1);

    // The stored (rotated) refresh token is the live one: the next expiry refreshes fine.
    clock.advance(2 * 3_600_000);
    const token = await createHostApiAccess({ db: db().prisma, clock, encryptionKey: ENCRYPTION_KEY, connector: registry.get("jobber")! }, businessId).accessToken();
    expect(token).not.toBe(now!.accessToken);
    expect(mock.requests.filter((r) => r.kind === "token" && r.status !== 200)).toHaveLength(0);
  });

  it("serialises concurrent refreshes of one business: one refresh, everyone gets its token", async () => {
    const { businessId } = await install();
    clock.advance(2 * 3_600_000);
    const access = () => createHostApiAccess({ db: db().prisma, clock, encryptionKey: ENCRYPTION_KEY, connector: registry.get("jobber")! }, businessId).accessToken();
    const tokens = await Promise.all([access(), access(), access()]);
    expect(new Set(tokens).size).toBe(1);
    const refreshes = mock.requests.filter((r) => r.kind === "token" && r.body.grant_type === "refresh_token");
    // A second refresh with the rotated-away token would have been invalid_grant.
    expect(refreshes.map((r) => r.status)).toEqual([200]);
    expect((await readHostTokens(db().prisma, ENCRYPTION_KEY, businessId))!.accessToken).toBe(tokens[0]);
  });

  it("APP_DISCONNECT uninstalls: enrollments stopped, tokens deleted", async () => {
    const { account, businessId, jobId } = await install();
    await webhook(account, "JOB_UPDATE", jobId);
    await process();
    clock.advance(60_000);
    await webhook(account, "APP_DISCONNECT", account);
    await process();
    expect(await db().prisma.enrollment.findFirstOrThrow({ where: { businessId } })).toMatchObject({ status: "stopped", stopReason: "app_uninstalled" });
    expect(await db().prisma.business.findUniqueOrThrow({ where: { id: businessId } })).toMatchObject({ status: "uninstalled" });
    expect(await db().prisma.hostCredential.count({ where: { businessId } })).toBe(0);
  });

  it("Jobber saying the user disconnected the app uninstalls the business", async () => {
    const { account, businessId, jobId } = await install();
    mock.disconnect(account, "graphql");
    await webhook(account, "JOB_UPDATE", jobId);
    expect(await process()).toMatchObject({ processed: 1 });
    expect(await db().prisma.business.findUniqueOrThrow({ where: { id: businessId } })).toMatchObject({ status: "uninstalled" });
    expect(await db().prisma.job.count({ where: { businessId } })).toBe(0);
  });
});
