// Crash: touch processors as child processes over a backlog of thousands of due touches, SIGKILLed
// at random moments again and again (mostly mid-batch: between claim, intent, provider call and
// outcome) and restarted; then a final drain. Leases are short and the clock runs at real speed,
// so the dead processors' touches come back to the living ones. The outbox's unique idempotency
// key plays the provider; a second scenario sends email through the Resend transport to a real
// HTTP server that keeps Resend's Idempotency-Key rules, and SMS through the Twilio transport to
// one that, like Twilio, has no idempotency key and records every text it accepts: the providers'
// side. A text accepted from a processor killed before it recorded the outcome goes out again
// (docs/decisions/0002); the suite counts those repeats and bounds them by what the kills left in
// that window.
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPacer, createResendTransport, createTwilioTransport, withRetries } from "~/engine/transports/index.server";
import { createLogger } from "~/logger.server";
import { useTestDatabase } from "../helpers/db";
import { processorDeps } from "../helpers/engine";
import { TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN } from "../mocks/twilio";
import { processorChildCommand, startProcessorChild, type ProcessorChild } from "./children";
import { drainAll, installBusinesses, pendingTouches, RealtimeClock, report, seedBacklog, sized, sleep, switchPreset } from "./harness";
import { checkInvariants, describeViolations, type ProviderDelivery } from "./invariants";
import { twilioDeliveries } from "./providers";
import { startResendServer, type ResendServer } from "./resend-server";
import { startTwilioServer, type TwilioServer, type TwilioServerMessage } from "./twilio-server";

const db = useTestDatabase();
// Texts start only in the first half of a lease (the processor's rule), so a live processor must
// finish a text within the other half: 1.5 s of slack survives a loaded 2-core machine.
const LEASE_MS = 3_000;
const BATCH = 50;
const CHILDREN = 3;
const STANDBY = 2;

let resend: ResendServer;
let twilio: TwilioServer;
let command: string[] = [];
beforeAll(async () => {
  resend = await startResendServer();
  twilio = await startTwilioServer();
  command = await processorChildCommand();
});
afterAll(async () => {
  await resend.close();
  await twilio.close();
  if (command[0]?.endsWith(".mjs")) await rm(command[0], { force: true });
});

/** A processor killed with SIGKILL, and how many batches it had finished (the next one was cut short). */
interface KilledProcessor {
  pid: string;
  batchesDone: number;
}

interface CrashRun {
  killed: KilledProcessor[];
  kills: number;
  killedMidBatch: number;
  processes: number;
  batchesCompleted: number;
  waitedForStandbyS: number;
  seconds: number;
}

/**
 * Keeps CHILDREN processors working, each killed at a random moment of its first batches and
 * replaced at once by a warm standby, until `kills` kills. The moment is counted from the child's
 * first provider call, not from "go": on a loaded machine a child can take most of 720 ms to
 * prepare its first batch, and the kills are meant to meet sends.
 */
