// Crash: touch processors as child processes over a backlog of thousands of due touches, SIGKILLed
// at random moments again and again (mostly mid-batch: between claim, intent, provider call and
// outcome) and restarted; then a final drain. Leases are short and the clock runs at real speed,
// so the dead processors' touches come back to the living ones. The outbox's unique idempotency
// key plays the provider; a second scenario sends email through the Resend transport to a real
// HTTP server that keeps Resend's Idempotency-Key rules, to check the provider's side too.
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPacer, createResendTransport, withRetries } from "~/engine/transports/index.server";
import { createLogger } from "~/logger.server";
import { useTestDatabase } from "../helpers/db";
import { processorDeps } from "../helpers/engine";
import { processorChildCommand, startProcessorChild, type ProcessorChild } from "./children";
import { drainAll, installBusinesses, pendingTouches, RealtimeClock, report, seedBacklog, sized, sleep } from "./harness";
import { checkInvariants, describeViolations, type ProviderDelivery } from "./invariants";
import { startResendServer, type ResendServer } from "./resend-server";

const db = useTestDatabase();
const LEASE_MS = 2_000;
const BATCH = 50;
const CHILDREN = 3;
const STANDBY = 2;

let resend: ResendServer;
let command: string[] = [];
beforeAll(async () => {
  resend = await startResendServer();
  command = await processorChildCommand();
});
afterAll(async () => {
  await resend.close();
  if (command[0]?.endsWith(".mjs")) await rm(command[0], { force: true });
});

interface CrashRun {
  kills: number;
  killedMidBatch: number;
  processes: number;
  batchesCompleted: number;
  waitedForStandbyS: number;
  seconds: number;
}

/**
 * Keeps CHILDREN processors working, each killed at a random moment of its first batches and
 * replaced at once by a warm standby, until `kills` kills.
 */
async function killRepeatedly(args: string[], kills: number, deadlineMs: number): Promise<CrashRun> {
  const started = Date.now();
  let killed = 0;
  let midBatch = 0;
  let restarts = 0;
  let batches = 0;
  let readyWaitMs = 0;
  const unexpected: string[] = [];
  const standby: ProcessorChild[] = [];
  const more = () => killed < kills && Date.now() - started < deadlineMs;
  const spare = () => standby.push(startProcessorChild(command, args));
  for (let i = 0; i < CHILDREN + STANDBY; i++) spare();

  const worker = async (): Promise<void> => {
    while (more()) {
      const child = standby.shift()!;
      spare();
      const waitStart = Date.now();
      await child.ready;
      readyWaitMs += Date.now() - waitStart;
      child.go();
      restarts += 1;
      await sleep(20 + Math.random() * 700);
      if (more()) {
        if (child.inBatch()) midBatch += 1;
        killed += 1;
        child.kill();
      } else {
        child.stop();
      }
      const exit = await child.exited;
      batches += child.batches();
      if (exit.signal !== "SIGKILL" && exit.code !== 0) unexpected.push(`exit ${exit.code}: ${exit.stderr}`);
    }
  };
  await Promise.all(Array.from({ length: CHILDREN }, worker));
  for (const child of standby.splice(0)) {
    child.stop();
    const exit = await child.exited;
    if (exit.signal !== "SIGKILL" && exit.code !== 0) unexpected.push(`exit ${exit.code}: ${exit.stderr}`);
  }
  expect(unexpected, unexpected.join("\n")).toEqual([]);
  return {
    kills: killed,
    killedMidBatch: midBatch,
    processes: restarts,
    batchesCompleted: batches,
    waitedForStandbyS: Math.round(readyWaitMs / 100) / 10,
    seconds: (Date.now() - started) / 1000,
  };
}

async function scenario(mode: "outbox" | "resend", opts: { perBusiness: number; kills: number }) {
  const clock = new RealtimeClock();
  const businesses = await installBusinesses(db(), clock, 2);
  const businessIds = businesses.map((b) => b.businessId);
  const touches = await seedBacklog(db().pool, businesses, opts.perBusiness, new Date(clock.now().getTime() - 60_000));
  const deliveriesBefore = resend.deliveries.length;

  const args = [db().url, ...clock.args(), String(LEASE_MS), String(BATCH), mode, resend.url];
  const crash = await killRepeatedly(args, opts.kills, sized(90_000, 150_000));
  const leftAfterKills = await pendingTouches(db().pool);
  // Where the kills left touches: leased by a dead processor, or in the provider window (intent
  // written, maybe accepted by the provider, outcome never recorded).
  const { rows: window } = await db().pool.query<{ leased: number; sending: number; accepted_unrecorded: number }>(
    `SELECT (SELECT count(*)::int FROM enrollment WHERE business_id = ANY($1::uuid[]) AND lease_token IS NOT NULL) AS leased,
            (SELECT count(*)::int FROM send_log WHERE business_id = ANY($1::uuid[]) AND status = 'sending') AS sending,
            (SELECT count(*)::int FROM send_log l JOIN outbox_message o ON o.idempotency_key = 'kudos-touch-' || l.enrollment_id || '-' || l.position
              WHERE l.business_id = ANY($1::uuid[]) AND l.status = 'sending') AS accepted_unrecorded`,
    [businessIds],
  );

  // Whatever the dead left leased comes back once the lease ends; one clean processor finishes.
  await sleep(LEASE_MS + 100);
  const email = mode === "resend" ? resendTransport(clock) : undefined;
  await drainAll(processorDeps(db(), { clock: clock as never, ...(email ? { email } : {}) }), { batchSize: BATCH, leaseMs: LEASE_MS });

  const deliveries: ProviderDelivery[] = resend.deliveries.slice(deliveriesBefore);
  const result = await checkInvariants({
    db: db().pool,
    now: clock.now(),
    businessIds,
    drained: true,
    ...(mode === "resend" ? { deliveries, completeProviders: ["resend"] } : {}),
  });
  const { rows } = await db().pool.query<{ status: string; n: number }>(
    `SELECT status::text, count(*)::int AS n FROM enrollment WHERE business_id = ANY($1::uuid[]) GROUP BY status`,
    [businessIds],
  );
  report(`crash/${mode}`, {
    touches,
    ...crash,
    leftAfterKills,
    leasedByTheDead: window[0]!.leased,
    leftSending: window[0]!.sending,
    acceptedButUnrecorded: mode === "resend" ? "n/a" : window[0]!.accepted_unrecorded,
    sent: result.figures.touchesSent,
    providerAccepted: mode === "resend" ? deliveries.length + result.figures.outboxMessages : result.figures.outboxMessages,
    violations: result.violations.length,
  });
  return { touches, crash, window: window[0]!, result, enrollments: rows, deliveries };
}

