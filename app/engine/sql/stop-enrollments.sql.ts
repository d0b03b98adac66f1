// Stopping enrollments. Every stop is one guarded statement ("only if still active") that also
// cancels the enrollment's pending touches (and marks their days' analytics rollup stale), so
// concurrent stops, sends and re-enrollments never leave an enrollment half-stopped. Callers run
// it inside the transaction that records the cause. It lives with the engine's SQL because the
// touch processor stops enrollments too (Twilio 21610); the domain re-exports it.
// Index use, by target: enrollment primary key (ids); enrollment (campaign_id, enrolled_at),
// (customer_id, enrolled_at), (job_id), or (business_id, enrolled_at) for all of a business;
// enrollment_touch primary key (enrollment_id, position) for the pending touches.
import { Prisma, type PrismaClient, type StopReason } from "~/generated/prisma/client";

/** A client or a transaction: anything that runs the statement. */
type Queryable = Pick<PrismaClient, "$queryRaw">;

export type StopTarget =
  | { enrollmentIds: string[] }
  | { campaignId: string }
  | { customerIds: string[] }
  | { jobId: string }
  | { all: true };

function targetSql(target: StopTarget): Prisma.Sql {
  if ("enrollmentIds" in target) return Prisma.sql`id = ANY(${target.enrollmentIds}::uuid[])`;
  if ("campaignId" in target) return Prisma.sql`campaign_id = ${target.campaignId}::uuid`;
  if ("customerIds" in target) return Prisma.sql`customer_id = ANY(${target.customerIds}::uuid[])`;
  if ("jobId" in target) return Prisma.sql`job_id = ${target.jobId}::uuid`;
  return Prisma.sql`TRUE`;
}

/** Stops the business's active enrollments matching the target; returns the ids it stopped. */
export async function stopEnrollments(
  tx: Queryable,
  businessId: string,
  target: StopTarget,
  reason: StopReason,
  now: Date,
): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH stopped AS (
      UPDATE enrollment
         SET status = 'stopped', stop_reason = ${reason}::"StopReason", stopped_at = ${now},
             next_due_at = NULL, lease_token = NULL, lease_expires_at = NULL
       WHERE business_id = ${businessId}::uuid AND status = 'active' AND ${targetSql(target)}
      RETURNING id, enrolled_at
    ), cancelled AS (
      UPDATE enrollment_touch t
         SET status = 'cancelled', reason = ${reason}
        FROM stopped
       WHERE t.enrollment_id = stopped.id AND t.status = 'pending'
    ), marked AS (
      -- Their days' analytics rollup is stale (app/analytics/rollup.server.ts).
      INSERT INTO analytics_dirty_day (business_id, day)
      SELECT DISTINCT ${businessId}::uuid, (stopped.enrolled_at AT TIME ZONE 'UTC')::date FROM stopped
    )
    SELECT id::text FROM stopped`;
  return rows.map((r) => r.id);
}
