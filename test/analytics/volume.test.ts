// 50,000 generated enrollments: the statements agree with plainly written queries at volume, and
// their plans start from the enrollment range index and reach touches and send logs through their
// keys, never by scanning those tables. Correctness only: no timing is asserted (timings at
// 1,000,000 enrollments: test/analytics/measure.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { ANALYTICS_SETTINGS, loadAnalytics, type Analytics } from "~/analytics/analytics.server";
import { enrollmentOutcomesQuery } from "~/analytics/sql/enrollment-outcomes.sql";
import type { AnalyticsScope, ScopedSql } from "~/analytics/sql/scope";
import { touchFunnelQuery } from "~/analytics/sql/touch-funnel.sql";
import { createCampaign } from "~/domain/campaigns.server";
import { useTestDatabase } from "../helpers/db";
import { deps, installTestBusiness } from "../helpers/fixtures";
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

/** The same numbers, written the obvious way. */
async function plainly(scope: AnalyticsScope) {
  const values = [scope.businessId, scope.start ?? "-infinity", scope.end ?? "infinity"];
  const where = "e.business_id = $1 AND e.enrolled_at >= $2 AND e.enrolled_at < $3";
  const status = await db().pool.query<{ status: string; n: number }>(
    `SELECT status::text, count(*)::int AS n FROM enrollment e WHERE ${where} GROUP BY 1`,
    values,
  );
  const positions = await db().pool.query<{ position: number; scheduled: number; sent: number; delivered: number; clicked: number; cancelled: number }>(
    `SELECT t.position, count(*)::int AS scheduled,
            sum(CASE WHEN t.status = 'sent' THEN 1 ELSE 0 END)::int AS sent,
            sum(CASE WHEN t.status = 'sent' AND EXISTS (SELECT 1 FROM send_log l WHERE l.enrollment_id = t.enrollment_id
                      AND l.position = t.position AND l.delivered_at IS NOT NULL) THEN 1 ELSE 0 END)::int AS delivered,
            sum(CASE WHEN t.clicked_at IS NOT NULL THEN 1 ELSE 0 END)::int AS clicked,
            sum(CASE WHEN t.status = 'cancelled' THEN 1 ELSE 0 END)::int AS cancelled
       FROM enrollment_touch t WHERE t.enrollment_id IN (SELECT e.id FROM enrollment e WHERE ${where})
      GROUP BY 1 ORDER BY 1`,
    values,
  );
  const avg = await db().pool.query<{ avg: number | null }>(
    `SELECT avg((SELECT count(*) FROM enrollment_touch t WHERE t.enrollment_id = e.id AND t.status = 'sent'))::float8 AS avg
       FROM enrollment e WHERE ${where} AND e.status IN ('stopped', 'completed')`,
    values,
  );
  const types = await db().pool.query<{ service_type: string | null; n: number }>(
    `SELECT j.service_type, count(*)::int AS n FROM enrollment e JOIN job j ON j.id = e.job_id WHERE ${where} GROUP BY 1`,
    values,
  );
  return { status: status.rows, positions: positions.rows, avg: avg.rows[0]!.avg, types: types.rows };
}

function expectAgreement(a: Analytics, p: Awaited<ReturnType<typeof plainly>>) {
  const byStatus = Object.fromEntries(p.status.map((r) => [r.status, r.n]));
  expect(a.enrollments).toEqual({
    total: p.status.reduce((s, r) => s + r.n, 0),
    active: byStatus.active ?? 0,
    completed: byStatus.completed ?? 0,
    stopped: byStatus.stopped ?? 0,
  });
  expect(a.funnel.byPosition.map(({ position, scheduled, sent, delivered, clicked, cancelled }) => ({ position, scheduled, sent, delivered, clicked, cancelled }))).toEqual(
    p.positions,
  );
  expect(a.avgTouchesUntilStop.ended).toBeCloseTo(p.avg!, 10);
  expect(Object.fromEntries(a.serviceTypes.map((s) => [String(s.serviceType), s.enrollments]))).toEqual(
    Object.fromEntries(p.types.map((t) => [String(t.service_type), t.n])),
  );
}

describe("at volume", () => {
  it("agrees with plain queries over all time and over the last 30 days", async () => {
    const all: AnalyticsScope = { businessId, campaignId: null, start: null, end: null };
    const a = await loadAnalytics(db().pool, all);
    expect(a.enrollments.total).toBe(50_000);
    expect(a.funnel.total.clicked).toBeGreaterThan(0);
    expect(a.funnel.total.delivered).toBeGreaterThan(0);
    expectAgreement(a, await plainly(all));

    const recent: AnalyticsScope = { businessId, campaignId: null, start: new Date(NOW.getTime() - 30 * DAY), end: null };
    const r = await loadAnalytics(db().pool, recent);
    expect(r.enrollments.total).toBeGreaterThan(4_000);
    expect(r.enrollments.total).toBeLessThan(4_300);
    expect(r.enrollments.active).toBeGreaterThan(0);
    expectAgreement(r, await plainly(recent));
  });

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

  it("plans a month's analytics through indexes, never scanning touches or send logs", async () => {
    const month: AnalyticsScope = { businessId, campaignId: null, start: new Date(NOW.getTime() - 30 * DAY), end: null };
    const outcomes = await plan(enrollmentOutcomesQuery(month));
    const touches = await plan(touchFunnelQuery(month));
    for (const p of [outcomes, touches]) expect(p).toContain("enrollment_business_id_enrolled_at_idx");
    expect(touches).toContain("enrollment_touch_pkey");
    expect(touches).toContain("send_log_enrollment_id_position_key");
    expect(touches).not.toMatch(/Seq Scan/);

    // A campaign's range: from either range index (here the campaign holds half the business's
    // enrollments, so the planner may as well filter the business's range), touches by key.
    const campaignMonth = { ...month, campaignId };
    for (const q of [enrollmentOutcomesQuery(campaignMonth), touchFunnelQuery(campaignMonth)]) {
      expect(await plan(q)).toMatch(/enrollment_(campaign|business)_id_enrolled_at_idx/);
    }
    expect(await plan(touchFunnelQuery(campaignMonth))).not.toMatch(/Seq Scan/);
  });
});
