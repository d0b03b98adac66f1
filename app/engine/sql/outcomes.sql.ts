// Writing a batch's results: each a single statement over arrays (unnest), so a batch of 500
// costs a few round trips, not 500. Every write to an enrollment is guarded by its lease token
// and "still active": a processor that lost its lease, or raced a stop, changes nothing there.
// Index use: enrollment primary key; send_log (enrollment_id, position) unique;
// enrollment_touch primary key (enrollment_id, position).
import type pg from "pg";

/**
 * Before a provider call: re-check, in a short transaction holding the rows, that each
 * enrollment is still active and still ours and its address not suppressed, and record the intent to send (send_log
 * "sending"), with the provider request each email will go out in (see send_log.batch_key), so
 * one write per touch does both. Returns the enrollment ids that may be sent. A row left
 * "sending" by a crashed processor may be sent again: the provider's idempotency key makes that
 * a no-op for email. Unnamed on purpose (as every statement over unnest here): a named statement
 * gets a generic plan after five runs, which guesses 10 rows per array and joins 500 × 500 rows
 * in nested loops; an unnamed one is planned with the arrays' real sizes.
 */
const BEGIN_SEND_SQL = `
WITH held AS (
  SELECT id FROM enrollment
   WHERE id = ANY($1::uuid[]) AND status = 'active' AND lease_token = $2::uuid
     FOR UPDATE
), input AS (
  SELECT * FROM unnest($1::uuid[], $3::smallint[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::smallint[], $10::text[],
                       $11::text[], $12::smallint[], $13::text[])
           AS i(enrollment_id, position, business_id, channel, recipient, subject, body, segments, provider, batch_key, batch_index, request)
)
INSERT INTO send_log AS l (id, business_id, enrollment_id, position, channel, recipient, provider, status, subject, body, segments,
                           batch_key, batch_index, request, created_at, updated_at)
SELECT gen_random_uuid(), i.business_id, i.enrollment_id, i.position, i.channel::"Channel", i.recipient, i.provider, 'sending',
       i.subject, i.body, i.segments, i.batch_key, i.batch_index, i.request, $14, $14
  FROM input i JOIN held h ON h.id = i.enrollment_id
 -- An address suppressed since the claim (an opt-out that stops no enrollment, e.g. "stop emails
 -- only", or one of several records of the person) is not sent to: suppression unique key.
 WHERE NOT EXISTS (SELECT 1 FROM suppression s
                    WHERE s.business_id = i.business_id AND s.channel = i.channel::"Channel" AND s.address = i.recipient)
ON CONFLICT (enrollment_id, position) DO UPDATE
   SET updated_at = EXCLUDED.updated_at, provider = EXCLUDED.provider,
       -- A row left "sending" with a recorded request is replayed as it is (the intent then
       -- carries no request); one without was never requested and takes the new one.
       batch_key = COALESCE(l.batch_key, EXCLUDED.batch_key),
       batch_index = CASE WHEN l.batch_key IS NULL THEN EXCLUDED.batch_index ELSE l.batch_index END,
       request = CASE WHEN l.batch_key IS NULL THEN EXCLUDED.request ELSE l.request END
 WHERE l.status = 'sending'
RETURNING l.enrollment_id::text`;

export interface SendIntent {
  enrollmentId: string;
  position: number;
  businessId: string;
  channel: "email" | "sms";
  recipient: string;
  subject: string | null;
  body: string;
  segments: number | null;
  provider: string;
  /** Emails: the request this one goes out in, its place in it and the exact JSON payload. */
  batchKey: string | null;
  batchIndex: number | null;
  request: string | null;
}

export async function beginSends(pool: pg.Pool, leaseToken: string, intents: SendIntent[], now: Date): Promise<Set<string>> {
  if (intents.length === 0) return new Set();
  const col = <K extends keyof SendIntent>(k: K) => intents.map((i) => i[k]);
  const { rows } = await pool.query<{ enrollment_id: string }>({
    text: BEGIN_SEND_SQL,
    values: [
      col("enrollmentId"), leaseToken, col("position"), col("businessId"), col("channel"), col("recipient"),
      col("subject"), col("body"), col("segments"), col("provider"), col("batchKey"), col("batchIndex"), col("request"), now,
    ],
  });
  return new Set(rows.map((r) => r.enrollment_id));
}

/**
 * Re-records which provider request each email goes out in, when the re-check in beginSends let
 * only part of a planned request through (a stop raced the claim): the rest are regrouped before
 * any request is made. Only rows still "sending".
 */
const RECORD_BATCHES_SQL = `
UPDATE send_log l
   SET batch_key = i.batch_key, batch_index = i.batch_index, request = i.request
  FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::smallint[], $5::text[])
       AS i(enrollment_id, position, batch_key, batch_index, request)
 WHERE l.enrollment_id = i.enrollment_id AND l.position = i.position AND l.status = 'sending'`;

