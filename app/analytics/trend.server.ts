// The analytics page's weekly trend: requests sent and review-link clicks for the customers
// enrolled in each week of the page's range (weeks start on Monday, in the business's timezone).
// The weeks split the range exactly, so their sums are the page's totals; the first and last
// weeks are cut at the range's ends, and a range longer than TREND_MAX_WEEKS shows its last weeks.
import { DateTime } from "luxon";
import type pg from "pg";
import { runAnalyticsStatement, type AnalyticsScope } from "./analytics.server";
import { queryFirstEnrolledAt, queryWeeklyTrend, type TrendWeekBounds } from "./sql/weekly-trend.sql";

/** Half a year of weeks: enough to see a trend, and each week costs about a day's live read. */
export const TREND_MAX_WEEKS = 26;

export interface TrendWeek {
  /** First local day of the week within the range (YYYY-MM-DD). */
  from: string;
  /** Last local day of the week within the range (YYYY-MM-DD). */
  through: string;
  sent: number;
  clicked: number;
  /** clicked / sent; null when nothing was sent. */
  clickRate: number | null;
}

export interface WeeklyTrend {
  weeks: TrendWeek[];
  /** The range started before the first week shown (more than TREND_MAX_WEEKS weeks). */
  truncated: boolean;
}

type WeekBounds = TrendWeekBounds & { from: string; through: string };

function zoneOf(timezone: string): string {
  return DateTime.now().setZone(timezone).isValid ? timezone : "UTC";
}

/**
 * The weeks of [start, end) in the business's timezone, never past today (a range reaching into
 * the future has no customers there yet). start null: from the week of the first enrollment
 * (firstEnrolledAt; none: no weeks).
 */
export function trendWeeks(opts: {
  start: Date | null;
  end: Date | null;
  firstEnrolledAt: Date | null;
  timezone: string;
  now: Date;
}): { weeks: WeekBounds[]; truncated: boolean } {
  const zone = zoneOf(opts.timezone);
  const local = (d: Date) => DateTime.fromJSDate(d, { zone });
  const tomorrow = local(opts.now).startOf("day").plus({ days: 1 });
  const end = opts.end && opts.end.getTime() < tomorrow.toMillis() ? local(opts.end) : tomorrow;
  let start = opts.start ? local(opts.start) : opts.firstEnrolledAt ? local(opts.firstEnrolledAt).startOf("week") : null;
  if (!start || start >= end) return { weeks: [], truncated: false };
  const earliest = end.minus({ milliseconds: 1 }).startOf("week").minus({ weeks: TREND_MAX_WEEKS - 1 });
  const truncated = start < earliest;
  if (truncated) start = earliest;
  const weeks: WeekBounds[] = [];
  for (let cursor = start; cursor < end; ) {
    const next = cursor.startOf("week").plus({ weeks: 1 });
    const weekEnd = next < end ? next : end;
    weeks.push({
      start: cursor.toJSDate(),
      end: weekEnd.toJSDate(),
      from: cursor.toISODate()!,
      through: weekEnd.minus({ milliseconds: 1 }).toISODate()!,
    });
    cursor = weekEnd;
  }
  return { weeks, truncated };
}

/** One short read-only statement (two for all time: the first enrollment, then the weeks). */
export async function loadWeeklyTrend(
  pool: pg.Pool,
  scope: AnalyticsScope,
  opts: { timezone: string; now: Date },
): Promise<WeeklyTrend> {
  return runAnalyticsStatement(pool, async (client) => {
    const firstEnrolledAt = scope.start ? null : await queryFirstEnrolledAt(client, scope.businessId, scope.campaignId);
    const { weeks, truncated } = trendWeeks({ start: scope.start, end: scope.end, firstEnrolledAt, ...opts });
    const rows = await queryWeeklyTrend(client, scope.businessId, scope.campaignId, weeks);
    const byWeek = new Map(rows.map((r) => [r.k, r]));
    return {
      truncated,
      weeks: weeks.map((w, i) => {
        const sent = byWeek.get(i)?.sent ?? 0;
        const clicked = byWeek.get(i)?.clicked ?? 0;
        return { from: w.from, through: w.through, sent, clicked, clickRate: sent > 0 ? clicked / sent : null };
      }),
    };
  });
}
