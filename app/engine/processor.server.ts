// The touch processor: claim due touches, decide (quiet hours, reachability, pacing), render,
// send, record. Three short transactions per batch and never one held across a provider call:
//   1. claim (one statement, SKIP LOCKED, leases the rows)
//   2. re-check "still active and still ours" and record the intent to send
//   3. record outcomes and advance
// Any number of processors may run at once; each touch is sent at most once per enrollment and
// position (send_log unique key), and a crashed processor's touches come back when the lease ends.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { PrismaClient } from "~/generated/prisma/client";
import type { Clock } from "~/lib/clock.server";
import type { Logger } from "~/logger.server";
import type { LinkBuilder } from "~/links/tokens.server";
import type { OptOutContext } from "~/lib/opt-out-key.server";
import { nextAllowedTime, resolveRecipientLocale } from "./quiet-hours.server";
import type { SendRateLimiter } from "./rate-limit/index.server";
import { renderEmail, renderSms } from "./render";
import { claimDueTouches } from "./sql/claim.sql";
import { stopEnrollments } from "./sql/stop-enrollments.sql";
import { suppressAddresses } from "./sql/suppression.sql";
import { loadTouchContexts, type TouchContext } from "./sql/touch-context.sql";
import { releaseSends } from "./sql/release-sends.sql";
import {
  beginSends,
  deferTouches,
  finishEnrollments,
  loadBatches,
  recordBatches,
  recordOutcomes,
  type BatchRecord,
  type SendIntent,
  type TouchOutcome,
} from "./sql/outcomes.sql";
import {
  batchIdempotencyKey,
  emailIdempotencyKey,
  formatFromAddress,
  RESEND_BATCH_LIMIT,
  TWILIO_NOT_MOBILE,
  TWILIO_UNREACHABLE,
  TWILIO_UNSUBSCRIBED,
  type Transports,
} from "./transports/index.server";
import type { EmailTransport, OutgoingEmail, OutgoingSms, SendResult, SmsTransport } from "./transports/types";

export interface ProcessorDeps {
  db: PrismaClient;
  pool: pg.Pool;
  clock: Clock;
  logger: Logger;
  email: EmailTransport;
  sms: SmsTransport;
  /**
   * Transports used instead of email and sms for the businesses of these hosts (business.host):
   * the sandbox's pretend businesses always go to the outbox, whatever providers are configured.
   */
  hostTransports?: Readonly<Record<string, Transports>>;
  limiter: SendRateLimiter;
  links: LinkBuilder;
  /** Sending address, e.g. reviews@mail.kudos.app; the business name is the display name. */
  emailFrom: string;
  appUrl: string;
  /** Durable opt-outs: the address key and the SMS senders whose STOPs bind every business. */
  optOuts: OptOutContext;
}

export interface BatchOptions {
  batchSize?: number;
  /** How long a claimed touch stays ours before another processor may take it. */
  leaseMs?: number;
  /** Concurrent SMS sends within a batch. */
  smsConcurrency?: number;
}

export interface BatchSummary {
  claimed: number;
  sent: number;
  deferred: number;
  skipped: number;
  failed: number;
  completed: number;
}

export const DEFAULT_BATCH_SIZE = 200;
export const DEFAULT_LEASE_MS = 5 * 60_000;

const empty = (): BatchSummary => ({ claimed: 0, sent: 0, deferred: 0, skipped: 0, failed: 0, completed: 0 });

export function idempotencyKey(enrollmentId: string, position: number): string {
  return `kudos-touch-${enrollmentId}-${position}`;
}

interface Prepared {
  ctx: TouchContext;
  channel: "email" | "sms";
  recipient: string;
  email?: OutgoingEmail;
  sms?: OutgoingSms;
  intent: SendIntent;
  /** An email a crashed attempt already handed to the provider: re-send that exact request. */
  replayBatchKey?: string;
}

/** The provider's key for one request: the member's own key alone, else the batch's. */
export function requestKey(chunk: readonly OutgoingEmail[]): string {
  return chunk.length === 1 ? emailIdempotencyKey(chunk[0]!.idempotencyKey) : batchIdempotencyKey(chunk);
}

const OUTCOME_WRITE_ATTEMPTS = 5;

