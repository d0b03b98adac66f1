// Twilio webhooks: delivery status callbacks (/webhooks/twilio/status) and inbound texts
// (/webhooks/twilio/inbound). Every request must carry a valid X-Twilio-Signature over the public
// URL (APP_URL + path) and the POSTed form fields.
//
// Inbound texts arrive on a number shared by every business, so a keyword applies to each
// business that has texted the sender or knows them as a customer: an opt-out is never missed,
// and is recorded (suppression + stopped enrollments) in one transaction with the event itself.
import { TWILIO_NOT_MOBILE, TWILIO_UNREACHABLE, TWILIO_UNSUBSCRIBED, validateTwilioSignature } from "~/engine/transports/index.server";
import { senderScope } from "~/lib/opt-out-key.server";
import type { Tx } from "~/domain/types";
import { escapeHtml } from "~/engine/render";
import type { TwilioWebhookDeps } from "./deps.server";
import { field, formParams, isFormContentType, textResponse } from "./http.server";
import { applyDeliveryUpdate, firstSighting, lockSendLog, type DeliveryStatus, type LockedSendLog } from "./send-log.server";
import { classifySmsKeyword, helpReply, keywordFromOptOutType, optInReply, optOutReply, type SmsKeywordKind } from "./sms-keywords.server";
import {
  linkedContacts,
  recordOptOuts,
  removeOptOuts,
  SMS_RESUBSCRIBABLE,
  stopEnrollmentsForAddresses,
  suppressAddresses,
  unsuppressAddresses,
} from "./suppression.server";
import { containsNul, inTransaction } from "./tx.server";

const DEFAULT_BRAND = "Kudos";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type TwilioParams = Record<string, string | string[]>;

/**
 * Authenticates a Twilio webhook. Returns its form fields and the URL it was signed for, or the
 * response to send instead (503 unconfigured, 400 not a form, 401 bad signature).
 */
export async function verifyTwilioRequest(
  deps: Pick<TwilioWebhookDeps, "authToken" | "appUrl">,
  request: Request,
): Promise<{ params: TwilioParams; url: URL } | Response> {
  // Configuration, content type and the signature header first: a request that cannot be
  // verified is answered without reading its body.
  if (!deps.authToken) return textResponse("Twilio webhooks are not configured: TWILIO_AUTH_TOKEN is not set", 503);
  if (!isFormContentType(request)) return textResponse("Expected an application/x-www-form-urlencoded body", 400);
  const signature = request.headers.get("x-twilio-signature");
  if (!signature) return textResponse("Invalid X-Twilio-Signature: the header is missing", 401);
  const params = formParams(await request.text());
  if (containsNul(params)) return textResponse("Malformed form body: NUL characters", 400);
  const incoming = new URL(request.url);
  // Behind a proxy the request's own host and scheme are not what Twilio signed: APP_URL is.
  const url = new URL(`${deps.appUrl.replace(/\/$/, "")}${incoming.pathname}${incoming.search}`);
  if (!validateTwilioSignature(deps.authToken, url.toString(), params, signature)) {
    return textResponse("Invalid X-Twilio-Signature", 401);
  }
  return { params, url };
}

// --- Status callbacks ---------------------------------------------------------------------------

const STATUS_MAP: Record<string, DeliveryStatus> = {
  sent: "sent",
  delivered: "delivered",
  undelivered: "undelivered",
  failed: "failed",
};

/** Delivery errors that say the number cannot take texts (30003, "unreachable now", is transient). */
const UNTEXTABLE: Record<string, "unreachable" | "not_mobile"> = {
  [TWILIO_UNREACHABLE]: "unreachable",
  [TWILIO_NOT_MOBILE]: "not_mobile",
};

export interface TwilioStatusEvent {
  messageSid: string;
  messageStatus: string;
  errorCode?: string | null;
  /** The touch the callback URL names (?e=<enrollment id>&p=<position>), if the sender added it. */
  touch?: { enrollmentId: string; position: number } | null;
}

