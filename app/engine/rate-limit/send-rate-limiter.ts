// Pacing: at most N sends per business per channel per rolling hour. Over the limit a touch is
// deferred to `retryAt`, never dropped; when the store cannot answer, sends are deferred too,
// never let through unlimited.

export type SendChannel = "email" | "sms";

export interface SendRateKey {
  businessId: string;
  channel: SendChannel;
}

export type SendRateDecision = { allowed: true } | { allowed: false; retryAt: Date };

export interface SendRateLimiter {
  /** Takes one send from the key's hourly budget, or says when to try again. */
  take(key: SendRateKey, limitPerHour: number): Promise<SendRateDecision>;
}

export type SendRateLimiterStorage = "upstash" | "redis" | "in-process";

/** What the factory returns: a limiter that knows its storage and can release connections. */
export interface ManagedSendRateLimiter extends SendRateLimiter {
  readonly storage: SendRateLimiterStorage;
  close(): Promise<void>;
}

export const SEND_RATE_WINDOW_MS = 3_600_000;
export const DEFAULT_HOURLY_SEND_LIMIT = 100;

/** The business's hourly limit for a channel (columns email_hourly_limit / sms_hourly_limit). */
export function hourlySendLimit(
  business: { emailHourlyLimit?: number | null; smsHourlyLimit?: number | null },
  channel: SendChannel,
): number {
  const limit = channel === "email" ? business.emailHourlyLimit : business.smsHourlyLimit;
  return limit ?? DEFAULT_HOURLY_SEND_LIMIT;
}

/** Limits come from business settings; a bad one is a bug there, so it fails loudly. */
export function assertHourlyLimit(limitPerHour: number): void {
  if (!Number.isSafeInteger(limitPerHour) || limitPerHour < 1) {
    throw new RangeError(`Hourly send limit must be a positive integer, got ${limitPerHour}`);
  }
}
