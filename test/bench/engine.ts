// Engine benchmark: 1,000,000 enrollments across 1,000 businesses, 100,000 of them with a touch
// due now; drained by 1, 2 and 4 processor processes; compared with pgbench -N on the same server.
// The claim statement is also timed on its own, at the full size and on a second database of the
// same shape at 10,000 enrollments (10 businesses, 1,000 due), three ways (docs/PERFORMANCE.md):
//   warm re-claim  the same 500 rows claimed and released again and again (all in cache, no dead
//                  index entries: the floor, near 1× across sizes by construction);
//   walking        each claim takes the next 500 due rows and they are then advanced (next touch
//                  due in 3 days), as a processor does, so every claim walks past the index entries
//                  the previous ones left behind and reads rows it has not read before;
//   in a drain     every claim the processors made while really draining.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { createDatabase } from "~/db.server";
import { installBusiness } from "~/domain/business.server";
import { CLAIM_SQL } from "~/engine/sql/claim.sql";
import { benchClock, fmt, percentile, type BenchServer } from "./bench-db";
import { buildWorkerBundle } from "./worker-bundle";

const run = promisify(execFile);
const ENROLLMENTS = Number(process.env.BENCH_ENROLLMENTS ?? 1_000_000);
/** The small database of the claim comparison (same shape, one business per 1,000 enrollments). */
const SMALL_ENROLLMENTS = Number(process.env.BENCH_CLAIM_SMALL ?? 10_000);
/** Timed claims per figure of the warm and walking claims. */
const CLAIM_SAMPLES = Number(process.env.BENCH_CLAIM_SAMPLES ?? 200);
/** One-processor drains of the small database (each makes 2 full claims and a last empty one). */
const SMALL_DRAINS = Number(process.env.BENCH_CLAIM_SMALL_DRAINS ?? 25);
const DUE_EVERY = 10; // 1 in 10 enrollments is due now: 100,000 of 1,000,000
const BATCH = 500;
// For investigation: BENCH_PROCESSORS=1,2 runs only those counts; BENCH_CPU_PROF=dir writes a
// V8 CPU profile per processor; each processor's wall time per statement is printed too.
const PROCESSOR_COUNTS = (process.env.BENCH_PROCESSORS ?? "1,2,4").split(",").map(Number);

export interface EngineResult {
  lines: string[];
  ratio4: number;
  /** Claims during the drains, worst p99 over the processor counts. */
  claimP99Ms: number;
  /** p50 at the full size ÷ p50 at the small one: walking claims, one-processor drains, warm re-claims. */
  claimScaleWalk: number;
  claimScaleDrain: number;
  claimScaleWarm: number;
  rssMb: number;
  touchesPerSec: Record<number, number>;
}