async function killRepeatedly(args: string[], kills: number, deadlineMs: number): Promise<CrashRun> {
  const started = Date.now();
  let killed = 0;
  let midBatch = 0;
  let restarts = 0;
  let batches = 0;
  let readyWaitMs = 0;
  const unexpected: string[] = [];
  const dead: KilledProcessor[] = [];
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
      await child.firstSend;
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
      if (exit.signal === "SIGKILL") dead.push({ pid: String(child.proc.pid), batchesDone: child.batches() });
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
    killed: dead,
    kills: killed,
    killedMidBatch: midBatch,
    processes: restarts,
    batchesCompleted: batches,
    waitedForStandbyS: Math.round(readyWaitMs / 100) / 10,
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * The SMS repeat window, from Twilio's side: texts accepted more than once per touch, and the texts
 * the kills exposed (accepted during a batch its processor never finished). Every repeat must
 * follow an exposed text: nothing else may send a text twice.
 */
function smsRepeats(messages: readonly TwilioServerMessage[], killed: readonly KilledProcessor[]) {
  const cutShort = new Map(killed.map((k) => [k.pid, k.batchesDone + 1]));
  const exposed = messages.filter((m) => m.process !== null && cutShort.get(m.process) === m.batch);
  const byTouch = new Map<string, TwilioServerMessage[]>();
  for (const d of twilioDeliveries(messages)) {
    const id = `${d.enrollmentId}#${d.position}`;
    byTouch.set(id, [...(byTouch.get(id) ?? []), messages.find((m) => m.sid === d.messageId)!]);
  }
  const repeated = [...byTouch].filter(([, ms]) => ms.length > 1);
  // Every acceptance but the last must have been cut short by a kill, or something else sent twice.
  const cut = new Set(exposed);
  const unexplained = repeated.filter(([, ms]) => ms.slice(0, -1).some((m) => !cut.has(m))).map(([id]) => id);
  return {
    repeats: repeated.reduce((n, [, ms]) => n + ms.length - 1, 0),
    repeatedTouches: repeated.map(([id]) => id),
    exposed: exposed.length,
    killsInsideSend: new Set(exposed.map((m) => `${m.process}/${m.batch}`)).size,
    unexplained,
  };
}

async function scenario(mode: "outbox" | "http", opts: { perBusiness: number; kills: number }) {
  const clock = new RealtimeClock();
  const businesses = await installBusinesses(db(), clock, 2);
  const businessIds = businesses.map((b) => b.businessId);
  const dueAt = new Date(clock.now().getTime() - 60_000);
  let touches: number;
  if (mode === "http") {
    // One business texts first (the aggressive preset) and is due first, so the kills meet
    // texts from the start; the other sends the standard email, text, email.
    const textingFirst = await switchPreset(db(), clock, businesses[1]!, "aggressive");
    touches = (await seedBacklog(db().pool, [textingFirst], opts.perBusiness, new Date(dueAt.getTime() - 60_000))) + (await seedBacklog(db().pool, [businesses[0]!], opts.perBusiness, dueAt));
  } else {
    touches = await seedBacklog(db().pool, businesses, opts.perBusiness, dueAt);
  }
  const deliveriesBefore = resend.deliveries.length;
  const textsBefore = twilio.messages.length;

  const args =
    mode === "http"
      ? [db().url, ...clock.args(), String(LEASE_MS), String(BATCH), "resend", resend.url, "twilio", twilio.url]
      : [db().url, ...clock.args(), String(LEASE_MS), String(BATCH), "outbox", resend.url];
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
  const providers = mode === "http" ? { email: resendTransport(clock), sms: twilioTransport(clock) } : {};
  await drainAll(processorDeps(db(), { clock: clock as never, ...providers }), { batchSize: BATCH, leaseMs: LEASE_MS });

  const texts = twilio.messages.slice(textsBefore);
  const deliveries: ProviderDelivery[] = [...resend.deliveries.slice(deliveriesBefore), ...twilioDeliveries(texts)];
  const result = await checkInvariants({
    db: db().pool,
    now: clock.now(),
    businessIds,
    drained: true,
    ...(mode === "http" ? { deliveries, completeProviders: ["resend", "twilio"] } : {}),
  });
  const sms = smsRepeats(texts, crash.killed);
  const { rows } = await db().pool.query<{ status: string; n: number }>(
    `SELECT status::text, count(*)::int AS n FROM enrollment WHERE business_id = ANY($1::uuid[]) GROUP BY status`,
    [businessIds],
  );
  const { killed: _killed, ...crashFigures } = crash;
  report(`crash/${mode}`, {
    touches,
    ...crashFigures,
    leftAfterKills,
    leasedByTheDead: window[0]!.leased,
    leftSending: window[0]!.sending,
    acceptedButUnrecorded: mode === "http" ? "n/a" : window[0]!.accepted_unrecorded,
    sent: result.figures.touchesSent,
    providerAccepted: mode === "http" ? deliveries.length : result.figures.outboxMessages,
    ...(mode === "http" ? { textsAccepted: texts.length, textsExposedByKills: sms.exposed, killsInsideSend: sms.killsInsideSend, textsRepeated: sms.repeats } : {}),
    violations: result.violations.length,
  });
  return { touches, crash, window: window[0]!, result, enrollments: rows, deliveries, sms };
}

// Resend's batch endpoint takes one Idempotency-Key per request. The processor records each
// request (key, members, exact payload) before making it, and a processor recovering a crashed
// batch re-sends that very request, which the provider answers from its idempotency cache. The
// outbox (one key per email) cannot show a repeat; this HTTP stand-in can.

function twilioTransport(clock: RealtimeClock) {
  return withRetries(
    createTwilioTransport({
      accountSid: TEST_TWILIO_ACCOUNT_SID,
      authToken: TEST_TWILIO_AUTH_TOKEN,
      fromNumber: "+15550001111",
      logger: createLogger("silent"),
      clock,
      baseUrl: twilio.url,
    }),
    { baseDelayMs: 20, maxDelayMs: 1_000 },
  );
}

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
    "Resend and Twilio over HTTP: every touch goes out, no email is accepted twice, texts repeat only where a kill cut a send short",
    async () => {
      const { touches, crash, result, deliveries, sms } = await scenario("http", { perBusiness: sized(300, 800), kills: sized(8, 16) });
      expect(crash.kills).toBeGreaterThanOrEqual(sized(8, 16));
      const textTouches = new Set(deliveries.filter((d) => d.provider === "twilio").map((d) => `${d.enrollmentId}#${d.position}`));
      const emailTwice = result.violations.filter((v) => v.invariant === "sent_twice" && !textTouches.has(v.subject));
      const textTwice = result.violations.filter((v) => v.invariant === "sent_twice" && textTouches.has(v.subject));
      const others = result.violations.filter((v) => v.invariant !== "sent_twice");
      expect(others, describeViolations(others)).toEqual([]);
      expect(emailTwice, describeViolations(emailTwice)).toEqual([]);
      report("crash/http duplicates", { emailsAcceptedTwice: emailTwice.length, textsRepeated: sms.repeats, textsExposedByKills: sms.exposed, killsInsideSend: sms.killsInsideSend });
      // The documented SMS window, bounded: every repeated text was first accepted in a batch a
      // kill cut short, and there are no more repeats than texts those batches had sent.
      expect(sms.unexplained).toEqual([]);
      expect(sms.repeats).toBeLessThanOrEqual(sms.exposed);
      expect(textTwice.map((v) => v.subject).sort()).toEqual([...sms.repeatedTouches].sort());
      // Every touch reached its provider: emails at Resend, texts at Twilio.
      const reached = new Set(deliveries.map((d) => `${d.enrollmentId}#${d.position}`));
      expect(reached.size).toBe(touches);
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

  it(
    "Twilio over HTTP: texts Twilio accepted from a processor killed before it heard back go out once more each (the documented window), nothing else repeats",
    async () => {
      const clock = new RealtimeClock();
      const businesses = await installBusinesses(db(), clock, 1);
      const touches = await seedBacklog(db().pool, businesses, 120, new Date(clock.now().getTime() - 60_000));
      const emailsBefore = resend.deliveries.length;
      const textsBefore = twilio.messages.length;
      const child = startProcessorChild(command, [db().url, ...clock.args(), String(LEASE_MS), String(BATCH), "resend", resend.url, "twilio", twilio.url]);
      // Killed as soon as Twilio has the first of its texts; the others it had in flight may land too.
      twilio.onAccepted = async () => {
        twilio.onAccepted = null;
        child.kill();
        await child.exited;
      };
      await child.ready;
      child.go();
      expect((await child.exited).signal).toBe("SIGKILL");
      const exposed = twilio.messages.slice(textsBefore);
      expect(exposed.length).toBeGreaterThanOrEqual(1);
      expect(new Set(exposed.map((m) => m.process))).toEqual(new Set([String(child.proc.pid)]));

      await sleep(LEASE_MS + 100);
      await drainAll(processorDeps(db(), { clock: clock as never, email: resendTransport(clock), sms: twilioTransport(clock) }), { batchSize: BATCH, leaseMs: LEASE_MS });
      const texts = twilio.messages.slice(textsBefore);
      const result = await checkInvariants({
        db: db().pool,
        now: clock.now(),
        businessIds: businesses.map((b) => b.businessId),
        drained: true,
        deliveries: [...resend.deliveries.slice(emailsBefore), ...twilioDeliveries(texts)],
        completeProviders: ["resend", "twilio"],
      });
      const sms = smsRepeats(texts, [{ pid: String(child.proc.pid), batchesDone: child.batches() }]);
      report("crash/twilio window", { textsAcceptedFromTheKilled: exposed.length, textsRepeated: sms.repeats });
      // Exactly the texts the dead processor had handed to Twilio went out a second time.
      expect(sms).toMatchObject({ repeats: exposed.length, exposed: exposed.length, unexplained: [] });
      const exposedTouches = twilioDeliveries(exposed).map((d) => `${d.enrollmentId}#${d.position}`).sort();
      expect([...sms.repeatedTouches].sort()).toEqual(exposedTouches);
      expect(result.violations.filter((v) => v.invariant !== "sent_twice"), describeViolations(result.violations)).toEqual([]);
      expect(result.violations.map((v) => v.subject).sort()).toEqual(exposedTouches);
      expect(result.figures.touchesSent).toBe(touches);
    },
    60_000,
  );
});
