// Analytics benchmark: three businesses of BENCH_ANALYTICS_ENROLLMENTS (default 1,000,000), a
// tenth and a hundredth of that many enrollments over three years, in one database. For each
// business, the overview and its Standard campaign's analytics (loadAnalytics, what the
// /app/analytics loaders run) over five ranges (last 7, 30 and 90 days, a custom 3-month range a
// year back, all time) as the app computes them (parseDateRange, in the business's timezone).
// The analytics rollup is refreshed once after the load (as the scheduler's tick does), then the
// last BENCH_ANALYTICS_DIRTY_DAYS (default 14) days are marked dirty, as if written since the last
// refresh: those days are read from the base tables, a pessimistic steady state (a tick every
// minute leaves today and the few days that had sends, clicks or deliveries since).
//
// Three kinds of figure, reported apart (docs/PERFORMANCE.md):
//   cold, new connection   each page's first load, on a connection of its own opened for it, right
//                          after the refresh (shared buffers as the load and refresh left them);
//   cold, after a restart  each page's first load after a restart of the embedded PostgreSQL
//                          (shared buffers empty; the OS page cache is not dropped, which needs
//                          root on a shared machine); skipped on DATABASE_URL's server;
//   warm                   BENCH_ANALYTICS_RUNS (default 200) loads of every page, the pages taken
//                          in a new random order each round so no page runs on its own cache.
import pg from "pg";
import { loadAnalytics, type AnalyticsScope } from "~/analytics/analytics.server";
import { parseDateRange } from "~/analytics/range.server";
import { markAnalyticsDirtyDays, refreshAnalyticsRollup } from "~/analytics/rollup.server";
import { createDatabase } from "~/db.server";
import { installBusiness } from "~/domain/business.server";
import { ManualClock } from "~/lib/clock.server";
import { generateEnrollments } from "../analytics/volume";
import { fmt, percentile, type BenchServer } from "./bench-db";

const COUNT = Number(process.env.BENCH_ANALYTICS_ENROLLMENTS ?? 1_000_000);
const DIRTY_DAYS = Number(process.env.BENCH_ANALYTICS_DIRTY_DAYS ?? 14);
const RUNS = Number(process.env.BENCH_ANALYTICS_RUNS ?? 200);
/** Restarts for the cold figures (one per page); 0 skips them. */
const COLD_RESTARTS = process.env.BENCH_ANALYTICS_COLD_RESTARTS !== "0";
const DAY = 86_400_000;
const TIMEZONE = "America/New_York";
const RANGES: Array<[string, Record<string, string>]> = [
  ["7d", { range: "7d" }],
  ["30d", { range: "30d" }],
  ["90d", { range: "90d" }],
  ["custom", { from: "2025-09-01", to: "2025-12-01" }],
  ["all", { range: "all" }],
];

export interface AnalyticsResult {
  lines: string[];
  /** Warm loads: the worst p99 over the pages. */
  worstP99Ms: number;
  /** Cold loads: the slowest first load (after a restart when there were restarts). */
  worstColdMs: number;
}

interface Page {
  name: string;
  range: string;
  business: string;
  scope: AnalyticsScope;
}

/** A random order (Fisher–Yates). */
function shuffled<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function timeLoad(pool: pg.Pool, scope: AnalyticsScope): Promise<number> {
  const t = performance.now();
  await loadAnalytics(pool, scope);
  return performance.now() - t;
}

/** The first load of a page on connections opened for it (loadAnalytics uses two at once). */
function benchPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // A restart ends every session the server has; one still closing must not crash the bench.
  pool.on("error", () => {});
  return pool;
}

async function firstLoad(url: string, scope: AnalyticsScope): Promise<number> {
  const pool = benchPool(url, 2);
  try {
    // Connect both first, so that the figure is the page, not the connection set-up.
    const clients = await Promise.all([pool.connect(), pool.connect()]);
    clients.forEach((c) => c.release());
    return await timeLoad(pool, scope);
  } finally {
    await pool.end();
  }
}

