// Requests sent and review-link clicks per week, for the customers enrolled in each week (the
// page's other numbers are about the customers enrolled in its range too, so the weeks add up to
// them exactly). Weeks are the business's local weeks, which do not start at UTC midnights: each
// week is split like a range in scope.ts, its whole UTC days from the daily rollup (unless dirty)
// and the rest (its partial days at both ends, and dirty days) from the base table.
//
// Parameters: $1 business; $2..$6 the weeks as parallel arrays (number, start, end, fromDay,
// toDay: see rollupDays in scope.ts); $7, $8 the days the rollup and the dirty marks are read for
// (the first fromDay, the last toDay); $9 campaign (campaign scope only).
//
// Index use, as in touch-funnel.sql.ts: enrollment_touch_business_id_enrolled_at_idx (or
// enrollment_touch_campaign_id_enrolled_at_idx for a campaign), one range scan per live range
// (about one day's touches per week: the two partial days at a week's ends); the rollup through
// analytics_touch_day_pkey (business_id, day, ...), one range scan for all the weeks, summed per
// day before it is matched to its week (a few hundred days, not tens of thousands of cells); the
// marks through analytics_dirty_day_business_id_day_idx. OFFSET 0 keeps each live range its own
// range scan.
import type pg from "pg";
import type { ScopedSql } from "./scope";
import { rollupDays } from "./scope";

const WEEKLY_TREND_SQL = `
WITH weeks AS (
  SELECT * FROM unnest($2::int[], $3::timestamptz[], $4::timestamptz[], $5::date[], $6::date[]) AS w(k, s, e, from_day, to_day)
), dirty AS (
  SELECT DISTINCT d.day FROM analytics_dirty_day d
   WHERE d.business_id = $1::uuid AND d.day >= $7::date AND d.day < $8::date
), live AS (
  SELECT k, s, LEAST(from_day::timestamp AT TIME ZONE 'UTC', e) AS e FROM weeks
  UNION ALL
  SELECT k, to_day::timestamp AT TIME ZONE 'UTC', e FROM weeks
  UNION ALL
  SELECT w.k, dirty.day::timestamp AT TIME ZONE 'UTC', (dirty.day + 1)::timestamp AT TIME ZONE 'UTC'
    FROM weeks w JOIN dirty ON dirty.day >= w.from_day AND dirty.day < w.to_day
), rolled AS (
  SELECT a.day, sum(a.touches) FILTER (WHERE a.status = 'sent') AS sent, sum(a.touches) FILTER (WHERE a.clicked) AS clicked
    FROM analytics_touch_day a
   WHERE a.business_id = $1::uuid {{campaign:a}} AND a.day >= $7::date AND a.day < $8::date
     AND a.day NOT IN (SELECT day FROM dirty)
   GROUP BY a.day
), cells AS (
  SELECT r.k, count(*) FILTER (WHERE t.status = 'sent') AS sent, count(*) FILTER (WHERE t.clicked_at IS NOT NULL) AS clicked
    FROM live r
   CROSS JOIN LATERAL (
         SELECT t.status, t.clicked_at
           FROM enrollment_touch t
          WHERE t.business_id = $1::uuid {{campaign:t}}
            AND t.enrolled_at >= r.s AND t.enrolled_at < r.e
         OFFSET 0) t
   GROUP BY r.k
  UNION ALL
  SELECT w.k, sum(r.sent), sum(r.clicked)
    FROM weeks w JOIN rolled r ON r.day >= w.from_day AND r.day < w.to_day
   GROUP BY w.k
)
SELECT w.k, COALESCE(sum(c.sent), 0)::int AS sent, COALESCE(sum(c.clicked), 0)::int AS clicked
  FROM weeks w LEFT JOIN cells c ON c.k = w.k
 GROUP BY w.k
 ORDER BY w.k`;

/**
 * The first enrollment of the scope: where an all-time trend starts. An index endpoint read:
 * enrollment_business_id_enrolled_at_idx (or enrollment_campaign_id_enrolled_at_idx).
 */
const FIRST_ENROLLED_SQL = `
SELECT e.enrolled_at FROM enrollment e
 WHERE e.business_id = $1::uuid {{campaign:e}}
 ORDER BY e.enrolled_at LIMIT 1`;

export interface TrendWeekBounds {
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

export interface WeeklyTrendRow {
  k: number;
  sent: number;
  clicked: number;
}

function campaignCondition(text: string, campaignId: string | null, param: number): string {
  return text.replace(/\{\{campaign:(\w+)\}\}/g, (_, alias: string) => (campaignId ? `AND ${alias}.campaign_id = $${param}::uuid` : ""));
}

export function weeklyTrendQuery(businessId: string, campaignId: string | null, weeks: TrendWeekBounds[]): ScopedSql {
  const days = weeks.map((w) => rollupDays(w.start, w.end));
  const sorted = (xs: string[]) => [...xs].sort();
  return {
    text: campaignCondition(WEEKLY_TREND_SQL, campaignId, 9),
    values: [
      businessId,
      weeks.map((_, i) => i),
      weeks.map((w) => w.start),
      weeks.map((w) => w.end),
      days.map((d) => d.fromDay),
      days.map((d) => d.toDay),
      sorted(days.map((d) => d.fromDay))[0] ?? "infinity",
      sorted(days.map((d) => d.toDay)).at(-1) ?? "-infinity",
      ...(campaignId ? [campaignId] : []),
    ],
  };
}

export async function queryWeeklyTrend(
  db: Pick<pg.ClientBase, "query">,
  businessId: string,
  campaignId: string | null,
  weeks: TrendWeekBounds[],
): Promise<WeeklyTrendRow[]> {
  if (weeks.length === 0) return [];
  const { rows } = await db.query<WeeklyTrendRow>(weeklyTrendQuery(businessId, campaignId, weeks));
  return rows;
}

export async function queryFirstEnrolledAt(db: Pick<pg.ClientBase, "query">, businessId: string, campaignId: string | null): Promise<Date | null> {
  const { rows } = await db.query<{ enrolled_at: Date }>(
    campaignCondition(FIRST_ENROLLED_SQL, campaignId, 2),
    campaignId ? [businessId, campaignId] : [businessId],
  );
  return rows[0]?.enrolled_at ?? null;
}
