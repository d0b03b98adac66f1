// Email to the merchant when a customer leaves private feedback (the business setting
// feedback_notify, on by default, and only with a reply-to address to send to).
//
// Transactional outbox: submitFeedback marks the new feedback row as due (notify_due_at) in the
// transaction that stores it, and the periodic maintenance (app/maintenance.server.ts: the
// in-process scheduler, Inngest's cron, `kudos tick`) sends what is due through the engine's email
// transport (Resend, or the outbox in the embedded default). So the customer's submission never
// waits for, nor fails with, the email provider; a failed send is logged and retried with backoff,
// and every send carries the same idempotency key, so a retry never delivers twice.
// Not a touch: nothing is written to send_log or enrollment_touch, so analytics never count it.
import { Prisma } from "~/generated/prisma/client";
import type { Db } from "~/db.server";
import { formatFromAddress, type EmailTransport, type OutgoingEmail, type SendResult } from "~/engine/transports/index.server";
import type { Clock } from "~/lib/clock.server";
import type { Logger } from "~/logger.server";

export const FEEDBACK_NOTIFY_BATCH = 50;
/** After this many failed sends the notification is dropped (the feedback stays on the page). */
export const FEEDBACK_NOTIFY_MAX_ATTEMPTS = 8;
/** A claimed row is due again after this long if its sender died before recording the outcome. */
const LEASE_MS = 5 * 60_000;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 3_600_000;

/** The tag that marks the email as Kudos's own notice (no enrollment or touch: provider events about it are ignored). */
export const FEEDBACK_NOTIFICATION_TAG = "feedback_notification";

export function feedbackNotificationKey(feedbackId: string): string {
  return `kudos-feedback-${feedbackId}`;
}

/** Whether new feedback of this business is emailed: the setting is on and there is an address. */
export function wantsFeedbackNotification(business: { feedbackNotify: boolean; replyTo: string | null }): boolean {
  return business.feedbackNotify && Boolean(business.replyTo?.trim());
}

/** 1 min, 2 min, 4 min, ... capped at 1 h. */
export function notifyRetryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(attempts - 1, 0), MAX_RETRY_MS);
}

export interface FeedbackNotifyDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** EMAIL_FROM: the app's sending address. */
  emailFrom: string;
  /** The email transport the engine uses for a business of this host (the sandbox: the outbox). */
  emailTransport(host: string): EmailTransport;
}

// --- Rendering ------------------------------------------------------------------------------

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
// eslint-disable-next-line no-control-regex
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim();

export interface FeedbackNotificationInput {
  businessName: string;
  timezone: string;
  message: string;
  createdAt: Date;
  customer: { firstName: string | null; lastName: string | null; email: string | null; phone: string | null; redacted: boolean };
  job: { title: string | null; serviceType: string | null; hostJobId: string; completedAt: Date | null };
}

export function renderFeedbackNotification(input: FeedbackNotificationInput): { subject: string; text: string; html: string } {
  const name = input.customer.redacted ? "" : oneLine([input.customer.firstName, input.customer.lastName].filter(Boolean).join(" "));
  const who = name || "a customer";
  const contact = input.customer.redacted ? [] : [input.customer.email, input.customer.phone].filter((v): v is string => Boolean(v)).map(oneLine);
  const fmt = new Intl.DateTimeFormat("en-US", { timeZone: input.timezone, dateStyle: "medium", timeStyle: "short" });
  const job = oneLine([input.job.title, input.job.serviceType].filter(Boolean).join(" · ")) || `Job #${oneLine(input.job.hostJobId)}`;
  const jobLine = input.job.completedAt ? `${job}, completed ${fmt.format(input.job.completedAt)}` : job;
  const subject = oneLine(`New private feedback from ${who}`).slice(0, 200);
  const business = oneLine(input.businessName);

  const text = [
    `${who} left private feedback for ${business} on ${fmt.format(input.createdAt)}:`,
    "",
    input.message,
    "",
    `Customer: ${[name || "—", ...contact].join(" · ")}`,
    `Job: ${jobLine}`,
    "",
    "All feedback is on the Feedback page of Kudos. You get this email because feedback notifications are on in Kudos's Settings.",
  ].join("\n");

  const p = "margin:0 0 16px 0;";
  const small = "margin:0 0 4px 0;font-size:14px;color:#6d7175;";
  const html = [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background-color:#f4f5f7;">',
    '<div style="max-width:560px;margin:0 auto;padding:32px 24px;background-color:#ffffff;color:#202223;font-family:-apple-system,BlinkMacSystemFont,\'Segoe UI\',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;">',
    `<p style="${p}"><strong>${escapeHtml(who)}</strong> left private feedback for ${escapeHtml(business)} on ${escapeHtml(fmt.format(input.createdAt))}:</p>`,
    // The customer's words, escaped; their line breaks kept.
    `<blockquote style="margin:0 0 24px 0;padding:12px 16px;border-left:4px solid #e1e3e5;background-color:#f6f6f7;white-space:pre-wrap;overflow-wrap:anywhere;">${escapeHtml(input.message)}</blockquote>`,
    `<p style="${small}">Customer: ${escapeHtml([name || "—", ...contact].join(" · "))}</p>`,
    `<p style="${small}">Job: ${escapeHtml(jobLine)}</p>`,
    `<p style="margin:24px 0 0 0;font-size:12px;color:#6d7175;">All feedback is on the Feedback page of Kudos. You get this email because feedback notifications are on in Kudos&#39;s Settings.</p>`,
    "</div></body></html>",
  ].join("\n");
  return { subject, text, html };
}

