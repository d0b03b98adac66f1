// One touch processor as its own process, for the engine benchmark: drains until nothing is
// due, timing every claim statement, then reports JSON on stdout.
import { deriveOptOutKey } from "~/lib/opt-out-key.server";
import { createDatabase } from "~/db.server";
import { drain } from "~/engine/processor.server";
import { InProcessSendRateLimiter } from "~/engine/rate-limit/index.server";
import { createOutboxEmailTransport, createOutboxSmsTransport } from "~/engine/transports/index.server";
import { createLinkBuilder } from "~/links/tokens.server";
import { createLogger } from "~/logger.server";
import { benchClock } from "./bench-db";

const [url, batchArg] = process.argv.slice(2);
const batchSize = Number(batchArg ?? 500);
const db = createDatabase(url!, 4);
const claimMs: number[] = [];
/** Rows each timed claim returned: a drain's last claim finds nothing, and is told apart. */
const claimRows: number[] = [];
// Wall time per named statement (round trip included), to show where a batch spends its time.
const statementMs: Record<string, number> = {};
const query = db.pool.query.bind(db.pool) as (...args: unknown[]) => Promise<unknown>;
(db.pool as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
  const config = args[0] as { name?: string; text?: string } | string;
  const text = typeof config === "object" ? config.text : config;
  const name = typeof config === "object" && config?.name ? config.name : (text ?? "").replace(/\s+/g, " ").trim().slice(0, 40);
  const t = performance.now();
  const r = await query(...args);
  const ms = performance.now() - t;
  if (name === "kudos_claim_due_touches") {
    claimMs.push(ms);
    claimRows.push((r as { rowCount?: number | null }).rowCount ?? 0);
  }
  statementMs[name] = (statementMs[name] ?? 0) + ms;
  return r;
};
const clock = benchClock();
const logger = createLogger("warn");
// Warm up (module loading, connections), then wait for the parent's "go" so that every
// processor starts draining at the same moment and start-up time is not counted.
await db.pool.query("SELECT 1");
await db.prisma.business.findFirst({ select: { id: true } });
process.stdout.write("ready\n");
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
const started = performance.now();
const summary = await drain(
  {
    db: db.prisma,
    pool: db.pool,
    clock,
    logger,
    email: createOutboxEmailTransport({ db: db.prisma, clock, logger }),
    sms: createOutboxSmsTransport({ db: db.prisma, clock, logger }),
    limiter: new InProcessSendRateLimiter(clock),
    links: createLinkBuilder("https://kudos.example.com", "bench-link-secret-0123456789abcdefghij"),
    emailFrom: "reviews@kudos.example.com",
    appUrl: "https://kudos.example.com",
    optOuts: { key: deriveOptOutKey("bench-link-secret-0123456789abcdefghij"), smsSenders: [] },
  },
  { batchSize },
);
const elapsedMs = performance.now() - started;
process.stdout.write(
  JSON.stringify({ ...summary, elapsedMs, claimMs, claimRows, statementMs, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + "\n",
);
await db.prisma.$disconnect();
await db.pool.end();
