// Provider faults: Resend and Twilio answering 429, 500, too late (client timeout), garbage and
// dropped connections, in bursts, while the real transports (with their retries, as in
// production) drain a backlog; and the send-rate store (Redis, Upstash) unreachable. The mocks
// fail like the providers do: some failures refuse the request, others (an unreadable answer, a
// late one, a 500 or a dropped connection after acceptance) come after the message went out.
// Checked at the providers' side (every message they accepted) and at the transports' (every
// send call): no touch reaches a provider twice, every touch ends sent or failed (never lost,
// never stuck), and an unreachable rate-limit store defers sends instead of lifting the limit.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { processBatch, type ProcessorDeps } from "~/engine/processor.server";
import { createSendRateLimiter, ioredisScriptRedis, RedisSendRateLimiter } from "~/engine/rate-limit/index.server";
import { createPacer, createResendTransport, createTwilioTransport, realSleep, withRetries } from "~/engine/transports/index.server";
import { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";
import { useTestDatabase } from "../helpers/db";
import { processorDeps } from "../helpers/engine";
import { createResendMock, setupMockServer, type ResendFailure } from "../mocks/resend";
import { createTwilioMock, TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN, type TwilioFailure } from "../mocks/twilio";
import { createUpstashMock, upstashOutage } from "../mocks/upstash";
import { drainAll, installBusinesses, report, seedBacklog, sized } from "./harness";
import { checkInvariants, describeViolations } from "./invariants";
import { resendDeliveries, twilioDeliveries } from "./providers";
import { createSendRecorder, type SendRecorder } from "./sends";

const db = useTestDatabase();
const resend = createResendMock();
const twilio = createTwilioMock();
const UPSTASH_URL = "https://kudos-reliability.upstash.io";
const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1, lazyConnect: true });
const upstash = createUpstashMock({ url: UPSTASH_URL, token: "reliability-token", redis });
const server = setupMockServer(...resend.handlers, ...twilio.handlers, ...upstash.handlers);
const logger = createLogger("silent");
// Retry waits shortened (a 429's Retry-After included), bounded as in production.
const fastSleep = (ms: number) => realSleep(Math.min(ms, 5));

/** The transports as in production, each attempt seen by `sends`. */
function providerDeps(clock: ManualClock, sends: SendRecorder): ProcessorDeps {
  return processorDeps(db(), {
    clock,
    email: withRetries(
      sends.email(
        createResendTransport({ apiKey: "re_reliability", logger, clock, timeoutMs: 300, pacer: createPacer({ ratePerSecond: 1_000, burst: 50, sleep: fastSleep }) }),
      ),
      { sleep: fastSleep },
    ),
    sms: withRetries(
      sends.sms(createTwilioTransport({ accountSid: TEST_TWILIO_ACCOUNT_SID, authToken: TEST_TWILIO_AUTH_TOKEN, fromNumber: "+15550001111", logger, clock, timeoutMs: 300 })),
      { sleep: fastSleep },
    ),
  });
}

/** A burst: `size` failures of the given kinds, cycled. */
const burst = <T>(kinds: T[], size: number): T[] => Array.from({ length: size }, (_, i) => kinds[i % kinds.length]!);

