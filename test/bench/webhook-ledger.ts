// The webhook benchmark's own record of what it delivered, and the count of lost and duplicated
// deliveries taken from it and the database, grouped by the platform's ids (event id, job id)
// rather than by the app's keys. Some events are delivered twice on purpose (docs/PERFORMANCE.md),
// so the duplicate count has something to catch; selfCheckDeliveryCount shows once per run that
// it does catch it.
import pg from "pg";
import { installBusiness } from "~/domain/business.server";
import { createDatabase } from "~/db.server";
import { systemClock } from "~/lib/clock.server";

export type DeliveryKind = "original" | "retry_concurrent" | "retry_late" | "redelivery";

export interface SentEvent {
  eventId: string;
  jobId: string;
  body: string;
  /** Requests sent with this event id, and what came back (no answer: still in flight at the end). */
  sends: number;
  ok: number;
  rejected: number;
}

/** Per event id: the job it names, how often it was sent and answered 2xx. */
export class DeliveryLedger {
  readonly events = new Map<string, SentEvent>();
  readonly sentByKind: Record<DeliveryKind, number> = { original: 0, retry_concurrent: 0, retry_late: 0, redelivery: 0 };
  /** Repeats sent while the first copy had no answer yet: the two were in flight together. */
  repeatsWhileInFlight = 0;

  /** Records one request about to go out. */
  sent(e: { eventId: string; jobId: string; body: string }, kind: DeliveryKind): void {
    let entry = this.events.get(e.eventId);
    if (!entry) {
      entry = { ...e, sends: 0, ok: 0, rejected: 0 };
      this.events.set(e.eventId, entry);
    } else if (entry.ok + entry.rejected < entry.sends) {
      this.repeatsWhileInFlight += 1;
    }
    entry.sends += 1;
    this.sentByKind[kind] += 1;
  }

  answered(eventId: string, status: number): void {
    const entry = this.events.get(eventId);
    if (!entry) return;
    if (status >= 200 && status < 300) entry.ok += 1;
    else entry.rejected += 1;
  }

  /** An event id answered 2xx at least once. */
  accepted(): SentEvent[] {
    return [...this.events.values()].filter((e) => e.ok > 0);
  }
}

export interface DeliveryCount {
  eventIds: number;
  eventIdsAccepted: number;
  jobIds: number;
  jobIdsAccepted: number;
  /** Accepted job ids that have a job row / an enrollment. */
  jobIdsWithJob: number;
  jobIdsWithEnrollment: number;
  /** Host event rows beyond the first per delivered event id. */
  extraStoredEvents: number;
  /** Job rows beyond the first per delivered job id. */
  extraJobs: number;
  /** Enrollments beyond the first per delivered job id (over all its job rows). */
  extraEnrollments: number;
  acceptedEventsNotStored: number;
  /** Accepted job ids whose stored events are all processed, with no job row / no enrollment. */
  jobIdsWithoutJob: number;
  jobIdsWithoutEnrollment: number;
  /** Accepted job ids with a stored event not yet processed: neither lost nor verified. */
  jobIdsPending: number;
  /** Rows naming ids the bench never sent (should be none). */
  unknownStoredEvents: number;
  unknownJobs: number;
  lost: number;
  duplicated: number;
}

/**
 * Counts, from `ledger` and the database at `client`, what became of the delivered events of
 * `businessId`. Duplicated: extra host events per event id + extra jobs per job id + extra
 * enrollments per job id. Lost: accepted job ids with an accepted event that was not stored, or
 * whose events are all processed but that have no job or no enrollment (every job the bench sends
 * is completed, for a distinct reachable customer, with no cooldown: each must enroll).
 */
