// Email through Resend (the `resend` SDK). One email goes to POST /emails, more go to
// POST /emails/batch in chunks of at most 100. Every request carries an Idempotency-Key, so a
// retry of a request whose answer was lost does not send twice (Resend keeps keys 24 h).
import { createHash } from "node:crypto";
import { Resend, type CreateBatchEmailOptions, type CreateEmailOptions, type ErrorResponse } from "resend";
import { systemClock, type Clock } from "~/lib/clock.server";
import type { Logger } from "~/logger.server";
import { createPacer, type Pacer } from "./pacer";
import { parseRetryAfter, type EmailTransport, type OutgoingEmail, type SendFailure, type SendResult } from "./types";

export const RESEND_BATCH_LIMIT = 100;
/**
 * Resend's documented rate: 10 requests per second per team (all API keys and processes together).
 * The default of RESEND_REQUESTS_PER_SECOND (app/env.server.ts), shared through the rate-limit
 * store (./shared-pacer.server.ts); this in-process default serves callers that pass no pacer.
 */
export const RESEND_REQUESTS_PER_SECOND = 10;
const KEY_MAX = 256;

/**
 * Resend's daily quota (free plans) resets at midnight UTC (/work/shared/reference/integrations.md;
 * https://resend.com/docs/api-reference/rate-limit): the first moment a refused email may go.
 */
