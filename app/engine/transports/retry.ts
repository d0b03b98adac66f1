// Bounded retries around a transport: only failures the provider marks retryable are tried again,
// after an exponential, jittered delay (or the provider's Retry-After, if longer). After the last
// attempt the last failure is returned; the caller marks the touch failed and moves on.
import { realSleep, type EmailTransport, type SendFailure, type SendResult, type Sleep, type SmsTransport } from "./types";

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  /** A wait longer than this (a long Retry-After) is not slept through: the failure is returned at once. */
  maxDelayMs?: number;
  sleep?: Sleep;
  /** [0, 1) jitter source; injectable for tests. */
  random?: () => number;
}

const DEFAULTS = { attempts: 3, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Delay before attempt `attempt + 1`: half fixed, half random ("equal jitter"), at least Retry-After. */
export function retryDelayMs(attempt: number, failure: SendFailure, baseDelayMs: number, random: () => number): number {
  const exp = baseDelayMs * 2 ** (attempt - 1);
  const backoff = Math.round(exp / 2 + random() * (exp / 2));
  return Math.max(backoff, failure.retryAfterMs ?? 0);
}

const threw = (err: unknown): SendFailure => ({
  ok: false,
  retryable: true,
  code: "transport_error",
  error: err instanceof Error ? err.message : String(err),
});

const retryable = (r: SendResult | undefined): r is SendFailure => !!r && !r.ok && r.retryable;

/**
 * A deferral (deferUntil) after an earlier attempt of the same send failed: that attempt's answer
 * was an error, so it may have been accepted. The caller must then re-send the very request it
 * recorded (idempotent), not a new one.
 */
const afterFailedAttempt = (r: SendResult, attempt: number): SendResult =>
  attempt > 1 && !r.ok && r.deferUntil ? { ...r, maybeSent: true } : r;

export function withRetries(transport: EmailTransport, options?: RetryOptions): EmailTransport;
export function withRetries(transport: SmsTransport, options?: RetryOptions): SmsTransport;
export function withRetries(transport: EmailTransport | SmsTransport, options: RetryOptions = {}): EmailTransport | SmsTransport {
  const attempts = Math.max(1, options.attempts ?? DEFAULTS.attempts);
  const baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;

  /** The wait before the next round, or null to stop here. */
  const nextDelay = (attempt: number, failures: SendFailure[]): number | null => {
    if (failures.length === 0 || attempt >= attempts) return null;
    const delay = Math.max(...failures.map((f) => retryDelayMs(attempt, f, baseDelayMs, random)));
    return delay > maxDelayMs ? null : delay;
  };

  if ("sendBatch" in transport) {
    return {
      provider: transport.provider,
      async sendBatch(emails) {
        const results: SendResult[] = new Array<SendResult>(emails.length);
        let pending = emails.map((_, i) => i);
        for (let attempt = 1; ; attempt++) {
          const round = pending.map((i) => emails[i]!);
          let out: SendResult[];
          try {
            out = await transport.sendBatch(round);
          } catch (err) {
            out = round.map(() => threw(err));
          }
          pending.forEach((index, j) => {
            const result: SendResult = out[j] ?? {
              ok: false,
              retryable: false,
              code: "transport_error",
              error: `${transport.provider} returned ${out.length} results for ${round.length} emails`,
            };
            results[index] = afterFailedAttempt(result, attempt);
          });
          pending = pending.filter((index) => retryable(results[index]));
          const delay = nextDelay(attempt, pending.map((index) => results[index] as SendFailure));
          if (delay === null) return results;
          await sleep(delay);
        }
      },
    };
  }

  return {
    provider: transport.provider,
    async send(sms) {
      for (let attempt = 1; ; attempt++) {
        let result: SendResult;
        try {
          result = await transport.send(sms);
        } catch (err) {
          result = threw(err);
        }
        result = afterFailedAttempt(result, attempt);
        const delay = retryable(result) ? nextDelay(attempt, [result]) : null;
        if (delay === null) return result;
        await sleep(delay);
      }
    },
  };
}
