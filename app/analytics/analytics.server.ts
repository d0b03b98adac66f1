// Campaign analytics: one business's enrollments (or one campaign's) enrolled within a date
// range, computed entirely by aggregate statements in Postgres (app/analytics/sql/*), from the
// daily rollup for whole days it answers and from the base tables for the rest (rollup.server.ts,
// sql/scope.ts). Nothing here loads enrollments: the statements return a few dozen aggregate
// rows, which this module only files under their headings (and divides, for the averages).
import type pg from "pg";
import { queryEnrollmentOutcomes, type EnrollmentOutcomeRow, type EnrollmentStatusName } from "./sql/enrollment-outcomes.sql";
import type { AnalyticsScope } from "./sql/scope";
import { queryTouchFunnel, type TouchFunnelRow } from "./sql/touch-funnel.sql";

export type { AnalyticsScope } from "./sql/scope";

/** How far the touches got; see app/analytics/sql/touch-funnel.sql.ts for the definitions. */
export interface FunnelCounts {
  scheduled: number;
  pending: number;
  sent: number;
  delivered: number;
  clicked: number;
  skipped: number;
  failed: number;
  cancelled: number;
  /** clicked / sent; null when nothing was sent. */
  clickRate: number | null;
}

export interface StopReasonCount {
  reason: string;
  enrollments: number;
  /** Mean touches sent before stopping for this reason. */
  avgTouchesUntilStop: number | null;
}

export interface ServiceTypeBreakdown {
  /** Null: jobs without a service type, shown as UNSPECIFIED_SERVICE_TYPE. */
  serviceType: string | null;
  enrollments: number;
  sent: number;
  clicked: number;
  clickRate: number | null;
}

export interface Analytics {
  enrollments: { total: number } & Record<EnrollmentStatusName, number>;
  /** Stopped enrollments by reason, most frequent first. */
  stopReasons: StopReasonCount[];
  /**
   * Average touches until stop: over the enrollments that have ended (stopped or completed),
   * the mean number of their touches with status 'sent', i.e. messages that actually went out
   * before the end (skipped, failed and cancelled touches do not count; an enrollment stopped
   * before its first send counts as 0). Active enrollments are left out: they have not ended.
   * Null when none has ended. Also given for completed and for stopped enrollments alone.
   */
  avgTouchesUntilStop: { ended: number | null; completed: number | null; stopped: number | null };
  funnel: {
    total: FunnelCounts;
    byPosition: (FunnelCounts & { position: number })[];
    byChannel: (FunnelCounts & { channel: "email" | "sms" })[];
  };
  serviceTypes: ServiceTypeBreakdown[];
}

export const UNSPECIFIED_SERVICE_TYPE = "All/unspecified";

const EMPTY_FUNNEL: FunnelCounts = {
  scheduled: 0, pending: 0, sent: 0, delivered: 0, clicked: 0, skipped: 0, failed: 0, cancelled: 0, clickRate: null,
};

function counts(r: TouchFunnelRow): FunnelCounts {
  return {
    scheduled: r.scheduled,
    pending: r.pending,
    sent: r.sent,
    delivered: r.delivered,
    clicked: r.clicked,
    skipped: r.skipped,
    failed: r.failed,
    cancelled: r.cancelled,
    clickRate: r.click_rate,
  };
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Files the two statements' aggregate rows under the page's headings. */
export function assembleAnalytics(outcomes: EnrollmentOutcomeRow[], touches: TouchFunnelRow[]): Analytics {
  const row = (dimension: EnrollmentOutcomeRow["dimension"], s?: EnrollmentStatusName) =>
    outcomes.find((r) => r.dimension === dimension && (s === undefined || r.status === s));
  const enrollments = {
    total: row("total")?.enrollments ?? 0,
    active: row("status", "active")?.enrollments ?? 0,
    completed: row("status", "completed")?.enrollments ?? 0,
    stopped: row("status", "stopped")?.enrollments ?? 0,
  };
  // Touches sent, per enrollment status: the numerators of the averages.
  const sent = (s: EnrollmentStatusName) => row("status", s)?.sent ?? 0;
  const total = touches.find((r) => r.dimension === "total");
  return {
    enrollments,
    stopReasons: outcomes
      .filter((r) => r.dimension === "outcome" && r.status === "stopped" && r.stop_reason !== null)
      .map((r) => ({ reason: r.stop_reason!, enrollments: r.enrollments, avgTouchesUntilStop: ratio(r.sent, r.enrollments) }))
      .sort((a, b) => b.enrollments - a.enrollments || a.reason.localeCompare(b.reason)),
    avgTouchesUntilStop: {
      ended: ratio(sent("completed") + sent("stopped"), enrollments.completed + enrollments.stopped),
      completed: ratio(sent("completed"), enrollments.completed),
      stopped: ratio(sent("stopped"), enrollments.stopped),
    },
    funnel: {
      total: total ? counts(total) : EMPTY_FUNNEL,
      byPosition: touches
        .filter((r) => r.dimension === "position")
        .map((r) => ({ position: r.position!, ...counts(r) }))
        .sort((a, b) => a.position - b.position),
      byChannel: touches
        .filter((r) => r.dimension === "channel")
        .map((r) => ({ channel: r.channel!, ...counts(r) }))
        .sort((a, b) => a.channel.localeCompare(b.channel)),
    },
    serviceTypes: outcomes
      .filter((r) => r.dimension === "service_type")
      .map((r) => ({ serviceType: r.service_type, enrollments: r.enrollments, sent: r.sent, clicked: r.clicked, clickRate: ratio(r.clicked, r.sent) }))
      .sort((a, b) => b.enrollments - a.enrollments || (a.serviceType ?? "\uffff").localeCompare(b.serviceType ?? "\uffff")),
  };
}

/**
 * Each statement runs in a short read-only transaction with planner settings suited to it:
 * - jit off: these plans cost enough to trigger JIT, whose compilation (tens to hundreds of ms)
 *   costs more than the whole query;
 * - random_page_cost 1.1: the rows read are a business's recent ones and its rollup, cached; the
 *   default 4.0 (spinning disks) makes range scans of the enrolled_at indexes look dearer than
 *   they are;
 * - work_mem 32MB: the per-enrollment touch counts of the live ranges are hashed, not sorted on
 *   disk;
 * - a statement timeout, so a page view can never hold a connection for long.
 */
export const ANALYTICS_SETTINGS =
  "SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1; SET LOCAL work_mem = '32MB'; SET LOCAL statement_timeout = '15s'";

/** A client whose connection failed during the transaction is discarded, not returned to the pool. */
export async function runAnalyticsStatement<T>(pool: pg.Pool, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`BEGIN READ ONLY; ${ANALYTICS_SETTINGS}`);
    const result = await run(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * The two statements run on two pool connections at once, so the page costs the slower of them,
 * not their sum. They read separate snapshots: while touches are being sent a count may be a
 * moment newer in one section than in another, which analytics can live with.
 */
export async function loadAnalytics(pool: pg.Pool, scope: AnalyticsScope): Promise<Analytics> {
  const [outcomes, touches] = await Promise.all([
    runAnalyticsStatement(pool, (c) => queryEnrollmentOutcomes(c, scope)),
    runAnalyticsStatement(pool, (c) => queryTouchFunnel(c, scope)),
  ]);
  return assembleAnalytics(outcomes, touches);
}
