// Touch-level counts of the scoped enrollments' touches: the funnel by position (1..4), by
// channel, by job service type, by how the enrollment ended, and in total.
//
// Two stages so the expensive part stays cheap per row: the inner query reduces the touches to
// a few hundred "cells" (one per combination of the dimensions and the touch's facts) with a
// single count(*); the outer query rolls the cells up with FILTERed sums per GROUPING SET.
//
// Index use: the scope's range scan of enrollment (business_id, enrolled_at) or
// (campaign_id, enrolled_at); then, per enrollment, job's primary key (service type) and
// enrollment_touch's primary key (enrollment_id, position) for its touches; per sent touch only,
// send_log's unique (enrollment_id, position) for its delivery. Nothing scans a whole table.
//
// Definitions (every touch row is a touch scheduled at enrollment):
//   scheduled  = every touch = pending + sent + skipped + failed + cancelled
//   delivered  = sent touches whose send log has a provider-confirmed delivered_at
//   clicked    = touches whose review link was followed: enrollment_touch.clicked_at, recorded by
//                our own /r/<token> redirect, so it means the same for email and SMS
//   click_rate = clicked / sent (null when nothing was sent)
import type pg from "pg";
import type { EnrollmentStatusName } from "./enrollment-outcomes.sql";
import type { AnalyticsScope, ScopedSql } from "./scope";
import { scoped } from "./scope";

export const TOUCH_FUNNEL_SQL = `
WITH cells AS (
  SELECT e.service_type, e.status AS enrollment_status, e.stop_reason,
         t.position, t.channel, t.status,
         -- A scalar subquery, not a join: it runs for sent touches only.
         CASE WHEN t.status = 'sent'
              THEN (SELECT l.delivered_at FROM send_log l
                     WHERE l.enrollment_id = e.id AND l.position = t.position) IS NOT NULL
              ELSE false END AS delivered,
         t.clicked_at IS NOT NULL AS clicked,
         count(*) AS n
    -- OFFSET 0 keeps the planner from flattening these into joins of whole tables: the range's
    -- enrollments come from the range index, and each one's job and touches are fetched by
    -- primary key, so the cost follows the range, not the business's history.
    FROM (SELECT e.id, e.status, e.stop_reason,
                 (SELECT j.service_type FROM job j WHERE j.id = e.job_id AND j.business_id = e.business_id) AS service_type
            FROM enrollment e
           WHERE {{scope}}
          OFFSET 0) e
   CROSS JOIN LATERAL (
         SELECT t.position, t.channel, t.status, t.clicked_at
           FROM enrollment_touch t
          WHERE t.enrollment_id = e.id
         OFFSET 0) t
   GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
)
SELECT CASE WHEN GROUPING(position) = 0 THEN 'position'
            WHEN GROUPING(channel) = 0 THEN 'channel'
            WHEN GROUPING(service_type) = 0 THEN 'service_type'
            WHEN GROUPING(enrollment_status) = 0 THEN 'outcome'
            ELSE 'total' END AS dimension,
       position, channel::text AS channel, service_type,
       enrollment_status::text AS enrollment_status, stop_reason::text AS stop_reason,
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
 GROUP BY GROUPING SETS ((position), (channel), (service_type), (enrollment_status, stop_reason), ())`;

export interface TouchFunnelRow {
  dimension: "position" | "channel" | "service_type" | "outcome" | "total";
  position: number | null;
  channel: "email" | "sms" | null;
  service_type: string | null;
  enrollment_status: EnrollmentStatusName | null;
  stop_reason: string | null;
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
