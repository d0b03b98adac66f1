// Analytics benchmark: one large business with BENCH_ANALYTICS_ENROLLMENTS (default 1,000,000)
// enrollments over three years; the overview and a campaign's analytics (loadAnalytics, what
// the /app/analytics loaders run) timed 20 times each for the 30-day and all-time ranges.
// The analytics rollup is refreshed once after the load (as the scheduler's tick does), then the
// last BENCH_ANALYTICS_DIRTY_DAYS (default 14) days are marked dirty, as if written since the last
// refresh: those days are read from the base tables, a pessimistic steady state (a tick every
// minute leaves today and the few days that had sends, clicks or deliveries since).
import { loadAnalytics } from "~/analytics/analytics.server";
import { markAnalyticsDirtyDays, refreshAnalyticsRollup } from "~/analytics/rollup.server";
import { createDatabase } from "~/db.server";
import { installBusiness } from "~/domain/business.server";
import { ManualClock } from "~/lib/clock.server";
import { generateEnrollments } from "../analytics/volume";
import { fmt, percentile, type BenchServer } from "./bench-db";

const COUNT = Number(process.env.BENCH_ANALYTICS_ENROLLMENTS ?? 1_000_000);
const DIRTY_DAYS = Number(process.env.BENCH_ANALYTICS_DIRTY_DAYS ?? 14);
const RUNS = 20;
const DAY = 86_400_000;

export interface AnalyticsResult {
  lines: string[];
  worstP99Ms: number;
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
  const { business, campaignId } = await installBusiness({ db: db.prisma, clock: new ManualClock(now) }, { host: "bench", externalAccountId: "large", name: "Large Plumbing" });
  const campaigns = await db.prisma.campaign.findMany({ where: { businessId: business.id }, include: { touches: true } });
  const t0 = performance.now();
  await generateEnrollments(db.pool, {
    businessId: business.id,
    campaigns: campaigns.map((c) => ({ id: c.id, touches: c.touches.length })),
    count: COUNT,
    start: new Date(now.getTime() - 3 * 365 * DAY),
    now,
    tag: "bench",
  });
  out(`analytics.enrollments ${COUNT}`);
  out(`analytics.generate_s ${fmt((performance.now() - t0) / 1000)}`);
  const r0 = performance.now();
  const refreshed = await refreshAnalyticsRollup(db.pool);
  out(`analytics.rollup_refresh_days ${refreshed.days}`);
  out(`analytics.rollup_refresh_s ${fmt((performance.now() - r0) / 1000)}`);
  await db.pool.query("VACUUM ANALYZE");
  await markAnalyticsDirtyDays(db.pool, business.id, new Date(now.getTime() - DIRTY_DAYS * DAY), now);
  out(`analytics.dirty_days ${DIRTY_DAYS}`);
  let worst = 0;
  for (const [scopeName, campaign] of [["overview", null], ["campaign", campaignId]] as const) {
    for (const [rangeName, start] of [["30d", new Date(now.getTime() - 30 * DAY)], ["all", null]] as const) {
      const scope = { businessId: business.id, campaignId: campaign, start, end: null };
      await loadAnalytics(db.pool, scope); // warm
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await loadAnalytics(db.pool, scope);
        times.push(performance.now() - t);
      }
      const p99 = percentile(times, 99);
      worst = Math.max(worst, p99);
      out(`analytics.${scopeName}_${rangeName}_p50_ms ${fmt(percentile(times, 50), 0)}`);
      out(`analytics.${scopeName}_${rangeName}_p99_ms ${fmt(p99, 0)}`);
    }
  }
  await db.prisma.$disconnect();
  await db.pool.end();
  return { lines, worstP99Ms: worst };
}
