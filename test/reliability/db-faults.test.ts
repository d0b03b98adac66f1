// Database faults: every connection to the test database is terminated (pg_terminate_backend, as
// a failover or an operator would) again and again, in the middle of a drain and in the middle of
// webhook ingestion. The same process carries on, without a restart: the pool replaces its dead
// connections, a batch that failed half-way leaves leases that expire and are claimed again, and
// providers redeliver the webhooks that got a 5xx. Then the invariants hold. The drain sends
// through the real Resend and Twilio transports to stand-ins that record every email and text
// they accept, and every send call is counted per touch: "once" is checked where a duplicate
// would show (the outbox's unique key would hide one).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drain, type ProcessorDeps } from "~/engine/processor.server";
import {
  createOutboxEmailTransport,
  createOutboxSmsTransport,
  createPacer,
  createResendTransport,
  createTwilioTransport,
  withRetries,
} from "~/engine/transports/index.server";
import { createLogger } from "~/logger.server";
import { useTestDatabase } from "../helpers/db";
import { processorDeps } from "../helpers/engine";
import { createResendMock, setupMockServer } from "../mocks/resend";
import { createTwilioMock, TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN } from "../mocks/twilio";
import { drainAll, installBusinesses, pendingTouches, RealtimeClock, report, seedBacklog, settlePool, sized, sleep, terminateBackends } from "./harness";
import { checkInvariants, describeViolations } from "./invariants";
import { acceptedMoreThanOnce, resendDeliveries, twilioDeliveries } from "./providers";
import { createSendRecorder, type SendRecorder } from "./sends";
import { deliverAll, hostWebhookJobs, providerWebhookJobs, sentTouches, webhookDeps } from "./webhooks";

const db = useTestDatabase();
const resend = createResendMock();
const twilio = createTwilioMock();
setupMockServer(...resend.handlers, ...twilio.handlers);
const LEASE_MS = 1_500;
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: db().url });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
});

/** Terminates every other backend `times` times, `everyMs` apart. */
async function injectFaults(times: number, everyMs: number): Promise<{ rounds: number; connectionsKilled: number }> {
  let connectionsKilled = 0;
  for (let i = 0; i < times; i++) {
    await sleep(everyMs * (0.5 + Math.random()));
    connectionsKilled += await terminateBackends(admin, db().name);
  }
  return { rounds: times, connectionsKilled };
}

/** The Resend and Twilio transports as in production (retries), each attempt seen by `sends`. */
function providerDeps(clock: RealtimeClock, sends: SendRecorder): ProcessorDeps {
  const logger = createLogger("silent");
  return processorDeps(db(), {
    clock: clock as never,
    email: withRetries(
      sends.email(createResendTransport({ apiKey: "re_db_faults", logger, clock, pacer: createPacer({ ratePerSecond: 10_000, burst: 100 }) })),
      { baseDelayMs: 20 },
    ),
    sms: withRetries(
      sends.sms(createTwilioTransport({ accountSid: TEST_TWILIO_ACCOUNT_SID, authToken: TEST_TWILIO_AUTH_TOKEN, fromNumber: "+15550001111", logger, clock })),
      { baseDelayMs: 20 },
    ),
  });
}

function deps(clock: RealtimeClock): ProcessorDeps {
  const logger = createLogger("silent");
  // As in production (app/services.server.ts): the transports retry what may succeed later.
  return processorDeps(db(), {
    clock: clock as never,
    email: withRetries(createOutboxEmailTransport({ db: db().prisma, clock, logger }), { baseDelayMs: 20 }),
    sms: withRetries(createOutboxSmsTransport({ db: db().prisma, clock, logger, fromNumber: "+15550001111" }), { baseDelayMs: 20 }),
  });
}

