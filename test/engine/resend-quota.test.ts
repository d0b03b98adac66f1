// Email provider limits defer, never drop: Resend's 429 daily_quota_exceeded puts the touch back,
// pending, until the quota resets at midnight UTC; nothing is recorded as failed, and the rest of
// the drain does not keep asking Resend in the meantime (the pacer is held until the reset).
import pino from "pino";
import { describe, expect, it } from "vitest";
import { stopEnrollmentManually } from "~/domain/enrollment.server";
import { recordJob } from "~/domain/enrollment.server";
import { drain } from "~/engine/processor.server";
import {
  createPacer,
  createResendTransport,
  MONTHLY_QUOTA_DEFER_MS,
  MONTHLY_QUOTA_HOLD_MS,
  resendDailyQuotaResetAt,
  withRetries,
  type OutgoingEmail,
} from "~/engine/transports/index.server";
import { ManualClock } from "~/lib/clock.server";
import { createLogger, type Logger } from "~/logger.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";
import { setupResendMock } from "../mocks/resend";

const resend = setupResendMock();
const H = 3_600_000;

/** Resend behind the app's retries, paced on the test's clock (the hold ends when the clock passes it). */
function resendTransport(clock: ManualClock, logger: Logger = createLogger("silent")) {
  const pacer = createPacer({ ratePerSecond: 10, now: () => clock.now().getTime(), sleep: async () => {} });
  return withRetries(createResendTransport({ apiKey: "re_test_quota", logger, clock, pacer }), { sleep: async () => {} });
}

function recordingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line)) }) as unknown as Logger;
  return { logger, lines };
}

function email(n: number): OutgoingEmail {
  return {
    businessId: "7d3c2a0e-8a4b-4c1e-9f65-0a1b2c3d4e5f",
    idempotencyKey: `kudos-touch-quota-${n}-1`,
    from: '"Bright Plumbing" <reviews@mail.example.com>',
    to: `customer${n}@example.com`,
    subject: "How did we do?",
    html: "<p>Hi</p>",
    text: "Hi",
    headers: {},
    tags: { enrollment_id: `enrollment-${n}`, touch: "1" },
  };
}

describe("resendDailyQuotaResetAt", () => {
  it.each([
    ["2026-01-05T16:00:00.000Z", "2026-01-06T00:00:00.000Z"],
    ["2026-01-05T23:59:59.999Z", "2026-01-06T00:00:00.000Z"],
    // Refused at midnight itself: the new day's quota is spent already, so the next midnight.
    ["2026-01-06T00:00:00.000Z", "2026-01-07T00:00:00.000Z"],
    ["2026-02-28T08:00:00.000Z", "2026-03-01T00:00:00.000Z"],
    ["2026-12-31T21:30:00.000Z", "2027-01-01T00:00:00.000Z"],
  ])("at %s the quota resets at %s", (now, reset) => {
    expect(resendDailyQuotaResetAt(new Date(now)).toISOString()).toBe(reset);
  });
});

describe("the Resend transport under a spent quota", () => {
  it("defers a daily_quota_exceeded to midnight UTC and asks Resend nothing more until then", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const t = resendTransport(clock);
    resend.queueFailures({ kind: "daily_quota" });
    const midnight = new Date("2026-01-06T00:00:00Z");
    expect(await t.sendBatch([email(1)])).toEqual([
      { ok: false, retryable: false, code: "daily_quota_exceeded", error: "You have reached your daily email sending quota.", deferUntil: midnight },
    ]);
    // Held: neither a single email nor a batch reaches Resend; both are deferred to the reset.
    // (The last 30 s of a hold are waited through instead: DEFAULT_PACER_MAX_WAIT_MS.)
    clock.set("2026-01-05T23:59:00Z");
    const held = await t.sendBatch([email(2)]);
    expect(held).toEqual([{ ok: false, retryable: false, code: "provider_held", error: expect.stringContaining("2026-01-06T00:00:00.000Z"), deferUntil: midnight }]);
    expect((await t.sendBatch([email(3), email(4)])).map((r) => !r.ok && r.deferUntil)).toEqual([midnight, midnight]);
    expect(resend.requests).toHaveLength(1);
    clock.set(midnight);
    expect(await t.sendBatch([email(2)])).toEqual([{ ok: true, providerMessageId: expect.any(String) }]);
    expect(resend.requests).toHaveLength(2);
  });

  it("monthly_quota_exceeded: deferred a day, logged as an error, Resend asked again after an hour", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { logger, lines } = recordingLogger();
    const t = resendTransport(clock, logger);
    resend.queueFailures({ kind: "monthly_quota" });
    const [first] = await t.sendBatch([email(1)]);
    expect(first).toMatchObject({ ok: false, retryable: false, code: "monthly_quota_exceeded", deferUntil: new Date(clock.now().getTime() + MONTHLY_QUOTA_DEFER_MS) });
    expect(MONTHLY_QUOTA_DEFER_MS).toBe(24 * H);
    expect(lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([expect.stringContaining("monthly email quota")]);
    // Within the hour: held, not asked.
    clock.advance(MONTHLY_QUOTA_HOLD_MS - 60_000);
    expect(await t.sendBatch([email(2)])).toMatchObject([{ ok: false, code: "provider_held", deferUntil: new Date("2026-01-05T17:00:00Z") }]);
    expect(resend.requests).toHaveLength(1);
    clock.advance(60_000);
    expect(await t.sendBatch([email(2)])).toEqual([{ ok: true, providerMessageId: expect.any(String) }]);
  });
});

