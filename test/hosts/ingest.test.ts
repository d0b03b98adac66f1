import { InngestTestEngine } from "@inngest/test";
import { beforeEach, describe, expect, it } from "vitest";
import { installBusiness } from "~/domain/business.server";
import { HostApiError, type Connector } from "~/hosts/connector";
import { readHostTokens, storeHostTokens } from "~/hosts/install/credentials.server";
import { listHostEvents, receiveWebhook, retryHostEvent } from "~/hosts/ingest/receive.server";
import {
  claimHostEvents,
  HOST_EVENT_LEASE_MS,
  processDueHostEvents,
  retryDelayMs,
} from "~/hosts/ingest/process.server";
import { startHostEventWorker } from "~/hosts/ingest/worker.server";
import { ManualClock } from "~/lib/clock.server";
import { createProcessHostEventFunction, createSweepHostEventsFunction } from "../../inngest/functions/process-host-event";
import { useTestDatabase } from "../helpers/db";
import {
  ENCRYPTION_KEY,
  genericWebhookRequest,
  ingestDeps,
  jobPayload,
  processDeps,
  silentLogger,
  testRegistry,
} from "../sandbox/helpers";

const db = useTestDatabase();
const clock = new ManualClock("2026-01-05T15:00:00Z");
const registry = testRegistry({ clock });
let accountId = "";
let businessId = "";
let seq = 0;

beforeEach(async () => {
  clock.set("2026-01-05T15:00:00Z");
  accountId = `acct-${++seq}`;
  const { business } = await installBusiness({ db: db().prisma, clock }, { host: "sandbox", externalAccountId: accountId, name: "Whitfield Lawn" });
  businessId = business.id;
  await storeHostTokens(db().prisma, ENCRYPTION_KEY, businessId, { accessToken: "at-1", refreshToken: "rt-1", scopes: ["read_jobs"] });
});

// On the pool, as the server does (without it the same statement goes through Prisma).
const receive = (request: Request, enqueued: string[] = []) => receiveWebhook({ ...ingestDeps(db(), registry, clock, enqueued), pool: db().pool }, "sandbox", request);
const process = (hosts: Pick<typeof registry, "get"> = registry) => processDueHostEvents(processDeps(db(), hosts, clock));
const hostEvents = () => db().prisma.hostEvent.findMany({ where: { businessId }, orderBy: { receivedAt: "asc" } });

