import { describe, expect, it } from "vitest";
import { createDatabase } from "~/db.server";
import { createCampaign, getCampaign, listPresets, pauseCampaign, duplicateCampaign, resumeCampaign } from "~/domain/campaigns.server";
import { recordJob } from "~/domain/enrollment.server";
import { drain, idempotencyKey, processBatch } from "~/engine/processor.server";
import { claimDueTouches } from "~/engine/sql/claim.sql";
import { createResendTransport, withRetries, createOutboxEmailTransport } from "~/engine/transports/index.server";
import type { EmailTransport } from "~/engine/transports/types";
import { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";
import { setupResendMock } from "../mocks/resend";

const H = 3_600_000;
const resend = setupResendMock();

describe("touch processor", () => {
  const db = useTestDatabase();

  async function business(clock: ManualClock, settings: Record<string, unknown> = {}) {
    const d = deps(db().prisma, clock);
    const installed = await installTestBusiness(d);
    await db().prisma.business.update({ where: { id: installed.business.id }, data: { ...BUSINESS_SETTINGS, ...settings } });
    return { d, ...installed };
  }

  async function useAggressive(d: ReturnType<typeof deps>, businessId: string, standardId: string) {
    await pauseCampaign(d, businessId, standardId);
    const aggressive = (await listPresets(db().prisma)).find((p) => p.presetKey === "aggressive")!;
    const copy = await duplicateCampaign(d, businessId, aggressive.id);
    await resumeCampaign(d, businessId, copy.id);
    return copy;
  }

  it("runs a 4-touch campaign through weeks of simulated time, each touch once, in order, then completes", async () => {
    const clock = new ManualClock("2026-01-05T15:00:00Z"); // 10:00 in New York
    const { d, business: b, campaignId } = await business(clock);
    await useAggressive(d, b.id, campaignId);
    const r = await recordJob(d, b.id, completedJob({ completedAt: clock.now(), customer: { phone: "+12125550123", email: "pat@example.com", firstName: "Pat" } }));
    expect(r.enrollment?.outcome).toBe("enrolled");
    const p = processorDeps(db(), { clock });
    for (let hour = 0; hour < 24 * 21; hour++) {
      await drain(p);
      clock.advanceHours(1);
    }
    const e = await db().prisma.enrollment.findUniqueOrThrow({ where: { jobId: r.jobId }, include: { touches: { orderBy: { position: "asc" } } } });
    expect(e.status).toBe("completed");
    expect(e.touches.map((t) => t.status)).toEqual(["sent", "sent", "sent", "sent"]);
    for (const t of e.touches) expect(t.sentAt!.getTime()).toBeGreaterThanOrEqual(t.scheduledAt.getTime());
    const outbox = await db().prisma.outboxMessage.findMany({ where: { businessId: b.id }, orderBy: { createdAt: "asc" } });
    expect(outbox.map((m) => m.channel)).toEqual(["sms", "email", "sms", "email"]);
    expect(outbox[0]!.text).toContain("Reply STOP to opt out");
    expect(outbox[2]!.text).not.toContain("Reply STOP to opt out");
    expect(outbox[0]!.text).toMatch(/http:\/\/kudos\.test\/r\/[\w.-]+/);
    expect(outbox[1]!.html).toContain("12 Main St");
    expect((outbox[1]!.headers as Record<string, string>)["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(outbox[1]!.text).toContain("Pat");
    // Texts carry the same tags as emails: the operator can tell which touch each one is.
    expect(outbox.map((m) => m.tags)).toEqual([1, 2, 3, 4].map((touch) => ({ enrollment_id: e.id, touch: String(touch), business_id: b.id })));
    const log = await db().prisma.sendLog.findMany({ where: { enrollmentId: e.id } });
    expect(log.map((l) => l.status).sort()).toEqual(["sent", "sent", "sent", "sent"]);
    expect(log.every((l) => l.providerMessageId?.startsWith("outbox_"))).toBe(true);
  });

  it("defers a touch due in quiet hours to the next allowed minute, DST-correct", async () => {
    // Spring forward in New York: 2026-03-08 02:00 EST → 03:00 EDT. Due 01:30 EST (06:30Z).
    const clock = new ManualClock("2026-03-08T06:30:00Z");
    const { d, business: b } = await business(clock);
    await recordJob(d, b.id, completedJob({ completedAt: new Date("2026-03-07T06:30:00Z"), customer: { phone: "+12125550100", timezone: null } }));
    const p = processorDeps(db(), { clock });
    const first = await processBatch(p);
    expect(first).toMatchObject({ claimed: 1, deferred: 1, sent: 0 });
    const e = await db().prisma.enrollment.findFirstOrThrow({ where: { businessId: b.id } });
    expect(e.nextDueAt!.toISOString()).toBe("2026-03-08T12:00:00.000Z"); // 08:00 EDT
    clock.set("2026-03-08T11:59:00Z");
    expect((await processBatch(p)).claimed).toBe(0);
    clock.set("2026-03-08T12:00:00Z");
    expect(await processBatch(p)).toMatchObject({ claimed: 1, sent: 1 });
  });

  it("applies Florida's stricter 08:00–20:00 window to a Florida number", async () => {
    const clock = new ManualClock("2026-01-06T01:30:00Z"); // 20:30 in Miami
    const { d, business: b } = await business(clock, { timezone: "America/Chicago" });
    await recordJob(d, b.id, completedJob({ completedAt: new Date("2026-01-05T01:30:00Z"), customer: { phone: "+13055550142", timezone: null, region: null } }));
    const p = processorDeps(db(), { clock });
    expect(await processBatch(p)).toMatchObject({ deferred: 1, sent: 0 });
    const e = await db().prisma.enrollment.findFirstOrThrow({ where: { businessId: b.id } });
    expect(e.nextDueAt!.toISOString()).toBe("2026-01-06T13:00:00.000Z"); // 08:00 EST next morning
    // A New York number at the same moment (20:30 local) is inside the default 08:00–21:00 window.
    await recordJob(d, b.id, completedJob({ completedAt: new Date("2026-01-05T01:30:00Z"), customer: { phone: "+12125550142", timezone: null } }));
    expect(await processBatch(p)).toMatchObject({ claimed: 1, sent: 1 });
  });

  it("paces sends per business and channel, deferring (never dropping) over the hourly limit", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { d, business: b } = await business(clock, { emailHourlyLimit: 2, cooldownDays: 0 });
    for (let i = 0; i < 3; i++) await recordJob(d, b.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z") }));
    const p = processorDeps(db(), { clock });
    expect(await drain(p)).toMatchObject({ claimed: 3, sent: 2, deferred: 1 });
    const waiting = await db().prisma.enrollment.findFirstOrThrow({ where: { businessId: b.id, currentTouch: 1 } });
    expect(waiting.nextDueAt!.getTime()).toBeGreaterThan(clock.now().getTime() + 0.9 * H);
    clock.advanceHours(1);
    clock.advance(1_000);
    expect(await drain(p)).toMatchObject({ sent: 1 });
    expect(await db().prisma.outboxMessage.count({ where: { businessId: b.id } })).toBe(3);
  });

  it("retries a provider 500 and sends once, with one idempotency key", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { d, business: b } = await business(clock);
    const r = await recordJob(d, b.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z") }));
    const email = withRetries(createResendTransport({ apiKey: "re_test_123", logger: createLogger("silent"), clock }), { sleep: async () => {} });
    const p = processorDeps(db(), { clock, email });
    resend.queueFailures({ kind: "server_error" });
    expect(await processBatch(p)).toMatchObject({ sent: 1, failed: 0 });
    expect(resend.requests).toHaveLength(2);
    const keys = new Set(resend.requests.map((q) => q.headers["idempotency-key"]));
    expect(keys.size).toBe(1);
    const log = await db().prisma.sendLog.findFirstOrThrow({ where: { businessId: b.id } });
    expect(log).toMatchObject({ status: "sent", provider: "resend" });
    const e = await db().prisma.enrollment.findUniqueOrThrow({ where: { jobId: r.jobId } });
    expect(e.currentTouch).toBe(2);
  });

  it("marks a permanent failure failed with the provider's error and moves on to the next touch", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { d, business: b } = await business(clock);
    const r = await recordJob(d, b.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z") }));
    const email = withRetries(createResendTransport({ apiKey: "re_test_123", logger: createLogger("silent"), clock }), { sleep: async () => {} });
    const p = processorDeps(db(), { clock, email });
    resend.queueFailures({ kind: "validation", message: "The domain is not verified." });
    expect(await processBatch(p)).toMatchObject({ failed: 1 });
    const e = await db().prisma.enrollment.findUniqueOrThrow({ where: { jobId: r.jobId }, include: { touches: { orderBy: { position: "asc" } } } });
    expect(e.status).toBe("active");
    expect(e.currentTouch).toBe(2);
    expect(e.touches[0]).toMatchObject({ status: "failed" });
    expect(e.touches[0]!.reason).toContain("not verified");
    const log = await db().prisma.sendLog.findFirstOrThrow({ where: { enrollmentId: e.id, position: 1 } });
    expect(log.status).toBe("failed");
  });

  it("skips a touch the customer cannot receive and advances; completes after the last touch", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { d, business: b } = await business(clock);
    // Standard: email, sms, email. No phone: the SMS touch is skipped.
    const r = await recordJob(d, b.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z"), customer: { phone: null } }));
    const p = processorDeps(db(), { clock });
    for (let day = 0; day < 14; day++) {
      await drain(p);
      clock.advanceHours(24);
    }
    const e = await db().prisma.enrollment.findUniqueOrThrow({ where: { jobId: r.jobId }, include: { touches: { orderBy: { position: "asc" } } } });
    expect(e.status).toBe("completed");
    expect(e.touches.map((t) => [t.status, t.reason])).toEqual([["sent", null], ["skipped", "no_phone"], ["sent", null]]);
    const log = await db().prisma.sendLog.findMany({ where: { enrollmentId: e.id }, orderBy: { position: "asc" } });
    expect(log.map((l) => l.status)).toEqual(["sent", "skipped", "sent"]);
  });

  it("a campaign edited shorter completes enrollments past its last touch", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { d, business: b, campaignId } = await business(clock);
    const r = await recordJob(d, b.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z") }));
    const p = processorDeps(db(), { clock });
    await drain(p);
    const c = await getCampaign(db().prisma, b.id, campaignId);
    await createCampaign(d, b.id, { name: "unused", touches: [{ channel: "email", delayHours: 1, templateId: c.touches[0]!.templateId }] });
    await db().prisma.$transaction(async (tx) => {
      await tx.campaignTouch.deleteMany({ where: { campaignId, position: { gt: 1 } } });
    });
    clock.advanceHours(24 * 5);
    await drain(p);
    const e = await db().prisma.enrollment.findUniqueOrThrow({ where: { jobId: r.jobId } });
    expect(e.status).toBe("completed");
  });
});

describe("touch processor under concurrency and crashes", () => {
  const db = useTestDatabase();

  /** Bulk-creates due enrollments straight in SQL (the domain path is tested elsewhere). */
  async function seedDue(businessId: string, campaignId: string, count: number, dueAt: Date) {
    await db().pool.query(
      `WITH c AS (
         INSERT INTO customer (business_id, host_customer_id, first_name, email, phone, created_at, updated_at)
         SELECT $1, 'bulk-' || g, 'Cust' || g, 'bulk' || g || '@example.com', NULL, $3, $3 FROM generate_series(1, $2) g
         RETURNING id, host_customer_id
       ), j AS (
         INSERT INTO job (business_id, host_job_id, customer_id, status, completed_at, outcome, created_at, updated_at)
         SELECT $1, 'job-' || c.host_customer_id, c.id, 'completed', $3, 'enrolled', $3, $3 FROM c
         RETURNING id, customer_id
       ), e AS (
         INSERT INTO enrollment (business_id, campaign_id, job_id, customer_id, status, current_touch, next_due_at, enrolled_at)
         SELECT $1, $4, j.id, j.customer_id, 'active', 1, $3, $3 FROM j
         RETURNING id
       )
       INSERT INTO enrollment_touch (enrollment_id, position, business_id, campaign_id, channel, scheduled_at, enrolled_at)
       SELECT e.id, 1, $1, $4, 'email', $3, $3 FROM e`,
      [businessId, count, dueAt, campaignId],
    );
  }

  async function singleTouchCampaign(clock: ManualClock) {
    const d = deps(db().prisma, clock);
    const { business: b, campaignId } = await installTestBusiness(d);
    await db().prisma.business.update({ where: { id: b.id }, data: { ...BUSINESS_SETTINGS, emailHourlyLimit: 100000 } });
    const standard = await getCampaign(db().prisma, b.id, campaignId);
    await pauseCampaign(d, b.id, campaignId);
    const one = await createCampaign(d, b.id, { name: "One email", touches: [{ channel: "email", delayHours: 1, templateId: standard.touches[0]!.templateId }] }, { active: true });
    return { businessId: b.id, campaignId: one.id };
  }

  it("4 concurrent processors over 2,000 due touches send each exactly once", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { businessId, campaignId } = await singleTouchCampaign(clock);
    await seedDue(businessId, campaignId, 2000, new Date("2026-01-05T15:00:00Z"));
    const databases = Array.from({ length: 4 }, () => createDatabase(db().url, 3));
    try {
      const results = await Promise.all(databases.map((d) => drain(processorDeps(d, { clock }), { batchSize: 100 })));
      const claimed = results.reduce((n, r) => n + r.claimed, 0);
      expect(claimed).toBe(2000);
      expect(results.filter((r) => r.claimed > 0).length).toBeGreaterThan(1);
      const counts = await db().pool.query(
        `SELECT count(*)::int AS messages, count(DISTINCT idempotency_key)::int AS keys FROM outbox_message WHERE business_id = $1`,
        [businessId],
      );
      expect(counts.rows[0]).toEqual({ messages: 2000, keys: 2000 });
      const log = await db().pool.query(`SELECT status, count(*)::int AS n FROM send_log WHERE business_id = $1 GROUP BY status`, [businessId]);
      expect(log.rows).toEqual([{ status: "sent", n: 2000 }]);
      const left = await db().pool.query(`SELECT count(*)::int AS n FROM enrollment WHERE business_id = $1 AND status <> 'completed'`, [businessId]);
      expect(left.rows[0].n).toBe(0);
    } finally {
      await Promise.all(databases.map(async (d) => { await d.prisma.$disconnect(); await d.pool.end(); }));
    }
  });

  it("a processor that dies mid-batch loses nothing and duplicates nothing", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { businessId, campaignId } = await singleTouchCampaign(clock);
    await seedDue(businessId, campaignId, 300, new Date("2026-01-05T15:00:00Z"));
    const logger = createLogger("silent");
    const outbox = createOutboxEmailTransport({ db: db().prisma, clock, logger });
    // Dies after the provider accepted the first half of its batch, before recording anything.
    const dying: EmailTransport = {
      provider: outbox.provider,
      async sendBatch(emails) {
        await outbox.sendBatch(emails.slice(0, Math.ceil(emails.length / 2)));
        throw new Error("SIGKILL");
      },
    };
    await expect(processBatch(processorDeps(db(), { clock, email: dying }), { batchSize: 100, leaseMs: 60_000 })).rejects.toThrow("SIGKILL");
    // Another processor that claimed and vanished without a word.
    await claimDueTouches(db().pool, { now: clock.now(), limit: 100, leaseMs: 60_000, leaseToken: crypto.randomUUID() });

    const healthy = processorDeps(db(), { clock });
    const before = await drain(healthy, { batchSize: 100 });
    expect(before.claimed).toBe(100); // only the untouched third is claimable while leases hold
    clock.advance(61_000);
    await drain(healthy, { batchSize: 100 });

    const counts = await db().pool.query(
      `SELECT count(*)::int AS messages, count(DISTINCT idempotency_key)::int AS keys FROM outbox_message WHERE business_id = $1`,
      [businessId],
    );
    expect(counts.rows[0]).toEqual({ messages: 300, keys: 300 });
    const sent = await db().pool.query(`SELECT count(*)::int AS n FROM send_log WHERE business_id = $1 AND status = 'sent'`, [businessId]);
    expect(sent.rows[0].n).toBe(300);
    const keys = await db().pool.query(`SELECT idempotency_key FROM outbox_message WHERE business_id = $1 LIMIT 1`, [businessId]);
    expect(keys.rows[0].idempotency_key).toMatch(/^kudos-touch-/);
    expect(idempotencyKey("a", 1)).toBe("kudos-touch-a-1");
  });
});