export interface BatchRecord {
  enrollmentId: string;
  position: number;
  batchKey: string;
  batchIndex: number;
  request: unknown;
}

export async function recordBatches(pool: pg.Pool, rows: BatchRecord[]): Promise<void> {
  if (rows.length === 0) return;
  await pool.query({
    text: RECORD_BATCHES_SQL,
    values: [
      rows.map((r) => r.enrollmentId),
      rows.map((r) => r.position),
      rows.map((r) => r.batchKey),
      rows.map((r) => r.batchIndex),
      rows.map((r) => JSON.stringify(r.request)),
    ],
  });
}

/** The stored requests (ordered members) of these batch keys, for an exact re-send. */
export async function loadBatches(pool: pg.Pool, batchKeys: string[]): Promise<Map<string, { enrollmentId: string; request: unknown }[]>> {
  const out = new Map<string, { enrollmentId: string; request: unknown }[]>();
  if (batchKeys.length === 0) return out;
  // Index: send_log_batch_key_idx (batch_key) WHERE batch_key IS NOT NULL. Every member, whatever
  // its status now: the re-sent request must be the very same one.
  const { rows } = await pool.query<{ batch_key: string; enrollment_id: string; request: string }>({
    name: "kudos_load_batches",
    text: `SELECT batch_key, enrollment_id::text, request FROM send_log
            WHERE batch_key = ANY($1::text[]) AND request IS NOT NULL
            ORDER BY batch_key, batch_index`,
    values: [batchKeys],
  });
  for (const r of rows) {
    const list = out.get(r.batch_key) ?? [];
    list.push({ enrollmentId: r.enrollment_id, request: JSON.parse(r.request) as unknown });
    out.set(r.batch_key, list);
  }
  return out;
}

/**
 * Records each touch's outcome (sent, skipped or failed) in the send log and the touch record,
 * then advances the enrollment: the next touch is due at its scheduled time (or now, if that has
 * passed while this one waited), and after the last touch the enrollment completes. Runs after
 * LOCK_ENROLLMENTS_SQL in the same transaction. No CTE joins another CTE: with arrays the
 * planner misjudges such joins (500 × 500 nested loops); every join here goes to a table index.
 */
/**
 * Enrollment rows first, in id order: the same order a stop takes them (enrollment, then its
 * touches), so a stop racing the outcome write waits instead of deadlocking.
 */
const LOCK_ENROLLMENTS_SQL = `SELECT id FROM enrollment WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`;

const RECORD_OUTCOMES_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
           AS i(enrollment_id, position, business_id, channel, recipient, outcome, reason, provider, provider_message_id, error_code)
), marked AS (
  -- These enrollments' days of the analytics rollup are stale (app/analytics/rollup.server.ts):
  -- an append-only insert, no lock on any shared row.
  INSERT INTO analytics_dirty_day (business_id, day)
  SELECT DISTINCT e.business_id, (e.enrolled_at AT TIME ZONE 'UTC')::date
    FROM enrollment e WHERE e.id IN (SELECT enrollment_id FROM input)
), log AS (
  INSERT INTO send_log AS l (id, business_id, enrollment_id, position, channel, recipient, provider, provider_message_id, status, error, error_code, created_at, updated_at)
  SELECT gen_random_uuid(), i.business_id, i.enrollment_id, i.position, i.channel::"Channel", i.recipient, i.provider,
         i.provider_message_id, i.outcome, i.reason, i.error_code, $12, $12
    FROM input i
   -- An enrollment deleted meanwhile (uninstall) has nothing left to record.
   WHERE EXISTS (SELECT 1 FROM enrollment e WHERE e.id = i.enrollment_id)
  ON CONFLICT (enrollment_id, position) DO UPDATE
     SET status = EXCLUDED.status, error = EXCLUDED.error, error_code = EXCLUDED.error_code,
         provider = COALESCE(EXCLUDED.provider, l.provider),
         provider_message_id = COALESCE(EXCLUDED.provider_message_id, l.provider_message_id),
         updated_at = EXCLUDED.updated_at
   WHERE l.status IN ('sending', 'skipped', 'failed')
), touch AS (
  UPDATE enrollment_touch t
     SET status = i.outcome::"TouchStatus", reason = i.reason,
         sent_at = CASE WHEN i.outcome = 'sent' THEN $12 ELSE t.sent_at END,
         attempts = t.attempts + 1
    FROM input i
   WHERE t.enrollment_id = i.enrollment_id AND t.position = i.position
     -- A touch that really went out is recorded as sent even if a stop cancelled it meanwhile.
     AND (t.status = 'pending' OR i.outcome = 'sent')
), nxt AS (
  SELECT i.enrollment_id, i.position, n.scheduled_at
    FROM input i
    LEFT JOIN enrollment_touch n ON n.enrollment_id = i.enrollment_id AND n.position = i.position + 1
)
UPDATE enrollment e
   SET current_touch = CASE WHEN nxt.scheduled_at IS NULL THEN e.current_touch ELSE nxt.position + 1 END,
       status = CASE WHEN nxt.scheduled_at IS NULL THEN 'completed'::"EnrollmentStatus" ELSE 'active'::"EnrollmentStatus" END,
       completed_at = CASE WHEN nxt.scheduled_at IS NULL THEN $12 ELSE NULL END,
       next_due_at = CASE WHEN nxt.scheduled_at IS NULL THEN NULL ELSE GREATEST(nxt.scheduled_at, $12) END,
       lease_token = NULL, lease_expires_at = NULL
  FROM nxt
 WHERE e.id = nxt.enrollment_id AND e.status = 'active' AND e.lease_token = $11::uuid AND e.current_touch = nxt.position