// Resend's batch endpoint takes one Idempotency-Key per request. The processor records each
// request (key, members, exact payload) before making it, and a processor recovering a crashed
// batch re-sends that very request, which the provider answers from its idempotency cache. The
// outbox (one key per email) cannot show a repeat; this HTTP stand-in can.

function resendTransport(clock: RealtimeClock) {
  return withRetries(
    createResendTransport({
      apiKey: "re_reliability_test_key",
      logger: createLogger("silent"),
      clock,
      baseUrl: resend.url,
      pacer: createPacer({ ratePerSecond: 10_000, burst: 100 }),
    }),
    { baseDelayMs: 20, maxDelayMs: 1_000 },
  );
}

describe("processors killed with SIGKILL mid-drain", () => {
  it(
    "outbox: every touch goes out exactly once and every enrollment completes",
    async () => {
      const { touches, crash, window, result, enrollments } = await scenario("outbox", { perBusiness: sized(700, 2_000), kills: sized(16, 32) });
      expect(crash.kills).toBeGreaterThanOrEqual(sized(16, 32));
      expect(crash.killedMidBatch).toBeGreaterThan(0);
      // The kills did hit the dangerous window: touches left between intent and outcome.
      expect(window.sending).toBeGreaterThan(0);
      expect(result.violations, describeViolations(result.violations)).toEqual([]);
      // Exactly once: as many messages as touches, each touch's own.
      expect(result.figures).toMatchObject({ touchesSent: touches, outboxMessages: touches, unresolvedSending: 0 });
      expect(enrollments).toEqual([{ status: "completed", n: sized(1_400, 4_000) }]);
    },
    sized(120_000, 240_000),
  );

  it(
    "Resend over HTTP: every touch goes out, and no email is accepted twice",
    async () => {
      const { touches, crash, result, deliveries } = await scenario("resend", { perBusiness: sized(300, 800), kills: sized(8, 16) });
      expect(crash.kills).toBeGreaterThanOrEqual(sized(8, 16));
      const duplicates = result.violations.filter((v) => v.invariant === "sent_twice");
      const others = result.violations.filter((v) => v.invariant !== "sent_twice");
      expect(others, describeViolations(others)).toEqual([]);
      expect(duplicates, describeViolations(duplicates)).toEqual([]);
      report("crash/resend duplicates", { emailsAcceptedTwice: duplicates.length });
      // Every touch reached its provider: emails (touches 1 and 3) at Resend, texts in the outbox.
      const emailed = new Set(deliveries.map((d) => `${d.enrollmentId}#${d.position}`));
      expect(emailed.size + result.figures.outboxMessages).toBe(touches);
      expect(result.figures.touchesSent).toBe(touches);
    },
    sized(120_000, 240_000),
  );

  it(
    "Resend over HTTP: a batch the provider accepted, from a processor killed before it heard back, is not sent again",
    async () => {
      const clock = new RealtimeClock();
      const businesses = await installBusinesses(db(), clock, 1);
      await seedBacklog(db().pool, businesses, 120, new Date(clock.now().getTime() - 60_000));
      const before = resend.deliveries.length;
      const child = startProcessorChild(command, [db().url, ...clock.args(), String(LEASE_MS), String(BATCH), "resend", resend.url]);
      resend.onAccepted = async () => {
        resend.onAccepted = null;
        child.kill();
        await child.exited;
      };
      await child.ready;
      child.go();
      expect((await child.exited).signal).toBe("SIGKILL");
      expect(resend.deliveries.length - before).toBe(BATCH);
      // After the lease, a processor claiming a bigger batch (as any later drain may) finishes.
      await sleep(LEASE_MS + 100);
      await drainAll(processorDeps(db(), { clock: clock as never, email: resendTransport(clock) }), { batchSize: 4 * BATCH, leaseMs: LEASE_MS });
      const result = await checkInvariants({
        db: db().pool,
        now: clock.now(),
        businessIds: businesses.map((b) => b.businessId),
        drained: true,
        deliveries: resend.deliveries.slice(before),
        completeProviders: ["resend"],
      });
      expect(result.violations, describeViolations(result.violations)).toEqual([]);
    },
    60_000,
  );
});