export async function countDeliveries(client: pg.ClientBase, host: string, businessId: string, ledger: DeliveryLedger): Promise<DeliveryCount> {
  const events = [...ledger.events.values()];
  await client.query("CREATE TEMP TABLE IF NOT EXISTS bench_sent (event_id text PRIMARY KEY, job_id text NOT NULL, ok int NOT NULL)");
  await client.query("TRUNCATE bench_sent");
  for (let i = 0; i < events.length; i += 50_000) {
    const chunk = events.slice(i, i + 50_000);
    await client.query("INSERT INTO bench_sent SELECT * FROM unnest($1::text[], $2::text[], $3::int[])", [
      chunk.map((e) => e.eventId),
      chunk.map((e) => e.jobId),
      chunk.map((e) => e.ok),
    ]);
  }
  await client.query("ANALYZE bench_sent");
  const { rows } = await client.query<Record<keyof DeliveryCount, number>>(
    `WITH ev AS (SELECT event_id, count(*)::int AS n, count(*) FILTER (WHERE processed_at IS NULL)::int AS unprocessed
                   FROM host_event WHERE host = $1 GROUP BY event_id),
          jobs AS (SELECT host_job_id, count(*)::int AS n FROM job WHERE business_id = $2 GROUP BY host_job_id),
          enr AS (SELECT j.host_job_id, count(*)::int AS n
                    FROM enrollment e JOIN job j ON j.id = e.job_id WHERE j.business_id = $2 GROUP BY j.host_job_id),
          per_job AS (
            SELECT s.job_id,
                   bool_or(s.ok > 0) AS accepted,
                   bool_or(s.ok > 0 AND ev.event_id IS NULL) AS accepted_not_stored,
                   coalesce(sum(ev.unprocessed), 0) > 0 AS pending
              FROM bench_sent s LEFT JOIN ev ON ev.event_id = s.event_id
             GROUP BY s.job_id),
          verdict AS (
            SELECT p.*, j.n IS NOT NULL AS has_job, en.n IS NOT NULL AS has_enrollment
              FROM per_job p LEFT JOIN jobs j ON j.host_job_id = p.job_id LEFT JOIN enr en ON en.host_job_id = p.job_id)
     SELECT (SELECT count(*)::int FROM bench_sent) AS "eventIds",
            (SELECT count(*)::int FROM bench_sent WHERE ok > 0) AS "eventIdsAccepted",
            (SELECT count(*)::int FROM verdict) AS "jobIds",
            (SELECT count(*)::int FROM verdict WHERE accepted) AS "jobIdsAccepted",
            (SELECT count(*)::int FROM verdict WHERE accepted AND has_job) AS "jobIdsWithJob",
            (SELECT count(*)::int FROM verdict WHERE accepted AND has_enrollment) AS "jobIdsWithEnrollment",
            (SELECT coalesce(sum(ev.n - 1), 0)::int FROM ev JOIN bench_sent s USING (event_id) WHERE ev.n > 1) AS "extraStoredEvents",
            (SELECT coalesce(sum(j.n - 1), 0)::int FROM jobs j JOIN (SELECT DISTINCT job_id FROM bench_sent) s ON s.job_id = j.host_job_id WHERE j.n > 1) AS "extraJobs",
            (SELECT coalesce(sum(en.n - 1), 0)::int FROM enr en JOIN (SELECT DISTINCT job_id FROM bench_sent) s ON s.job_id = en.host_job_id WHERE en.n > 1) AS "extraEnrollments",
            (SELECT count(*)::int FROM bench_sent s WHERE s.ok > 0 AND NOT EXISTS (SELECT 1 FROM ev WHERE ev.event_id = s.event_id)) AS "acceptedEventsNotStored",
            (SELECT count(*)::int FROM verdict WHERE accepted AND NOT accepted_not_stored AND NOT pending AND NOT has_job) AS "jobIdsWithoutJob",
            (SELECT count(*)::int FROM verdict WHERE accepted AND NOT accepted_not_stored AND NOT pending AND has_job AND NOT has_enrollment) AS "jobIdsWithoutEnrollment",
            (SELECT count(*)::int FROM verdict WHERE accepted AND NOT accepted_not_stored AND pending) AS "jobIdsPending",
            (SELECT count(*)::int FROM ev WHERE NOT EXISTS (SELECT 1 FROM bench_sent s WHERE s.event_id = ev.event_id)) AS "unknownStoredEvents",
            (SELECT count(*)::int FROM jobs j WHERE NOT EXISTS (SELECT 1 FROM bench_sent s WHERE s.job_id = j.host_job_id)) AS "unknownJobs",
            (SELECT count(*)::int FROM verdict WHERE accepted AND (accepted_not_stored OR (NOT pending AND NOT (has_job AND has_enrollment)))) AS lost`,
    [host, businessId],
  );
  const r = rows[0]!;
  return { ...r, duplicated: r.extraStoredEvents + r.extraJobs + r.extraEnrollments };
}