describe("providers failing in bursts", () => {
  it(
    "429s, 500s, timeouts, garbage and dropped connections: nothing sent twice, nothing lost",
    async () => {
      resend.reset();
      twilio.reset();
      const clock = new ManualClock("2026-01-05T16:00:00Z");
      const businesses = await installBusinesses(db(), clock, 2);
      const businessIds = businesses.map((b) => b.businessId);
      const touches = await seedBacklog(db().pool, businesses, sized(60, 400), new Date("2026-01-05T15:00:00Z"));

      const resendFaults: ResendFailure[] = [
        ...burst<ResendFailure>([{ kind: "rate_limit", retryAfterSeconds: 1 }, { kind: "server_error" }], 4),
        { kind: "malformed" },
        { kind: "slow", delayMs: 600 },
        ...burst<ResendFailure>(
          [{ kind: "network" }, { kind: "server_error", accepted: true }, { kind: "rate_limit" }, { kind: "network", accepted: true }, { kind: "server_error" }],
          sized(5, 20),
        ),
      ];
      const twilioFaults: TwilioFailure[] = [
        ...burst<TwilioFailure>([{ kind: "rate_limit", retryAfterSeconds: 1 }, { kind: "unavailable" }, { kind: "network" }, { kind: "server_error", accepted: true }], sized(12, 60)),
        { kind: "slow", delayMs: 600 },
        { kind: "malformed" },
        ...burst<TwilioFailure>([{ kind: "server_error" }, { kind: "rate_limit" }, { kind: "unavailable" }], sized(8, 40)),
      ];
      resend.queueFailures(...resendFaults);
      twilio.queueFailures(...twilioFaults);

      const sends = createSendRecorder();
      const summary = await drainAll(providerDeps(clock, sends), { batchSize: 40, smsConcurrency: 4 });
      const deliveries = [...resendDeliveries(resend.emails), ...twilioDeliveries(twilio.messages)];
      const counts = sends.counts();
      const result = await checkInvariants({ db: db().pool, now: clock.now(), businessIds, drained: true, deliveries, completeProviders: ["resend", "twilio"] });
      const { rows } = await db().pool.query<{ status: string; n: number }>(
        `SELECT t.status::text, count(*)::int AS n FROM enrollment_touch t WHERE t.business_id = ANY($1::uuid[]) GROUP BY 1 ORDER BY 1`,
        [businessIds],
      );
      report("provider-faults/bursts", {
        touches,
        resendFaults: resendFaults.length,
        twilioFaults: twilioFaults.length,
        resendRequests: resend.requests.length,
        resendReplays: resend.requests.filter((r) => r.outcome === "replayed").length,
        emailsAccepted: resend.emails.length,
        twilioRequests: twilio.requests.length,
        textsAccepted: twilio.messages.length,
        emailCalls: counts.emailCalls,
        smsCalls: counts.smsCalls,
        retries: counts.retries,
        doubleSends: counts.doubleSends.length,
        sent: summary.sent,
        failed: summary.failed,
        violations: result.violations.length,
      });
      expect(result.violations, describeViolations(result.violations)).toEqual([]);
      // Every send call: nothing handed over again after it was sent, except an email in its identical request.
      expect(counts.doubleSends).toEqual([]);
      // Answers lost after Resend accepted were retried as the identical request and replayed, not re-sent.
      expect(resend.requests.filter((r) => r.outcome === "replayed").length).toBeGreaterThan(0);
      // Every touch has an outcome, and failures are the exception: the bursts were retried through.
      expect(rows.map((r) => r.status).every((s) => s === "sent" || s === "failed")).toBe(true);
      expect(rows.reduce((n, r) => n + r.n, 0)).toBe(touches);
      expect(summary.sent + summary.failed).toBe(touches);
      const { rows: failures } = await db().pool.query<{ channel: string; error_code: string; n: number }>(
        `SELECT channel::text, error_code, count(*)::int AS n FROM send_log WHERE business_id = ANY($1::uuid[]) AND status = 'failed' GROUP BY 1, 2 ORDER BY 1, 2`,
        [businessIds],
      );
      report("provider-faults/bursts failures", { byCode: failures.map((f) => `${f.channel}:${f.error_code}=${f.n}`).join(",") });
      // A failed touch says why: the provider's last answer after the transport's retries.
      expect(failures.every((f) => f.error_code)).toBe(true);
      // The queued faults were all met.
      expect(resend.requests.length).toBeGreaterThan(resendFaults.length);
      expect(twilio.requests.length).toBeGreaterThan(twilioFaults.length);
      // An SMS whose answer never came is not sent again (Twilio has no idempotency key): it is failed.
      const timedOut = await db().pool.query(`SELECT 1 FROM send_log WHERE business_id = ANY($1::uuid[]) AND error_code = 'timeout' AND channel = 'sms'`, [businessIds]);
      expect(timedOut.rowCount).toBe(1);
    },
    sized(60_000, 180_000),
  );
});

