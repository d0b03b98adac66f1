// The touch processor talks to email and SMS providers only through these interfaces: one real
// implementation each (Resend, Twilio) and the outbox, which stores messages locally.
// Contract: transports never throw for a failed send; they return a SendResult saying whether
// trying again could help.

export interface OutgoingEmail {
  businessId: string;
  /** Stable per touch (e.g. enrollment id + position): a retried send must not deliver twice. */
  idempotencyKey: string;
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  /** List-Unsubscribe, List-Unsubscribe-Post... */
  headers: Record<string, string>;
  /** Echoed back by provider webhooks: enrollment id, touch position, business id. */
  tags: Record<string, string>;
}

export interface OutgoingSms {
  businessId: string;
  idempotencyKey: string;
  /** E.164. */
  to: string;
  body: string;
  statusCallbackUrl: string;
  segments: number;
  /**
   * Same as an email's (enrollment_id, touch, business_id), so a stored text says which touch it
   * is. Only the outbox keeps them: Twilio has no tags (the status callback URL identifies the touch).
   */
  tags?: Record<string, string>;
}

export type SendResult =
  | { ok: true; providerMessageId: string }
  | {
      ok: false;
      /** True when the same send may succeed later (rate limit, provider outage, network). */
      retryable: boolean;
      error: string;
      /** The provider's error code when it gave one (Twilio "21610", Resend "validation_error"...). */
      code?: string;
      /** The provider asked to wait this long before trying again. */
      retryAfterMs?: number;
      /**
       * A provider limit with a known end (Resend's daily quota resets at midnight UTC): the send
       * was refused, not failed. The touch waits until then and is tried again; never counted failed.
       */
      deferUntil?: Date;
      /**
       * Set (by withRetries) on a deferral that followed an attempt answered with an error: that
       * attempt may have been accepted, so only the exact request recorded may be sent again.
       */
      maybeSent?: boolean;
    };

export type SendFailure = Extract<SendResult, { ok: false }>;

export interface EmailTransport {
  readonly provider: string;
  /** Results are in input order, one per email. */
  sendBatch(emails: OutgoingEmail[]): Promise<SendResult[]>;
}

export interface SmsTransport {
  readonly provider: string;
  send(sms: OutgoingSms): Promise<SendResult>;
}

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