describe("touches under a spent Resend quota", () => {
  const db = useTestDatabase();

  async function enrolled(clock: ManualClock, count: number) {
    const d = deps(db().prisma, clock);
    const { business } = await installTestBusiness(d, { name: "Quota Plumbing" });
    await db().prisma.business.update({ where: { id: business.id }, data: { ...BUSINESS_SETTINGS, cooldownDays: 0 } });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = await recordJob(d, business.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z") }));
      ids.push((r.enrollment as { enrollmentId: string }).enrollmentId);
    }
    return { d, businessId: business.id, ids };
  }

  const touchOne = (enrollmentId: string) =>
    db().prisma.enrollment.findUniqueOrThrow({ where: { id: enrollmentId }, include: { touches: { where: { position: 1 } } } });
  const sentTo = () => resend.emails.map((e) => (e.email as { tags: { name: string; value: string }[] }).tags.find((t) => t.name === "enrollment_id")!.value);

  it("puts the touches back, pending until midnight UTC, records no failure, and sends them once the clock passes it", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { businessId, ids } = await enrolled(clock, 3);
    const p = processorDeps(db(), { clock, email: resendTransport(clock) });
    resend.queueFailures({ kind: "daily_quota" });

    // One touch per batch: the first request is refused; the drain's next batches are held, not requested.
    expect(await drain(p, { batchSize: 1 })).toMatchObject({ claimed: 3, deferred: 3, failed: 0, sent: 0 });
    expect(resend.requests).toHaveLength(1);
    for (const id of ids) {
      const e = await touchOne(id);
      expect(e).toMatchObject({ status: "active", currentTouch: 1, nextDueAt: new Date("2026-01-06T00:00:00Z"), leaseToken: null });
      expect(e.touches[0]).toMatchObject({ status: "pending", reason: null, sentAt: null });
    }
    // No attempt is on record: nothing failed, nothing is left "sending".
    expect(await db().prisma.sendLog.count({ where: { businessId } })).toBe(0);

    clock.set("2026-01-05T23:59:59Z");
    expect(await drain(p)).toMatchObject({ claimed: 0 });
    expect(resend.requests).toHaveLength(1);

    clock.set("2026-01-06T00:00:00Z");
    expect(await drain(p)).toMatchObject({ claimed: 3, sent: 3, failed: 0, deferred: 0 });
    expect(sentTo().sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const e = await touchOne(id);
      expect(e.currentTouch).toBe(2);
      expect(e.touches[0]).toMatchObject({ status: "sent" });
    }
    const log = await db().prisma.sendLog.findMany({ where: { businessId } });
    expect(log.map((l) => l.status)).toEqual(["sent", "sent", "sent"]);
  });

  it("a touch stopped while it waits for the reset is not sent with the others", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { d, businessId, ids } = await enrolled(clock, 2);
    const p = processorDeps(db(), { clock, email: resendTransport(clock) });
    resend.queueFailures({ kind: "daily_quota" });
    // Both go in one refused batch request.
    expect(await drain(p)).toMatchObject({ claimed: 2, deferred: 2 });
    expect(resend.requests.map((r) => r.path)).toEqual(["/emails/batch"]);

    clock.set("2026-01-05T20:00:00Z");
    expect(await stopEnrollmentManually(d, businessId, ids[1]!)).toBe(true);
    clock.set("2026-01-06T00:00:00Z");
    expect(await drain(p)).toMatchObject({ claimed: 1, sent: 1 });
    expect(sentTo()).toEqual([ids[0]]);
  });

  it("a refusal after an attempt that may have gone out replays the recorded request (no second email)", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { d, businessId, ids } = await enrolled(clock, 2);
    const p = processorDeps(db(), { clock, email: resendTransport(clock) });
    // The first attempt is accepted (both emails go out) but its answer is a 500; the retry is refused.
    resend.queueFailures({ kind: "server_error", accepted: true }, { kind: "daily_quota" });
    expect(await drain(p)).toMatchObject({ claimed: 2, deferred: 2, failed: 0 });
    expect(resend.emails).toHaveLength(2);
    const kept = await db().prisma.sendLog.findMany({ where: { businessId } });
    expect(kept.map((l) => [l.status, l.batchKey !== null])).toEqual([["sending", true], ["sending", true]]);

    // Another touch falls due with them: re-planning would put all three in a new request (a new
    // key), sending the first two again. The recorded request is replayed instead.
    const third = await recordJob(d, businessId, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z") }));
    clock.set("2026-01-06T00:00:00Z");
    expect(await drain(p)).toMatchObject({ claimed: 3, sent: 3 });
    expect(resend.requests.map((r) => r.outcome)).toEqual(["accepted", "refused", "accepted", "replayed"]);
    expect(sentTo().sort()).toEqual([...ids, (third.enrollment as { enrollmentId: string }).enrollmentId].sort());
  });
});
