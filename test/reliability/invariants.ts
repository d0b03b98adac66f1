// The invariants every reliability scenario must hold, checked in one place against the database
// (send_log, enrollments, suppressions, provider/host events, the outbox) and, when a scenario
// talks to a provider over HTTP, against the requests that provider accepted:
//   sent_twice        no touch (enrollment, position) reaches a provider as two messages
//   untracked_send    nothing reaches a provider without its send_log intent
//   recorded_not_sent a touch recorded as sent really reached its provider
//   sent_after_stop   no send was decided after its enrollment stopped
//   sent_after_opt_out no send was decided after its address was suppressed
//   webhook_lost      every webhook answered 2xx is recorded (and its effect applied)
//   stuck             every active enrollment has a due time; no lease outlives its processor;
//                     finished enrollments have no pending touch
//   cross_tenant      every row agrees with its parents' business; messages go to the touch's own
//                     customer; suppressions land only at businesses that know the address
//
// "Decided" is the send_log intent (created_at), written in the statement that re-checks, under
// row lock, that the enrollment is still active: a stop that commits later cannot undo a message
// already handed to the provider, which is the documented in-flight window (docs/decisions/0002).
// Timestamps are read before their statements commit, so a stop racing an intent can carry a
// slightly earlier time than the intent it was serialized after: `stopSlackMs` allows for that.
import type pg from "pg";

export type InvariantName =
  | "sent_twice"
  | "untracked_send"
  | "recorded_not_sent"
  | "sent_after_stop"
  | "sent_after_opt_out"
  | "webhook_lost"
  | "stuck"
  | "cross_tenant";

export interface Violation {
  invariant: InvariantName;
  /** The row or message concerned. */
  subject: string;
  detail: string;
}

/** One message a provider accepted, identified by the touch it carries. */
export interface ProviderDelivery {
  provider: string;
  enrollmentId: string;
  position: number;
  /** The provider's own id: two different ids for one touch are two messages. */
  messageId: string;
}

/** A webhook that was answered 2xx, so its sender will not deliver it again. */
export type AcceptedWebhook =
  | { kind: "resend"; svixId: string }
  | { kind: "twilio-status"; messageSid: string; status: string }
  /** Keyword texts only (STOP/START/HELP): other texts are not recorded by design. */
  | { kind: "twilio-inbound"; messageSid: string }
  | { kind: "host"; host: string; eventId: string };

/** A lasting effect an accepted request must have left. */
export type ExpectedEffect =
  | { kind: "suppressed"; businessId: string; channel: "email" | "sms"; address: string; cause: string }
  | { kind: "stopped"; enrollmentId: string; cause: string };

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface InvariantInput {
  db: Queryable;
  /** "Now" of the scenario's clock, for leases and due times. */
  now: Date;
  /** Limit the checks to these businesses (a file's database may hold other scenarios). */
  businessIds?: string[];
  /** Messages accepted by HTTP providers. The outbox is always checked as a provider of its own. */
  deliveries?: ProviderDelivery[];
  /** Providers whose every accepted message is in `deliveries` (for recorded_not_sent). */
  completeProviders?: string[];
  webhooks?: AcceptedWebhook[];
  effects?: ExpectedEffect[];
  /** True once processors have drained everything due: nothing due may be left behind. */
  drained?: boolean;
  stopSlackMs?: number;
}

export interface InvariantReport {
  violations: Violation[];
  figures: {
    touchesSent: number;
    touchesFailed: number;
    touchesSkipped: number;
    /** send_log rows left "sending": the outcome of a crash in the provider window, never re-sent once stopped. */
    unresolvedSending: number;
    outboxMessages: number;
    providerDeliveries: number;
    webhooksChecked: number;
  };
}

const KEY = /^kudos-touch-([0-9a-f-]{36})-(\d+)$/;
const touchId = (enrollmentId: string, position: number) => `${enrollmentId}#${position}`;