export type TwilioStatusResult =
  | { kind: "duplicate" }
  | { kind: "ignored"; reason: string }
  | { kind: "updated"; status: string; optedOut: boolean };

export async function applyTwilioStatus(deps: TwilioWebhookDeps, event: TwilioStatusEvent): Promise<TwilioStatusResult> {
  const now = deps.clock.now();
  const status = event.messageStatus.toLowerCase();
  return inTransaction(deps.db, async (tx): Promise<TwilioStatusResult> => {
    if (!(await firstSighting(tx, `twilio:${event.messageSid}:${status}`, "twilio", now))) return { kind: "duplicate" };
    const mapped = STATUS_MAP[status];
    if (!mapped) return { kind: "ignored", reason: `status ${status}` };
    let log = await lockSendLog(tx, { providerMessageId: event.messageSid });
    if (!log && event.touch) {
      const byTouch = await lockSendLog(tx, event.touch);
      log = byTouch?.channel === "sms" && (!byTouch.providerMessageId || byTouch.providerMessageId === event.messageSid) ? byTouch : null;
    }
    if (!log) return { kind: "ignored", reason: "unknown message" };
    const next = await applyDeliveryUpdate(tx, log, {
      status: mapped,
      at: now,
      now,
      errorCode: event.errorCode || null,
      providerMessageId: event.messageSid,
    });
    let optedOut = false;
    if (event.errorCode === TWILIO_UNSUBSCRIBED && log.recipient) {
      // The carrier says this number opted out: the same effect as an inbound STOP.
      optedOut = true;
      await optOutAtBusiness(tx, deps, log.businessId, log.recipient, now, "provider_unsubscribed", { customerIds: await customerOf(tx, log) });
    }
    const untextable = UNTEXTABLE[event.errorCode ?? ""];
    if (untextable && log.recipient) {
      // Texts to this number will keep failing: later SMS touches skip; the enrollment goes on.
      await suppressAddresses(tx, { key: deps.optOutKey }, log.businessId, "sms", [log.recipient], untextable, now);
    }
    return { kind: "updated", status: next, optedOut };
  });
}

async function customerOf(tx: Tx, log: LockedSendLog): Promise<string[]> {
  const e = await tx.enrollment.findUnique({ where: { id: log.enrollmentId }, select: { customerId: true } });
  return e ? [e.customerId] : [];
}

function touchFromUrl(url: URL): TwilioStatusEvent["touch"] {
  const e = url.searchParams.get("e");
  const p = Number(url.searchParams.get("p"));
  return e && UUID.test(e) && Number.isInteger(p) && p >= 1 && p <= 4 ? { enrollmentId: e.toLowerCase(), position: p } : null;
}

/** POST /webhooks/twilio/status */
export async function twilioStatusResponse(deps: TwilioWebhookDeps, request: Request): Promise<Response> {
  const verified = await verifyTwilioRequest(deps, request);
  if (verified instanceof Response) return verified;
  const { params, url } = verified;
  const messageSid = field(params, "MessageSid") ?? field(params, "SmsSid");
  const messageStatus = field(params, "MessageStatus") ?? field(params, "SmsStatus");
  if (!messageSid || messageSid.length > 64 || !messageStatus || messageStatus.length > 32) {
    return textResponse("MessageSid and MessageStatus are required", 400);
  }
  const result = await applyTwilioStatus(deps, {
    messageSid,
    messageStatus,
    errorCode: field(params, "ErrorCode")?.slice(0, 40) || null,
    touch: touchFromUrl(url),
  });
  if (result.kind === "ignored") deps.logger.debug({ reason: result.reason }, "twilio status callback ignored");
  return textResponse(result.kind === "duplicate" ? "duplicate" : "ok", 200);
}

// --- Inbound texts ------------------------------------------------------------------------------

interface SenderBusiness {
  id: string;
  name: string;
  contactPhone: string | null;
  replyTo: string | null;
}

