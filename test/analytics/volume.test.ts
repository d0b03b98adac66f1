// 50,000 generated enrollments: the statements agree with the plain computation (direct.ts) at
// volume, with every day dirty (all read from the base tables) and from the refreshed rollup, and
// a month's plans read the rollup and the enrolled_at range indexes: no per-enrollment probes, no
// job or send log, no scans. Correctness only: no timing is asserted (timings at 1,000,000
// enrollments: test/analytics/measure.ts, test/bench/analytics.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { ANALYTICS_SETTINGS, loadAnalytics } from "~/analytics/analytics.server";
import { markAnalyticsDirtyDays, refreshAnalyticsRollup } from "~/analytics/rollup.server";
import { enrollmentOutcomesQuery } from "~/analytics/sql/enrollment-outcomes.sql";
import type { AnalyticsScope, ScopedSql } from "~/analytics/sql/scope";
import { touchFunnelQuery } from "~/analytics/sql/touch-funnel.sql";
import { weeklyTrendQuery } from "~/analytics/sql/weekly-trend.sql";
import { loadWeeklyTrend, trendWeeks } from "~/analytics/trend.server";
import { DateTime } from "luxon";
import { createCampaign } from "~/domain/campaigns.server";
import { useTestDatabase } from "../helpers/db";
import { deps, installTestBusiness } from "../helpers/fixtures";
import { directAnalytics } from "./direct";
import { generateEnrollments } from "./volume";

const db = useTestDatabase();
const NOW = new Date("2026-11-20T12:00:00Z");
const DAY = 86_400_000;
let businessId: string;
let campaignId: string;

beforeAll(async () => {
  const d = deps(db().prisma);
  const { business, campaignId: standard } = await installTestBusiness(d, { name: "Volume Plumbing" });
  businessId = business.id;
  campaignId = standard;
  const templates = await db().prisma.messageTemplate.findMany({ where: { businessId } });
  const template = (channel: "email" | "sms") => templates.find((t) => t.channel === channel)!.id;
  const second = await createCampaign(d, businessId, {
    name: "Four touches",
    serviceType: "hvac",
    touches: (["email", "sms", "email", "sms"] as const).map((channel) => ({ channel, delayHours: 24, templateId: template(channel) })),
  });
  const campaigns = [
    { id: standard, touches: 3 },
    { id: second.id, touches: 4 },
  ];
  await generateEnrollments(db().pool, {
    businessId,
    campaigns,
    count: 50_000,
    start: new Date(NOW.getTime() - 365 * DAY),
    now: NOW,
    tag: "v",
  });
}, 120_000);