/**
 * The outcome write runs after the provider calls: losing it would make the batch come back
 * after its lease and go out again. A dropped connection is retried on a fresh one; the write
 * is idempotent (guarded by status and lease), so a retry after an unseen commit changes nothing.
 */
async function persistently<T>(what: string, logger: Logger, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= OUTCOME_WRITE_ATTEMPTS) throw err;
      logger.warn({ err, attempt }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}

/** Runs one batch: claim up to batchSize due touches and see each to an outcome or a deferral. */
export async function processBatch(deps: ProcessorDeps, opts: BatchOptions = {}): Promise<BatchSummary> {
  const { pool, clock, logger } = deps;
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const leaseToken = randomUUID();
  const summary = empty();

  const claimedAt = clock.now();
  const claimed = await claimDueTouches(pool, { now: claimedAt, limit: batchSize, leaseMs, leaseToken });
  summary.claimed = claimed.length;
  if (claimed.length === 0) return summary;

  const contexts = await loadTouchContexts(pool, claimed.map((c) => c.enrollmentId), deps.optOuts);
  const now = clock.now();
  const outcomes: TouchOutcome[] = [];
  const deferrals: { enrollmentId: string; dueAt: Date }[] = [];
  const finished: string[] = [];
  const prepared: Prepared[] = [];
  const transportsFor = (ctx: TouchContext): Transports => deps.hostTransports?.[ctx.business.host] ?? deps;
  const emailTransportOf = (p: Prepared) => transportsFor(p.ctx).email;

  const outcome = (ctx: TouchContext, channel: "email" | "sms", o: Partial<TouchOutcome> & Pick<TouchOutcome, "outcome">): TouchOutcome => ({
    enrollmentId: ctx.enrollmentId,
    position: ctx.position,
    businessId: ctx.business.id,
    channel,
    recipient: channel === "email" ? ctx.customer.email : ctx.customer.phone,
    reason: null,
    provider: null,
    providerMessageId: null,
    errorCode: null,
    ...o,
  });

  await Promise.all(
    contexts.map(async (ctx) => {
      if (!ctx.touch) {
        finished.push(ctx.enrollmentId);
        return;
      }
      const channel = ctx.touch.channel;
      const transports = transportsFor(ctx);
      // 1. Quiet hours in the recipient's local time: defer, never fail.
      const locale = resolveRecipientLocale(ctx.customer, ctx.business.timezone);
      const allowedAt = nextAllowedTime(now, locale, {
        startMinute: ctx.business.quietHoursStart,
        endMinute: ctx.business.quietHoursEnd,
      });
      if (allowedAt.getTime() > now.getTime()) {
        deferrals.push({ enrollmentId: ctx.enrollmentId, dueAt: allowedAt });
        return;
      }
      // 2. Can the customer receive this channel at all?
      const address = channel === "email" ? ctx.customer.email : ctx.customer.phone;
      if (!address) {
        outcomes.push(outcome(ctx, channel, { outcome: "skipped", reason: channel === "email" ? "no_email" : "no_phone" }));
        return;
      }
      if ((channel === "email" && ctx.emailSuppressed) || (channel === "sms" && ctx.smsSuppressed)) {
        const reason = channel === "email" ? "email_suppressed" : ctx.smsUndeliverable ? "sms_undeliverable" : "sms_opted_out";
        outcomes.push(outcome(ctx, channel, { outcome: "skipped", reason }));
        return;
      }
      if (channel === "email" && !ctx.business.physicalAddress) {
        // CAN-SPAM: every commercial email carries a postal address; the merchant sets it in Settings.
        outcomes.push(outcome(ctx, channel, { outcome: "skipped", reason: "no_physical_address" }));
        return;
      }
      // 3. Pacing: at most N sends per business per channel per hour; over it, wait for capacity.
      const limit = channel === "email" ? ctx.business.emailHourlyLimit : ctx.business.smsHourlyLimit;
      const permit = await deps.limiter.take({ businessId: ctx.business.id, channel }, limit);
      if (!permit.allowed) {
        deferrals.push({ enrollmentId: ctx.enrollmentId, dueAt: new Date(Math.max(permit.retryAt.getTime(), now.getTime() + 1_000)) });
        return;
      }
      // 4. Render the touch's own template.
      const context = {
        customer: { firstName: ctx.customer.firstName, lastName: ctx.customer.lastName },
        business: { name: ctx.business.name, physicalAddress: ctx.business.physicalAddress, phone: ctx.business.contactPhone },
        serviceType: ctx.serviceType,
        jobTitle: ctx.jobTitle,
        reviewLink: deps.links.review(ctx.enrollmentId, ctx.position),
        unsubscribeLink: deps.links.unsubscribe(ctx.enrollmentId, ctx.position),
      };
      const key = idempotencyKey(ctx.enrollmentId, ctx.position);
      const base = { enrollmentId: ctx.enrollmentId, position: ctx.position, businessId: ctx.business.id, channel, recipient: address };
      if (channel === "email" && ctx.logStatus === "sending" && ctx.logBatchKey) {
        // A crashed attempt already made the provider request: re-send exactly that request.
        prepared.push({
          ctx,
          channel,
          recipient: address,
          replayBatchKey: ctx.logBatchKey,
          intent: { ...base, subject: null, body: "", segments: null, provider: transports.email.provider, batchKey: null, batchIndex: null, request: null },
        });
        return;
      }
      if (channel === "email") {
        const rendered = renderEmail({ subject: ctx.touch.subject, body: ctx.touch.body }, context);
        prepared.push({
          ctx,
          channel,
          recipient: address,
          email: {
            businessId: ctx.business.id,
            idempotencyKey: key,
            from: formatFromAddress(ctx.business.senderName || ctx.business.name, deps.emailFrom),
            to: address,
            replyTo: ctx.business.replyTo ?? undefined,
            subject: rendered.subject,
            html: rendered.html,
            text: rendered.text,
            headers: rendered.headers,
            tags: { enrollment_id: ctx.enrollmentId, touch: String(ctx.position), business_id: ctx.business.id },
          },
          intent: { ...base, subject: rendered.subject, body: rendered.text, segments: null, provider: transports.email.provider, batchKey: null, batchIndex: null, request: null },
        });
      } else {
        const rendered = renderSms({ body: ctx.touch.body }, context, { firstToNumber: !ctx.smsBefore });
        prepared.push({
          ctx,
          channel,
          recipient: address,
          sms: {
            businessId: ctx.business.id,
            idempotencyKey: key,
            to: address,
            body: rendered.body,
            // Identifies the touch even if Twilio calls back before the outcome is recorded.
            statusCallbackUrl: `${deps.appUrl}/webhooks/twilio/status?e=${ctx.enrollmentId}&p=${ctx.position}`,
            segments: rendered.segments,
            tags: { enrollment_id: ctx.enrollmentId, touch: String(ctx.position), business_id: ctx.business.id },
          },
          intent: { ...base, subject: null, body: rendered.body, segments: rendered.segments, provider: transports.sms.provider, batchKey: null, batchIndex: null, request: null },
        });
      }
    }),
  );

  // Emails go in provider requests of up to 100. Each request (its key, order and payload) is
  // recorded with the intent, before it is made, so a crash after the provider accepted it is
  // recovered by re-sending the very same request, which the provider answers from its
  // idempotency cache instead of sending again.
  const planned = chunkEmails(prepared.filter((p) => p.email), emailTransportOf);
  for (const chunk of planned) {
    const batchKey = requestKey(chunk.map((p) => p.email!));
    chunk.forEach((p, batchIndex) => Object.assign(p.intent, { batchKey, batchIndex, request: JSON.stringify(p.email) }));
  }

  // Transaction 2: re-check status and lease with the rows held, record the intent to send.
  const cleared = await beginSends(pool, leaseToken, prepared.map((p) => p.intent), clock.now());
  const toSend = prepared.filter((p) => cleared.has(p.ctx.enrollmentId));

  // Provider calls: no transaction open.
  const results = new Map<string, SendResult>();
  const fresh = toSend.filter((p) => p.email);
  let chunks = planned;
  if (fresh.length !== planned.reduce((n, c) => n + c.length, 0)) {
    // A stop took some of a planned request's members: regroup the rest and record that first.
    chunks = chunkEmails(fresh, emailTransportOf);
    await recordBatches(pool, batchRecords(chunks));
  }
  for (const chunk of chunks) {
    const res = await emailTransportOf(chunk[0]!).sendBatch(chunk.map((p) => p.email!));
    chunk.forEach((p, i) => results.set(p.ctx.enrollmentId, res[i] ?? { ok: false, retryable: false, error: "no result from transport" }));
  }
  const replays = toSend.filter((p) => p.replayBatchKey);
  if (replays.length) {
    const stored = await loadBatches(pool, [...new Set(replays.map((p) => p.replayBatchKey!))]);
    for (const [batchKey, members] of stored) {
      const chunk = members.map((m) => m.request as OutgoingEmail);
      if (requestKey(chunk) !== batchKey) logger.error({ batchKey }, "stored email request does not reproduce its key");
      // A stored request went through one transport (chunkEmails): the one of its touches.
      const res = await emailTransportOf(replays.find((p) => p.replayBatchKey === batchKey)!).sendBatch(chunk);
      members.forEach((m, i) => {
        if (replays.some((p) => p.ctx.enrollmentId === m.enrollmentId)) {
          results.set(m.enrollmentId, res[i] ?? { ok: false, retryable: false, error: "no result from transport" });
        }
      });
    }
    for (const p of replays) {
      if (!results.has(p.ctx.enrollmentId)) results.set(p.ctx.enrollmentId, { ok: false, retryable: false, error: "the stored email request was not found" });
    }
  }
  const texts = toSend.filter((p) => p.sms);
  const concurrency = opts.smsConcurrency ?? 8;
  // Twilio has no idempotency key: a text started after our lease ran out could go out twice (the
  // touch may be claimed again meanwhile). No text is started once half the lease is gone; the
  // rest stay "sending", unsent, and go out once from whoever claims them after the lease.
  const textsUntil = claimedAt.getTime() + leaseMs / 2;
  for (let i = 0; i < texts.length && clock.now().getTime() < textsUntil; i += concurrency) {
    await Promise.all(
      texts.slice(i, i + concurrency).map(async (p) => results.set(p.ctx.enrollmentId, await transportsFor(p.ctx).sms.send(p.sms!))),
    );
  }

  const untextable: { businessId: string; phone: string; reason: UntextableReason }[] = [];
  /** Refused outright by a provider limit: their recorded requests are dropped (release-sends.sql.ts). */
  const refused: { enrollmentId: string; position: number }[] = [];
  for (const p of toSend) {
    const r = results.get(p.ctx.enrollmentId);
    if (!r) continue; // a text not started in time (above)
    const provider = p.channel === "email" ? transportsFor(p.ctx).email.provider : transportsFor(p.ctx).sms.provider;
    if (r.ok) {
      outcomes.push(outcome(p.ctx, p.channel, { outcome: "sent", provider, providerMessageId: r.providerMessageId }));
    } else if (r.deferUntil) {
      // A provider limit with a known end (a spent quota): the touch waits for it, pending, and
      // has not failed. A request that may have gone out (a replay, or an earlier attempt that
      // errored) keeps its record, to be replayed as it is; any other is planned afresh.
      deferrals.push({ enrollmentId: p.ctx.enrollmentId, dueAt: new Date(Math.max(r.deferUntil.getTime(), now.getTime() + 1_000)) });
      if (!p.replayBatchKey && !r.maybeSent) refused.push({ enrollmentId: p.ctx.enrollmentId, position: p.ctx.position });
    } else {
      // Retries already happened inside the transport; a failed touch never blocks the campaign.
      outcomes.push(outcome(p.ctx, p.channel, { outcome: "failed", provider, reason: r.error.slice(0, 500), errorCode: r.code ?? null }));
      const numberReason = p.channel === "sms" ? UNTEXTABLE[r.code ?? ""] : undefined;
      if (numberReason) untextable.push({ businessId: p.ctx.business.id, phone: p.recipient, reason: numberReason });
    }
  }

  // Transaction 3: outcomes and advancement, deferrals, finished enrollments.
  const at = clock.now();
  const recorded = await persistently("recording outcomes", logger, () => recordOutcomes(pool, leaseToken, outcomes, at));
  // Before the deferral, which gives up the lease that guards it.
  await persistently("releasing refused sends", logger, () => releaseSends(pool, leaseToken, refused));
  await persistently("deferring touches", logger, () => deferTouches(pool, leaseToken, deferrals));
  await persistently("finishing enrollments", logger, () => finishEnrollments(pool, leaseToken, finished, at));
  for (const o of untextable) await suppressUntextableNumber(deps, o, at);

  summary.sent = outcomes.filter((o) => o.outcome === "sent").length;
  summary.failed = outcomes.filter((o) => o.outcome === "failed").length;
  summary.skipped = outcomes.filter((o) => o.outcome === "skipped").length;
  summary.deferred = deferrals.length;
  summary.completed = recorded.completed + finished.length;
  if (summary.failed) logger.warn({ failed: summary.failed }, "some touches failed after retries");
  return summary;
}