export function resendDailyQuotaResetAt(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/**
 * `monthly_quota_exceeded` has no documented reset time (it follows the team's plan and billing
 * cycle), so there is no moment to defer to. Failing would drop review requests for good over a
 * plan limit the operator can lift, so the touch is deferred a day at a time and every refusal is
 * logged as an error (the operator must act). The pacer is held only an hour: after an upgrade,
 * sending resumes within the hour instead of a day, at the cost of one refused request per hour.
 */
export const MONTHLY_QUOTA_DEFER_MS = 24 * 3_600_000;
export const MONTHLY_QUOTA_HOLD_MS = 3_600_000;

export interface ResendTransportOptions {
  apiKey: string;
  logger: Logger;
  clock?: Clock;
  /** Spaces out requests; default: a bucket at RESEND_REQUESTS_PER_SECOND. */
  pacer?: Pacer;
  /** Per request. */
  timeoutMs?: number;
  baseUrl?: string;
}

/** Tag names and values may hold only ASCII letters, digits, _ and - (at most 256 characters). */
export function resendTags(tags: Record<string, string>): { name: string; value: string }[] {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 256);
  return Object.entries(tags)
    .map(([name, value]) => ({ name: clean(name), value: clean(String(value)) }))
    .filter((t) => t.name !== "" && t.value !== "");
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** The member's own key (hashed if too long for Resend). */
export function emailIdempotencyKey(key: string): string {
  return key.length >= 1 && key.length <= KEY_MAX ? key : `sha256-${sha256(key)}`;
}

/** One key for a batch request, derived from its members' keys in order: the same batch, the same key. */
export function batchIdempotencyKey(emails: readonly Pick<OutgoingEmail, "idempotencyKey">[]): string {
  return `batch-${sha256(emails.map((e) => e.idempotencyKey).join("\n"))}`;
}

function payload(email: OutgoingEmail): CreateEmailOptions & CreateBatchEmailOptions {
  return {
    from: email.from,
    to: email.to,
    subject: email.subject,
    html: email.html,
    text: email.text,
    ...(email.replyTo ? { replyTo: email.replyTo } : {}),
    headers: email.headers,
    tags: resendTags(email.tags),
  };
}

export function createResendTransport(options: ResendTransportOptions): EmailTransport {
  const { logger, clock = systemClock, timeoutMs = 15_000 } = options;
  const pacer = options.pacer ?? createPacer({ ratePerSecond: RESEND_REQUESTS_PER_SECOND });
  const resend = new Resend(options.apiKey, { baseUrl: options.baseUrl ?? "https://api.resend.com" });

  async function failure(
    error: ErrorResponse,
    headers: Record<string, string> | null,
    signal: AbortSignal,
  ): Promise<SendFailure> {
    if (signal.aborted) {
      return { ok: false, retryable: true, code: "timeout", error: `Resend did not answer within ${timeoutMs} ms` };
    }
    const status = error.statusCode;
    const code = error.name ?? "application_error";
    const message = error.message || "Resend request failed";
    // No status: the SDK could not reach Resend or could not read its answer.
    if (status === null || status === undefined) return { ok: false, retryable: true, code, error: message };
    if (status === 429) {
      // A spent quota defers the send (never fails it) and holds the pacer, so the rest of the
      // drain, and every process sharing the pacer, stops asking Resend until it can answer yes.
      const now = clock.now();
      if (code === "daily_quota_exceeded") {
        const resetAt = resendDailyQuotaResetAt(now);
        await pacer.holdFor(resetAt.getTime() - now.getTime());
        return { ok: false, retryable: false, code, error: message, deferUntil: resetAt };
      }
      if (code === "monthly_quota_exceeded") {
        logger.error({ provider: "resend", code }, "Resend monthly email quota reached: emails are deferred a day at a time until the plan allows more");
        await pacer.holdFor(MONTHLY_QUOTA_HOLD_MS);
        return { ok: false, retryable: false, code, error: message, deferUntil: new Date(now.getTime() + MONTHLY_QUOTA_DEFER_MS) };
      }
      const retryAfterMs = parseRetryAfter(headers?.["retry-after"], now.getTime());
      await pacer.holdFor(retryAfterMs ?? 1_000);
      return { ok: false, retryable: true, code, error: message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (status >= 500) return { ok: false, retryable: true, code, error: message };
    // Another request with the same key is still in flight: its outcome decides, so ask again.
    if (status === 409 && code === "concurrent_idempotent_requests") {
      return { ok: false, retryable: true, code, error: message, retryAfterMs: 1_000 };
    }
    return { ok: false, retryable: false, code, error: message };
  }

  const malformed = (what: string): SendFailure => ({
    ok: false,
    retryable: true,
    code: "malformed_response",
    error: `Resend answered with an unexpected ${what}`,
  });

  /** The pacer is held (a spent quota) past its longest wait: the request is not made. */
  const held = (heldForMs: number): SendFailure => {
    const until = new Date(clock.now().getTime() + heldForMs);
    return { ok: false, retryable: false, code: "provider_held", error: `not requested: Resend is held until ${until.toISOString()}`, deferUntil: until };
  };

  async function sendOne(email: OutgoingEmail): Promise<SendResult> {
    const turn = await pacer.take();
    if (!turn.ok) return held(turn.heldForMs);
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await resend.emails.send(payload(email), {
        idempotencyKey: emailIdempotencyKey(email.idempotencyKey),
        signal,
      });
      if (res.error) return await failure(res.error, res.headers, signal);
      const id: unknown = res.data?.id;
      return typeof id === "string" && id ? { ok: true, providerMessageId: id } : malformed("response body");
    } catch (err) {
      return await failure({ name: "application_error", statusCode: null, message: errorMessage(err) }, null, signal);
    }
  }

  async function sendChunk(chunk: OutgoingEmail[]): Promise<SendResult[]> {
    const all = (r: SendResult) => chunk.map(() => r);
    const turn = await pacer.take();
    if (!turn.ok) return all(held(turn.heldForMs));
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      // Permissive: one invalid address fails that email only, not the 99 others.
      const res = await resend.batch.send(chunk.map(payload), {
        idempotencyKey: batchIdempotencyKey(chunk),
        batchValidation: "permissive",
        signal,
      });
      if (res.error) return all(await failure(res.error, res.headers, signal));
      return mapBatch(chunk.length, res.data as unknown);
    } catch (err) {
      return all(await failure({ name: "application_error", statusCode: null, message: errorMessage(err) }, null, signal));
    }
  }

  // `data` lists the created emails in request order, skipping those named in `errors`.
  function mapBatch(size: number, body: unknown): SendResult[] {
    const b = (body ?? {}) as { data?: unknown; errors?: unknown };
    const data = Array.isArray(b.data) ? (b.data as { id?: unknown }[]) : null;
    const errors = Array.isArray(b.errors) ? (b.errors as { index?: unknown; message?: unknown }[]) : [];
    if (!data) return Array.from({ length: size }, () => malformed("batch response"));
    const failed = new Map<number, string>();
    for (const e of errors) {
      if (typeof e.index === "number") failed.set(e.index, typeof e.message === "string" ? e.message : "Invalid email");
    }
    if (data.length + failed.size !== size || data.some((d) => typeof d?.id !== "string" || !d.id)) {
      // Some emails may have gone out and we cannot tell which: retrying could send twice.
      return Array.from({ length: size }, () => ({
        ok: false as const,
        retryable: false,
        code: "unmatched_batch_response",
        error: `Resend returned ${data.length} ids and ${failed.size} errors for ${size} emails`,
      }));
    }
    let next = 0;
    return Array.from({ length: size }, (_, i): SendResult => {
      const error = failed.get(i);
      if (error !== undefined) return { ok: false, retryable: false, code: "validation_error", error };
      return { ok: true, providerMessageId: String(data[next++]!.id) };
    });
  }

  return {
    provider: "resend",
    async sendBatch(emails) {
      const results: SendResult[] = [];
      for (let i = 0; i < emails.length; i += RESEND_BATCH_LIMIT) {
        const chunk = emails.slice(i, i + RESEND_BATCH_LIMIT);
        results.push(...(chunk.length === 1 ? [await sendOne(chunk[0]!)] : await sendChunk(chunk)));
      }
      const failures = results.filter((r): r is SendFailure => !r.ok && !r.deferUntil);
      const deferred = results.filter((r): r is SendFailure => !r.ok && !!r.deferUntil);
      if (deferred.length > 0) {
        logger.warn(
          { provider: "resend", deferred: deferred.length, total: emails.length, until: deferred[0]!.deferUntil, codes: [...new Set(deferred.map((f) => f.code))] },
          "email sends deferred: a Resend quota is spent",
        );
      }
      if (failures.length > 0) {
        logger.warn(
          { provider: "resend", failed: failures.length, total: emails.length, codes: [...new Set(failures.map((f) => f.code))] },
          "email send failures",
        );
      }
      return results;
    },
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