export async function analyticsBench(server: BenchServer, log: (l: string) => void): Promise<AnalyticsResult> {
  const lines: string[] = [];
  const out = (l: string) => {
    lines.push(l);
    log(l);
  };
  const url = await server.createDatabase("kudos_bench_analytics");
  const db = createDatabase(url, 8);
  const now = new Date("2026-11-20T12:00:00Z");
  const pages: Page[] = [];
  const t0 = performance.now();
  for (const [label, count] of [["large", COUNT], ["medium", Math.round(COUNT / 10)], ["small", Math.round(COUNT / 100)]] as const) {
    const { business, campaignId } = await installBusiness(
      { db: db.prisma, clock: new ManualClock(now) },
      { host: "bench", externalAccountId: label, name: `${label} plumbing`, timezone: TIMEZONE },
    );
    const campaigns = await db.prisma.campaign.findMany({ where: { businessId: business.id }, include: { touches: true } });
    await generateEnrollments(db.pool, {
      businessId: business.id,
      campaigns: campaigns.map((c) => ({ id: c.id, touches: c.touches.length })),
      count,
      start: new Date(now.getTime() - 3 * 365 * DAY),
      now,
      tag: label,
    });
    out(`analytics.business_${label}_enrollments ${count}`);
    for (const [range, params] of RANGES) {
      const r = parseDateRange(new URLSearchParams(params), { timezone: TIMEZONE, now });
      for (const [scopeName, campaign] of [["overview", null], ["campaign", campaignId]] as const) {
        pages.push({ name: `${label}_${scopeName}_${range}`, range, business: label, scope: { businessId: business.id, campaignId: campaign, start: r.start, end: r.end } });
      }
    }
  }
  out(`analytics.generate_s ${fmt((performance.now() - t0) / 1000)}`);
  const r0 = performance.now();
  const refreshed = await refreshAnalyticsRollup(db.pool);
  out(`analytics.rollup_refresh_days ${refreshed.days}`);
  out(`analytics.rollup_refresh_s ${fmt((performance.now() - r0) / 1000)}`);
  await db.pool.query("VACUUM ANALYZE");
  for (const businessId of new Set(pages.map((p) => p.scope.businessId))) {
    await markAnalyticsDirtyDays(db.pool, businessId, new Date(now.getTime() - DIRTY_DAYS * DAY), now);
  }
  out(`analytics.dirty_days ${DIRTY_DAYS}`);
  await db.prisma.$disconnect();
  await db.pool.end();

  // Cold, new connection: every page once, in a random order, right after the refresh.
  const coldNew: Record<string, number> = {};
  for (const p of shuffled(pages)) coldNew[p.name] = await firstLoad(url, p.scope);
  // Cold, after a restart: the server restarted before each page's first load.
  const coldRestart: Record<string, number> = {};
  if (server.restart && COLD_RESTARTS) {
    for (const p of shuffled(pages)) {
      await server.restart();
      coldRestart[p.name] = await firstLoad(url, p.scope);
    }
  } else {
    out("analytics.cold_after_restart skipped (not the bench's own server, or BENCH_ANALYTICS_COLD_RESTARTS=0)");
  }

  // Warm: RUNS rounds, each loading every page once in a new random order.
  const pool = benchPool(url, 8);
  for (const p of pages) await loadAnalytics(pool, p.scope); // connections and caches
  const warm: Record<string, number[]> = Object.fromEntries(pages.map((p) => [p.name, []]));
  const w0 = performance.now();
  for (let i = 0; i < RUNS; i++) {
    for (const p of shuffled(pages)) warm[p.name]!.push(await timeLoad(pool, p.scope));
  }
  await pool.end();
  out(`analytics.warm_runs_per_page ${RUNS} (${pages.length} pages, ${fmt((performance.now() - w0) / 1000)} s)`);

  let worst = 0;
  for (const p of pages) {
    const t = warm[p.name]!;
    const p99 = percentile(t, 99);
    worst = Math.max(worst, p99);
    const cold = `cold_new_conn ${fmt(coldNew[p.name]!, 0)}${p.name in coldRestart ? ` cold_after_restart ${fmt(coldRestart[p.name]!, 0)}` : ""}`;
    out(`analytics.${p.name}_ms warm p50 ${fmt(percentile(t, 50), 0)} p95 ${fmt(percentile(t, 95), 0)} p99 ${fmt(p99, 0)} max ${fmt(Math.max(...t), 0)} | ${cold}`);
  }
  // Per range and per business, all their pages' warm loads together.
  const group = (key: (p: Page) => string) => {
    const groups = new Map<string, { warm: number[]; cold: number[]; restart: number[] }>();
    for (const p of pages) {
      const g = groups.get(key(p)) ?? { warm: [], cold: [], restart: [] };
      g.warm.push(...warm[p.name]!);
      g.cold.push(coldNew[p.name]!);
      if (p.name in coldRestart) g.restart.push(coldRestart[p.name]!);
      groups.set(key(p), g);
    }
    return groups;
  };
  for (const [label, key] of [["range", (p: Page) => p.range], ["business", (p: Page) => p.business]] as const) {
    for (const [name, g] of group(key)) {
      out(
        `analytics.by_${label}.${name}_ms warm p50 ${fmt(percentile(g.warm, 50), 0)} p95 ${fmt(percentile(g.warm, 95), 0)} p99 ${fmt(percentile(g.warm, 99), 0)} (n ${g.warm.length})` +
          ` | cold_new_conn max ${fmt(Math.max(...g.cold), 0)}${g.restart.length ? ` cold_after_restart max ${fmt(Math.max(...g.restart), 0)}` : ""}`,
      );
    }
  }
  const allWarm = pages.flatMap((p) => warm[p.name]!);
  out(`analytics.all_pages_ms warm p50 ${fmt(percentile(allWarm, 50), 0)} p95 ${fmt(percentile(allWarm, 95), 0)} p99 ${fmt(percentile(allWarm, 99), 0)} (n ${allWarm.length})`);
  const colds = Object.values(Object.keys(coldRestart).length ? coldRestart : coldNew);
  const worstCold = Math.max(...colds);
  out(`analytics.cold_new_conn_ms p50 ${fmt(percentile(Object.values(coldNew), 50), 0)} max ${fmt(Math.max(...Object.values(coldNew)), 0)}`);
  if (Object.keys(coldRestart).length) {
    out(`analytics.cold_after_restart_ms p50 ${fmt(percentile(Object.values(coldRestart), 50), 0)} max ${fmt(Math.max(...Object.values(coldRestart)), 0)}`);
  }
  return { lines, worstP99Ms: worst, worstColdMs: worstCold };
}
