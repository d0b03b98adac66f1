// The queue's claim: one statement takes a batch of due touches and leases them.
//
// Relies on the partial index enrollment_due_idx ON enrollment (next_due_at) WHERE status =
// 'active' (prisma/schema.prisma): the CTE walks that index in due order and stops after
// LIMIT rows, so the cost depends on the batch, not on the table. SKIP LOCKED lets any number of
// processors claim at once without waiting on each other; each row goes to exactly one of them.
//
// A claim leases the row until now + lease (graphile-worker's locked_at, River's attempted_at):
// if its processor dies the row is claimable again when the lease runs out. The lease columns
// are not indexed, so the claim's UPDATE changes no indexed column and Postgres can apply it in
// place (a HOT update, helped by the table's fillfactor 80) instead of adding entries to every
// index of the table. Rows still leased are skipped by the filter: at most processors × batch
// of them sit at the head of the index. The lease token proves ownership when results are written.
//
// A campaign's enrollments are sent while it is active, or after another campaign replaced it
// (retired_at set: no new jobs, but its customers finish their sequence). Pausing or deleting a
// campaign stops its enrollments; the join keeps that true even for a row that escaped the stop.
import type pg from "pg";

export const CLAIM_SQL = `
WITH due AS (
  SELECT e.id
    FROM enrollment e
    JOIN campaign c ON c.id = e.campaign_id AND (c.status = 'active' OR c.retired_at IS NOT NULL) AND c.deleted_at IS NULL
   WHERE e.status = 'active'
     AND e.next_due_at <= $1
     AND (e.lease_expires_at IS NULL OR e.lease_expires_at <= $1)
   ORDER BY e.next_due_at
   LIMIT $2
     FOR UPDATE OF e SKIP LOCKED
)
UPDATE enrollment e
   SET lease_expires_at = $1::timestamptz + make_interval(secs => $3::float8 / 1000),
       lease_token = $4::uuid
  FROM due
 WHERE e.id = due.id
RETURNING e.id, e.business_id, e.campaign_id, e.customer_id, e.job_id, e.current_touch`;

export interface ClaimedTouch {
  enrollmentId: string;
  businessId: string;
  campaignId: string;
  customerId: string;
  jobId: string;
  position: number;
}

export async function claimDueTouches(
  pool: pg.Pool,
  args: { now: Date; limit: number; leaseMs: number; leaseToken: string },
): Promise<ClaimedTouch[]> {
  const { rows } = await pool.query<{
    id: string;
    business_id: string;
    campaign_id: string;
    customer_id: string;
    job_id: string;
    current_touch: number;
  }>({ name: "kudos_claim_due_touches", text: CLAIM_SQL, values: [args.now, args.limit, args.leaseMs, args.leaseToken] });
  return rows.map((r) => ({
    enrollmentId: r.id,
    businessId: r.business_id,
    campaignId: r.campaign_id,
    customerId: r.customer_id,
    jobId: r.job_id,
    position: r.current_touch,
  }));
}
