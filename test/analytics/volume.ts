// Bulk enrollments for plan checks and the measurement script: generate_series INSERTs, so 50k
// (tests) or 1M (test/analytics/measure.ts) enrollments take seconds, not hours of domain calls.
// Deterministic: the shape of enrollment i depends only on i, so the same call always writes the
// same history. Not a stand-in for the domain in correctness tests; those seed through recordJob
// and the processor.
import type pg from "pg";

export interface VolumeCampaign {
  id: string;
  /** How many touches its enrollments get (1..4); channels alternate email, sms, email, sms. */
  touches: number;
}

export interface VolumeOptions {
  businessId: string;
  campaigns: VolumeCampaign[];
  count: number;
  /** Enrollments are spread evenly over [start, now). */
  start: Date;
  now: Date;
  /** Distinguishes the host ids of several calls against one business. */
  tag: string;
}

/**
 * Writes `count` customers, completed jobs, enrollments, their touches and send log rows, and
 * marks their days dirty (refreshAnalyticsRollup then builds the rollup).
 * Enrollment i (1-based): campaign i % campaigns; service type plumbing/hvac/electrical/none by
 * i % 4. Those enrolled in the last 14 days are active with touches sent up to their age; older
 * ones ended: by i % 10, 0-2 stopped review_clicked (click on the last sent touch), 3 opted out
 * by SMS, 4 replaced by a repeat job, 5 bounced, the rest completed. An ended enrollment sent
 * 1 + i % touches touches (all of them when completed); the rest were cancelled. Every 13th sent
 * touch 2 was skipped instead; 90% of sent touches have a delivery.
 */