describe("the send-rate store unavailable", () => {
  async function sendsAndDeferrals(businessIds: string[]) {
    const { rows } = await db().pool.query<{ sent: number; outbox: number; due_later: number }>(
      `SELECT (SELECT count(*)::int FROM send_log WHERE business_id = ANY($1::uuid[])) AS sent,
              (SELECT count(*)::int FROM outbox_message WHERE business_id = ANY($1::uuid[])) AS outbox,
              (SELECT count(*)::int FROM enrollment WHERE business_id = ANY($1::uuid[]) AND status = 'active' AND next_due_at > '2026-01-05T16:00:00Z') AS due_later`,
      [businessIds],
    );
    return rows[0]!;
  }

  it("Redis down, then Upstash down: every claimed send is deferred, none goes out unlimited", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const businesses = await installBusinesses(db(), clock, 1, { emailHourlyLimit: 5, smsHourlyLimit: 5 });
    const businessIds = businesses.map((b) => b.businessId);
    await seedBacklog(db().pool, businesses, 40, new Date("2026-01-05T15:00:00Z"));

    const downRedis = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null, connectTimeout: 200 });
    downRedis.on("error", () => {});
    const unreachable = new RedisSendRateLimiter(ioredisScriptRedis(downRedis), { storage: "redis", clock, logger, timeoutMs: 300, unavailableBackoffMs: 30_000 });
    const first = await processBatch({ ...processorDeps(db(), { clock }), limiter: unreachable }, { batchSize: 100 });
    expect(first).toMatchObject({ claimed: 40, sent: 0, deferred: 40 });
    expect(await sendsAndDeferrals(businessIds)).toEqual({ sent: 0, outbox: 0, due_later: 40 });
    downRedis.disconnect();

    server.use(...upstashOutage(UPSTASH_URL, { status: 503 }));
    const upstashDown = createSendRateLimiter(
      { UPSTASH_REDIS_REST_URL: UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: "reliability-token", REDIS_URL: undefined },
      { clock, logger, timeoutMs: 300, unavailableBackoffMs: 30_000, prefix: `test:rel:${randomUUID()}` },
    );
    clock.advance(31_000);
    const second = await processBatch({ ...processorDeps(db(), { clock }), limiter: upstashDown }, { batchSize: 100 });
    expect(second).toMatchObject({ claimed: 40, sent: 0, deferred: 40 });
    server.resetHandlers();

    // The store is back: the hourly limit holds (5 emails, 5 texts), the rest wait for capacity.
    clock.advance(31_000);
    const back = createSendRateLimiter(
      { UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined, REDIS_URL: "redis://127.0.0.1:6379" },
      { clock, logger, prefix: `test:rel:${randomUUID()}` },
    );
    try {
      await drainAll({ ...processorDeps(db(), { clock }), limiter: back }, { batchSize: 100 });
      const state = await sendsAndDeferrals(businessIds);
      report("provider-faults/rate-store-down", { claimedWhileDown: first.claimed + second.claimed, sentWhileDown: 0, sentAfter: state.outbox, limitPerChannelPerHour: 5 });
      // Five emails and five texts in the hour (each sent enrollment's text was due right after).
      const { rows: byChannel } = await db().pool.query<{ channel: string; n: number }>(
        `SELECT channel::text, count(*)::int AS n FROM outbox_message WHERE business_id = ANY($1::uuid[]) GROUP BY 1 ORDER BY 1`,
        [businessIds],
      );
      expect(byChannel).toEqual([{ channel: "email", n: 5 }, { channel: "sms", n: 5 }]);
      const result = await checkInvariants({ db: db().pool, now: clock.now(), businessIds });
      expect(result.violations, describeViolations(result.violations)).toEqual([]);
    } finally {
      await back.close();
    }
  });
});