/**
 * The businesses a number belongs to: those that texted it (most recent first), then those that
 * have it as a customer's phone without having texted it yet.
 */
export async function businessesForNumber(tx: Tx, phone: string): Promise<SenderBusiness[]> {
  return tx.$queryRaw<SenderBusiness[]>`
    WITH texted AS (
      SELECT business_id, max(created_at) AS last_at
        FROM send_log WHERE channel = 'sms' AND recipient = ${phone}
       GROUP BY business_id
    ), known AS (
      SELECT DISTINCT business_id FROM customer WHERE phone = ${phone}
    )
    SELECT b.id::text, b.name, b.contact_phone AS "contactPhone", b.reply_to AS "replyTo"
      FROM business b
      LEFT JOIN texted t ON t.business_id = b.id
     WHERE b.id IN (SELECT business_id FROM texted UNION SELECT business_id FROM known)
     ORDER BY t.last_at DESC NULLS LAST, b.id`;
}

/**
 * A number stops texts from one business: its list and its account's durable record (plus the
 * sender scopes a STOP was texted to), its enrollments of that number's customers stop, and,
 * for the person's own opt-out, the emails of those customer records too: "stop" means no more
 * review requests from that business, on any channel (docs/compliance.md).
 */
async function optOutAtBusiness(
  tx: Tx,
  deps: Pick<TwilioWebhookDeps, "optOutKey">,
  businessId: string,
  phone: string,
  now: Date,
  reason: "opted_out" | "provider_unsubscribed",
  opts: { customerIds?: string[]; senderScopes?: string[] } = {},
): Promise<{ newlySuppressed: boolean; stopped: string[] }> {
  const key = { key: deps.optOutKey, extraScopes: opts.senderScopes ?? [] };
  // Stop first (locks the enrollments), then record the suppressions.
  const stopped = await stopEnrollmentsForAddresses(tx, businessId, "sms", [phone], "opted_out_sms", now, opts.customerIds ?? []);
  const added = await suppressAddresses(tx, key, businessId, "sms", [phone], reason, now);
  if (reason === "opted_out") {
    // The same person's emails at this business: suppressed, and whatever reaches them stopped.
    const emails = await linkedContacts(tx, businessId, "sms", [phone]);
    await suppressAddresses(tx, { key: deps.optOutKey }, businessId, "email", emails, reason, now);
    stopped.push(...(await stopEnrollmentsForAddresses(tx, businessId, "email", emails, "opted_out_sms", now)));
  }
  return { newlySuppressed: added.length > 0, stopped };
}

export interface InboundSms {
  from: string;
  body: string;
  messageSid?: string | null;
  /** Our number the text was sent to (Twilio's To). */
  to?: string | null;
  /** The Messaging Service the number belongs to, when it does. */
  messagingServiceSid?: string | null;
  /** Twilio's OptOutType (STOP, START, HELP): Twilio's opt-out handling acted on this message. */
  optOutType?: string | null;
}

export interface InboundSmsResult {
  keyword: SmsKeywordKind | null;
  /** The text to answer with, or null for no answer. */
  reply: string | null;
  businessIds: string[];
  stoppedEnrollments: string[];
  duplicate: boolean;
}

/** The sender scopes a text reached: the number and its Messaging Service. */
function inboundSenderScopes(sms: InboundSms): string[] {
  return [sms.to, sms.messagingServiceSid].filter((s): s is string => !!s).map(senderScope);
}

