// Forgetting the intent to send of touches the provider refused outright (a spent quota): nothing
// went out, so the touch goes back to "never attempted" and is planned afresh when it is due
// again (new render, new request grouping). Keeping the recorded request instead would replay
// it hours later, sending with it the emails of members stopped in the meantime (an unsubscribe,
// a review click). Guarded like every write here by the lease and "still active"; only rows
// still "sending" are removed. Index use: send_log (enrollment_id, position) unique; enrollment
// primary key.
import type pg from "pg";

const RELEASE_SQL = `
DELETE FROM send_log l
 USING unnest($1::uuid[], $2::smallint[]) AS i(enrollment_id, position), enrollment e
 WHERE l.enrollment_id = i.enrollment_id AND l.position = i.position AND l.status = 'sending'
   AND e.id = i.enrollment_id AND e.status = 'active' AND e.lease_token = $3::uuid`;

export async function releaseSends(pool: pg.Pool, leaseToken: string, items: { enrollmentId: string; position: number }[]): Promise<number> {
  if (items.length === 0) return 0;
  const res = await pool.query({
    text: RELEASE_SQL,
    values: [items.map((i) => i.enrollmentId), items.map((i) => i.position), leaseToken],
  });
  return res.rowCount ?? 0;
}