RETURNING e.id::text, e.status::text`;

export interface TouchOutcome {
  enrollmentId: string;
  position: number;
  businessId: string;
  channel: "email" | "sms";
  recipient: string | null;
  outcome: "sent" | "skipped" | "failed";
  reason: string | null;
  provider: string | null;
  providerMessageId: string | null;
  errorCode: string | null;
}

export async function recordOutcomes(
  pool: pg.Pool,
  leaseToken: string,
  outcomes: TouchOutcome[],
  now: Date,
): Promise<{ advanced: number; completed: number }> {
  if (outcomes.length === 0) return { advanced: 0, completed: 0 };
  const col = <K extends keyof TouchOutcome>(k: K) => outcomes.map((o) => o[k]);
  const client = await pool.connect();
  let rows: { id: string; status: string }[];
  try {
    await client.query("BEGIN");
    await client.query({ text: LOCK_ENROLLMENTS_SQL, values: [[...new Set(col("enrollmentId"))]] });
    ({ rows } = await client.query<{ id: string; status: string }>({
      text: RECORD_OUTCOMES_SQL,
      values: [
        col("enrollmentId"), col("position"), col("businessId"), col("channel"), col("recipient"), col("outcome"),
        col("reason"), col("provider"), col("providerMessageId"), col("errorCode"), leaseToken, now,
      ],
    }));
    await client.query("COMMIT");
  } catch (err) {
    // A broken connection is dropped from the pool rather than reused.
    await client.query("ROLLBACK").catch(() => {});
    client.release(err instanceof Error ? err : true);
    throw err;
  }
  client.release();
  return { advanced: rows.length, completed: rows.filter((r) => r.status === "completed").length };
}

/** Puts touches back with a later due time (quiet hours, pacing), releasing the lease. */
const DEFER_SQL = `
UPDATE enrollment e
   SET next_due_at = i.due, lease_token = NULL, lease_expires_at = NULL
  FROM unnest($1::uuid[], $2::timestamptz[]) AS i(id, due)
 WHERE e.id = i.id AND e.status = 'active' AND e.lease_token = $3::uuid`;

export async function deferTouches(pool: pg.Pool, leaseToken: string, items: { enrollmentId: string; dueAt: Date }[]): Promise<number> {
  if (items.length === 0) return 0;
  const res = await pool.query({
    text: DEFER_SQL,
    values: [items.map((i) => i.enrollmentId), items.map((i) => i.dueAt), leaseToken],
  });
  return res.rowCount ?? 0;
}

/** Completes enrollments whose campaign no longer has a touch at their position (edited shorter). */
const FINISH_SQL = `
WITH done AS (
  UPDATE enrollment e
     SET status = 'completed', completed_at = $3, next_due_at = NULL, lease_token = NULL, lease_expires_at = NULL
   WHERE e.id = ANY($1::uuid[]) AND e.status = 'active' AND e.lease_token = $2::uuid
  RETURNING e.id
), marked AS (
  -- Their days of the analytics rollup are stale (app/analytics/rollup.server.ts).
  INSERT INTO analytics_dirty_day (business_id, day)
  SELECT DISTINCT e.business_id, (e.enrolled_at AT TIME ZONE 'UTC')::date
    FROM enrollment e WHERE e.id IN (SELECT id FROM done)
)
UPDATE enrollment_touch t SET status = 'cancelled', reason = 'removed_from_campaign'
  FROM done WHERE t.enrollment_id = done.id AND t.status = 'pending'`;

export async function finishEnrollments(pool: pg.Pool, leaseToken: string, ids: string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await pool.query({ text: FINISH_SQL, values: [ids, leaseToken, now] });
}