export async function handleInboundSms(deps: TwilioWebhookDeps, sms: InboundSms): Promise<InboundSmsResult> {
  const fromTwilio = keywordFromOptOutType(sms.optOutType);
  const classified = classifySmsKeyword(sms.body);
  const keyword = fromTwilio ?? classified?.kind ?? null;
  const none: InboundSmsResult = { keyword, reply: null, businessIds: [], stoppedEnrollments: [], duplicate: false };
  if (!keyword) return none;
  // With Twilio's default handling, Twilio answered its reserved keywords itself (and refuses our
  // reply after a STOP with 21610): answer only what it did not (docs/compliance.md).
  const twilioAnswered = deps.keywordReplies === "twilio" && (fromTwilio !== null || classified?.reservedByTwilio === true);
  const answer = (text: string | null) => (twilioAnswered ? null : text);
  const senders = inboundSenderScopes(sms);
  const now = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    if (sms.messageSid && !(await firstSighting(tx, `twilio-inbound:${sms.messageSid}`, "twilio", now))) {
      return { ...none, duplicate: true };
    }
    const businesses = await businessesForNumber(tx, sms.from);
    const latest = businesses[0];
    const brand = latest?.name ?? DEFAULT_BRAND;
    const businessIds = businesses.map((b) => b.id);
    if (keyword === "optOut") {
      const stopAt = deps.clock.now();
      let anyNew = false;
      const stopped: string[] = [];
      for (const b of businesses) {
        const r = await optOutAtBusiness(tx, deps, b.id, sms.from, stopAt, "opted_out", { senderScopes: senders });
        anyNew ||= r.newlySuppressed;
        stopped.push(...r.stopped);
      }
      // The sending number's own record binds every business that texts from it, including those
      // that learn this number later.
      if ((await recordOptOuts(tx, deps.optOutKey, senders, "sms", [sms.from], "opted_out", stopAt)) > 0) anyNew = true;
      // One confirmation, then nothing: a repeated STOP from a suppressed number gets no answer.
      return { ...none, reply: anyNew ? answer(optOutReply(brand, latest !== undefined)) : null, businessIds, stoppedEnrollments: stopped };
    }
    if (keyword === "optIn") {
      let removed = await removeOptOuts(tx, deps.optOutKey, senders, "sms", [sms.from], SMS_RESUBSCRIBABLE);
      for (const b of businesses) {
        removed += (await unsuppressAddresses(tx, { key: deps.optOutKey }, b.id, "sms", [sms.from], SMS_RESUBSCRIBABLE)).length;
      }
      // "Yes" is also an ordinary answer to "mind leaving a review?": confirm only a real resubscribe.
      return { ...none, reply: removed > 0 ? answer(optInReply(brand)) : null, businessIds };
    }
    const contact = latest ? latest.contactPhone || latest.replyTo : null;
    return { ...none, reply: answer(helpReply(brand, contact)), businessIds };
  });
}

export function twiml(message: string | null): Response {
  const xml = message
    ? `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${escapeHtml(message)}</Message></Response>`
    : `<?xml version="1.0" encoding="UTF-8"?><Response/>`;
  return new Response(xml, { status: 200, headers: { "Content-Type": "text/xml; charset=utf-8", "Cache-Control": "no-store" } });
}

/** POST /webhooks/twilio/inbound */
export async function twilioInboundResponse(deps: TwilioWebhookDeps, request: Request): Promise<Response> {
  const verified = await verifyTwilioRequest(deps, request);
  if (verified instanceof Response) return verified;
  const { params } = verified;
  const from = field(params, "From")?.trim();
  if (!from || from.length > 64) return textResponse("From is required", 400);
  const body = field(params, "Body") ?? "";
  const messageSid = field(params, "MessageSid") ?? field(params, "SmsSid") ?? null;
  const short = (name: string) => {
    const v = field(params, name)?.trim();
    return v && v.length <= 64 ? v : null;
  };
  const result = await handleInboundSms(deps, {
    from,
    body,
    messageSid: messageSid && messageSid.length <= 64 ? messageSid : null,
    to: short("To"),
    messagingServiceSid: short("MessagingServiceSid"),
    optOutType: short("OptOutType"),
  });
  if (result.keyword && !result.duplicate) {
    deps.logger.info({ keyword: result.keyword, businesses: result.businessIds.length, stopped: result.stoppedEnrollments.length }, "sms keyword");
  }
  return twiml(result.reply);
}
