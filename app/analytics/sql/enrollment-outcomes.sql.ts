// Enrollment-level counts of the scoped enrollments, with the touches they sent and had clicked:
// per status, per stop reason, per service type (the job's, copied onto the enrollment when it
// was enrolled), and in total, in one pass (GROUPING SETS). The position and channel funnel
// comes from touch-funnel.sql.ts, run alongside.
//
// Index use, no per-enrollment probes:
//   live ranges  enrollment_business_id_enrolled_at_idx (business_id, enrolled_at) or
//                enrollment_campaign_id_enrolled_at_idx (campaign_id, enrolled_at) for the
//                enrollments, and enrollment_touch_business_id_enrolled_at_idx /
//                enrollment_touch_campaign_id_enrolled_at_idx for the same ranges' touches
//                (a touch carries its enrollment's enrolled_at), counted per enrollment and
//                hash-joined: two range scans, not a probe per enrollment;
//   rollup       analytics_enrollment_day_business_id_day_idx (business_id, day);
//   dirty days   analytics_dirty_day_business_id_day_idx (business_id, day).
// OFFSET 0 in the LATERAL subqueries: as in touch-funnel.sql.ts, one index range scan per live
// range instead of a join over the business's whole history.
//
// sent = the enrollments' touches with status 'sent' (messages that actually went out);
// clicked = their touches with a clicked_at. The rollup's cells (rollup.sql.ts) use the same.
import type pg from "pg";
import type { AnalyticsScope, ScopedSql } from "./scope";
import { scoped } from "./scope";

export const ENROLLMENT_OUTCOMES_SQL = `
WITH {{live_ranges}}, touches AS (
  SELECT t.enrollment_id,
         count(*) FILTER (WHERE t.status = 'sent') AS sent,
         count(*) FILTER (WHERE t.clicked_at IS NOT NULL) AS clicked
    FROM live r
   CROSS JOIN LATERAL (
         SELECT t.enrollment_id, t.status, t.clicked_at
           FROM enrollment_touch t
          WHERE t.business_id = $1::uuid {{campaign:t}}
            AND t.enrolled_at >= r.s AND t.enrolled_at < r.e
         OFFSET 0) t
   GROUP BY 1
), cells AS (
  SELECT e.status, e.stop_reason, e.service_type,
         count(*) AS enrollments, COALESCE(sum(t.sent), 0) AS sent, COALESCE(sum(t.clicked), 0) AS clicked
    FROM live r
   CROSS JOIN LATERAL (
         SELECT e.id, e.status, e.stop_reason, e.service_type
           FROM enrollment e
          WHERE e.business_id = $1::uuid {{campaign:e}}
            AND e.enrolled_at >= r.s AND e.enrolled_at < r.e
         OFFSET 0) e
    LEFT JOIN touches t ON t.enrollment_id = e.id
   GROUP BY 1, 2, 3
  UNION ALL
  SELECT a.status, a.stop_reason, a.service_type, sum(a.enrollments), sum(a.sent_touches), sum(a.clicked_touches)
    FROM analytics_enrollment_day a
   WHERE a.business_id = $1::uuid {{campaign:a}} AND a.day >= $4::date AND a.day < $5::date
     AND a.day NOT IN (SELECT day FROM dirty)
   GROUP BY 1, 2, 3
)
SELECT CASE WHEN GROUPING(stop_reason) = 0 THEN 'outcome'
            WHEN GROUPING(status) = 0 THEN 'status'
            WHEN GROUPING(service_type) = 0 THEN 'service_type'
            ELSE 'total' END AS dimension,
       status::text AS status,
       stop_reason::text AS stop_reason,
       service_type,
       COALESCE(sum(enrollments), 0)::int AS enrollments,
       COALESCE(sum(sent), 0)::int AS sent,
       COALESCE(sum(clicked), 0)::int AS clicked
  FROM cells
 GROUP BY GROUPING SETS ((status, stop_reason), (status), (service_type), ())`;

export type EnrollmentStatusName = "active" | "completed" | "stopped";

export interface EnrollmentOutcomeRow {
  dimension: "outcome" | "status" | "service_type" | "total";
  status: EnrollmentStatusName | null;
  stop_reason: string | null;
  service_type: string | null;
  enrollments: number;
  /** Touches sent by these enrollments. */
  sent: number;
  /** Touches of these enrollments whose link was followed. */
  clicked: number;
}

export function enrollmentOutcomesQuery(scope: AnalyticsScope): ScopedSql {
  return scoped(ENROLLMENT_OUTCOMES_SQL, scope);
}

export async function queryEnrollmentOutcomes(db: Pick<pg.ClientBase, "query">, scope: AnalyticsScope): Promise<EnrollmentOutcomeRow[]> {
  const { rows } = await db.query<EnrollmentOutcomeRow>(enrollmentOutcomesQuery(scope));
  return rows;
}
