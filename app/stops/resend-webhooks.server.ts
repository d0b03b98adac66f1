// Resend webhooks (/webhooks/resend), signed with Svix over the raw body. Each event is applied in
// one transaction together with its svix-id (provider_event), so a replay changes nothing.
// Delivery events move the send log forward; a hard bounce or a complaint suppresses the address
// for the business and stops every active enrollment reaching it.
import { Webhook, WebhookVerificationError } from "svix";
import { z } from "zod";
import type { Tx } from "~/domain/types";
import type { ResendWebhookDeps } from "./deps.server";
import { textResponse } from "./http.server";
import { applyDeliveryUpdate, firstSighting, lockSendLog, type DeliveryStatus, type LockedSendLog } from "./send-log.server";
import { normalizeEmail, stopEnrollmentsForAddresses, suppressAddresses } from "./suppression.server";
import { containsNul, inTransaction } from "./tx.server";
import { JsonTooDeepError, parseUntrustedJson } from "~/lib/json.server";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const resendEventSchema = z.object({
  type: z.string().min(1).max(100),
  created_at: z.string().max(100).optional(),
  data: z.object({
    email_id: z.string().min(1).max(200),
    to: z.union([z.array(z.string()), z.string()]).optional(),
    bounce: z
      .object({ type: z.string().optional(), subType: z.string().optional(), message: z.string().optional() })
      .optional(),
    failed: z.object({ reason: z.string().optional() }).optional(),
    /** What we sent as tags (enrollment_id, touch, business_id); Resend echoes them back. */
    tags: z
      .union([z.record(z.string(), z.unknown()), z.array(z.object({ name: z.string(), value: z.unknown() }))])
      .optional(),
  }),
});

export type ResendEvent = z.infer<typeof resendEventSchema>;

/** Delivery progress events and the send-log status each one means. */
const PROGRESS: Record<string, DeliveryStatus> = {
  "email.sent": "sent",
  "email.delivered": "delivered",
  "email.delivery_delayed": "delivery_delayed",
  "email.opened": "opened",
  "email.clicked": "clicked",
  "email.failed": "failed",
};

/**
 * Resend reports bounce.type "Permanent", "Transient" or "Undetermined". Only a permanent (hard)
 * bounce suppresses; a bounce without a type is treated as hard, the safe side for a bad address.
 */
export function isHardBounce(bounce: ResendEvent["data"]["bounce"]): boolean {
  const type = bounce?.type?.trim().toLowerCase();
  if (!type) return true;
  return type === "permanent" || type === "hard" || type === "hardbounce" || type === "hard_bounce";
}

function tagMap(tags: ResendEvent["data"]["tags"]): Record<string, string> {
  if (!tags) return {};
  if (Array.isArray(tags)) return Object.fromEntries(tags.map((t) => [t.name, String(t.value)]));
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)]));
}

/** The send log row of the email: by Resend's id, or by our tags when the event outran our bookkeeping. */
async function findLog(tx: Tx, event: ResendEvent): Promise<LockedSendLog | null> {
  const byId = await lockSendLog(tx, { providerMessageId: event.data.email_id });
  if (byId) return byId;
  const tags = tagMap(event.data.tags);
  const position = Number(tags.touch);
  if (!tags.enrollment_id || !UUID.test(tags.enrollment_id) || !Number.isInteger(position) || position < 1 || position > 4) return null;
  const byTouch = await lockSendLog(tx, { enrollmentId: tags.enrollment_id.toLowerCase(), position });
  if (!byTouch || byTouch.channel !== "email") return null;
  return !byTouch.providerMessageId || byTouch.providerMessageId === event.data.email_id ? byTouch : null;
}

async function businessOf(tx: Tx, log: LockedSendLog | null, event: ResendEvent): Promise<string | null> {
  if (log) return log.businessId;
  const id = tagMap(event.data.tags).business_id;
  if (!id || !UUID.test(id)) return null;
  const b = await tx.business.findUnique({ where: { id: id.toLowerCase() }, select: { id: true } });
  return b?.id ?? null;
}

export type ResendEventResult =
  | { kind: "duplicate" }
  | { kind: "ignored"; reason: string }
  | { kind: "updated"; status: string | null; suppressed: boolean; stoppedEnrollments: string[] };

