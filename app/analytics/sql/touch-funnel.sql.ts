// Touch-level counts of the scoped enrollments' touches: the funnel by position (1..4), by
// channel, and in total. (Per service type and per enrollment outcome, touches sent and clicked
// come with the enrollment counts: enrollment-outcomes.sql.ts.)
//
// Two stages: `cells` reduces the touches to a few dozen combinations of the dimensions and the
// touch's facts with a count, from the base table for the live ranges and from the daily rollup
// for the other days (scope.ts); the outer query rolls the cells up per GROUPING SET.
//
// Index use, no joins and no per-enrollment probes:
//   live ranges  enrollment_touch_business_id_enrolled_at_idx (business_id, enrolled_at), or
//                enrollment_touch_campaign_id_enrolled_at_idx (campaign_id, enrolled_at) for a
//                campaign: one range scan per live range, reading the touch's own columns only
//                (delivered_at is the send log's, mirrored onto the touch);
//   rollup       analytics_touch_day_pkey (business_id, day, ...): one range scan;
//   dirty days   analytics_dirty_day_business_id_day_idx (business_id, day).
// OFFSET 0 keeps the planner from flattening the LATERAL subquery into a join of the whole table
// (it would scan every touch of the business and filter by the ranges): each live range stays its
// own index range scan, so the cost follows the live ranges, not the business's history.
//
// Definitions (every touch row is a touch scheduled at enrollment):
//   scheduled  = every touch = pending + sent + skipped + failed + cancelled
//   delivered  = sent touches whose send log has a provider-confirmed delivered_at
//   clicked    = touches whose review link was followed: enrollment_touch.clicked_at, recorded by
//                our own /r/<token> redirect, so it means the same for email and SMS
//   click_rate = clicked / sent (null when nothing was sent)
// The rollup's cells (rollup.sql.ts) use the same definitions.
import type pg from "pg";
import type { AnalyticsScope, ScopedSql } from "./scope";
import { scoped } from "./scope";

export const TOUCH_FUNNEL_SQL = `
WITH {{live_ranges}}, cells AS (
  SELECT t.position, t.channel, t.status,
         t.status = 'sent' AND t.delivered_at IS NOT NULL AS delivered,
         t.clicked_at IS NOT NULL AS clicked,
         count(*) AS n
    FROM live r
   CROSS JOIN LATERAL (
         SELECT t.position, t.channel, t.status, t.delivered_at, t.clicked_at
           FROM enrollment_touch t
          WHERE t.business_id = $1::uuid {{campaign:t}}
            AND t.enrolled_at >= r.s AND t.enrolled_at < r.e
         OFFSET 0) t
   GROUP BY 1, 2, 3, 4, 5
  UNION ALL
  SELECT a.position, a.channel, a.status, a.delivered, a.clicked, sum(a.touches)
    FROM analytics_touch_day a
   WHERE a.business_id = $1::uuid {{campaign:a}} AND a.day >= $4::date AND a.day < $5::date
     AND a.day NOT IN (SELECT day FROM dirty)
   GROUP BY 1, 2, 3, 4, 5
)
SELECT CASE WHEN GROUPING(position) = 0 THEN 'position'
            WHEN GROUPING(channel) = 0 THEN 'channel'
            ELSE 'total' END AS dimension,
       position, channel::text AS channel,
       COALESCE(sum(n), 0)::int AS scheduled,
       COALESCE(sum(n) FILTER (WHERE status = 'pending'), 0)::int AS pending,
       COALESCE(sum(n) FILTER (WHERE status = 'sent'), 0)::int AS sent,
       COALESCE(sum(n) FILTER (WHERE status = 'skipped'), 0)::int AS skipped,
       COALESCE(sum(n) FILTER (WHERE status = 'failed'), 0)::int AS failed,
       COALESCE(sum(n) FILTER (WHERE status = 'cancelled'), 0)::int AS cancelled,
       COALESCE(sum(n) FILTER (WHERE delivered), 0)::int AS delivered,
       COALESCE(sum(n) FILTER (WHERE clicked), 0)::int AS clicked,
       COALESCE(sum(n) FILTER (WHERE clicked), 0)::float8 / NULLIF(sum(n) FILTER (WHERE status = 'sent'), 0) AS click_rate
  FROM cells
 GROUP BY GROUPING SETS ((position), (channel), ())`;

export interface TouchFunnelRow {
  dimension: "position" | "channel" | "total";
  position: number | null;
  channel: "email" | "sms" | null;
  scheduled: number;
  pending: number;
  sent: number;
  skipped: number;
  failed: number;
  cancelled: number;
  delivered: number;
  clicked: number;
  click_rate: number | null;
}

export function touchFunnelQuery(scope: AnalyticsScope): ScopedSql {
  return scoped(TOUCH_FUNNEL_SQL, scope);
}

export async function queryTouchFunnel(db: Pick<pg.ClientBase, "query">, scope: AnalyticsScope): Promise<TouchFunnelRow[]> {
  const { rows } = await db.query<TouchFunnelRow>(touchFunnelQuery(scope));
  return rows;
}
