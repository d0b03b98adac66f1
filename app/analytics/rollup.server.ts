// The daily analytics rollup: what keeps "all time" (and any long range) fast at millions of
// enrollments, while staying exact.
//
// analytics_enrollment_day and analytics_touch_day hold, per business, campaign and UTC day of
// enrollment, the same cells the analytics statements compute from the base tables. Counters
// incremented in place by the writers would be exact too, but the engine's processors (several
// at once, batches of hundreds of touches spread over many days) would then update the same few
// rollup rows from every batch: row locks held until commit, processors waiting on each other,
// and deadlocks whenever two batches touch two days in opposite orders. So instead:
//
// - Writers mark. Every write that changes what analytics count for an enrollment (enrolling,
//   recording a touch's outcome, stopping, finishing, a click, a delivery) inserts
//   (business, day of the enrollment) into analytics_dirty_day in its own transaction. The table
//   is append-only with no unique key: an insert never waits for anyone. (A unique key with
//   ON CONFLICT DO NOTHING would not wait either, but it would be wrong: a writer finding an
//   existing mark relies on it, and a refresh could consume that mark and recompute the day
//   before the writer commits, losing the write. One mark per writing transaction cannot be
//   consumed before its own transaction commits.)
// - The refresh recomputes. refreshAnalyticsRollup takes a batch of marked days, deleting their
//   marks (only those its snapshot sees), then recomputes those days' cells from the base tables
//   in a later statement (so every write whose mark it deleted is visible) and replaces the
//   days' rows, all in one transaction. A day is a few thousand rows read through the
//   enrolled_at indexes: milliseconds. It runs after each drain (the in-process scheduler, the
//   CLI's tick) and every minute under Inngest (inngest/functions/refresh-analytics.ts).
// - Readers combine. Each statement sums the rollup rows of the range's whole days that have no
//   mark, and computes the rest (the partial days at both ends, marked days, so always today)
//   from the base tables, in one snapshot (app/analytics/sql/scope.ts). A refresh commits new
//   rows and deletes marks atomically, so whatever a reader's snapshot sees adds up exactly.
//
// Days are UTC days, not the business's local days: the rollup then does not depend on the
// business's timezone (which can change), and a local-midnight range boundary only costs a
// partial day at each end, computed live.
import type pg from "pg";
import type { Tx } from "~/domain/types";
import {
  DELETE_ENROLLMENT_DAYS_SQL,
  DELETE_TOUCH_DAYS_SQL,
  INSERT_ENROLLMENT_DAYS_SQL,
  INSERT_TOUCH_DAYS_SQL,
  MARK_DIRTY_SQL,
  MARK_RANGE_DIRTY_SQL,
  REFRESH_LOCK_SQL,
  REFRESH_SETTINGS,
  TAKE_DIRTY_SQL,
} from "./sql/rollup.sql";

/** Marks the day of one enrollment (enrolled at `enrolledAt`) dirty, inside the writer's transaction. */
export async function markAnalyticsDirty(tx: Tx, businessId: string, enrolledAt: Date): Promise<void> {
  await tx.$executeRawUnsafe(MARK_DIRTY_SQL, businessId, enrolledAt);
}

export interface RefreshOptions {
  /** (business, day) pairs recomputed per transaction. */
  batchDays?: number;
  /** Stop starting new batches after this long (the rest waits for the next run). */
  budgetMs?: number;
  /** At most this many batches (transactions). */
  maxBatches?: number;
  /** Injected for tests; defaults to performance.now. */
  elapsed?: () => number;
}

export interface RefreshSummary {
  /** (business, day) pairs recomputed. */
  days: number;
  /** It stopped at its budget or batch limit with a full last batch: dirty days may be left. */
  more: boolean;
  /** Another refresh was running: this one did nothing. */
  busy: boolean;
}

export const DEFAULT_REFRESH_BATCH_DAYS = 200;

/** Recomputes one batch of dirty days; null when another refresh holds the lock. */
async function refreshBatch(pool: pg.Pool, batchDays: number): Promise<number | null> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`BEGIN; ${REFRESH_SETTINGS}`);
    const lock = await client.query<{ locked: boolean }>(REFRESH_LOCK_SQL);
    if (!lock.rows[0]?.locked) {
      await client.query("ROLLBACK");
      return null;
    }
    const taken = await client.query<{ business_id: string; day: string }>(TAKE_DIRTY_SQL, [batchDays]);
    const pairs = new Map(taken.rows.map((r) => [`${r.business_id}/${r.day}`, r]));
    if (pairs.size > 0) {
      const values = [[...pairs.values()].map((p) => p.business_id), [...pairs.values()].map((p) => p.day)];
      await client.query(DELETE_TOUCH_DAYS_SQL, values);
      await client.query(DELETE_ENROLLMENT_DAYS_SQL, values);
      await client.query(INSERT_TOUCH_DAYS_SQL, values);
      await client.query(INSERT_ENROLLMENT_DAYS_SQL, values);
    }
    await client.query("COMMIT");
    return pairs.size;
  } catch (err) {
    await client.query("ROLLBACK").catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Recomputes dirty days until none is left or the budget is spent. */
export async function refreshAnalyticsRollup(pool: pg.Pool, opts: RefreshOptions = {}): Promise<RefreshSummary> {
  const batchDays = opts.batchDays ?? DEFAULT_REFRESH_BATCH_DAYS;
  const elapsed = opts.elapsed ?? (() => performance.now());
  const budgetMs = opts.budgetMs ?? Number.POSITIVE_INFINITY;
  const maxBatches = opts.maxBatches ?? Number.POSITIVE_INFINITY;
  const started = elapsed();
  let days = 0;
  for (let batches = 1; ; batches++) {
    const n = await refreshBatch(pool, batchDays);
    if (n === null) return { days, more: false, busy: true };
    days += n;
    if (n < batchDays) return { days, more: false, busy: false };
    if (batches >= maxBatches || elapsed() - started >= budgetMs) return { days, more: true, busy: false };
  }
}

/**
 * Marks the days of one business's enrollments enrolled in [from, to) (null: unbounded) dirty, so
 * the next refreshes rebuild them: for data written without marks (bulk loads, or writes by a
 * version of the app older than the rollup during a rolling deploy). Returns the days marked.
 */
export async function markAnalyticsDirtyDays(pool: pg.Pool, businessId: string, from: Date | null = null, to: Date | null = null): Promise<number> {
  const res = await pool.query(MARK_RANGE_DIRTY_SQL, [businessId, from ?? "-infinity", to ?? "infinity"]);
  return res.rowCount ?? 0;
}
