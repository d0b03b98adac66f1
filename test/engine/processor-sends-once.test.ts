// "Each touch goes out once", counted where a duplicate would show. The outbox's unique key makes
// a second send of the same touch invisible (ON CONFLICT returns the first row), so these cases
// send through the real Resend and Twilio transports to stand-ins that record every email and
// text they accept (test/mocks), and count every call the processor makes to its transports
// (test/reliability/sends.ts): per touch, per provider request, for email and SMS. The last case
// breaks a transport on purpose to show that a real double send is caught here, and was not by
// the outbox.
import { describe, expect, it } from "vitest";
import { createDatabase } from "~/db.server";
import { drain, processBatch, type ProcessorDeps } from "~/engine/processor.server";
import {
  createOutboxEmailTransport,
  createOutboxSmsTransport,
  createPacer,
  createResendTransport,
  createTwilioTransport,
  withRetries,
  type EmailTransport,
  type SmsTransport,
} from "~/engine/transports/index.server";
import { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";
import { useTestDatabase } from "../helpers/db";
import { processorDeps } from "../helpers/engine";
import { setupProviderMocks, TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN } from "../mocks/twilio";
import { drainAll, installBusinesses, seedBacklog } from "../reliability/harness";
import { checkInvariants, describeViolations } from "../reliability/invariants";
import { acceptedMoreThanOnce, resendDeliveries, twilioDeliveries } from "../reliability/providers";
import { createSendRecorder, type SendRecorder } from "../reliability/sends";

const db = useTestDatabase();
const { resend, twilio } = setupProviderMocks();
const logger = createLogger("silent");
const noWait = async () => {};

/** The real transports, retried as in production (waits skipped), each attempt seen by `sends`. */
function transports(sends: SendRecorder, clock: ManualClock) {
  return {
    email: withRetries(
      sends.email(createResendTransport({ apiKey: "re_sends_once", logger, clock, pacer: createPacer({ ratePerSecond: 10_000, burst: 100 }) })),
      { sleep: noWait },
    ),
    sms: withRetries(
      sends.sms(createTwilioTransport({ accountSid: TEST_TWILIO_ACCOUNT_SID, authToken: TEST_TWILIO_AUTH_TOKEN, fromNumber: "+15550001111", logger, clock })),
      { sleep: noWait },
    ),
  };
}

/** Businesses on the standard campaign (email, SMS, email) with every touch of `perBusiness` enrollments due. */
async function backlog(clock: ManualClock, businesses: number, perBusiness: number) {
  const seeded = await installBusinesses(db(), clock, businesses);
  const touches = await seedBacklog(db().pool, seeded, perBusiness, new Date(clock.now().getTime() - 3_600_000));
  return { businessIds: seeded.map((b) => b.businessId), touches };
}

const providerDeliveries = () => [...resendDeliveries(resend.emails), ...twilioDeliveries(twilio.messages)];
const touchIds = (ds: { enrollmentId: string; position: number }[]) => ds.map((d) => `${d.enrollmentId}#${d.position}`).sort();

describe("each touch reaches its provider once, counted at the transports and at the providers", () => {
  it("4 concurrent processors over due emails and texts: every touch handed over once, accepted once", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { businessIds, touches } = await backlog(clock, 2, 100);
    const sends = createSendRecorder();
    const databases = Array.from({ length: 4 }, () => createDatabase(db().url, 3));
    try {
      const runs = await Promise.all(databases.map((d) => drainAll(processorDeps(d, { clock, ...transports(sends, clock) }), { batchSize: 40 })));
      // A processor that found nothing due may have stopped while another was still advancing enrollments.
      await drainAll(processorDeps(db(), { clock, ...transports(sends, clock) }), { batchSize: 40 });
      expect(runs.filter((r) => r.sent > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(databases.map(async (d) => { await d.prisma.$disconnect(); await d.pool.end(); }));
    }

    expect(sends.counts()).toMatchObject({ emailTouches: 400, smsTouches: 200, smsCalls: 200, replays: 0, retries: 0, doubleSends: [] });
    expect(resend.requests.every((r) => r.outcome === "accepted")).toBe(true);
    expect(resend.emails).toHaveLength(400);
    expect(twilio.messages).toHaveLength(200);
    expect(acceptedMoreThanOnce(providerDeliveries())).toEqual(new Map());
    const result = await checkInvariants({ db: db().pool, now: clock.now(), businessIds, drained: true, deliveries: providerDeliveries(), completeProviders: ["resend", "twilio"] });
    expect(result.violations, describeViolations(result.violations)).toEqual([]);
    expect(result.figures).toMatchObject({ touchesSent: touches, outboxMessages: 0 });
  });

  it("a processor that dies after Resend accepted its batch: the recovery replays that very request, no email is sent twice", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { businessIds, touches } = await backlog(clock, 1, 60);
    const sends = createSendRecorder();
    const healthy = transports(sends, clock);
    // Dies once the provider has the batch, before recording anything.
    const dying: EmailTransport = {
      provider: healthy.email.provider,
      async sendBatch(emails) {
        await healthy.email.sendBatch(emails);
        throw new Error("SIGKILL");
      },
    };
    await expect(processBatch(processorDeps(db(), { clock, ...healthy, email: dying }), { batchSize: 100, leaseMs: 60_000 })).rejects.toThrow("SIGKILL");
    expect(resend.emails).toHaveLength(60);

    clock.advance(61_000);
    await drainAll(processorDeps(db(), { clock, ...healthy }), { batchSize: 100 });

    const counts = sends.counts();
    // The 60 emails were handed over twice, both times in the identical request: one replay.
    expect(counts).toMatchObject({ emailTouches: 120, smsTouches: 60, replays: 1, doubleSends: [] });
    expect(resend.requests.map((r) => r.outcome)).toEqual(["accepted", "replayed", "accepted"]);
    expect(resend.requests[1]!.headers["idempotency-key"]).toBe(resend.requests[0]!.headers["idempotency-key"]);
    expect(resend.emails).toHaveLength(120);
    expect(twilio.messages).toHaveLength(60);
    const result = await checkInvariants({ db: db().pool, now: clock.now(), businessIds, drained: true, deliveries: providerDeliveries(), completeProviders: ["resend", "twilio"] });
    expect(result.violations, describeViolations(result.violations)).toEqual([]);
    expect(result.figures.touchesSent).toBe(touches);
  });

  it("a processor that dies after Twilio accepted texts: exactly those texts go out again (the documented window), nothing else", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { businessIds } = await backlog(clock, 1, 30);
    const sends = createSendRecorder();
    const healthy = transports(sends, clock);
    expect(await processBatch(processorDeps(db(), { clock, ...healthy }), { batchSize: 100 })).toMatchObject({ sent: 30 }); // the emails
    // Dies right after Twilio accepted its 5th text, before recording anything.
    let handed = 0;
    const dying: SmsTransport = {
      provider: healthy.sms.provider,
      async send(sms) {
        if (handed >= 5) throw new Error("SIGKILL");
        const result = await healthy.sms.send(sms);
        if (++handed === 5) throw new Error("SIGKILL");
        return result;
      },
    };
    await expect(processBatch(processorDeps(db(), { clock, ...healthy, sms: dying }), { batchSize: 100, leaseMs: 60_000, smsConcurrency: 1 })).rejects.toThrow("SIGKILL");
    const exposed = twilioDeliveries(twilio.messages);
    expect(exposed).toHaveLength(5);

    clock.advance(61_000);
    await drainAll(processorDeps(db(), { clock, ...healthy }), { batchSize: 100 });

    // Twilio has no idempotency key: the five texts it had accepted were sent again, once each.
    expect(twilio.messages).toHaveLength(30 + 5);
    expect(acceptedMoreThanOnce(twilioDeliveries(twilio.messages))).toEqual(new Map(touchIds(exposed).map((t) => [`twilio:${t}`, 2])));
    const counts = sends.counts();
    expect(counts.doubleSends.map((d) => [d.channel, d.touch]).sort()).toEqual(touchIds(exposed).map((t) => ["sms", t]));
    const result = await checkInvariants({ db: db().pool, now: clock.now(), businessIds, drained: true, deliveries: providerDeliveries(), completeProviders: ["resend", "twilio"] });
    expect(result.violations.map((v) => [v.invariant, v.subject]).sort()).toEqual(touchIds(exposed).map((t) => ["sent_twice", t]));
  });

  it("a batch that outlives its lease starts no text after half of it, so a processor claiming the touches after the lease cannot send one twice", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { businessIds } = await backlog(clock, 1, 10);
    const sends = createSendRecorder();
    const healthy = transports(sends, clock);
    expect(await processBatch(processorDeps(db(), { clock, ...healthy }), { batchSize: 100 })).toMatchObject({ sent: 10 }); // the emails
    // Twilio takes 20 s per text. Once the 60 s lease has run out, another processor claims the
    // touches (as it may) while the slow one is still at it.
    const leaseEnds = clock.now().getTime() + 60_000;
    let other: ReturnType<typeof processBatch> | null = null;
    const slow: SmsTransport = {
      provider: healthy.sms.provider,
      async send(sms) {
        const result = await healthy.sms.send(sms);
        clock.advance(20_000);
        if (clock.now().getTime() > leaseEnds) await (other ??= processBatch(processorDeps(db(), { clock, ...healthy }), { batchSize: 100, leaseMs: 60_000 }));
        return result;
      },
    };
    await processBatch(processorDeps(db(), { clock, ...healthy, sms: slow }), { batchSize: 100, leaseMs: 60_000, smsConcurrency: 1 });
    clock.advance(61_000);
    await drainAll(processorDeps(db(), { clock, ...healthy }), { batchSize: 100 });

    expect(twilio.messages).toHaveLength(10);
    expect(acceptedMoreThanOnce(providerDeliveries())).toEqual(new Map());
    expect(sends.counts().doubleSends).toEqual([]);
    const result = await checkInvariants({ db: db().pool, now: clock.now(), businessIds, drained: true, deliveries: providerDeliveries(), completeProviders: ["resend", "twilio"] });
    expect(result.violations, describeViolations(result.violations)).toEqual([]);
  });

  it("Twilio creates a text and answers 500: the processor does not send it again; the touch is failed as 'may have been sent'", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const { businessIds } = await backlog(clock, 1, 10);
    const sends = createSendRecorder();
    const p = processorDeps(db(), { clock, ...transports(sends, clock) });
    expect(await processBatch(p, { batchSize: 100 })).toMatchObject({ sent: 10 }); // the emails
    twilio.queueFailures({ kind: "server_error", accepted: true });
    expect(await processBatch(p, { batchSize: 100 })).toMatchObject({ sent: 9, failed: 1 });

    expect(twilio.messages).toHaveLength(10);
    expect(acceptedMoreThanOnce(providerDeliveries())).toEqual(new Map());
    expect(sends.counts()).toMatchObject({ smsCalls: 10, smsTouches: 10, doubleSends: [] });
    const failed = await db().pool.query(
      `SELECT l.error_code, t.reason FROM send_log l JOIN enrollment_touch t USING (enrollment_id, position) WHERE l.business_id = $1 AND l.status = 'failed'`,
      [businessIds[0]],
    );
    expect(failed.rows).toEqual([{ error_code: "20500", reason: "Internal Server Error; the message may have been sent" }]);
  });
});