/**
 * Shows that the count can fire: in a scratch database whose unique keys on host events, jobs
 * and enrollments are dropped (so the rows a defect would write can exist), writes one event
 * stored twice whose job exists twice with two enrollments (3 duplicates), one processed event
 * whose job never enrolled and one accepted event never stored (2 lost), one stored event not yet
 * processed (pending), and one unanswered, unstored event (neither). Throws unless the count says
 * exactly that.
 */
export async function selfCheckDeliveryCount(url: string): Promise<DeliveryCount> {
  const db = createDatabase(url, 2);
  const { business, campaignId } = await installBusiness(
    { db: db.prisma, clock: systemClock },
    { host: "sandbox", externalAccountId: "selfcheck", name: "Self-check" },
  );
  await db.prisma.$disconnect();
  await db.pool.end();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP INDEX host_event_host_event_id_key; DROP INDEX job_business_id_host_job_id_key; DROP INDEX enrollment_job_id_key`);
    const b = business.id;
    await c.query(
      `INSERT INTO customer (id, business_id, host_customer_id, email, created_at, updated_at)
       SELECT md5('sc-c' || i)::uuid, $1, 'cus-' || i, 'c' || i || '@example.com', now(), now() FROM generate_series(1, 5) i`,
      [b],
    );
    // Job rows: j1 twice (a duplicate), j2 once, j4 once; j3 and j5 never became jobs.
    await c.query(
      `INSERT INTO job (id, business_id, host_job_id, customer_id, status, completed_at, created_at, updated_at)
       SELECT md5('sc-j' || k)::uuid, $1, 'job-' || i, md5('sc-c' || i)::uuid, 'completed', now(), now(), now()
         FROM (VALUES (1, 'a'), (1, 'b'), (2, 'a'), (4, 'a')) v(i, copy), LATERAL (SELECT i || copy AS k) x`,
      [b],
    );
    // j1's first job row has two enrollments (one active, one completed); j2 has none.
    await c.query(
      `INSERT INTO enrollment (business_id, campaign_id, job_id, customer_id, status, current_touch, enrolled_at)
       VALUES ($1, $2, md5('sc-j1a')::uuid, md5('sc-c1')::uuid, 'active', 1, now()),
              ($1, $2, md5('sc-j1a')::uuid, md5('sc-c1')::uuid, 'completed', 1, now()),
              ($1, $2, md5('sc-j4a')::uuid, md5('sc-c4')::uuid, 'active', 1, now())`,
      [b, campaignId],
    );
    // Host events: e1 stored twice, e2 stored, e4 stored but not processed; e3 and e5 not stored.
    await c.query(
      `INSERT INTO host_event (host, event_id, topic, account_id, business_id, payload, received_at, processed_at)
       VALUES ('sandbox', 'evt-1', 'job.completed', 'selfcheck', $1, '{}', now(), now()),
              ('sandbox', 'evt-1', 'job.completed', 'selfcheck', $1, '{}', now(), now()),
              ('sandbox', 'evt-2', 'job.completed', 'selfcheck', $1, '{}', now(), now()),
              ('sandbox', 'evt-4', 'job.completed', 'selfcheck', $1, '{}', now(), NULL)`,
      [b],
    );
    const ledger = new DeliveryLedger();
    for (const i of [1, 2, 3, 4, 5]) {
      ledger.sent({ eventId: `evt-${i}`, jobId: `job-${i}`, body: "{}" }, "original");
      if (i !== 5) ledger.answered(`evt-${i}`, 200);
    }
    const count = await countDeliveries(c, "sandbox", b, ledger);
    const expected = { duplicated: 3, extraStoredEvents: 1, extraJobs: 1, extraEnrollments: 1, lost: 2, acceptedEventsNotStored: 1, jobIdsWithoutEnrollment: 1, jobIdsPending: 1 };
    const wrong = Object.entries(expected).filter(([k, v]) => count[k as keyof DeliveryCount] !== v);
    if (wrong.length) throw new Error(`delivery count self-check: expected ${JSON.stringify(expected)}, got ${JSON.stringify(count)}`);
    return count;
  } finally {
    await c.end();
  }
}
