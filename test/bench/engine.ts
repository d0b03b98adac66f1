// Engine benchmark: 1,000,000 enrollments across 1,000 businesses, 100,000 of them with a touch
// due now; drained by 1, 2 and 4 processor processes; compared with pgbench -N on the same server.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { createDatabase } from "~/db.server";
import { installBusiness } from "~/domain/business.server";
import { CLAIM_SQL } from "~/engine/sql/claim.sql";
import { benchClock, fmt, percentile, type BenchServer } from "./bench-db";
import { buildWorkerBundle } from "./worker-bundle";

const run = promisify(execFile);
const BUSINESSES = 1_000;
const ENROLLMENTS = Number(process.env.BENCH_ENROLLMENTS ?? 1_000_000);
const DUE_EVERY = 10; // 1 in 10 enrollments is due now: 100,000 of 1,000,000
const BATCH = 500;
// For investigation: BENCH_PROCESSORS=1,2 runs only those counts; BENCH_CPU_PROF=dir writes a
// V8 CPU profile per processor; each processor's wall time per statement is printed too.
const PROCESSOR_COUNTS = (process.env.BENCH_PROCESSORS ?? "1,2,4").split(",").map(Number);

export interface EngineResult {
  lines: string[];
  ratio4: number;
  claimP99Ms: number;
  claimScale: number;
  rssMb: number;
  touchesPerSec: Record<number, number>;
}

async function generate(url: string, log: (l: string) => void): Promise<void> {
  const t0 = performance.now();
  const db = createDatabase(url, 8);
  const clock = benchClock();
  // Real installs: each business gets the presets' templates and an active Standard campaign.
  for (let i = 0; i < BUSINESSES; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, BUSINESSES - i) }, (_, k) =>
        installBusiness({ db: db.prisma, clock }, { host: "bench", externalAccountId: `acct-${i + k}`, name: `Business ${i + k}`, timezone: "America/New_York" }),
      ),
    );
  }
  const c = await db.pool.connect();
  try {
    await c.query(`UPDATE business SET physical_address = '1 Main St, Springfield, IL 62701',
                     review_links = '[{"site":"Google","url":"https://g.page/r/x/review"}]',
                     email_hourly_limit = 100000, sms_hourly_limit = 100000`);
    await c.query(`CREATE TEMP TABLE biz AS
                     SELECT (row_number() OVER (ORDER BY b.id) - 1)::int AS n, b.id, c.id AS campaign_id
                       FROM business b JOIN campaign c ON c.business_id = b.id AND c.status = 'active'`);
    const now = clock.now();
    await c.query(
      `INSERT INTO customer (id, business_id, host_customer_id, first_name, last_name, email, phone, created_at, updated_at)
       SELECT md5('c' || g)::uuid, biz.id, 'c' || g, 'First' || g, 'Last', 'c' || g || '@example.com',
              '+1212555' || lpad((g % 10000)::text, 4, '0'), $1, $1
         FROM generate_series(1, $2::int) g JOIN biz ON biz.n = g % ${BUSINESSES}`,
      [now, ENROLLMENTS],
    );
    await c.query(
      `INSERT INTO job (id, business_id, host_job_id, customer_id, service_type, status, completed_at, outcome, created_at, updated_at)
       SELECT md5('j' || g)::uuid, biz.id, 'j' || g, md5('c' || g)::uuid,
              (ARRAY['plumbing','hvac','electrical','cleaning'])[1 + g % 4], 'completed',
              $1::timestamptz - make_interval(days => g % 60), 'enrolled', $1, $1
         FROM generate_series(1, $2::int) g JOIN biz ON biz.n = g % ${BUSINESSES}`,
      [now, ENROLLMENTS],
    );
    // Due now (g % 10 = 0), due later (1-2), completed (3-7), stopped (8-9).
    await c.query(
      `INSERT INTO enrollment (id, business_id, campaign_id, job_id, customer_id, status, stop_reason, current_touch,
                               next_due_at, manual, enrolled_at, stopped_at, completed_at, service_type)
       SELECT md5('e' || g)::uuid, biz.id, biz.campaign_id, md5('j' || g)::uuid, md5('c' || g)::uuid,
              (CASE WHEN g % 10 < 3 THEN 'active' WHEN g % 10 < 8 THEN 'completed' ELSE 'stopped' END)::"EnrollmentStatus",
              (CASE WHEN g % 10 >= 8 THEN (ARRAY['review_clicked','opted_out_email','repeat_job'])[1 + g % 3] END)::"StopReason",
              CASE WHEN g % 10 = 0 THEN 1 WHEN g % 10 < 3 THEN 2 ELSE 3 END,
              CASE WHEN g % 10 = 0 THEN $1::timestamptz - interval '5 minutes'
                   WHEN g % 10 < 3 THEN $1::timestamptz + make_interval(hours => 1 + g % 700) END,
              g % ${DUE_EVERY} = 0,
              $1::timestamptz - make_interval(days => g % 60),
              CASE WHEN g % 10 >= 8 THEN $1::timestamptz - make_interval(days => g % 30) END,
              CASE WHEN g % 10 BETWEEN 3 AND 7 THEN $1::timestamptz - make_interval(days => g % 30) END,
              (ARRAY['plumbing','hvac','electrical','cleaning'])[1 + g % 4]
         FROM generate_series(1, $2::int) g JOIN biz ON biz.n = g % ${BUSINESSES}`,
      [now, ENROLLMENTS],
    );
    await c.query(
      `INSERT INTO enrollment_touch (enrollment_id, position, business_id, campaign_id, channel, scheduled_at, sent_at, status, enrolled_at)
       SELECT md5('e' || g)::uuid, p, biz.id, biz.campaign_id, (ARRAY['email','sms','email'])[p]::"Channel",
              $1::timestamptz + make_interval(hours => (p - 1) * 72 - 5),
              CASE WHEN g % 10 >= 3 OR (g % 10 BETWEEN 1 AND 2 AND p = 1) THEN $1 END,
              (CASE WHEN g % 10 >= 3 OR (g % 10 BETWEEN 1 AND 2 AND p = 1) THEN 'sent' ELSE 'pending' END)::"TouchStatus",
              $1::timestamptz - make_interval(days => g % 60)
         FROM generate_series(1, $2::int) g JOIN biz ON biz.n = g % ${BUSINESSES} CROSS JOIN generate_series(1, 3) p`,
      [now, ENROLLMENTS],
    );
    await c.query("VACUUM ANALYZE");
  } finally {
    c.release();
    await db.prisma.$disconnect();
    await db.pool.end();
  }
  log(`engine.generate_s ${fmt((performance.now() - t0) / 1000)}`);
}