// --- Sending --------------------------------------------------------------------------------

export interface FeedbackNotifySummary {
  sent: number;
  /** Failed and due again later. */
  retrying: number;
  /** Failed for good (or out of attempts): logged, not retried. */
  failed: number;
  /** No longer wanted (the setting was turned off or the reply-to removed since). */
  dropped: number;
}

interface ClaimRow {
  id: string;
  notify_attempts: number;
}

/** Sends the notifications that are due; safe to run from several processes at once. */
export async function sendDueFeedbackNotifications(deps: FeedbackNotifyDeps, opts: { limit?: number } = {}): Promise<FeedbackNotifySummary> {
  const now = deps.clock.now();
  const summary: FeedbackNotifySummary = { sent: 0, retrying: 0, failed: 0, dropped: 0 };
  // Claim by leasing: the due time moves past the lease, so another runner skips these rows
  // (SKIP LOCKED while this statement runs, the lease afterwards). Uses feedback_notify_due_idx.
  const claimed = await deps.db.$queryRaw<ClaimRow[]>(Prisma.sql`
    UPDATE feedback f
       SET notify_due_at = ${new Date(now.getTime() + LEASE_MS)}, notify_attempts = f.notify_attempts + 1
      FROM (SELECT id FROM feedback
             WHERE notify_due_at IS NOT NULL AND notify_due_at <= ${now}
             ORDER BY notify_due_at
             LIMIT ${opts.limit ?? FEEDBACK_NOTIFY_BATCH}
             FOR UPDATE SKIP LOCKED) due
     WHERE f.id = due.id
    RETURNING f.id::text AS id, f.notify_attempts::int AS notify_attempts`);
  if (claimed.length === 0) return summary;
  const attempts = new Map(claimed.map((c) => [c.id, c.notify_attempts]));

  const rows = await deps.db.feedback.findMany({
    where: { id: { in: claimed.map((c) => c.id) } },
    select: {
      id: true,
      businessId: true,
      message: true,
      createdAt: true,
      business: { select: { name: true, host: true, timezone: true, replyTo: true, feedbackNotify: true } },
      enrollment: {
        select: {
          customer: { select: { firstName: true, lastName: true, email: true, phone: true, redactedAt: true } },
          job: { select: { title: true, serviceType: true, hostJobId: true, completedAt: true } },
        },
      },
    },
  });

  const byHost = new Map<string, { id: string; email: OutgoingEmail }[]>();
  for (const row of rows) {
    if (!wantsFeedbackNotification(row.business)) {
      await deps.db.feedback.update({ where: { id: row.id }, data: { notifyDueAt: null } });
      summary.dropped += 1;
      continue;
    }
    const { customer, job } = row.enrollment;
    const rendered = renderFeedbackNotification({
      businessName: row.business.name,
      timezone: row.business.timezone,
      message: row.message,
      createdAt: row.createdAt,
      customer: { ...customer, redacted: customer.redactedAt !== null },
      job,
    });
    const email: OutgoingEmail = {
      businessId: row.businessId,
      idempotencyKey: feedbackNotificationKey(row.id),
      from: formatFromAddress("Kudos", deps.emailFrom),
      to: row.business.replyTo!.trim(),
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: {},
      tags: { kind: FEEDBACK_NOTIFICATION_TAG },
    };
    const group = byHost.get(row.business.host) ?? [];
    group.push({ id: row.id, email });
    byHost.set(row.business.host, group);
  }

  for (const [host, group] of byHost) {
    let results: SendResult[];
    try {
      results = await deps.emailTransport(host).sendBatch(group.map((g) => g.email));
    } catch (err) {
      // Transports return failures rather than throw; a throw is still only this batch's problem.
      const error = err instanceof Error ? err.message : String(err);
      results = group.map(() => ({ ok: false, retryable: true, error }));
    }
    for (const [i, { id, email }] of group.entries()) {
      const result = results[i] ?? { ok: false as const, retryable: true, error: "no result from the transport" };
      if (result.ok) {
        await deps.db.feedback.update({ where: { id }, data: { notifyDueAt: null, notifiedAt: deps.clock.now() } });
        summary.sent += 1;
        continue;
      }
      const tries = attempts.get(id) ?? 1;
      // The log names the feedback and business, never the address or the message.
      const context = { feedbackId: id, businessId: email.businessId, attempts: tries, code: result.code, error: result.error };
      if (result.retryable && tries < FEEDBACK_NOTIFY_MAX_ATTEMPTS) {
        const wait = Math.max(notifyRetryDelayMs(tries), result.retryAfterMs ?? 0);
        await deps.db.feedback.update({ where: { id }, data: { notifyDueAt: new Date(deps.clock.now().getTime() + wait) } });
        deps.logger.warn({ ...context, retryInMs: wait }, "feedback notification failed; retrying later");
        summary.retrying += 1;
      } else {
        await deps.db.feedback.update({ where: { id }, data: { notifyDueAt: null } });
        deps.logger.error(context, "feedback notification failed for good");
        summary.failed += 1;
      }
    }
  }
  // Claimed rows whose feedback vanished meanwhile (deleted with their business) need nothing.
  return summary;
}