describe("at volume", () => {
  const all = (): AnalyticsScope => ({ businessId, campaignId: null, start: null, end: null });
  const month = (): AnalyticsScope => ({ businessId, campaignId: null, start: new Date(NOW.getTime() - 30 * DAY), end: null });

  it("agrees with the plain computation, every day dirty and then from the refreshed rollup", async () => {
    for (const refreshed of [false, true]) {
      if (refreshed) expect((await refreshAnalyticsRollup(db().pool)).days).toBe(366);
      const a = await loadAnalytics(db().pool, all());
      expect(a.enrollments.total).toBe(50_000);
      expect(a.funnel.total.clicked).toBeGreaterThan(0);
      expect(a.funnel.total.delivered).toBeGreaterThan(0);
      expect(a).toEqual(await directAnalytics(db().pool, all()));

      const r = await loadAnalytics(db().pool, month());
      expect(r.enrollments.total).toBeGreaterThan(4_000);
      expect(r.enrollments.total).toBeLessThan(4_300);
      expect(r.enrollments.active).toBeGreaterThan(0);
      expect(r).toEqual(await directAnalytics(db().pool, month()));
      const campaignMonth = { ...month(), campaignId };
      expect(await loadAnalytics(db().pool, campaignMonth)).toEqual(await directAnalytics(db().pool, campaignMonth));
    }
  }, 180_000);

  /** The weekly trend computed plainly: the base table grouped by the local week of enrolled_at. */
  async function directWeeks(scope: AnalyticsScope): Promise<Map<string, { sent: number; clicked: number }>> {
    const { rows } = await db().pool.query<{ week: string; sent: number; clicked: number }>(
      `SELECT to_char(date_trunc('week', t.enrolled_at AT TIME ZONE 'America/New_York'), 'YYYY-MM-DD') AS week,
              count(*) FILTER (WHERE t.status = 'sent')::int AS sent, count(*) FILTER (WHERE t.clicked_at IS NOT NULL)::int AS clicked
         FROM enrollment_touch t
        WHERE t.business_id = $1 AND t.enrolled_at >= $2 AND t.enrolled_at < $3
        GROUP BY 1`,
      [scope.businessId, scope.start ?? "-infinity", scope.end ?? "infinity"],
    );
    return new Map(rows.map((r) => [r.week, { sent: r.sent, clicked: r.clicked }]));
  }

  it("gives the weekly trend the plain computation gives, every day dirty and from the rollup", async () => {
    const ninety = (): AnalyticsScope => ({ businessId, campaignId: null, start: new Date(NOW.getTime() - 90 * DAY), end: NOW });
    await markAnalyticsDirtyDays(db().pool, businessId, new Date(NOW.getTime() - 400 * DAY), NOW);
    for (const refreshed of [false, true]) {
      if (refreshed) await refreshAnalyticsRollup(db().pool);
      const trend = await loadWeeklyTrend(db().pool, ninety(), { timezone: "America/New_York", now: NOW });
      expect(trend.weeks.length).toBe(14);
      const direct = await directWeeks(ninety());
      const monday = (day: string) => DateTime.fromISO(day).startOf("week").toISODate()!;
      expect(trend.weeks.map((w) => [monday(w.from), w.sent, w.clicked])).toEqual(
        trend.weeks.map((w) => [monday(w.from), direct.get(monday(w.from))?.sent ?? 0, direct.get(monday(w.from))?.clicked ?? 0]),
      );
      expect(trend.weeks.reduce((n, w) => n + w.sent, 0)).toBe((await loadAnalytics(db().pool, ninety())).funnel.total.sent);
    }
  }, 120_000);

  async function plan(q: ScopedSql): Promise<string> {
    const client = await db().pool.connect();
    try {
      await client.query(`BEGIN; ${ANALYTICS_SETTINGS}`);
      const { rows } = await client.query<{ "QUERY PLAN": string }>({ text: `EXPLAIN ${q.text}`, values: q.values });
      await client.query("ROLLBACK");
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    } finally {
      client.release();
    }
  }

  it("plans a month from the rollup and the enrolled_at indexes, without probes, joins to jobs or send logs, or scans", async () => {
    await refreshAnalyticsRollup(db().pool);
    // Writes since the refresh: the last week's days are dirty, read from the base tables.
    await markAnalyticsDirtyDays(db().pool, businessId, new Date(NOW.getTime() - 7 * DAY), NOW);
    const outcomes = await plan(enrollmentOutcomesQuery(month()));
    const touches = await plan(touchFunnelQuery(month()));
    expect(outcomes).toContain("enrollment_business_id_enrolled_at_idx");
    expect(outcomes).toContain("analytics_enrollment_day_business_id_day_idx");
    expect(touches).toContain("analytics_touch_day_pkey");
    for (const p of [outcomes, touches]) {
      expect(p).toContain("enrollment_touch_business_id_enrolled_at_idx");
      expect(p).toContain("analytics_dirty_day_business_id_day_idx");
      expect(p).not.toMatch(/Seq Scan|enrollment_touch_pkey|send_log|\bjob\b/);
    }

    // The weekly trend of all time (half a year of weeks): rollup and range scans only.
    const { weeks } = trendWeeks({ start: null, end: null, firstEnrolledAt: new Date(NOW.getTime() - 365 * DAY), timezone: "America/New_York", now: NOW });
    const trend = await plan(weeklyTrendQuery(businessId, null, weeks));
    expect(trend).toContain("analytics_touch_day_pkey");
    expect(trend).toContain("enrollment_touch_business_id_enrolled_at_idx");
    expect(trend).toContain("analytics_dirty_day_business_id_day_idx");
    expect(trend).not.toMatch(/Seq Scan on (enrollment_touch|analytics_touch_day)|enrollment_touch_pkey|send_log|\bjob\b/);

    // A campaign's month: its touches and enrollments from either enrolled_at index (here the
    // campaign holds half the business's enrollments, so the planner may as well filter the
    // business's range), never a scan.
    const campaignMonth = { ...month(), campaignId };
    for (const q of [enrollmentOutcomesQuery(campaignMonth), touchFunnelQuery(campaignMonth)]) {
      const p = await plan(q);
      expect(p).toMatch(/enrollment_touch_(campaign|business)_id_enrolled_at_idx/);
      expect(p).not.toMatch(/Seq Scan|send_log|\bjob\b/);
    }
  });
});