/** Provider requests of up to 100, each through one transport: a request never mixes providers. */
function chunkEmails(emails: Prepared[], transportOf: (p: Prepared) => EmailTransport): Prepared[][] {
  const byTransport = new Map<EmailTransport, Prepared[]>();
  for (const p of emails) {
    const group = byTransport.get(transportOf(p));
    if (group) group.push(p);
    else byTransport.set(transportOf(p), [p]);
  }
  const chunks: Prepared[][] = [];
  for (const group of byTransport.values()) {
    for (let i = 0; i < group.length; i += RESEND_BATCH_LIMIT) chunks.push(group.slice(i, i + RESEND_BATCH_LIMIT));
  }
  return chunks;
}

function batchRecords(chunks: Prepared[][]): BatchRecord[] {
  return chunks.flatMap((chunk) => {
    const batchKey = requestKey(chunk.map((p) => p.email!));
    return chunk.map((p, batchIndex) => ({ enrollmentId: p.ctx.enrollmentId, position: p.ctx.position, batchKey, batchIndex, request: p.email! }));
  });
}

type UntextableReason = "provider_unsubscribed" | "not_mobile" | "unreachable";

/**
 * Twilio errors that say texts to this number will keep failing. 21610: the person texted STOP to
 * the carrier (same effect as an inbound STOP: their enrollments stop). 21614 / 30006: not a
 * mobile, or a landline / unreachable carrier: later SMS touches are skipped, the rest go on.
 * 30003 (handset unreachable right now) is transient and not here.
 */
