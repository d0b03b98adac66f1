// The test oracle for analytics: every number of the page computed the plain way, straight from
// the base tables with joins (the job for the service type, the send log for deliveries), and
// none of the app's denormalised columns, rollup or SQL. Whatever path loadAnalytics takes
// (rollup, live ranges, dirty days), its answer must equal this one exactly.
import type pg from "pg";
import type { Analytics, AnalyticsScope, FunnelCounts } from "~/analytics/analytics.server";

interface EnrollmentCell {
  status: "active" | "completed" | "stopped";
  stop_reason: string | null;
  service_type: string | null;
  n: number;
  sent: number;
  clicked: number;
}

interface TouchCell {
  position: number;
  channel: "email" | "sms";
  status: "pending" | "sent" | "skipped" | "failed" | "cancelled";
  delivered: boolean;
  clicked: boolean;
  n: number;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const sum = <T>(rows: T[], f: (r: T) => number) => rows.reduce((s, r) => s + f(r), 0);

function funnel(cells: TouchCell[]): FunnelCounts {
  const count = (s: TouchCell["status"]) => sum(cells.filter((c) => c.status === s), (c) => c.n);
  const sent = count("sent");
  const clicked = sum(cells.filter((c) => c.clicked), (c) => c.n);
  return {
    scheduled: sum(cells, (c) => c.n),
    pending: count("pending"),
    sent,
    delivered: sum(cells.filter((c) => c.delivered), (c) => c.n),
    clicked,
    skipped: count("skipped"),
    failed: count("failed"),
    cancelled: count("cancelled"),
    clickRate: ratio(clicked, sent),
  };
}

function groupBy<T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
  return out;
}

export async function directAnalytics(pool: pg.Pool, scope: AnalyticsScope): Promise<Analytics> {
  const values: unknown[] = [scope.businessId, scope.start ?? "-infinity", scope.end ?? "infinity"];
  let where = "e.business_id = $1 AND e.enrolled_at >= $2 AND e.enrolled_at < $3";
  if (scope.campaignId) {
    values.push(scope.campaignId);
    where += " AND e.campaign_id = $4";
  }
  const { rows: enrollments } = await pool.query<EnrollmentCell>(
    `SELECT e.status::text, e.stop_reason::text, j.service_type, count(*)::int AS n,
            COALESCE(sum(s.sent), 0)::int AS sent, COALESCE(sum(s.clicked), 0)::int AS clicked
       FROM enrollment e
       JOIN job j ON j.id = e.job_id
       LEFT JOIN (SELECT t.enrollment_id,
                         count(*) FILTER (WHERE t.status = 'sent') AS sent,
                         count(*) FILTER (WHERE t.clicked_at IS NOT NULL) AS clicked
                    FROM enrollment_touch t GROUP BY 1) s ON s.enrollment_id = e.id
      WHERE ${where}
      GROUP BY 1, 2, 3`,
    values,
  );
  const { rows: touches } = await pool.query<TouchCell>(
    `SELECT t.position, t.channel::text, t.status::text,
            t.status = 'sent' AND l.delivered_at IS NOT NULL AS delivered,
            t.clicked_at IS NOT NULL AS clicked, count(*)::int AS n
       FROM enrollment e
       JOIN enrollment_touch t ON t.enrollment_id = e.id
       LEFT JOIN send_log l ON l.enrollment_id = t.enrollment_id AND l.position = t.position
      WHERE ${where}
      GROUP BY 1, 2, 3, 4, 5`,
    values,
  );

  const byStatus = (s: EnrollmentCell["status"]) => enrollments.filter((r) => r.status === s);
  const n = (rows: EnrollmentCell[]) => sum(rows, (r) => r.n);
  const sent = (rows: EnrollmentCell[]) => sum(rows, (r) => r.sent);
  const ended = [...byStatus("completed"), ...byStatus("stopped")];
  return {
    enrollments: { total: n(enrollments), active: n(byStatus("active")), completed: n(byStatus("completed")), stopped: n(byStatus("stopped")) },
    stopReasons: [...groupBy(byStatus("stopped"), (r) => r.stop_reason!)]
      .map(([reason, rows]) => ({ reason, enrollments: n(rows), avgTouchesUntilStop: ratio(sent(rows), n(rows)) }))
      .sort((a, b) => b.enrollments - a.enrollments || a.reason.localeCompare(b.reason)),
    avgTouchesUntilStop: {
      ended: ratio(sent(ended), n(ended)),
      completed: ratio(sent(byStatus("completed")), n(byStatus("completed"))),
      stopped: ratio(sent(byStatus("stopped")), n(byStatus("stopped"))),
    },
    funnel: {
      total: funnel(touches),
      byPosition: [...groupBy(touches, (t) => t.position)].map(([position, cells]) => ({ position, ...funnel(cells) })).sort((a, b) => a.position - b.position),
      byChannel: [...groupBy(touches, (t) => t.channel)].map(([channel, cells]) => ({ channel, ...funnel(cells) })).sort((a, b) => a.channel.localeCompare(b.channel)),
    },
    serviceTypes: [...groupBy(enrollments, (r) => r.service_type)]
      .map(([serviceType, rows]) => {
        const s = sent(rows);
        const clicked = sum(rows, (r) => r.clicked);
        return { serviceType, enrollments: n(rows), sent: s, clicked, clickRate: ratio(clicked, s) };
      })
      .sort((a, b) => b.enrollments - a.enrollments || (a.serviceType ?? "\uffff").localeCompare(b.serviceType ?? "\uffff")),
  };
}
