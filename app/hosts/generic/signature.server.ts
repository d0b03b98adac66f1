// Webhook signatures of the generic protocol: base64 HMAC-SHA256 of `<timestamp>.<raw body>`,
// keyed with the app's client secret. The timestamp inside the signed text stops replays beyond
// the tolerance window; within it, the event id dedupes.
import { hmacSha256Base64, timingSafeEqualStrings } from "~/lib/crypto.server";
import type { WebhookRequest, WebhookVerification } from "../connector";
import { GENERIC_HEADERS } from "./schema";

export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

function signedContent(timestamp: number | string, body: string | Uint8Array): Buffer {
  const bodyBytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  return Buffer.concat([Buffer.from(`${timestamp}.`, "utf8"), bodyBytes]);
}

/** The X-Kudos-Signature value for a body sent at `timestamp` (unix seconds). */
export function signGenericWebhook(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return hmacSha256Base64(secret, signedContent(timestamp, body));
}

/** Every header a generic webhook needs, signed; for the sandbox host and tests. */
export function genericWebhookHeaders(input: {
  secret: string;
  eventId: string;
  topic: string;
  accountId: string;
  body: string;
  now: Date;
}): Record<string, string> {
  const timestamp = Math.floor(input.now.getTime() / 1000);
  return {
    "Content-Type": "application/json",
    [GENERIC_HEADERS.eventId]: input.eventId,
    [GENERIC_HEADERS.topic]: input.topic,
    [GENERIC_HEADERS.accountId]: input.accountId,
    [GENERIC_HEADERS.timestamp]: String(timestamp),
    [GENERIC_HEADERS.signature]: signGenericWebhook(input.secret, timestamp, input.body),
  };
}

const reject = (reason: string): WebhookVerification => ({ ok: false, status: 401, reason });

export function verifyGenericSignature(secret: string, request: WebhookRequest): WebhookVerification {
  const timestampText = request.headers.get(GENERIC_HEADERS.timestamp);
  const signature = request.headers.get(GENERIC_HEADERS.signature);
  if (!timestampText) return reject(`missing ${GENERIC_HEADERS.timestamp} header`);
  if (!signature) return reject(`missing ${GENERIC_HEADERS.signature} header`);
  if (!/^\d{1,12}$/.test(timestampText)) return reject(`${GENERIC_HEADERS.timestamp} must be unix seconds`);
  const timestamp = Number(timestampText);
  const skew = timestamp - Math.floor(request.now.getTime() / 1000);
  if (skew < -SIGNATURE_TOLERANCE_SECONDS) return reject("timestamp too old");
  if (skew > SIGNATURE_TOLERANCE_SECONDS) return reject("timestamp in the future");
  const expected = signGenericWebhook(secret, timestampText, request.rawBody);
  if (!timingSafeEqualStrings(signature.trim(), expected)) return reject("signature mismatch");
  return { ok: true };
}