describe("receiving host webhooks", () => {
  it("stores a verified event and answers 200 before any processing happens", async () => {
    const enqueued: string[] = [];
    const response = await receive(genericWebhookRequest(jobPayload(accountId), { now: clock.now() }), enqueued);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; hostEventId: string };
    expect(body.status).toBe("stored");
    // Nothing done yet: the job and the enrollment wait for the worker.
    const [event] = await hostEvents();
    expect(event).toMatchObject({ id: body.hostEventId, topic: "job.completed", processedAt: null, attempts: 0 });
    expect(await db().prisma.job.count({ where: { businessId } })).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(enqueued).toEqual([body.hostEventId]);

    expect(await process()).toMatchObject({ claimed: 1, processed: 1 });
    const job = await db().prisma.job.findFirstOrThrow({ where: { businessId }, include: { enrollments: true, customer: true } });
    expect(job).toMatchObject({ hostJobId: "job-1001", status: "completed", serviceType: "Lawn care", outcome: "enrolled" });
    expect(job.customer).toMatchObject({ email: "dana@example.com", phone: "+13055550142", region: "FL" });
    expect(job.enrollments).toHaveLength(1);
    expect((await hostEvents())[0]).toMatchObject({ processedAt: clock.now(), runAfter: null, attempts: 1, lastError: null });
  });

  it("rejects bad, missing and stale signatures with 401 and stores nothing", async () => {
    const body = jobPayload(accountId);
    const forged = await receive(genericWebhookRequest(body, { now: clock.now(), secret: "not-the-secret-0123456789abcdef0123" }));
    expect(forged.status).toBe(401);
    const unsigned = genericWebhookRequest(body, { now: clock.now() });
    unsigned.headers.delete("X-Kudos-Signature");
    expect((await receive(unsigned)).status).toBe(401);
    const stale = await receive(genericWebhookRequest(body, { now: new Date(clock.now().getTime() - 10 * 60_000) }));
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: { code: "unauthorized" } });
    // A body changed after signing.
    const signed = genericWebhookRequest(body, { now: clock.now() });
    const tampered = new Request(signed.url, { method: "POST", headers: signed.headers, body: JSON.stringify({ ...body, account_id: "acct-other" }) });
    expect((await receive(tampered)).status).toBe(401);
    expect(await db().prisma.hostEvent.count()).toBe(await db().prisma.hostEvent.count({ where: { NOT: { accountId } } }));
    expect(await hostEvents()).toHaveLength(0);
  });

  it("answers 400 naming the field for a malformed payload, and 404 for an unknown host", async () => {
    const response = await receive(genericWebhookRequest(jobPayload(accountId, { job: { customer: undefined } }), { now: clock.now() }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_input", fields: { "job.customer": expect.any(String) } } });
    const notJson = genericWebhookRequest(jobPayload(accountId), { now: clock.now() });
    const raw = "{not json";
    const { genericWebhookHeaders } = await import("~/hosts/generic/signature.server");
    const headers = genericWebhookHeaders({ secret: "sandbox-test-secret-0123456789abcdef0123", eventId: "e-x", topic: "job.completed", accountId, body: raw, now: clock.now() });
    const badJson = await receive(new Request(notJson.url, { method: "POST", headers, body: raw }));
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { fields: { body: "must be valid JSON" } } });
    const unknown = await receiveWebhook(ingestDeps(db(), registry, clock), "acme", genericWebhookRequest(jobPayload(accountId), { now: clock.now() }));
    expect(unknown.status).toBe(404);
    expect(await hostEvents()).toHaveLength(0);
  });

  it("answers 200 and stores nothing for an account without an installation", async () => {
    const response = await receive(genericWebhookRequest(jobPayload("acct-nobody"), { now: clock.now() }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ignored", reason: "unknown_account" });
    expect(await db().prisma.hostEvent.count({ where: { accountId: "acct-nobody" } })).toBe(0);
  });

  it("stores and deduplicates the same way through Prisma when no pool is given", async () => {
    const viaPrisma = (request: Request) => receiveWebhook(ingestDeps(db(), registry, clock), "sandbox", request);
    const first = (await (await viaPrisma(genericWebhookRequest(jobPayload(accountId), { now: clock.now(), eventId: "evt-prisma" }))).json()) as { status: string; hostEventId: string };
    expect(first).toEqual({ status: "stored", hostEventId: expect.any(String) });
    expect(await (await viaPrisma(genericWebhookRequest(jobPayload(accountId), { now: clock.now(), eventId: "evt-prisma" }))).json()).toEqual({ status: "duplicate", hostEventId: first.hostEventId });
    expect(await (await receive(genericWebhookRequest(jobPayload(accountId), { now: clock.now(), eventId: "evt-prisma" }))).json()).toEqual({ status: "duplicate", hostEventId: first.hostEventId });
    expect(await (await viaPrisma(genericWebhookRequest(jobPayload("acct-nobody"), { now: clock.now() }))).json()).toEqual({ status: "ignored", reason: "unknown_account" });
    expect(await hostEvents()).toMatchObject([{ id: first.hostEventId, businessId, receivedAt: clock.now(), runAfter: clock.now() }]);
  });

  it("drops redeliveries: one host_event, one job, one enrollment", async () => {
    const deliveries = Array.from({ length: 4 }, () => genericWebhookRequest(jobPayload(accountId), { now: clock.now(), eventId: "evt-dup" }));
    const answers = await Promise.all(deliveries.map((d) => receive(d)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const statuses = await Promise.all(answers.map(async (a) => ((await a.json()) as { status: string }).status));
    expect(statuses.filter((s) => s === "stored")).toHaveLength(1);
    expect(statuses.filter((s) => s === "duplicate")).toHaveLength(3);
    await process();
    // A redelivery after processing changes nothing either.
    expect(((await (await receive(genericWebhookRequest(jobPayload(accountId), { now: clock.now(), eventId: "evt-dup" }))).json()) as { status: string }).status).toBe("duplicate");
    expect(await process()).toMatchObject({ claimed: 0 });
    expect(await hostEvents()).toHaveLength(1);
    expect(await db().prisma.job.count({ where: { businessId } })).toBe(1);
    expect(await db().prisma.enrollment.count({ where: { businessId } })).toBe(1);
  });
});

describe("the host-event worker", () => {
  it("reprocesses an event whose worker died after claiming it, once the lease runs out", async () => {
    await receive(genericWebhookRequest(jobPayload(accountId), { now: clock.now() }));
    const [claimed] = await claimHostEvents(db().pool, { now: clock.now(), limit: 10, leaseMs: HOST_EVENT_LEASE_MS });
    expect(claimed).toBeDefined();
    // ...and the worker dies here. Nobody else can take it during the lease.
    expect(await process()).toMatchObject({ claimed: 0 });
    clock.advance(HOST_EVENT_LEASE_MS + 1_000);
    expect(await process()).toMatchObject({ claimed: 1, processed: 1 });
    expect((await hostEvents())[0]).toMatchObject({ attempts: 2, lastError: null });
    expect(await db().prisma.enrollment.count({ where: { businessId } })).toBe(1);
  });

  it("paces before each event, and hands back what it had not started when stopping", async () => {
    for (let i = 0; i < 3; i++) {
      await receive(genericWebhookRequest(jobPayload(accountId, { jobId: `job-s${i}`, customer: { id: `cus-s${i}`, email: `s${i}@example.com` } }), { now: clock.now() }));
    }
    let paced = 0;
    let stopping = false;
    const summary = await processDueHostEvents(processDeps(db(), registry, clock), {
      concurrency: 1,
      pace: async () => {
        paced += 1;
        // The first event goes ahead; the stop comes before the second.
        if (paced === 2) stopping = true;
      },
      stopping: () => stopping,
    });
    expect(summary).toMatchObject({ claimed: 1, processed: 1 });
    expect(paced).toBe(2);
    const events = await hostEvents();
    expect(events.filter((e) => e.processedAt)).toHaveLength(1);
    // The other two are due again at once, as if never claimed: no attempt counted, no lease.
    expect(events.filter((e) => !e.processedAt).map((e) => [e.attempts, e.runAfter])).toEqual([
      [0, clock.now()],
      [0, clock.now()],
    ]);
    expect(await process()).toMatchObject({ claimed: 2, processed: 2 });
    expect(await db().prisma.enrollment.count({ where: { businessId } })).toBe(3);
  });

  it("picks up events stored by a process that died before handing them over", async () => {
    await receive(genericWebhookRequest(jobPayload(accountId), { now: clock.now() }), []);
    const worker = startHostEventWorker(processDeps(db(), registry, clock), { intervalMs: 60_000, logger: silentLogger });
    try {
      expect(await worker.tick()).toMatchObject({ claimed: 1, processed: 1 });
    } finally {
      await worker.stop();
    }
    expect(await db().prisma.enrollment.count({ where: { businessId } })).toBe(1);
  });

  it("retries a failing event with backoff, keeping the failure visible, then succeeds", async () => {
    const sandbox = registry.get("sandbox")!;
    let failures = 2;
    const flaky: Connector = {
      ...sandbox,
      toDomainEvents: (webhook, api) =>
        failures-- > 0
          ? Promise.reject(new HostApiError("sandbox", "host unreachable", { retryable: true }))
          : sandbox.toDomainEvents(webhook, api),
    };
    const hosts = { get: (h: string) => (h === "sandbox" ? flaky : undefined) };
    await receive(genericWebhookRequest(jobPayload(accountId), { now: clock.now() }));

    expect(await process(hosts)).toMatchObject({ claimed: 1, retrying: 1 });
    let [event] = await hostEvents();
    expect(event).toMatchObject({ attempts: 1, processedAt: null, runAfter: new Date(clock.now().getTime() + retryDelayMs(1)) });
    expect(event!.lastError).toContain("host unreachable");
    expect((await listHostEvents(db().prisma, businessId, { status: "retrying" })).map((e) => e.id)).toEqual([event!.id]);
    expect(await listHostEvents(db().prisma, businessId, { status: "processed" })).toHaveLength(0);

    // Not before its backoff.
    clock.advance(retryDelayMs(1) - 1_000);
    expect(await process(hosts)).toMatchObject({ claimed: 0 });
    clock.advance(1_000);
    expect(await process(hosts)).toMatchObject({ claimed: 1, retrying: 1 });
    [event] = await hostEvents();
    expect(event!.runAfter).toEqual(new Date(clock.now().getTime() + retryDelayMs(2)));
    expect(retryDelayMs(2)).toBe(2 * retryDelayMs(1));

    clock.advance(retryDelayMs(2));
    expect(await process(hosts)).toMatchObject({ claimed: 1, processed: 1 });
    expect((await listHostEvents(db().prisma, businessId, { status: "processed" }))[0]).toMatchObject({ attempts: 3, lastError: null, status: "processed" });
    expect(await db().prisma.enrollment.count({ where: { businessId } })).toBe(1);
  });

  it("fails a permanent error at once, visibly, and lets the merchant retry it", async () => {
    const sandbox = registry.get("sandbox")!;
    let broken = true;
    const connector: Connector = {
      ...sandbox,
      toDomainEvents: (webhook, api) =>
        broken ? Promise.reject(new HostApiError("sandbox", "job not readable", { retryable: false })) : sandbox.toDomainEvents(webhook, api),
    };
    const hosts = { get: () => connector };
    await receive(genericWebhookRequest(jobPayload(accountId), { now: clock.now() }));
    expect(await process(hosts)).toMatchObject({ failed: 1 });
    const [failed] = await listHostEvents(db().prisma, businessId, { status: "failed" });
    expect(failed).toMatchObject({ status: "failed", runAfter: null });
    expect(failed!.lastError).toContain("job not readable");
    clock.advance(24 * 3_600_000);
    expect(await process(hosts)).toMatchObject({ claimed: 0 });

    broken = false;
    expect(await retryHostEvent(db().prisma, businessId, failed!.id, clock.now())).toBe(true);
    expect(await process(hosts)).toMatchObject({ processed: 1 });
    expect(await db().prisma.enrollment.count({ where: { businessId } })).toBe(1);
  });

  it("never lets an older event overwrite newer state, whatever the processing order", async () => {
    // The newer completion is processed first; the older "scheduled" update arrives late.
    await receive(genericWebhookRequest(jobPayload(accountId, { occurredAt: "2026-01-05T14:59:00Z" }), { now: clock.now() }));
    await process();
    await receive(
      genericWebhookRequest(jobPayload(accountId, { topic: "job.updated", occurredAt: "2026-01-04T10:00:00Z", job: { title: "Old title" } }), { now: clock.now() }),
    );
    await process();
    const job = await db().prisma.job.findFirstOrThrow({ where: { businessId }, include: { enrollments: true } });
    expect(job).toMatchObject({ status: "completed", title: "Spring cleanup", hostUpdatedAt: new Date("2026-01-05T14:59:00Z") });
    expect(job.enrollments[0]).toMatchObject({ status: "active" });
  });

  it("job.cancelled stops the job's enrollment (job_cancelled) and keeps the customer's details", async () => {
    await receive(genericWebhookRequest(jobPayload(accountId), { now: clock.now() }));
    await process();
    await receive(
      genericWebhookRequest(jobPayload(accountId, { topic: "job.cancelled", status: "void", occurredAt: "2026-01-05T15:00:00Z", customer: { id: "cus-77" } }), {
        now: clock.now(),
      }),
    );
    await process();
    const enrollment = await db().prisma.enrollment.findFirstOrThrow({ where: { businessId }, include: { customer: true, job: true } });
    expect(enrollment).toMatchObject({ status: "stopped", stopReason: "job_cancelled" });
    expect(enrollment.job.status).toBe("cancelled");
    // The cancellation named only the customer id: what Kudos knew stays.
    expect(enrollment.customer).toMatchObject({ email: "dana@example.com", phone: "+13055550142", firstName: "Dana" });
  });

  it("customer.updated changes only the fields it carries", async () => {
    await receive(genericWebhookRequest(jobPayload(accountId), { now: clock.now() }));
    await process();
    await receive(
      genericWebhookRequest(
        { topic: "customer.updated", account_id: accountId, occurred_at: "2026-01-05T15:00:00Z", customer: { id: "cus-77", email: "Dana.Ortiz@Example.com", phone: "not a phone" } },
        { now: clock.now() },
      ),
    );
    await process();
    const customer = await db().prisma.customer.findFirstOrThrow({ where: { businessId, hostCustomerId: "cus-77" } });
    expect(customer).toMatchObject({ email: "dana.ortiz@example.com", phone: "+13055550142", firstName: "Dana", lastName: "Whitfield", region: "FL" });
  });

  it("app.uninstalled stops every active enrollment and deletes the tokens; a reinstall works", async () => {
    for (const [jobId, customerId, email] of [["job-a", "cus-a", "a@example.com"], ["job-b", "cus-b", "b@example.com"]] as const) {
      await receive(genericWebhookRequest(jobPayload(accountId, { jobId, customer: { id: customerId, first_name: "A", email } }), { now: clock.now() }));
    }
    await process();
    expect(await db().prisma.enrollment.count({ where: { businessId, status: "active" } })).toBe(2);

    clock.advance(60_000);
    await receive(genericWebhookRequest({ topic: "app.uninstalled", account_id: accountId, occurred_at: clock.now().toISOString() }, { now: clock.now() }));
    await process();
    const enrollments = await db().prisma.enrollment.findMany({ where: { businessId } });
    expect(enrollments.map((e) => [e.status, e.stopReason])).toEqual([["stopped", "app_uninstalled"], ["stopped", "app_uninstalled"]]);
    expect(await readHostTokens(db().prisma, ENCRYPTION_KEY, businessId)).toBeNull();
    expect(await db().prisma.business.findUniqueOrThrow({ where: { id: businessId } })).toMatchObject({ status: "uninstalled" });

    // Jobs for an uninstalled business are acknowledged and ignored.
    await receive(genericWebhookRequest(jobPayload(accountId, { jobId: "job-c", customer: { id: "cus-c", email: "c@example.com" } }), { now: clock.now() }));
    expect(await process()).toMatchObject({ processed: 1 });
    expect(await db().prisma.job.count({ where: { businessId, hostJobId: "job-c" } })).toBe(0);

    clock.advance(60_000);
    const again = await installBusiness({ db: db().prisma, clock }, { host: "sandbox", externalAccountId: accountId, name: "Whitfield Lawn" });
    expect(again).toMatchObject({ firstInstall: false, business: { id: businessId, status: "installed" } });
    expect(await db().prisma.campaign.count({ where: { businessId } })).toBe(1);
    await receive(genericWebhookRequest(jobPayload(accountId, { jobId: "job-d", customer: { id: "cus-d", email: "d@example.com" } }), { now: clock.now() }));
    await process();
    expect(await db().prisma.enrollment.count({ where: { businessId, status: "active" } })).toBe(1);
  });

  it("ignores an uninstall that arrived before a reinstall but is processed after it", async () => {
    await db().prisma.business.update({ where: { id: businessId }, data: { status: "uninstalled" } });
    await receive(genericWebhookRequest({ topic: "app.uninstalled", account_id: accountId }, { now: clock.now() }));
    clock.advance(1_000);
    await installBusiness({ db: db().prisma, clock }, { host: "sandbox", externalAccountId: accountId, name: "Whitfield Lawn" });
    await process();
    expect(await db().prisma.business.findUniqueOrThrow({ where: { id: businessId } })).toMatchObject({ status: "installed" });
    expect(await readHostTokens(db().prisma, ENCRYPTION_KEY, businessId)).not.toBeNull();
  });
});

describe("Inngest host-event functions", () => {
  it("processes the event named by kudos/host.event.received, and the sweep takes what is due", async () => {
    const deps = processDeps(db(), registry, clock);
    const response = await receive(genericWebhookRequest(jobPayload(accountId), { now: clock.now() }));
    const { hostEventId } = (await response.json()) as { hostEventId: string };
    const fn = createProcessHostEventFunction(() => deps);
    expect((fn["opts"] as { triggers?: unknown }).triggers).toEqual([{ event: "kudos/host.event.received" }]);
    const { result } = await new InngestTestEngine({ function: fn }).execute({
      events: [{ name: "kudos/host.event.received", data: { hostEventId } }],
    });
    expect(result).toMatchObject({ hostEventId, status: "processed" });
    expect(await db().prisma.enrollment.count({ where: { businessId } })).toBe(1);
    // Done already: a second delivery of the Inngest event does nothing.
    const second = await new InngestTestEngine({ function: fn }).execute({ events: [{ name: "kudos/host.event.received", data: { hostEventId } }] });
    expect(second.result).toMatchObject({ status: "skipped" });

    await receive(genericWebhookRequest(jobPayload(accountId, { jobId: "job-2", customer: { id: "cus-2", email: "two@example.com" } }), { now: clock.now() }));
    const sweep = createSweepHostEventsFunction(() => deps);
    expect((sweep["opts"] as { triggers?: unknown }).triggers).toEqual([{ cron: "* * * * *" }]);
    const swept = await new InngestTestEngine({ function: sweep }).execute();
    expect(swept.result).toMatchObject({ claimed: 1, processed: 1 });
    expect(await db().prisma.job.count({ where: { businessId } })).toBe(2);
  });
});
