// One touch processor as its own process, for the crash suite. Warms up, prints "ready", waits for
// "go" on stdin (the parent keeps warm standbys), then processes batches in a loop until told to
// "stop" or killed. Prints "claim" before each batch, "send" when it starts calling providers and
// "done <claimed>" after it, so the parent knows when a kill lands mid-batch. Requests to the provider stand-ins carry this process's pid
// and batch number (test-only headers), so a message a kill left unrecorded can be traced.
//   node --import tsx test/reliability/processor-child.ts <db url> <virtual origin> <real origin>
//        <lease ms> <batch size> <outbox | resend> [resend base url] [outbox | twilio] [twilio base url]
import { createDatabase } from "~/db.server";
import { processBatch, type ProcessorDeps } from "~/engine/processor.server";
import { InProcessSendRateLimiter } from "~/engine/rate-limit/index.server";
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
import { createLinkBuilder } from "~/links/tokens.server";
import { createLogger } from "~/logger.server";
import { TEST_APP_URL, TEST_LINK_SECRET, TEST_OPT_OUTS } from "../helpers/engine";
import { TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN } from "../mocks/twilio-account";
import { RealtimeClock, sleep } from "./clock";
import { BATCH_HEADER, PROCESS_HEADER } from "./sender-headers";

const [url, virtualOrigin, realOrigin, leaseArg, batchArg, mode = "outbox", resendUrl, smsMode = "outbox", twilioUrl] = process.argv.slice(2);
const clock = new RealtimeClock(Number(virtualOrigin), Number(realOrigin));
const db = createDatabase(url!, 4);
const logger = createLogger("silent");
const leaseMs = Number(leaseArg);
const batchSize = Number(batchArg);

// A little time between the provider accepting a message and the outcome being recorded: the
// window in which a crash leaves a touch "sending", which is what this suite is about. "send" is
// printed when a batch makes its first provider call.
const widen = async () => sleep(Math.random() * 15);
let sentThisBatch = false;
const sending = () => {
  if (!sentThisBatch) process.stdout.write("send\n");
  sentThisBatch = true;
};
function slowEmail(t: EmailTransport): EmailTransport {
  return { provider: t.provider, sendBatch: async (emails) => { sending(); const r = await t.sendBatch(emails); await widen(); return r; } };
}
function slowSms(t: SmsTransport): SmsTransport {
  return { provider: t.provider, send: async (sms) => { sending(); const r = await t.send(sms); await widen(); return r; } };
}

let batchNumber = 0;
// Stamps every provider request with this process and its current batch.
const stamped: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set(PROCESS_HEADER, String(process.pid));
  headers.set(BATCH_HEADER, String(batchNumber));
  return fetch(input, { ...init, headers });
};

const email =
  mode === "resend"
    ? withRetries(
        createResendTransport({
          apiKey: "re_reliability_test_key",
          logger,
          clock,
          baseUrl: resendUrl,
          // The local server has no request-rate limit; Resend's 2/s would make the backlog last minutes.
          pacer: createPacer({ ratePerSecond: 10_000, burst: 100 }),
          timeoutMs: 5_000,
        }),
        { baseDelayMs: 20, maxDelayMs: 1_000 },
      )
    : createOutboxEmailTransport({ db: db.prisma, clock, logger });

// Twilio has no idempotency key: a text accepted by a processor killed before it recorded the
// outcome is sent again after the lease (the window docs/decisions/0002 describes).
const sms =
  smsMode === "twilio"
    ? withRetries(
        createTwilioTransport({
          accountSid: TEST_TWILIO_ACCOUNT_SID,
          authToken: TEST_TWILIO_AUTH_TOKEN,
          fromNumber: "+15550001111",
          logger,
          clock,
          baseUrl: twilioUrl,
          fetch: stamped,
          timeoutMs: 5_000,
        }),
        { baseDelayMs: 20, maxDelayMs: 1_000 },
      )
    : createOutboxSmsTransport({ db: db.prisma, clock, logger, fromNumber: "+15550001111" });

const deps: ProcessorDeps = {
  db: db.prisma,
  pool: db.pool,
  clock,
  logger,
  email: slowEmail(email),
  sms: slowSms(sms),
  limiter: new InProcessSendRateLimiter(clock),
  links: createLinkBuilder(TEST_APP_URL, TEST_LINK_SECRET),
  emailFrom: "reviews@kudos.test",
  appUrl: TEST_APP_URL,
  optOuts: TEST_OPT_OUTS,
};

let stopping = false;
let go: () => void = () => {};
const started = new Promise<void>((resolve) => (go = resolve));
process.stdin.on("data", (d) => {
  if (String(d).includes("go")) go();
  if (String(d).includes("stop")) {
    stopping = true;
    go();
  }
});
await db.pool.query("SELECT 1");
await db.prisma.business.findFirst({ select: { id: true } });
process.stdout.write("ready\n");
await started;
while (!stopping) {
  batchNumber += 1;
  sentThisBatch = false;
  process.stdout.write("claim\n");
  const summary = await processBatch(deps, { batchSize, leaseMs });
  process.stdout.write(`done ${summary.claimed}\n`);
  if (summary.claimed === 0) await sleep(25);
}
await db.prisma.$disconnect();
await db.pool.end();
process.exit(0);