export async function checkInvariants(input: InvariantInput): Promise<InvariantReport> {
  const { db } = input;
  const violations: Violation[] = [];
  const add = (invariant: InvariantName, subject: string, detail: string) => violations.push({ invariant, subject, detail });
  const scope = input.businessIds ?? null;
  const slack = input.stopSlackMs ?? 0;
  // $1 is always the business scope (null: every business).
  const inScope = (col: string) => `($1::uuid[] IS NULL OR ${col} = ANY($1::uuid[]))`;

  // --- The provider boundary -------------------------------------------------------------
  const outbox = await db.query<{ key: string; business_id: string; to: string }>(
    `SELECT idempotency_key AS key, business_id::text, "to" FROM outbox_message WHERE ${inScope("business_id")}`,
    [scope],
  );
  const deliveries: ProviderDelivery[] = [...(input.deliveries ?? [])];
  const outboxByTouch = new Map<string, { businessId: string; to: string }>();
  for (const row of outbox.rows) {
    const m = KEY.exec(row.key);
    if (!m) {
      add("untracked_send", row.key, "outbox message whose idempotency key names no touch");
      continue;
    }
    deliveries.push({ provider: "outbox", enrollmentId: m[1]!, position: Number(m[2]), messageId: row.key });
    outboxByTouch.set(touchId(m[1]!, Number(m[2])), { businessId: row.business_id, to: row.to });
  }

  const byTouch = new Map<string, Set<string>>();
  for (const d of deliveries) {
    const id = touchId(d.enrollmentId, d.position);
    const ids = byTouch.get(id) ?? new Set<string>();
    ids.add(`${d.provider}:${d.messageId}`);
    byTouch.set(id, ids);
  }
  for (const [id, ids] of byTouch) {
    if (ids.size > 1) add("sent_twice", id, `reached providers as ${ids.size} messages: ${[...ids].slice(0, 4).join(", ")}`);
  }

  const logs = await db.query<{
    enrollment_id: string;
    position: number;
    business_id: string;
    status: string;
    provider: string | null;
    channel: string;
    recipient: string | null;
  }>(
    `SELECT enrollment_id::text, position, business_id::text, status, provider, channel::text, recipient
       FROM send_log WHERE ${inScope("business_id")}`,
    [scope],
  );
  const logByTouch = new Map(logs.rows.map((l) => [touchId(l.enrollment_id, l.position), l]));
  for (const [id] of byTouch) {
    const log = logByTouch.get(id);
    const businessKnown = scope === null || outboxByTouch.get(id) === undefined || scope.includes(outboxByTouch.get(id)!.businessId);
    if (!businessKnown) continue;
    if (!log) add("untracked_send", id, "a provider accepted a message for a touch with no send_log intent");
    else if (log.status === "skipped") add("untracked_send", id, "a provider accepted a message for a touch logged as skipped");
  }
  const complete = new Set(["outbox", ...(input.completeProviders ?? [])]);
  const NOT_OUT = new Set(["sending", "skipped", "failed"]);
  for (const log of logs.rows) {
    if (NOT_OUT.has(log.status) || !log.provider || !complete.has(log.provider)) continue;
    if (!byTouch.has(touchId(log.enrollment_id, log.position))) {
      add("recorded_not_sent", touchId(log.enrollment_id, log.position), `send_log says ${log.status} via ${log.provider}, the provider has no such message`);
    }
  }

  // --- Stops and opt-outs ------------------------------------------------------------------
  const afterStop = await db.query<{ enrollment_id: string; position: number; created_at: Date; stopped_at: Date; stop_reason: string }>(
    `SELECT l.enrollment_id::text, l.position, l.created_at, e.stopped_at, e.stop_reason::text
       FROM send_log l JOIN enrollment e ON e.id = l.enrollment_id
      WHERE ${inScope("l.business_id")} AND e.stopped_at IS NOT NULL AND l.status <> 'skipped'
        AND l.created_at > e.stopped_at + make_interval(secs => $2::float8 / 1000)`,
    [scope, slack],
  );
  for (const r of afterStop.rows) {
    add("sent_after_stop", touchId(r.enrollment_id, r.position), `send decided at ${r.created_at.toISOString()}, enrollment stopped (${r.stop_reason}) at ${r.stopped_at.toISOString()}`);
  }
  const afterOptOut = await db.query<{ enrollment_id: string; position: number; created_at: Date; suppressed_at: Date; reason: string; channel: string }>(
    `SELECT l.enrollment_id::text, l.position, l.created_at, s.created_at AS suppressed_at, s.reason, l.channel::text
       FROM send_log l
       JOIN suppression s ON s.business_id = l.business_id AND s.channel = l.channel
                         AND s.address = CASE WHEN l.channel = 'email' THEN lower(l.recipient) ELSE l.recipient END
      WHERE ${inScope("l.business_id")} AND l.status <> 'skipped'
        AND l.created_at > s.created_at + make_interval(secs => $2::float8 / 1000)`,
    [scope, slack],
  );
  for (const r of afterOptOut.rows) {
    add("sent_after_opt_out", touchId(r.enrollment_id, r.position), `${r.channel} send decided at ${r.created_at.toISOString()}, address suppressed (${r.reason}) at ${r.suppressed_at.toISOString()}`);
  }

  // --- Webhooks and their effects ------------------------------------------------------------
  const webhooks = input.webhooks ?? [];
  if (webhooks.length) {
    const providerIds = webhooks.flatMap((w) =>
      w.kind === "resend" ? [`resend:${w.svixId}`]
      : w.kind === "twilio-status" ? [`twilio:${w.messageSid}:${w.status.toLowerCase()}`]
      : w.kind === "twilio-inbound" ? [`twilio-inbound:${w.messageSid}`]
      : [],
    );
    const seen = new Set(
      (await db.query<{ id: string }>(`SELECT id FROM provider_event WHERE id = ANY($1::text[])`, [providerIds])).rows.map((r) => r.id),
    );
    const hosts = webhooks.filter((w): w is Extract<AcceptedWebhook, { kind: "host" }> => w.kind === "host");
    const stored = new Set(
      (
        await db.query<{ k: string }>(
          `SELECT host || '/' || event_id AS k FROM host_event WHERE (host, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
          [hosts.map((h) => h.host), hosts.map((h) => h.eventId)],
        )
      ).rows.map((r) => r.k),
    );
    for (const w of webhooks) {
      if (w.kind === "host") {
        if (!stored.has(`${w.host}/${w.eventId}`)) add("webhook_lost", `${w.host}/${w.eventId}`, "host webhook answered 2xx but not stored");
        continue;
      }
      const id = w.kind === "resend" ? `resend:${w.svixId}` : w.kind === "twilio-status" ? `twilio:${w.messageSid}:${w.status.toLowerCase()}` : `twilio-inbound:${w.messageSid}`;
      if (!seen.has(id)) add("webhook_lost", id, `${w.kind} webhook answered 2xx but never recorded`);
    }
  }
  for (const effect of input.effects ?? []) {
    if (effect.kind === "suppressed") {
      const { rows } = await db.query(
        `SELECT 1 FROM suppression WHERE business_id = $1::uuid AND channel = $2::"Channel" AND address = $3`,
        [effect.businessId, effect.channel, effect.address],
      );
      if (!rows.length) add("webhook_lost", effect.cause, `accepted, but ${effect.channel} ${effect.address} is not suppressed at business ${effect.businessId}`);
    } else {
      const { rows } = await db.query(`SELECT 1 FROM enrollment WHERE id = $1::uuid AND status <> 'active'`, [effect.enrollmentId]);
      if (!rows.length) add("webhook_lost", effect.cause, `accepted, but enrollment ${effect.enrollmentId} is still active`);
    }
  }

  // --- Nothing stuck -----------------------------------------------------------------------
  const stuck = await db.query<{ id: string; problem: string }>(
    `SELECT e.id::text, CASE
              WHEN e.status = 'active' AND e.next_due_at IS NULL THEN 'active without a due time'
              WHEN e.status <> 'active' AND e.lease_token IS NOT NULL THEN e.status || ' but still leased'
              WHEN $3 AND e.status = 'active' AND e.lease_expires_at IS NOT NULL AND e.lease_expires_at <= $2 THEN 'lease expired and never re-claimed'
              WHEN $3 AND e.status = 'active' AND e.next_due_at <= $2 AND c.status = 'active' AND c.deleted_at IS NULL THEN 'due but not processed'
            END AS problem
       FROM enrollment e JOIN campaign c ON c.id = e.campaign_id
      WHERE ${inScope("e.business_id")}`,
    [scope, input.now, input.drained ?? false],
  );
  for (const r of stuck.rows) if (r.problem) add("stuck", r.id, r.problem);
  const pendingOnFinished = await db.query<{ enrollment_id: string; position: number; status: string }>(
    `SELECT t.enrollment_id::text, t.position, e.status::text FROM enrollment_touch t JOIN enrollment e ON e.id = t.enrollment_id
      WHERE ${inScope("e.business_id")} AND e.status <> 'active' AND t.status = 'pending'`,
    [scope],
  );
  for (const r of pendingOnFinished.rows) add("stuck", touchId(r.enrollment_id, r.position), `touch pending on a ${r.status} enrollment`);
  const skippedAhead = await db.query<{ enrollment_id: string; position: number }>(
    `SELECT l.enrollment_id::text, l.position FROM send_log l JOIN enrollment e ON e.id = l.enrollment_id
      WHERE ${inScope("l.business_id")} AND l.status = 'sending' AND e.status = 'active' AND e.current_touch > l.position`,
    [scope],
  );
  for (const r of skippedAhead.rows) add("stuck", touchId(r.enrollment_id, r.position), "left 'sending' while its enrollment moved on");

  // --- Tenancy -------------------------------------------------------------------------------
  const tenancy = await db.query<{ subject: string; detail: string }>(
    `SELECT e.id::text AS subject, 'enrollment disagrees with its ' ||
            CASE WHEN cu.business_id <> e.business_id THEN 'customer' WHEN j.business_id <> e.business_id THEN 'job' ELSE 'campaign' END AS detail
       FROM enrollment e JOIN customer cu ON cu.id = e.customer_id JOIN job j ON j.id = e.job_id JOIN campaign c ON c.id = e.campaign_id
      WHERE ${inScope("e.business_id")}
        AND (cu.business_id <> e.business_id OR j.business_id <> e.business_id OR c.business_id IS DISTINCT FROM e.business_id OR j.customer_id <> e.customer_id)
     UNION ALL
     SELECT t.enrollment_id || '#' || t.position, 'enrollment_touch of another business or campaign'
       FROM enrollment_touch t JOIN enrollment e ON e.id = t.enrollment_id
      WHERE ${inScope("e.business_id")} AND (t.business_id <> e.business_id OR t.campaign_id <> e.campaign_id)
     UNION ALL
     SELECT l.enrollment_id || '#' || l.position, 'send_log of another business'
       FROM send_log l JOIN enrollment e ON e.id = l.enrollment_id
      WHERE (${inScope("e.business_id")} OR ${inScope("l.business_id")}) AND l.business_id <> e.business_id
     UNION ALL
     SELECT l.enrollment_id || '#' || l.position, 'message addressed to someone who is not the touch''s customer'
       FROM send_log l JOIN enrollment e ON e.id = l.enrollment_id JOIN customer cu ON cu.id = e.customer_id
      WHERE ${inScope("l.business_id")} AND l.status <> 'skipped' AND l.recipient IS NOT NULL
        AND l.recipient IS DISTINCT FROM CASE WHEN l.channel = 'email' THEN cu.email ELSE cu.phone END
     UNION ALL
     SELECT f.id::text, 'feedback of another business' FROM feedback f JOIN enrollment e ON e.id = f.enrollment_id
      WHERE (${inScope("e.business_id")} OR ${inScope("f.business_id")}) AND f.business_id <> e.business_id
     UNION ALL
     SELECT ct.campaign_id || '#' || ct.position, 'campaign uses another business''s template'
       FROM campaign_touch ct JOIN campaign c ON c.id = ct.campaign_id JOIN message_template mt ON mt.id = ct.template_id
      WHERE ${inScope("c.business_id")} AND mt.business_id IS NOT NULL AND mt.business_id IS DISTINCT FROM c.business_id
     UNION ALL
     SELECT s.business_id || '/' || s.channel || '/' || s.address, 'suppression at a business that never knew the address'
       FROM suppression s
      WHERE ${inScope("s.business_id")}
        AND NOT EXISTS (SELECT 1 FROM customer cu WHERE cu.business_id = s.business_id
                          AND CASE WHEN s.channel = 'email' THEN lower(cu.email) ELSE cu.phone END = s.address)
        AND NOT EXISTS (SELECT 1 FROM send_log l WHERE l.business_id = s.business_id AND l.channel = s.channel
                          AND CASE WHEN s.channel = 'email' THEN lower(l.recipient) ELSE l.recipient END = s.address)`,
    [scope],
  );
  for (const r of tenancy.rows) add("cross_tenant", r.subject, r.detail);
  for (const [id, o] of outboxByTouch) {
    const log = logByTouch.get(id);
    if (log && log.business_id !== o.businessId) add("cross_tenant", id, `outbox message stored for business ${o.businessId}, the touch belongs to ${log.business_id}`);
    if (log && log.recipient && log.recipient !== o.to) add("cross_tenant", id, "outbox message went to another address than its send_log recipient");
  }

  const count = (status: string) => logs.rows.filter((l) => l.status === status).length;
  return {
    violations,
    figures: {
      touchesSent: logs.rows.filter((l) => !NOT_OUT.has(l.status)).length,
      touchesFailed: count("failed"),
      touchesSkipped: count("skipped"),
      unresolvedSending: count("sending"),
      outboxMessages: outbox.rows.length,
      providerDeliveries: (input.deliveries ?? []).length,
      webhooksChecked: webhooks.length + (input.effects ?? []).length,
    },
  };
}

/** Readable list for an assertion message. */
export function describeViolations(violations: Violation[], max = 15): string {
  if (violations.length === 0) return "no violations";
  const lines = violations.slice(0, max).map((v) => `  ${v.invariant} ${v.subject}: ${v.detail}`);
  const more = violations.length > max ? `\n  ... and ${violations.length - max} more` : "";
  return `${violations.length} violation(s):\n${lines.join("\n")}${more}`;
}
