// One touch processor as its own process, for the crash suite. Warms up, prints "ready", waits for
// "go" on stdin (the parent keeps warm standbys), then processes batches in a loop until told to
// "stop" or killed. Prints "claim" before each batch and "done <claimed>" after it, so the parent
// knows when a kill lands mid-batch.
//   node --import tsx test/reliability/processor-child.ts <db url> <virtual origin> <real origin>
//        <lease ms> <batch size> <outbox | resend> [resend base url]
import { createDatabase } from "~/db.server";
import { processBatch, type ProcessorDeps } from "~/engine/processor.server";
import { InProcessSendRateLimiter } from "~/engine/rate-limit/index.server";
import {
  createOutboxEmailTransport,
  createOutboxSmsTransport,
  createPacer,
  createResendTransport,
  withRetries,
  type EmailTransport,
  type SmsTransport,
} from "~/engine/transports/index.server";
import { createLinkBuilder } from "~/links/tokens.server";
import { createLogger } from "~/logger.server";
import { TEST_APP_URL, TEST_LINK_SECRET } from "../helpers/engine";
import { RealtimeClock, sleep } from "./clock";

const [url, virtualOrigin, realOrigin, leaseArg, batchArg, mode = "outbox", resendUrl] = process.argv.slice(2);
const clock = new RealtimeClock(Number(virtualOrigin), Number(realOrigin));
const db = createDatabase(url!, 4);
const logger = createLogger("silent");
const leaseMs = Number(leaseArg);
const batchSize = Number(batchArg);

// A little time between the provider accepting a message and the outcome being recorded: the
// window in which a crash leaves a touch "sending", which is what this suite is about.
const widen = async () => sleep(Math.random() * 15);
function slowEmail(t: EmailTransport): EmailTransport {
  return { provider: t.provider, sendBatch: async (emails) => { const r = await t.sendBatch(emails); await widen(); return r; } };
}
function slowSms(t: SmsTransport): SmsTransport {
  return { provider: t.provider, send: async (sms) => { const r = await t.send(sms); await widen(); return r; } };
}

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

const deps: ProcessorDeps = {
  db: db.prisma,
  pool: db.pool,
  clock,
  logger,
  email: slowEmail(email),
  sms: slowSms(createOutboxSmsTransport({ db: db.prisma, clock, logger, fromNumber: "+15550001111" })),
  limiter: new InProcessSendRateLimiter(clock),
  links: createLinkBuilder(TEST_APP_URL, TEST_LINK_SECRET),
  emailFrom: "reviews@kudos.test",
  appUrl: TEST_APP_URL,
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
  process.stdout.write("claim\n");
  const summary = await processBatch(deps, { batchSize, leaseMs });
  process.stdout.write(`done ${summary.claimed}\n`);
  if (summary.claimed === 0) await sleep(25);
}
await db.prisma.$disconnect();
await db.pool.end();
process.exit(0);
