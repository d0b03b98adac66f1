// The outbox page exists for installations without real providers: the outbox transport stores
// each message instead of sending it (app/engine/transports/outbox.server.ts). Same rules as
// createTransports. Also what the page loads: one page of the business's messages (25, newest
// first), optionally only those whose recipient contains a search, with the total count.
import { z } from "zod";
import type { Db } from "~/db.server";
import type { Env } from "~/env.server";
import { pageOutbox } from "~/engine/transports/outbox.server";
import { ValidationError, zodFieldErrors } from "~/lib/errors.server";

type TransportEnv = Pick<
  Env,
  "RESEND_API_KEY" | "TWILIO_ACCOUNT_SID" | "TWILIO_AUTH_TOKEN" | "TWILIO_FROM_NUMBER" | "TWILIO_MESSAGING_SERVICE_SID"
>;

export function emailGoesToOutbox(env: TransportEnv): boolean {
  return !env.RESEND_API_KEY;
}

export function smsGoesToOutbox(env: TransportEnv): boolean {
  return !(env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && (env.TWILIO_FROM_NUMBER || env.TWILIO_MESSAGING_SERVICE_SID));
}

/** True when email or SMS goes to the outbox. */
export function outboxInUse(env: TransportEnv): boolean {
  return emailGoesToOutbox(env) || smsGoesToOutbox(env);
}

export const OUTBOX_PAGE_SIZE = 25;
/** Long enough for any email address (254 characters) or phone number. */
export const RECIPIENT_SEARCH_MAX = 254;

const outboxQuerySchema = z.object({
  page: z
    .string()
    .regex(/^\d{1,7}$/, "must be a page number: a whole number from 1")
    .transform(Number)
    .refine((n) => n >= 1, "must be a page number: a whole number from 1")
    .optional(),
  recipient: z.string().trim().max(RECIPIENT_SEARCH_MAX, `must be at most ${RECIPIENT_SEARCH_MAX} characters`).optional(),
});

export interface OutboxQuery {
  page: number;
  /** Null: every recipient. */
  recipient: string | null;
}

/** The page's query string (?page=N&recipient=text); anything else in it is ignored. Bad values: a ValidationError naming the parameter. */
export function parseOutboxQuery(params: URLSearchParams): OutboxQuery {
  const raw = Object.fromEntries((["page", "recipient"] as const).flatMap((k) => (params.has(k) ? [[k, params.get(k)!]] : [])));
  const parsed = outboxQuerySchema.safeParse(raw);
  if (!parsed.success) {
    const fields = zodFieldErrors(parsed.error.issues);
    const [name, message] = Object.entries(fields)[0]!;
    throw new ValidationError(fields, `The ${name} parameter in the address ${message}`);
  }
  return { page: parsed.data.page ?? 1, recipient: parsed.data.recipient || null };
}

/** Links in the previewed email open in a new tab (the frame itself may not navigate). */
export function withBlankTargets(html: string): string {
  return /<head[^>]*>/i.test(html) ? html.replace(/<head([^>]*)>/i, '<head$1><base target="_blank">') : `<base target="_blank">${html}`;
}

export interface OutboxMessageView {
  id: string;
  channel: "email" | "sms";
  to: string;
  from: string;
  replyTo: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  segments: number | null;
  createdLabel: string;
  /** For the Details disclosure: what the provider would have received besides the message. */
  details: { idempotencyKey: string; headers: [string, string][]; tags: [string, string][] };
}

export interface OutboxPage {
  messages: OutboxMessageView[];
  /** Messages matching the search (all of the business's without one). */
  total: number;
  page: number;
  pageCount: number;
  pageSize: number;
  recipient: string | null;
}

export async function loadOutboxPage(db: Db, business: { id: string; timezone: string }, query: OutboxQuery): Promise<OutboxPage> {
  const { entries, total } = await pageOutbox(db, { businessId: business.id, recipient: query.recipient, page: query.page, pageSize: OUTBOX_PAGE_SIZE });
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: business.timezone,
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  });
  return {
    total,
    page: query.page,
    pageCount: Math.max(1, Math.ceil(total / OUTBOX_PAGE_SIZE)),
    pageSize: OUTBOX_PAGE_SIZE,
    recipient: query.recipient,
    messages: entries.map((m) => ({
      id: m.id,
      channel: m.channel,
      to: m.to,
      from: m.from,
      replyTo: m.replyTo,
      subject: m.subject,
      text: m.text,
      html: m.html ? withBlankTargets(m.html) : null,
      segments: m.segments,
      createdLabel: fmt.format(m.createdAt),
      details: { idempotencyKey: m.idempotencyKey, headers: Object.entries(m.headers), tags: Object.entries(m.tags) },
    })),
  };
}