describe("connections terminated under load", () => {
  it(
    "mid-drain: the processor keeps going in the same process and every touch goes out once",
    async () => {
      const clock = new RealtimeClock();
      const businesses = await installBusinesses(db(), clock, 2);
      const businessIds = businesses.map((b) => b.businessId);
      const touches = await seedBacklog(db().pool, businesses, sized(400, 1_500), new Date(clock.now().getTime() - 60_000));
      const sends = createSendRecorder();
      const p = providerDeps(clock, sends);

      // The in-process scheduler's loop (app/engine/scheduler.server.ts): a failed drain is logged
      // and the next tick tries again; here with a short lease so failed batches come back soon.
      let failedDrains = 0;
      let stop = false;
      const loop = (async () => {
        const deadline = Date.now() + sized(90_000, 150_000);
        while (!stop && Date.now() < deadline) {
          try {
            await drain(p, { batchSize: 50, leaseMs: LEASE_MS });
          } catch {
            failedDrains += 1;
          }
          if ((await pendingTouches(db().pool).catch(() => 1)) === 0) break;
          await sleep(20);
        }
      })();
      const faults = await injectFaults(sized(8, 40), 250);
      await loop;
      stop = true;
      // Leases of batches that failed after their claim expire; whatever they held comes back.
      await sleep(LEASE_MS + 100);
      await settlePool(db().pool);
      await drainAll(p, { batchSize: 200, leaseMs: LEASE_MS });

      const deliveries = [...resendDeliveries(resend.emails), ...twilioDeliveries(twilio.messages)];
      const result = await checkInvariants({ db: db().pool, now: clock.now(), businessIds, drained: true, deliveries, completeProviders: ["resend", "twilio"] });
      const counts = sends.counts();
      report("db-faults/drain", {
        touches,
        ...faults,
        failedDrains,
        sent: result.figures.touchesSent,
        failed: result.figures.touchesFailed,
        emailCalls: counts.emailCalls,
        smsCalls: counts.smsCalls,
        replays: counts.replays,
        emailsAccepted: resend.emails.length,
        textsAccepted: twilio.messages.length,
        violations: result.violations.length,
      });
      expect(faults.connectionsKilled).toBeGreaterThan(0);
      expect(failedDrains).toBeGreaterThan(0);
      expect(result.violations, describeViolations(result.violations)).toEqual([]);
      expect(result.figures).toMatchObject({ touchesSent: touches, outboxMessages: 0, touchesFailed: 0, unresolvedSending: 0 });
      // Once, counted where a duplicate would show: every touch handed to its provider and
      // accepted by it exactly once (emails 1 and 3 at Resend, texts 2 at Twilio).
      expect(counts.doubleSends).toEqual([]);
      expect(counts.emailTouches + counts.smsTouches).toBe(touches);
      expect(counts.smsCalls).toBe(counts.smsTouches);
      expect(acceptedMoreThanOnce(deliveries)).toEqual(new Map());
      expect(resend.emails.length + twilio.messages.length).toBe(touches);
    },
    sized(150_000, 240_000),
  );

  it(
    "mid-ingestion: every webhook answered 2xx is recorded, the rest are redelivered until they are",
    async () => {
      const clock = new RealtimeClock();
      const businesses = await installBusinesses(db(), clock, 2);
      const businessIds = businesses.map((b) => b.businessId);
      await seedBacklog(db().pool, businesses, sized(60, 300), new Date(clock.now().getTime() - 60_000));
      await drainAll(deps(clock), { batchSize: 200, leaseMs: LEASE_MS });
      const touches = await sentTouches(db(), businessIds, sized(200, 1_200));
      const w = webhookDeps(db(), clock);
      const { rows: accounts } = await db().pool.query<{ external_account_id: string }>(
        `SELECT external_account_id FROM business WHERE id = ANY($1::uuid[])`,
        [businessIds],
      );
      const jobs = [...providerWebhookJobs(w, touches), ...hostWebhookJobs(db(), clock, accounts.map((a) => a.external_account_id), sized(60, 300))];
      jobs.sort(() => Math.random() - 0.5);

      const [stats, faults] = await Promise.all([deliverAll(jobs, { concurrency: 8 }), injectFaults(sized(6, 30), 200)]);
      await settlePool(db().pool);
      // After the faults, the same process answers fresh webhooks at the first attempt.
      const after = await deliverAll(providerWebhookJobs(w, await sentTouches(db(), businessIds, 20)), { concurrency: 4, maxAttempts: 1 });

      const result = await checkInvariants({
        db: db().pool,
        now: clock.now(),
        businessIds,
        webhooks: [...stats.acceptedWebhooks, ...after.acceptedWebhooks],
        effects: [...stats.effects, ...after.effects],
        stopSlackMs: 1_000,
      });
      report("db-faults/webhooks", {
        webhooks: jobs.length,
        ...faults,
        attempts: stats.attempts,
        answered5xx: stats.failedAttempts,
        accepted: stats.accepted,
        violations: result.violations.length,
      });
      expect(faults.connectionsKilled).toBeGreaterThan(0);
      expect(stats.rejected).toEqual([]);
      expect(stats.gaveUp).toEqual([]);
      expect(stats.accepted).toBe(jobs.length);
      expect(after).toMatchObject({ accepted: 20, failedAttempts: 0 });
      expect(result.violations, describeViolations(result.violations)).toEqual([]);
    },
    sized(120_000, 240_000),
  );
});