export async function generateEnrollments(pool: pg.Pool, o: VolumeOptions): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      `CREATE TEMP TABLE gen ON COMMIT DROP AS
       SELECT i,
              md5('c' || $1 || i)::uuid AS customer_id,
              md5('j' || $1 || i)::uuid AS job_id,
              md5('e' || $1 || i)::uuid AS enrollment_id,
              ($3::uuid[])[1 + i % cardinality($3::uuid[])] AS campaign_id,
              ($4::int[])[1 + i % cardinality($3::uuid[])] AS touches,
              $5::timestamptz + (i - 1) * (($6::timestamptz - $5::timestamptz) / $2) AS enrolled_at
         FROM generate_series(1, $2::int) AS i`,
      [o.tag, o.count, o.campaigns.map((c) => c.id), o.campaigns.map((c) => c.touches), o.start, o.now],
    );
    // Outcome of each enrollment: status, stop reason, how many touches went out.
    await client.query(
      `CREATE TEMP TABLE gen_outcome ON COMMIT DROP AS
       SELECT g.*,
              CASE WHEN g.enrolled_at > $1::timestamptz - interval '14 days' THEN 'active'
                   WHEN g.i % 10 <= 5 THEN 'stopped' ELSE 'completed' END AS status,
              CASE WHEN g.enrolled_at > $1::timestamptz - interval '14 days' THEN NULL
                   ELSE (ARRAY['review_clicked','review_clicked','review_clicked','opted_out_sms','repeat_job','email_bounced'])[1 + g.i % 10]
              END AS stop_reason,
              CASE WHEN g.enrolled_at > $1::timestamptz - interval '14 days'
                     THEN LEAST(g.touches - 1, floor(extract(epoch FROM $1::timestamptz - g.enrolled_at) / (4 * 86400))::int)
                   WHEN g.i % 10 <= 5 THEN 1 + g.i % g.touches
                   ELSE g.touches END AS sent_touches
         FROM gen g`,
      [o.now],
    );
    await client.query(
      `INSERT INTO customer (id, business_id, host_customer_id, first_name, email, created_at, updated_at)
       SELECT customer_id, $1, 'gen-' || $2 || '-' || i, 'Gen', 'gen-' || $2 || '-' || i || '@example.com', enrolled_at, enrolled_at
         FROM gen`,
      [o.businessId, o.tag],
    );
    await client.query(
      `INSERT INTO job (id, business_id, host_job_id, customer_id, title, service_type, status, completed_at, outcome, outcome_at, created_at, updated_at)
       SELECT job_id, $1, 'gen-' || $2 || '-' || i, customer_id, 'Generated job',
              (ARRAY['plumbing','hvac','electrical',NULL])[1 + i % 4], 'completed', enrolled_at, 'enrolled', enrolled_at, enrolled_at, enrolled_at
         FROM gen`,
      [o.businessId, o.tag],
    );
    await client.query(
      `INSERT INTO enrollment (id, business_id, campaign_id, job_id, customer_id, status, stop_reason, current_touch, next_due_at, enrolled_at, stopped_at, completed_at, service_type)
       SELECT enrollment_id, $1, campaign_id, job_id, customer_id, status::"EnrollmentStatus", stop_reason::"StopReason",
              CASE WHEN status = 'active' THEN sent_touches + 1 WHEN status = 'stopped' THEN LEAST(sent_touches + 1, touches) ELSE touches END,
              CASE WHEN status = 'active' THEN enrolled_at + (sent_touches + 1) * interval '4 days' END,
              enrolled_at,
              CASE WHEN status = 'stopped' THEN enrolled_at + sent_touches * interval '4 days' END,
              CASE WHEN status = 'completed' THEN enrolled_at + touches * interval '4 days' END,
              (ARRAY['plumbing','hvac','electrical',NULL])[1 + i % 4]
         FROM gen_outcome`,
      [o.businessId],
    );
    await client.query(
      `INSERT INTO enrollment_touch (enrollment_id, position, business_id, campaign_id, channel, scheduled_at, sent_at, status, reason, attempts, clicked_at,
                                     enrolled_at, delivered_at)
       SELECT g.enrollment_id, p, $1, g.campaign_id, CASE WHEN p % 2 = 1 THEN 'email' ELSE 'sms' END::"Channel",
              g.enrolled_at + p * interval '4 days',
              CASE WHEN p <= g.sent_touches AND NOT (p = 2 AND g.i % 13 = 0) THEN g.enrolled_at + p * interval '4 days' END,
              (CASE WHEN p <= g.sent_touches THEN CASE WHEN p = 2 AND g.i % 13 = 0 THEN 'skipped' ELSE 'sent' END
                    WHEN g.status = 'active' THEN 'pending' ELSE 'cancelled' END)::"TouchStatus",
              CASE WHEN p <= g.sent_touches AND p = 2 AND g.i % 13 = 0 THEN 'no_phone'
                   WHEN p > g.sent_touches AND g.status <> 'active' THEN g.stop_reason END,
              CASE WHEN p <= g.sent_touches THEN 1 ELSE 0 END,
              CASE WHEN g.stop_reason = 'review_clicked' AND p = g.sent_touches AND NOT (p = 2 AND g.i % 13 = 0)
                   THEN g.enrolled_at + p * interval '4 days' + interval '2 hours' END,
              g.enrolled_at,
              -- The send log's delivered_at (below), mirrored as the app does.
              CASE WHEN p <= g.sent_touches AND NOT (p = 2 AND g.i % 13 = 0) AND hashint4(p + g.i) % 10 <> 0
                   THEN g.enrolled_at + p * interval '4 days' + interval '1 minute' END
         FROM gen_outcome g, generate_series(1, g.touches) AS p`,
      [o.businessId],
    );
    await client.query(
      `INSERT INTO send_log (id, business_id, enrollment_id, position, channel, recipient, provider, status, created_at, updated_at, delivered_at, clicked_at)
       SELECT gen_random_uuid(), t.business_id, t.enrollment_id, t.position, t.channel, 'gen', 'outbox',
              CASE WHEN t.status = 'skipped' THEN 'skipped' WHEN t.clicked_at IS NOT NULL THEN 'clicked'
                   WHEN hashint4(t.position + g.i) % 10 = 0 THEN 'sent' ELSE 'delivered' END,
              COALESCE(t.sent_at, t.scheduled_at), COALESCE(t.sent_at, t.scheduled_at),
              t.delivered_at,
              t.clicked_at
         FROM gen g JOIN enrollment_touch t ON t.enrollment_id = g.enrollment_id
        WHERE t.status IN ('sent', 'skipped')`,
    );
    // Like every writer, mark the days written: the analytics rollup recomputes them on refresh.
    await client.query(
      `INSERT INTO analytics_dirty_day (business_id, day) SELECT DISTINCT $1::uuid, (enrolled_at AT TIME ZONE 'UTC')::date FROM gen`,
      [o.businessId],
    );
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK");
    throw err;
  } finally {
    client.release();
  }
  await pool.query("VACUUM ANALYZE customer, job, enrollment, enrollment_touch, send_log");
}
