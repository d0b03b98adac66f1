// SMS through Twilio's Messages REST API with plain fetch (the SDK would add nothing we use).
import twilio from "twilio";
import { systemClock, type Clock } from "~/lib/clock.server";
import type { Logger } from "~/logger.server";
import { parseRetryAfter, type OutgoingSms, type SendFailure, type SendResult, type SmsTransport } from "./types";

/** Twilio: the recipient replied STOP to this sender; the number must be suppressed. */
export const TWILIO_UNSUBSCRIBED = "21610";
/** Twilio: "'To' number is not a valid mobile number": texts to it fail every time. */
export const TWILIO_NOT_MOBILE = "21614";
/** Twilio: "Unknown destination handset" (a landline or a carrier that cannot take texts). */
export const TWILIO_UNREACHABLE = "30006";

export interface TwilioTransportOptions {
  accountSid: string;
  authToken: string;
  /** Either a sending number (E.164) or a Messaging Service; the service wins when both are set. */
  fromNumber?: string;
  messagingServiceSid?: string;
  logger: Logger;
  fetch?: typeof fetch;
  clock?: Clock;
  timeoutMs?: number;
  baseUrl?: string;
}

interface TwilioErrorBody {
  code?: number | string;
  message?: string;
}

export function createTwilioTransport(options: TwilioTransportOptions): SmsTransport {
  const { accountSid, authToken, logger, clock = systemClock, timeoutMs = 15_000 } = options;
  const fetchImpl = options.fetch ?? fetch;
  if (!options.fromNumber && !options.messagingServiceSid) {
    throw new Error("Twilio transport needs a from number or a messaging service sid");
  }
  const url = `${options.baseUrl ?? "https://api.twilio.com"}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;

  async function send(sms: OutgoingSms): Promise<SendResult> {
    const form = new URLSearchParams({ To: sms.to, Body: sms.body, StatusCallback: sms.statusCallbackUrl });
    if (options.messagingServiceSid) form.set("MessagingServiceSid", options.messagingServiceSid);
    else form.set("From", options.fromNumber!);

    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetchImpl(url, {
        method: "POST",
        headers: { Authorization: authorization, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: form,
        signal,
      });
      text = await res.text();
    } catch (err) {
      if (signal.aborted) {
        // Twilio has no idempotency key: after a timeout the text may already be on its way, and
        // sending again could text the customer twice. Give up on this touch instead.
        return {
          ok: false,
          retryable: false,
          code: "timeout",
          error: `Twilio did not answer within ${timeoutMs} ms; the message may have been sent`,
        };
      }
      return { ok: false, retryable: true, code: "network_error", error: err instanceof Error ? err.message : String(err) };
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }

    if (res.ok) {
      const sid = (body as { sid?: unknown } | undefined)?.sid;
      if (typeof sid === "string" && /^(SM|MM)[0-9a-fA-F]{32}$/.test(sid)) return { ok: true, providerMessageId: sid };
      // Twilio accepted the message but its id is unreadable: sending again would duplicate it.
      return { ok: false, retryable: false, code: "malformed_response", error: `Twilio answered ${res.status} without a message sid` };
    }

    const err = (body ?? {}) as TwilioErrorBody;
    const code = err.code !== undefined && err.code !== null ? String(err.code) : String(res.status);
    const message = typeof err.message === "string" && err.message ? err.message : `Twilio answered ${res.status}`;
    if (res.status === 429) {
      const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), clock.now().getTime());
      return { ok: false, retryable: true, code, error: message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    // Twilio asks for retries with back-off on 503 (error 20503). Any other 5xx may come after the
    // message was created, and a retried send "is not idempotent" (error 20500): like a timeout,
    // the text may be on its way, so it is not sent again.
    if (res.status === 503) return { ok: false, retryable: true, code, error: message };
    if (res.status >= 500) return { ok: false, retryable: false, code, error: `${message}; the message may have been sent` };
    return { ok: false, retryable: false, code, error: message };
  }

  return {
    provider: "twilio",
    async send(sms) {
      const result = await send(sms);
      if (!result.ok) logSmsFailure(logger, result);
      return result;
    },
  };
}

function logSmsFailure(logger: Logger, failure: SendFailure) {
  // Twilio's messages can quote the recipient's number: contact data stays out of the logs.
  logger.warn({ provider: "twilio", code: failure.code, retryable: failure.retryable }, "sms send failed");
}

/**
 * Checks X-Twilio-Signature on a webhook: `url` is the full URL Twilio called (with query string),
 * `params` the POSTed form fields.
 */
export function validateTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
  signature: string | null | undefined,
): boolean {
  if (!signature || !authToken) return false;
  try {
    return twilio.validateRequest(authToken, signature, url, params);
  } catch {
    return false;
  }
}
