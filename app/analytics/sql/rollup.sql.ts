// The daily analytics rollup's statements (see app/analytics/rollup.server.ts for the design).
// A "day" is the UTC day of an enrollment's enrolled_at: UTC_DAY below, the same expression in
// every writer's mark, in the refresh and in the migration that built the first rollup.

/** The UTC day of an enrolled_at; `col` is a column or expression of type timestamptz. */
export const utcDay = (col: string) => `(${col} AT TIME ZONE 'UTC')::date`;

/**
 * A writer's mark for one enrollment: "the rollup of this day may be stale". A plain insert into
 * an append-only table (no unique key, no foreign key): it never waits for another writer and
 * takes no lock another writer needs. $1 business, $2 the enrollment's enrolled_at.
 */
export const MARK_DIRTY_SQL = `
INSERT INTO analytics_dirty_day (business_id, day) VALUES ($1::uuid, ${utcDay("$2::timestamptz")})`;

/** Planner settings of the refresh transaction (see ANALYTICS_SETTINGS in analytics.server.ts). */
export const REFRESH_SETTINGS = "SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1; SET LOCAL work_mem = '32MB'";

/** Serialises refreshes (a second runner skips its turn instead of waiting). */
export const REFRESH_LOCK_SQL = `SELECT pg_try_advisory_xact_lock(hashtextextended('kudos:analytics_rollup', 0)) AS locked`;

/**
 * Takes up to $1 dirty (business, day) pairs: deletes every mark of those pairs that this
 * statement sees and returns the pairs. Marks committed after this statement's snapshot stay, so
 * a write the recomputation below might not see keeps its day dirty. Index:
 * analytics_dirty_day_business_id_day_idx for the delete of each pair.
 */
export const TAKE_DIRTY_SQL = `
WITH picked AS (
  SELECT DISTINCT business_id, day FROM analytics_dirty_day ORDER BY business_id, day LIMIT $1
)
DELETE FROM analytics_dirty_day d USING picked p
 WHERE d.business_id = p.business_id AND d.day = p.day
RETURNING d.business_id::text AS business_id, d.day::text AS day`;

export const DELETE_TOUCH_DAYS_SQL = `
DELETE FROM analytics_touch_day a USING unnest($1::uuid[], $2::date[]) AS p(business_id, day)
 WHERE a.business_id = p.business_id AND a.day = p.day`;

export const DELETE_ENROLLMENT_DAYS_SQL = `
DELETE FROM analytics_enrollment_day a USING unnest($1::uuid[], $2::date[]) AS p(business_id, day)
 WHERE a.business_id = p.business_id AND a.day = p.day`;

/**
 * The day's enrolled_at range of pair p, as a predicate on alias x: a range scan of an index per
 * pair (the subqueries using it end in OFFSET 0, so the planner cannot flatten them into a join
 * that scans the whole table).
 */
const dayRange = (x: string) =>
  `${x}.business_id = p.business_id
     AND ${x}.enrolled_at >= p.day::timestamp AT TIME ZONE 'UTC'
     AND ${x}.enrolled_at < (p.day + 1)::timestamp AT TIME ZONE 'UTC'`;

/** Recomputes the touch cells of the pairs' days. Index: enrollment_touch_business_id_enrolled_at_idx. */
export const INSERT_TOUCH_DAYS_SQL = `
INSERT INTO analytics_touch_day (business_id, campaign_id, day, position, channel, status, delivered, clicked, touches)
SELECT p.business_id, t.campaign_id, p.day, t.position, t.channel, t.status,
       t.status = 'sent' AND t.delivered_at IS NOT NULL, t.clicked_at IS NOT NULL, count(*)::int
  FROM unnest($1::uuid[], $2::date[]) AS p(business_id, day)
 CROSS JOIN LATERAL (
       SELECT t.campaign_id, t.position, t.channel, t.status, t.delivered_at, t.clicked_at
         FROM enrollment_touch t
        WHERE ${dayRange("t")}
       OFFSET 0) t
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`;

/**
 * Recomputes the enrollment cells of the pairs' days. Indexes: enrollment_business_id_enrolled_at_idx
 * and enrollment_touch_business_id_enrolled_at_idx (the day's touches, counted per enrollment).
 */
export const INSERT_ENROLLMENT_DAYS_SQL = `
WITH pairs AS (
  SELECT * FROM unnest($1::uuid[], $2::date[]) AS p(business_id, day)
), touches AS (
  SELECT t.enrollment_id,
         count(*) FILTER (WHERE t.status = 'sent') AS sent,
         count(*) FILTER (WHERE t.clicked_at IS NOT NULL) AS clicked
    FROM pairs p
   CROSS JOIN LATERAL (SELECT t.enrollment_id, t.status, t.clicked_at FROM enrollment_touch t WHERE ${dayRange("t")} OFFSET 0) t
   GROUP BY 1
)
INSERT INTO analytics_enrollment_day (business_id, campaign_id, day, status, stop_reason, service_type, enrollments, sent_touches, clicked_touches)
SELECT p.business_id, e.campaign_id, p.day, e.status, e.stop_reason, e.service_type,
       count(*)::int, COALESCE(sum(t.sent), 0)::int, COALESCE(sum(t.clicked), 0)::int
  FROM pairs p
 CROSS JOIN LATERAL (
       SELECT e.id, e.campaign_id, e.status, e.stop_reason, e.service_type
         FROM enrollment e
        WHERE ${dayRange("e")}
       OFFSET 0) e
  LEFT JOIN touches t ON t.enrollment_id = e.id
 GROUP BY 1, 2, 3, 4, 5, 6`;

/**
 * Marks the days of a business's enrollments enrolled in [$2, $3) dirty, so the next refreshes
 * rebuild them. Index: enrollment_business_id_enrolled_at_idx.
 */
export const MARK_RANGE_DIRTY_SQL = `
INSERT INTO analytics_dirty_day (business_id, day)
SELECT DISTINCT e.business_id, ${utcDay("e.enrolled_at")} FROM enrollment e
 WHERE e.business_id = $1::uuid AND e.enrolled_at >= $2::timestamptz AND e.enrolled_at < $3::timestamptz`;
