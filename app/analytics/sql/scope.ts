// Which enrollments an analytics statement counts: one business's (or one of its campaigns')
// enrollments enrolled within [start, end), and how each statement splits that range between the
// daily rollup and the base tables (app/analytics/rollup.server.ts explains the rollup):
//
//   [start ........ fromDay | whole UTC days ....................... | toDay ........ end)
//    live (base tables)       rollup rows, except dirty days: live      live (base tables)
//
// Whole UTC days inside the range come from analytics_*_day, unless the day has a mark in
// analytics_dirty_day (a write since its last refresh, e.g. today): those days, and the partial
// days at either end, are computed from the base tables over their enrolled_at ranges. Both parts
// are read in the statement's one snapshot, and a refresh replaces a day's rows and deletes its
// marks in one transaction, so the sum is exact.
//
// Parameters: $1 business, $2 start, $3 end (±infinity when unbounded), $4 fromDay, $5 toDay
// (dates, ±infinity when unbounded), $6 campaign (campaign scope only). The business is always
// checked, so a campaign id alone never reaches another tenant. The campaign condition is text
// rather than `$6 IS NULL OR ...`: a predicate the planner cannot resolve at plan time would keep
// it from choosing the campaign index.

export interface AnalyticsScope {
  businessId: string;
  /** Null: every campaign of the business. */
  campaignId: string | null;
  /** Inclusive lower bound on enrolled_at; null = no bound (all time). */
  start: Date | null;
  /** Exclusive upper bound on enrolled_at; null = no bound. */
  end: Date | null;
}

export interface ScopedSql {
  text: string;
  values: unknown[];
}

const DAY_MS = 86_400_000;

/** A UTC day as the date literal Postgres reads, e.g. 2026-01-05. */
function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The whole UTC days inside [start, end) as [fromDay, toDay) (dates, ±infinity when unbounded).
 * fromDay is the first UTC midnight at or after start; toDay the last at or before end, but never
 * before fromDay (a range without a whole day then has fromDay = toDay: no rollup rows, and its
 * two live edges [start, min(fromDay, end)) and [toDay, end) cover it exactly).
 */
export function rollupDays(start: Date | null, end: Date | null): { fromDay: string; toDay: string } {
  const from = start === null ? null : Math.ceil(start.getTime() / DAY_MS) * DAY_MS;
  const to = end === null ? null : Math.floor(end.getTime() / DAY_MS) * DAY_MS;
  const fromDay = from === null ? "-infinity" : isoDay(from);
  if (to === null) return { fromDay, toDay: "infinity" };
  return { fromDay, toDay: isoDay(from === null ? to : Math.max(from, to)) };
}

/**
 * The CTEs every statement starts with: `dirty` (the range's whole days that the rollup may not
 * answer) and `live` (the enrolled_at ranges to read from the base tables: both edges and each
 * dirty day). Relies on analytics_dirty_day_business_id_day_idx (business_id, day).
 */
export const LIVE_RANGES_SQL = `
dirty AS (
  SELECT DISTINCT d.day FROM analytics_dirty_day d
   WHERE d.business_id = $1::uuid AND d.day >= $4::date AND d.day < $5::date
), live AS (
  SELECT $2::timestamptz AS s, LEAST($4::date::timestamp AT TIME ZONE 'UTC', $3::timestamptz) AS e
  UNION ALL
  SELECT $5::date::timestamp AT TIME ZONE 'UTC', $3::timestamptz
  UNION ALL
  SELECT dirty.day::timestamp AT TIME ZONE 'UTC', (dirty.day + 1)::timestamp AT TIME ZONE 'UTC' FROM dirty
)`;

/**
 * Fills a statement's placeholders and returns it with its parameters:
 *   {{live_ranges}}  the CTEs above;
 *   {{campaign:x}}   "AND x.campaign_id = $6::uuid" for a campaign's scope, nothing otherwise.
 */
export function scoped(template: string, scope: AnalyticsScope): ScopedSql {
  const { fromDay, toDay } = rollupDays(scope.start, scope.end);
  const values: unknown[] = [
    scope.businessId,
    scope.start ?? "-infinity",
    scope.end ?? "infinity",
    fromDay,
    toDay,
    ...(scope.campaignId ? [scope.campaignId] : []),
  ];
  const text = template
    .replaceAll("{{live_ranges}}", LIVE_RANGES_SQL)
    .replace(/\{\{campaign:(\w+)\}\}/g, (_, alias: string) => (scope.campaignId ? `AND ${alias}.campaign_id = $6::uuid` : ""));
  return { text, values };
}