/** `enrollments` enrollments over one business per 1,000 of them; 1 in 10 due now (see below). */
async function generate(url: string, enrollments: number, log: (l: string) => void): Promise<void> {
  const businesses = Math.max(1, Math.round(enrollments / 1_000));
  const t0 = performance.now();
  const db = createDatabase(url, 8);
  const clock = benchClock();
  // Real installs: each business gets the presets' templates and an active Standard campaign.
  for (let i = 0; i < businesses; i += 8) {
    await Promise.all(
      Array.from({ length: Math.min(8, businesses - i) }, (_, k) =>
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
         FROM generate_series(1, $2::int) g JOIN biz ON biz.n = g % ${businesses}`,
      [now, enrollments],
    );
    await c.query(
      `INSERT INTO job (id, business_id, host_job_id, customer_id, service_type, status, completed_at, outcome, created_at, updated_at)
       SELECT md5('j' || g)::uuid, biz.id, 'j' || g, md5('c' || g)::uuid,
              (ARRAY['plumbing','hvac','electrical','cleaning'])[1 + g % 4], 'completed',
              $1::timestamptz - make_interval(days => g % 60), 'enrolled', $1, $1
         FROM generate_series(1, $2::int) g JOIN biz ON biz.n = g % ${businesses}`,
      [now, enrollments],
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
         FROM generate_series(1, $2::int) g JOIN biz ON biz.n = g % ${businesses}`,
      [now, enrollments],
    );
    await c.query(
      `INSERT INTO enrollment_touch (enrollment_id, position, business_id, campaign_id, channel, scheduled_at, sent_at, status, enrolled_at)
       SELECT md5('e' || g)::uuid, p, biz.id, biz.campaign_id, (ARRAY['email','sms','email'])[p]::"Channel",
              $1::timestamptz + make_interval(hours => (p - 1) * 72 - 5),
              CASE WHEN g % 10 >= 3 OR (g % 10 BETWEEN 1 AND 2 AND p = 1) THEN $1 END,
              (CASE WHEN g % 10 >= 3 OR (g % 10 BETWEEN 1 AND 2 AND p = 1) THEN 'sent' ELSE 'pending' END)::"TouchStatus",
              $1::timestamptz - make_interval(days => g % 60)
         FROM generate_series(1, $2::int) g JOIN biz ON biz.n = g % ${businesses} CROSS JOIN generate_series(1, 3) p`,
      [now, enrollments],
    );
    await c.query("VACUUM ANALYZE");
  } finally {
    c.release();
    await db.prisma.$disconnect();
    await db.pool.end();
  }
  log(`engine.generate_at_${enrollments}_s ${fmt((performance.now() - t0) / 1000)}`);
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
  /** Rows each timed claim returned (the last claim of a drain returns none). */
  claimRows: number[];
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

function claimValues(now: Date) {
  return [now, BATCH, 300_000, crypto.randomUUID()];
}

async function explainClaim(c: pg.Client, now: Date): Promise<string> {
  // EXPLAIN ANALYZE runs the claim: in a transaction rolled back, so its rows stay due.
  const literal = CLAIM_SQL.replace(/\$1/g, `'${now.toISOString()}'::timestamptz`)
    .replace(/\$2/g, String(BATCH))
    .replace(/\$3/g, "300000")
    .replace(/\$4/g, `'${crypto.randomUUID()}'`);
  await c.query("BEGIN");
  const explained = await c.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${literal}`);
  await c.query("ROLLBACK");
  return explained.rows.map((r) => r["QUERY PLAN"]).join("\n");
}

/** Claims on one database, one timed claim per step(), so two databases can take turns. */
interface Claimer {
  label: string;
  /** Claims that returned rows, in ms. */
  times: number[];
  /** Walking: how many times the due rows were made due again (1 = never). */
  passes: number;
  step(): Promise<void>;
  explain(): Promise<string>;
  close(): Promise<void>;
}

/**
 * mode "warm" (warm re-claim): the same batch claimed again and again. Each claim commits, then
 * its rows are released (lease cleared, as a processor's deferral would), so the next claim finds
 * the same 500 rows at the head of the index, in cache, with no dead entries before them. Both are
 * in-place (HOT) updates. This is the claim's floor, and nearly the same at any table size by
 * construction.
 *
 * mode "walk" (walking claims): each claim takes the next 500 due rows, which are then advanced
 * as the processor's outcome statement does (next touch, due in 3 days, lease cleared).
 * next_due_at is indexed, so the advance is not in place: the old index entries stay at the head
 * of enrollment_due_idx, pointing at dead row versions, until an index scan marks them dead or
 * (auto)vacuum removes them; every later claim walks past them, and reads heap pages no earlier
 * claim read. When nothing is due any more (the small database has 1,000 due rows: two claims),
 * the due rows are made due again, without a VACUUM (autovacuum runs with its defaults), and the
 * walk goes on. Only claims that returned rows are timed.
 */
async function openClaimer(url: string, mode: "warm" | "walk", label: string): Promise<Claimer> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const now = benchClock().now();
  const times: number[] = [];
  const self: Claimer = {
    label,
    times,
    passes: 1,
    async step() {
      for (let remade = false; ; remade = true) {
        const t = performance.now();
        const { rows } = await c.query<{ id: string }>({ name: "claim", text: CLAIM_SQL, values: claimValues(now) });
        const ms = performance.now() - t;
        const ids = rows.map((r) => r.id);
        if (mode === "warm") {
          if (ids.length === 0) throw new Error("warm re-claim: nothing due");
          times.push(ms);
          await c.query("UPDATE enrollment SET lease_token = NULL, lease_expires_at = NULL WHERE id = ANY($1::uuid[])", [ids]);
          return;
        }
        if (ids.length > 0) {
          times.push(ms);
          await c.query(
            `UPDATE enrollment SET current_touch = current_touch + 1, next_due_at = $2::timestamptz + interval '3 days',
                    lease_token = NULL, lease_expires_at = NULL WHERE id = ANY($1::uuid[])`,
            [ids, now],
          );
          return;
        }
        if (remade) throw new Error("walking claims: nothing due after making the rows due again");
        self.passes += 1;
        await c.query(
          `UPDATE enrollment SET current_touch = 1, lease_token = NULL, lease_expires_at = NULL,
                  next_due_at = $1::timestamptz - interval '5 minutes' WHERE manual`,
          [now],
        );
      }
    },
    explain: () => explainClaim(c, now),
    close: () => c.end(),
  };
  return self;
}

/** Takes `samples` timed claims on each database, alternating, so load on the machine hits both alike. */
async function alternate(claimers: Claimer[], samples: number, atHalf?: () => Promise<void>): Promise<void> {
  for (let i = 0; i < samples; i++) {
    if (i === Math.floor(samples / 2) && atHalf) await atHalf();
    for (const c of claimers) await c.step();
  }
}

function claimStats(times: number[]) {
  return { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), n: times.length };
}

export async function engineBench(server: BenchServer, log: (l: string) => void): Promise<EngineResult> {
  const lines: string[] = [];
  const out = (l: string) => {
    lines.push(l);
    log(l);
  };
  const url = await server.createDatabase("kudos_bench_engine");
  const small = await server.createDatabase("kudos_bench_engine_small");
  out(`engine.enrollments ${ENROLLMENTS}`);
  await generate(url, ENROLLMENTS, out);
  await generate(small, SMALL_ENROLLMENTS, out);
  out(`engine.due_at_${ENROLLMENTS} ${Math.floor(ENROLLMENTS / DUE_EVERY)}`);
  out(`engine.due_at_${SMALL_ENROLLMENTS} ${Math.floor(SMALL_ENROLLMENTS / DUE_EVERY)}`);

  // The claim alone, both sizes taking turns: warm re-claim, then walking claims.
  const sizes = [
    [ENROLLMENTS, url],
    [SMALL_ENROLLMENTS, small],
  ] as const;
  const claimFigures: Record<"warm" | "walk", Record<number, ReturnType<typeof claimStats>>> = { warm: {}, walk: {} };
  for (const mode of ["warm", "walk"] as const) {
    const claimers = await Promise.all(sizes.map(([n, u]) => openClaimer(u, mode, String(n))));
    const plans: string[] = [];
    await alternate(claimers, CLAIM_SAMPLES, async () => {
      if (process.env.BENCH_PLANS) for (const c of claimers) plans.push(`engine.claim_plan_${mode}_at_${c.label} (claim ${CLAIM_SAMPLES / 2}):\n${await c.explain()}`);
    });
    const name = mode === "warm" ? "claim_warm_reclaim" : "claim_walking";
    for (const c of claimers) {
      const st = claimStats(c.times);
      claimFigures[mode][Number(c.label)] = st;
      out(`engine.${name}_at_${c.label}_p50_ms ${fmt(st.p50, 2)}`);
      out(`engine.${name}_at_${c.label}_p95_ms ${fmt(st.p95, 2)}`);
      out(`engine.${name}_at_${c.label}_p99_ms ${fmt(st.p99, 2)}`);
      out(`engine.${name}_at_${c.label}_claims ${st.n}${mode === "walk" ? ` (due rows made due again ${c.passes - 1} times)` : ""}`);
      await c.close();
    }
    plans.forEach((p) => log(p));
  }
  const ratio = (mode: "warm" | "walk") => claimFigures[mode][ENROLLMENTS]!.p50 / claimFigures[mode][SMALL_ENROLLMENTS]!.p50;
  const claimScaleWarm = ratio("warm");
  const claimScaleWalk = ratio("walk");
  out(`engine.claim_scale_warm_reclaim_${ENROLLMENTS}_vs_${SMALL_ENROLLMENTS}_p50 ${fmt(claimScaleWarm, 2)}`);
  out(`engine.claim_scale_walking_${ENROLLMENTS}_vs_${SMALL_ENROLLMENTS}_p50 ${fmt(claimScaleWalk, 2)}`);

  await run("pgbench", ["-i", "-q", "-s", "10", server.url("kudos_bench_engine")]).catch(async () => {
    // pgbench -i needs its tables' names free; they are not ours, so this only fails on a rerun.
  });

  const bundle = await buildWorkerBundle();
  const drain = async (target: string, processors: number) => {
    await resetDue(target);
    const workers = Array.from({ length: processors }, () => startWorker(bundle, target));
    await Promise.all(workers.map((w) => w.ready));
    const t = performance.now();
    workers.forEach((w) => w.go());
    const reports = await Promise.all(workers.map((w) => w.done));
    return { reports, seconds: (performance.now() - t) / 1000 };
  };
  /** Claims of a drain that returned rows (each processor's last claim finds nothing). */
  const fullClaims = (reports: WorkerReport[]) => reports.flatMap((r) => r.claimMs.filter((_, i) => (r.claimRows[i] ?? 0) > 0));
  const touchesPerSec: Record<number, number> = {};
  let ratio4 = NaN;
  let claimP99 = 0;
  let rss = 0;
  let drainP50Big = NaN;
  let claimScaleDrain = NaN;
  for (const processors of PROCESSOR_COUNTS) {
    const { reports, seconds } = await drain(url, processors);
    const sent = reports.reduce((n, r) => n + r.sent, 0);
    const claims = reports.flatMap((r) => r.claimMs);
    const full = fullClaims(reports);
    const tps = await pgbenchTps(url, processors, 10);
    touchesPerSec[processors] = sent / seconds;
    const ratio = sent / seconds / tps;
    if (processors === 4) ratio4 = ratio;
    claimP99 = Math.max(claimP99, percentile(claims, 99));
    rss = Math.max(rss, ...reports.map((r) => r.maxRssMb));
    out(`engine.p${processors}.sent ${sent}`);
    out(`engine.p${processors}.touches_per_s ${fmt(sent / seconds, 0)}`);
    out(`engine.p${processors}.claim_in_drain_p50_ms ${fmt(percentile(claims, 50), 2)}`);
    out(`engine.p${processors}.claim_in_drain_p99_ms ${fmt(percentile(claims, 99), 2)}`);
    out(`engine.p${processors}.claim_in_drain_full_p50_ms ${fmt(percentile(full, 50), 2)} (${full.length} claims that returned rows, of ${claims.length})`);
    for (const [name, ms] of Object.entries(reports[0]!.statementMs).sort((a, b) => b[1] - a[1])) {
      log(`engine.p${processors}.worker0_statement_ms.${name} ${fmt(ms, 0)}`);
    }
    log(`engine.p${processors}.worker0_elapsed_ms ${fmt(reports[0]!.elapsedMs, 0)}`);
    out(`engine.p${processors}.processor_peak_rss_mb ${fmt(Math.max(...reports.map((r) => r.maxRssMb)), 0)}`);
    out(`engine.p${processors}.pgbench_N_tps ${fmt(tps, 0)}`);
    out(`engine.p${processors}.ratio_touches_per_pgbench_tps ${fmt(ratio, 2)}`);
    if (processors === 1) {
      // The same one-processor drain on the small database, repeated: it has only 1,000 due.
      drainP50Big = percentile(full, 50);
      const smallFull: number[] = [];
      for (let i = 0; i < SMALL_DRAINS; i++) smallFull.push(...fullClaims((await drain(small, 1)).reports));
      const st = claimStats(smallFull);
      out(`engine.p1.claim_in_drain_full_at_${SMALL_ENROLLMENTS}_p50_ms ${fmt(st.p50, 2)} (${st.n} claims that returned rows, ${SMALL_DRAINS} drains)`);
      out(`engine.p1.claim_in_drain_full_at_${SMALL_ENROLLMENTS}_p99_ms ${fmt(st.p99, 2)}`);
      claimScaleDrain = drainP50Big / st.p50;
      out(`engine.claim_scale_in_drain_${ENROLLMENTS}_vs_${SMALL_ENROLLMENTS}_p50 ${fmt(claimScaleDrain, 2)}`);
    }
  }
  return { lines, ratio4, claimP99Ms: claimP99, claimScaleWalk, claimScaleDrain, claimScaleWarm, rssMb: rss, touchesPerSec };
}