/** Puts the 100,000 due touches back to "due now" and clears what the last drain wrote. */
async function resetDue(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const now = benchClock().now();
  await c.query("DELETE FROM outbox_message");
  await c.query("DELETE FROM send_log");
  await c.query(`UPDATE enrollment_touch t SET status = 'pending', sent_at = NULL, attempts = 0, reason = NULL
                   FROM enrollment e WHERE e.id = t.enrollment_id AND e.manual`);
  await c.query(`UPDATE enrollment SET status = 'active', current_touch = 1, completed_at = NULL, lease_token = NULL, lease_expires_at = NULL,
                        next_due_at = $1::timestamptz - interval '5 minutes' WHERE manual`, [now]);
  await c.query("VACUUM ANALYZE enrollment, enrollment_touch, send_log, outbox_message");
  await c.end();
}

interface WorkerReport {
  claimed: number;
  sent: number;
  elapsedMs: number;
  claimMs: number[];
  statementMs: Record<string, number>;
  maxRssMb: number;
}

interface Worker {
  ready: Promise<void>;
  go(): void;
  done: Promise<WorkerReport>;
}

// The heap cap processors run with: V8 otherwise grows the heap long before it must collect.
const PROCESSOR_HEAP_MB = 160;

function startWorker(bundle: string, url: string): Worker {
  const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, `--max-old-space-size=${PROCESSOR_HEAP_MB}`, bundle, url, String(BATCH)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on("data", (d) => {
    out += d;
    if (out.includes("ready\n")) markReady();
  });
  const done = new Promise<WorkerReport>((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!)) : reject(new Error(`worker exited ${code}`)))),
  );
  return { ready, go: () => child.stdin.end("go\n"), done };
}