const UNTEXTABLE: Record<string, UntextableReason> = {
  [TWILIO_UNSUBSCRIBED]: "provider_unsubscribed",
  [TWILIO_NOT_MOBILE]: "not_mobile",
  [TWILIO_UNREACHABLE]: "unreachable",
};

async function suppressUntextableNumber(
  deps: ProcessorDeps,
  o: { businessId: string; phone: string; reason: UntextableReason },
  now: Date,
) {
  await deps.db.$transaction(async (tx) => {
    await suppressAddresses(tx, { key: deps.optOuts.key }, o.businessId, "sms", [o.phone], o.reason, now);
    if (o.reason !== "provider_unsubscribed") return;
    const customers = await tx.customer.findMany({ where: { businessId: o.businessId, phone: o.phone }, select: { id: true } });
    await stopEnrollments(tx, o.businessId, { customerIds: customers.map((c) => c.id) }, "opted_out_sms", now);
  });
}

export interface DrainOptions extends BatchOptions {
  /** Stop after this many batches (Inngest step limits). */
  maxBatches?: number;
  /** Stop starting new batches after this long. */
  budgetMs?: number;
  /** Wall time for the budget; injected so tests control it. Defaults to performance.now. */
  elapsed?: () => number;
}

export interface DrainSummary extends BatchSummary {
  batches: number;
}

/** Drains due touches in bounded batches until none is due or the budget runs out. */
export async function drain(deps: ProcessorDeps, opts: DrainOptions = {}): Promise<DrainSummary> {
  const total: DrainSummary = { ...empty(), batches: 0 };
  const started = (opts.elapsed ?? (() => performance.now()))();
  const elapsed = () => (opts.elapsed ?? (() => performance.now()))() - started;
  const maxBatches = opts.maxBatches ?? Number.POSITIVE_INFINITY;
  const budgetMs = opts.budgetMs ?? Number.POSITIVE_INFINITY;
  while (total.batches < maxBatches && elapsed() < budgetMs) {
    const batch = await processBatch(deps, opts);
    total.batches += 1;
    for (const k of Object.keys(batch) as (keyof BatchSummary)[]) total[k] += batch[k];
    if (batch.claimed === 0) break;
    // Everything claimed was deferred: more of the same would spin on the same rows' neighbours.
    if (batch.claimed < (opts.batchSize ?? DEFAULT_BATCH_SIZE)) break;
  }
  return total;
}