describe("a real double send, on purpose: invisible to the outbox's key, caught by the counts", () => {
  /** Re-sends the first member of every email request on its own: another request, another key (the shape of the old batch-key defect). */
  const resendingFirstEmail = (inner: EmailTransport): EmailTransport => ({
    provider: inner.provider,
    async sendBatch(emails) {
      const results = await inner.sendBatch(emails);
      if (emails.length > 1) await inner.sendBatch([emails[0]!]);
      return results;
    },
  });
  /** Sends every text twice (what retrying a 500 Twilio had accepted did). */
  const textingTwice = (inner: SmsTransport): SmsTransport => ({
    provider: inner.provider,
    async send(sms) {
      await inner.send(sms);
      return inner.send(sms);
    },
  });

  async function drainBroken(clock: ManualClock, email: EmailTransport, sms: SmsTransport) {
    const { businessIds } = await backlog(clock, 1, 20);
    const p: ProcessorDeps = processorDeps(db(), { clock, email, sms });
    await drain(p, { batchSize: 100 });
    await drain(p, { batchSize: 100 });
    return businessIds;
  }

  it("through the outbox: one row per key, and the invariants see nothing", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const outboxEmail = createOutboxEmailTransport({ db: db().prisma, clock, logger });
    const outboxSms = createOutboxSmsTransport({ db: db().prisma, clock, logger, fromNumber: "+15550001111" });
    const businessIds = await drainBroken(clock, resendingFirstEmail(outboxEmail), textingTwice(outboxSms));
    const result = await checkInvariants({ db: db().pool, now: clock.now(), businessIds });
    expect(result.violations, describeViolations(result.violations)).toEqual([]);
    expect(result.figures).toMatchObject({ touchesSent: 40, outboxMessages: 40 });
  });

  it("through the counting transports and the provider stand-ins: every double send is reported", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const sends = createSendRecorder();
    const real = transports(sends, clock);
    const businessIds = await drainBroken(clock, resendingFirstEmail(real.email), textingTwice(real.sms));

    const counts = sends.counts();
    const twiceByCalls = counts.doubleSends.map((d) => `${d.channel}:${d.touch}`).sort();
    const twiceAtProviders = [...acceptedMoreThanOnce(providerDeliveries()).keys()].map((k) => k.replace(/^resend:/, "email:").replace(/^twilio:/, "sms:")).sort();
    // One email (the first of the request) and all 20 texts went out twice; both sides see the same ones.
    expect(twiceByCalls).toHaveLength(21);
    expect(twiceAtProviders).toEqual(twiceByCalls);
    const result = await checkInvariants({ db: db().pool, now: clock.now(), businessIds, deliveries: providerDeliveries(), completeProviders: ["resend", "twilio"] });
    expect(result.violations.filter((v) => v.invariant === "sent_twice")).toHaveLength(21);
  });
});