async function pgbenchTps(url: string, clients: number, seconds: number): Promise<number> {
  const { stdout } = await run("pgbench", ["-N", "-n", "-c", String(clients), "-j", String(clients), "-T", String(seconds), url], {
    maxBuffer: 1 << 20,
  });
  const m = stdout.match(/tps = ([\d.]+)/);
  if (!m) throw new Error(`could not read pgbench output:\n${stdout}`);
  return Number(m[1]);
}

/**
 * Claim latency for one batch in steady state: each claim commits, then its rows are released
 * (lease cleared, as a processor's deferral would) so the next claim finds the same backlog.
 * Both are in-place (HOT) updates, as in a real drain. (Rolling the claim back instead leaves a
 * dead version of every row on its page each time and measures page clean-up, not the claim.)
 */
async function claimLatency(url: string, iterations: number): Promise<{ times: number[]; plan: string }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const times: number[] = [];
  const now = benchClock().now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    const { rows } = await c.query<{ id: string }>({ name: "claim", text: CLAIM_SQL, values: [now, BATCH, 300_000, crypto.randomUUID()] });
    times.push(performance.now() - t);
    await c.query("UPDATE enrollment SET lease_token = NULL, lease_expires_at = NULL WHERE id = ANY($1::uuid[])", [rows.map((r) => r.id)]);
  }
  // One more, explained (EXPLAIN ANALYZE runs it), for docs/PERFORMANCE.md.
  const literal = CLAIM_SQL.replace(/\$1/g, `'${now.toISOString()}'::timestamptz`)
    .replace(/\$2/g, String(BATCH))
    .replace(/\$3/g, "300000")
    .replace(/\$4/g, `'${crypto.randomUUID()}'`);
  await c.query("BEGIN");
  const explained = await c.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${literal}`);
  await c.query("ROLLBACK");
  await c.end();
  return { times, plan: explained.rows.map((r) => r["QUERY PLAN"]).join("\n") };
}

export async function engineBench(server: BenchServer, log: (l: string) => void): Promise<EngineResult> {
  const lines: string[] = [];
  const out = (l: string) => {
    lines.push(l);
    log(l);
  };
  const url = await server.createDatabase("kudos_bench_engine");
  out(`engine.enrollments ${ENROLLMENTS}`);
  await generate(url, out);

  // Claim latency at the full size, and at 10,000 rows (a second, small database).
  const big = await claimLatency(url, 100);
  out(`engine.claim_batch${BATCH}_at_${ENROLLMENTS}_p50_ms ${fmt(percentile(big.times, 50), 2)}`);
  out(`engine.claim_batch${BATCH}_at_${ENROLLMENTS}_p99_ms ${fmt(percentile(big.times, 99), 2)}`);
  const small = await server.createDatabase("kudos_bench_engine_small");
  await generateSmall(small, out);
  const smallRun = await claimLatency(small, 100);
  out(`engine.claim_batch${BATCH}_at_10000_p50_ms ${fmt(percentile(smallRun.times, 50), 2)}`);
  out(`engine.claim_batch${BATCH}_at_10000_p99_ms ${fmt(percentile(smallRun.times, 99), 2)}`);
  const claimScale = percentile(big.times, 50) / percentile(smallRun.times, 50);
  out(`engine.claim_scale_1m_vs_10k ${fmt(claimScale, 2)}`);
  if (process.env.BENCH_PLANS) {
    log(`engine.claim_plan_at_${ENROLLMENTS}:\n${big.plan}`);
    log(`engine.claim_plan_at_10000:\n${smallRun.plan}`);
  }

  await run("pgbench", ["-i", "-q", "-s", "10", server.url("kudos_bench_engine")]).catch(async () => {
    // pgbench -i needs its tables' names free; they are not ours, so this only fails on a rerun.
  });

  const bundle = await buildWorkerBundle();
  const touchesPerSec: Record<number, number> = {};
  let ratio4 = NaN;
  let claimP99 = 0;
  let rss = 0;
  for (const processors of PROCESSOR_COUNTS) {
    await resetDue(url);
    const workers = Array.from({ length: processors }, () => startWorker(bundle, url));
    await Promise.all(workers.map((w) => w.ready));
    const t = performance.now();
    workers.forEach((w) => w.go());
    const reports = await Promise.all(workers.map((w) => w.done));
    const seconds = (performance.now() - t) / 1000;
    const sent = reports.reduce((n, r) => n + r.sent, 0);
    const claims = reports.flatMap((r) => r.claimMs);
    const tps = await pgbenchTps(url, processors, 10);
    touchesPerSec[processors] = sent / seconds;
    const ratio = sent / seconds / tps;
    if (processors === 4) ratio4 = ratio;
    claimP99 = Math.max(claimP99, percentile(claims, 99));
    rss = Math.max(rss, ...reports.map((r) => r.maxRssMb));
    out(`engine.p${processors}.sent ${sent}`);
    out(`engine.p${processors}.touches_per_s ${fmt(sent / seconds, 0)}`);
    out(`engine.p${processors}.claim_p50_ms ${fmt(percentile(claims, 50), 2)}`);
    out(`engine.p${processors}.claim_p99_ms ${fmt(percentile(claims, 99), 2)}`);
    for (const [name, ms] of Object.entries(reports[0]!.statementMs).sort((a, b) => b[1] - a[1])) {
      log(`engine.p${processors}.worker0_statement_ms.${name} ${fmt(ms, 0)}`);
    }
    log(`engine.p${processors}.worker0_elapsed_ms ${fmt(reports[0]!.elapsedMs, 0)}`);
    out(`engine.p${processors}.processor_peak_rss_mb ${fmt(Math.max(...reports.map((r) => r.maxRssMb)), 0)}`);
    out(`engine.p${processors}.pgbench_N_tps ${fmt(tps, 0)}`);
    out(`engine.p${processors}.ratio_touches_per_pgbench_tps ${fmt(ratio, 2)}`);
  }
  return { lines, ratio4, claimP99Ms: claimP99, claimScale, rssMb: rss, touchesPerSec };
}

async function generateSmall(url: string, log: (l: string) => void) {
  // Same shape, 10,000 enrollments (1,000 due), for the claim-latency comparison.
  const db = createDatabase(url, 2);
  const clock = benchClock();
  const { business } = await installBusiness({ db: db.prisma, clock }, { host: "bench", externalAccountId: "small", name: "Small" });
  const campaign = await db.prisma.campaign.findFirstOrThrow({ where: { businessId: business.id, status: "active" } });
  const now = clock.now();
  await db.pool.query(
    `WITH c AS (INSERT INTO customer (id, business_id, host_customer_id, email, created_at, updated_at)
                SELECT md5('c' || g)::uuid, $1, 'c' || g, 'c' || g || '@example.com', $2::timestamptz, $3::timestamptz FROM generate_series(1, 10000) g RETURNING 1),
          j AS (INSERT INTO job (id, business_id, host_job_id, customer_id, status, completed_at, created_at, updated_at)
                SELECT md5('j' || g)::uuid, $1, 'j' || g, md5('c' || g)::uuid, 'completed', $2::timestamptz, $3::timestamptz, $3::timestamptz FROM generate_series(1, 10000) g RETURNING 1)
     SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM j)`,
    [business.id, now, now],
  );
  await db.pool.query(
    `INSERT INTO enrollment (id, business_id, campaign_id, job_id, customer_id, status, current_touch, next_due_at, enrolled_at, completed_at)
     SELECT md5('e' || g)::uuid, $1, $2, md5('j' || g)::uuid, md5('c' || g)::uuid,
            (CASE WHEN g % 10 < 3 THEN 'active' ELSE 'completed' END)::"EnrollmentStatus", 1,
            CASE WHEN g % 10 = 0 THEN $3::timestamptz - interval '5 minutes' WHEN g % 10 < 3 THEN $3::timestamptz + interval '2 days' END,
            $3, CASE WHEN g % 10 >= 3 THEN $3::timestamptz END
       FROM generate_series(1, 10000) g`,
    [business.id, campaign.id, now],
  );
  await db.pool.query("VACUUM ANALYZE");
  await db.prisma.$disconnect();
  await db.pool.end();
  log("engine.small_generated 10000");
}