/** Applies one verified event; `eventId` is its svix-id. */
export async function applyResendEvent(deps: ResendWebhookDeps, eventId: string, event: ResendEvent): Promise<ResendEventResult> {
  const now = deps.clock.now();
  const parsedAt = event.created_at ? new Date(event.created_at) : null;
  const at = parsedAt && !Number.isNaN(parsedAt.getTime()) ? parsedAt : now;
  return inTransaction(deps.db, async (tx): Promise<ResendEventResult> => {
    if (!(await firstSighting(tx, `resend:${eventId}`, "resend", now))) return { kind: "duplicate" };
    const progress = PROGRESS[event.type];
    const stopping =
      event.type === "email.complained"
        ? ({ status: "complained", reason: "complained", stop: "email_complained" } as const)
        : event.type === "email.bounced" || event.type === "email.suppressed"
          ? ({ status: "bounced", reason: "bounced", stop: "email_bounced" } as const)
          : null;
    if (!progress && !stopping) return { kind: "ignored", reason: `event ${event.type}` };

    const log = await findLog(tx, event);
    const base = { at, now, providerMessageId: event.data.email_id };
    if (progress) {
      if (!log) return { kind: "ignored", reason: "unknown email" };
      const error = progress === "failed" ? (event.data.failed?.reason ?? "failed") : null;
      const status = await applyDeliveryUpdate(tx, log, { ...base, status: progress, error });
      return { kind: "updated", status, suppressed: false, stoppedEnrollments: [] };
    }

    if (!stopping) return { kind: "ignored", reason: `event ${event.type}` }; // not reached: for the type checker
    if (event.type === "email.bounced" && !isHardBounce(event.data.bounce)) {
      deps.logger.info({ type: event.data.bounce?.type, subType: event.data.bounce?.subType }, "soft bounce: not suppressed");
      return { kind: "ignored", reason: "soft bounce" };
    }
    const to = Array.isArray(event.data.to) ? event.data.to[0] : event.data.to;
    const address = log?.recipient ?? to;
    const businessId = await businessOf(tx, log, event);
    if (!address || !businessId) {
      deps.logger.warn({ type: event.type }, "bounce or complaint for an email we cannot attribute");
      return { kind: "ignored", reason: "unknown email" };
    }
    const status = log
      ? await applyDeliveryUpdate(tx, log, { ...base, status: stopping.status, error: event.data.bounce?.message ?? null })
      : null;
    const email = normalizeEmail(address);
    const sent = log ? await tx.enrollment.findUnique({ where: { id: log.enrollmentId }, select: { customerId: true } }) : null;
    // Stop first (locks the enrollments), at a time taken right before it.
    const stopAt = deps.clock.now();
    const stoppedEnrollments = await stopEnrollmentsForAddresses(
      tx, businessId, "email", [email], stopping.stop, stopAt, sent ? [sent.customerId] : [],
    );
    const added = await suppressAddresses(tx, { key: deps.optOutKey }, businessId, "email", [email], stopping.reason, stopAt);
    return { kind: "updated", status, suppressed: added.length > 0, stoppedEnrollments };
  });
}

/** POST /webhooks/resend */
export async function resendWebhookResponse(deps: ResendWebhookDeps, request: Request): Promise<Response> {
  // Configuration and signature headers first: a request that cannot be verified is answered
  // without reading its body.
  if (!deps.webhookSecret) return textResponse("Resend webhooks are not configured: RESEND_WEBHOOK_SECRET is not set", 503);
  let webhook: Webhook;
  try {
    webhook = new Webhook(deps.webhookSecret);
  } catch {
    return textResponse("Resend webhooks are misconfigured: RESEND_WEBHOOK_SECRET is not a valid whsec_ secret", 503);
  }
  const headers = {
    "svix-id": request.headers.get("svix-id") ?? "",
    "svix-timestamp": request.headers.get("svix-timestamp") ?? "",
    "svix-signature": request.headers.get("svix-signature") ?? "",
  };
  const missing = Object.entries(headers).find(([, v]) => !v)?.[0];
  if (missing) return textResponse(`Invalid webhook signature: the ${missing} header is missing`, 401);
  // The signature covers the exact bytes: read them before anything else touches the body.
  const raw = await request.text();
  let payload: unknown;
  try {
    // Also rejects timestamps more than 5 minutes away from now (replays of captured requests).
    webhook.verify(raw, headers);
    // Svix parsed it already, but without a depth bound (app/lib/json.server.ts): parse again.
    payload = parseUntrustedJson(raw);
  } catch (err) {
    if (err instanceof WebhookVerificationError) return textResponse(`Invalid webhook signature: ${err.message}`, 401);
    if (err instanceof JsonTooDeepError) return textResponse(`Malformed body: ${err.message}`, 400);
    return textResponse("Malformed body: expected a JSON event", 400);
  }
  if (containsNul(payload)) return textResponse("Malformed event: NUL characters", 400);
  const parsed = resendEventSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return textResponse(`Malformed event: ${issue ? `${issue.path.map(String).join(".") || "body"} ${issue.message}` : "invalid"}`, 400);
  }
  const result = await applyResendEvent(deps, headers["svix-id"], parsed.data);
  if (result.kind === "updated" && result.stoppedEnrollments.length) {
    deps.logger.info({ type: parsed.data.type, stopped: result.stoppedEnrollments.length }, "email address suppressed");
  }
  return textResponse(result.kind === "duplicate" ? "duplicate" : "ok", 200);
}
