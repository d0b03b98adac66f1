// Enrollment-level counts of the scoped enrollments: per status, per stop reason, per job
// service type, and in total, in one pass (GROUPING SETS). Touch-level numbers (sent, clicked,
// delivered) come from touch-funnel.sql.ts, run alongside.
//
// Index use: the scope's range scan of enrollment (business_id, enrolled_at) or
// (campaign_id, enrolled_at); job's primary key for the service type.
import type pg from "pg";
import type { AnalyticsScope, ScopedSql } from "./scope";
import { scoped } from "./scope";

export const ENROLLMENT_OUTCOMES_SQL = `
SELECT CASE WHEN GROUPING(stop_reason) = 0 THEN 'outcome'
            WHEN GROUPING(status) = 0 THEN 'status'
            WHEN GROUPING(service_type) = 0 THEN 'service_type'
            ELSE 'total' END AS dimension,
       status::text AS status,
       stop_reason::text AS stop_reason,
       service_type,
       count(*)::int AS enrollments
  FROM (SELECT e.status, e.stop_reason,
               -- A scalar subquery: one primary-key probe per enrollment of the range.
               (SELECT j.service_type FROM job j WHERE j.id = e.job_id AND j.business_id = e.business_id) AS service_type
          FROM enrollment e
         WHERE {{scope}}) e
 GROUP BY GROUPING SETS ((status, stop_reason), (status), (service_type), ())`;

export type EnrollmentStatusName = "active" | "completed" | "stopped";

export interface EnrollmentOutcomeRow {
  dimension: "outcome" | "status" | "service_type" | "total";
  status: EnrollmentStatusName | null;
  stop_reason: string | null;
  service_type: string | null;
  enrollments: number;
}

export function enrollmentOutcomesQuery(scope: AnalyticsScope): ScopedSql {
  return scoped(ENROLLMENT_OUTCOMES_SQL, scope);
}

export async function queryEnrollmentOutcomes(db: Pick<pg.ClientBase, "query">, scope: AnalyticsScope): Promise<EnrollmentOutcomeRow[]> {
  const { rows } = await db.query<EnrollmentOutcomeRow>(enrollmentOutcomesQuery(scope));
  return rows;
}
