// "Send a test to myself": the real rendered email or text of a template (the editor's current
// content, or a saved template) sent to the merchant's own address or number, through the
// transport the business's real messages use (the outbox in the embedded default and for the
// sandbox's businesses). It uses the merchant's business name, sender details and default review
// link, and a sample customer.
//
// Not a touch: no customer, enrollment, enrollment_touch or send_log row is written, so nothing
// here is ever counted by analytics or stopped by a click. The review link is the merchant's own
// review page itself (a tracked /r link needs an enrollment), and the provider tags carry no
// enrollment or business id, so provider events about a test (a bounce of a mistyped address)
// are ignored rather than suppressing anyone.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Db } from "~/db.server";
import { getTemplate } from "~/domain/templates.server";
import { renderEmail, renderSms, SAMPLE_RENDER_CONTEXT, templateFieldErrors, validateTemplate, type RenderContext } from "~/engine/render";
import { formatFromAddress, type SendResult, type Transports } from "~/engine/transports/index.server";
import type { Business } from "~/generated/prisma/client";
import { normalizeEmail, normalizePhone } from "~/hosts/events";
import type { Clock } from "~/lib/clock.server";
import { DomainError, ValidationError, zodFieldErrors, type FieldErrors } from "~/lib/errors.server";
import { parseReviewLinks } from "~/stops/review-link.server";
import { goesToOutbox } from "./send-transports.server";

/** The customer a test message is addressed to. */
export const SAMPLE_CUSTOMER = { firstName: "Alex", lastName: "Sample" } as const;

/** The provider tag that marks a test (provider events about it match no touch and are ignored). */
export const TEST_SEND_TAG = "test_send";

/** The request is well formed but the message cannot be sent as it stands (content, settings). */
export class UnsendableError extends DomainError {
  constructor(message: string, fieldErrors: FieldErrors) {
    super(message, 422, "unprocessable", fieldErrors);
  }
}

/** The provider refused the message. */
export class ProviderError extends DomainError {
  constructor(message: string) {
    super(message, 502, "provider_error");
  }
}

export interface TestSendDeps {
  db: Db;
  clock: Clock;
  /** The business's transports (send-transports.server.ts): the ones its real messages use. */
  transports: Transports;
  /** EMAIL_FROM: the app's sending address. */
  emailFrom: string;
  appUrl: string;
}

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

export const testSendSchema = z
  .object({
    templateId: optionalText,
    channel: z.enum(["email", "sms"], { error: "must be email or sms" }).optional(),
    subject: z.string().max(1_000, "is too long").optional(),
    body: z.string().max(20_000, "is too long").optional(),
    to: z.string().max(254, "is too long").optional(),
  })
  .superRefine((v, ctx) => {
    if (v.templateId !== undefined) return;
    if (!v.channel) ctx.addIssue({ code: "custom", path: ["channel"], message: "is required (email or sms)" });
    if (v.body === undefined) ctx.addIssue({ code: "custom", path: ["body"], message: "is required" });
  });

export type TestSendInput = z.input<typeof testSendSchema>;

export interface TestSendResult {
  channel: "email" | "sms";
  to: string;
  /** The transport's provider (resend, twilio, outbox). */
  provider: string;
  outbox: boolean;
  providerMessageId: string;
  message: string;
}

type TestBusiness = Pick<Business, "id" | "name" | "senderName" | "replyTo" | "contactPhone" | "physicalAddress" | "reviewLinks">;

function recipient(channel: "email" | "sms", typed: string | undefined, business: TestBusiness): string {
  const raw = typed?.trim() || (channel === "email" ? business.replyTo : business.contactPhone)?.trim();
  if (!raw) {
    throw new ValidationError({
      to:
        channel === "email"
          ? "is required: type your email address, or add a reply-to address in Settings"
          : "is required: type your mobile number, or add a contact phone in Settings",
    });
  }
  if (channel === "email") {
    const email = normalizeEmail(raw);
    if (!email) throw new ValidationError({ to: "must be an email address, like you@example.com" });
    return email;
  }
  const phone = normalizePhone(raw);
  if (!phone) throw new ValidationError({ to: "must be a mobile number, like +1 555 010 0199" });
  return phone;
}

/** Validates the input, renders the message and sends it; marks the business's test_sent_at. */
export async function sendTestMessage(deps: TestSendDeps, business: TestBusiness, input: unknown): Promise<TestSendResult> {
  const parsed = testSendSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  const v = parsed.data;

  // A saved template must be this business's or a system one: anything else is a 404.
  const template = v.templateId !== undefined ? await getTemplate(deps.db, business.id, v.templateId) : null;
  const content = template
    ? { channel: template.channel, subject: template.subject, body: template.body }
    : { channel: v.channel!, subject: v.subject ?? null, body: v.body! };
  const to = recipient(content.channel, v.to, business);

  const contentErrors = validateTemplate(content);
  if (contentErrors.length) throw new UnsendableError("Fix the template before sending a test", templateFieldErrors(contentErrors));
  const review = parseReviewLinks(business.reviewLinks)[0];
  if (!review) {
    throw new UnsendableError("Add your review link in Settings first: the test links to it", { reviewLinks: "add a review link in Settings" });
  }
  if (content.channel === "email" && !business.physicalAddress?.trim()) {
    // Real emails without it are skipped (CAN-SPAM); a test should not pretend otherwise.
    throw new UnsendableError("Add your postal address in Settings first: every email must include it", {
      physicalAddress: "add your business's postal address in Settings",
    });
  }

  const context: RenderContext = {
    customer: SAMPLE_CUSTOMER,
    business: { name: business.name, physicalAddress: business.physicalAddress, phone: business.contactPhone },
    serviceType: SAMPLE_RENDER_CONTEXT.serviceType,
    jobTitle: SAMPLE_RENDER_CONTEXT.jobTitle,
    reviewLink: review.url,
    // There is no enrollment to unsubscribe: the footer link leads to the "link not valid" page.
    unsubscribeLink: `${deps.appUrl}/u/test-message`,
  };
  const key = `kudos-test-${randomUUID()}`;
  const tags = { kind: TEST_SEND_TAG };
  let result: SendResult;
  let provider: string;
  if (content.channel === "email") {
    const rendered = renderEmail({ subject: content.subject, body: content.body }, context);
    provider = deps.transports.email.provider;
    const results = await deps.transports.email.sendBatch([
      {
        businessId: business.id,
        idempotencyKey: key,
        from: formatFromAddress(business.senderName || business.name, deps.emailFrom),
        to,
        replyTo: business.replyTo ?? undefined,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        // No List-Unsubscribe: nothing to unsubscribe from.
        headers: {},
        tags,
      },
    ]);
    result = results[0] ?? { ok: false, retryable: false, error: "no result from the transport" };
  } else {
    const rendered = renderSms({ body: content.body }, context, { firstToNumber: true });
    provider = deps.transports.sms.provider;
    result = await deps.transports.sms.send({
      businessId: business.id,
      idempotencyKey: key,
      to,
      body: rendered.body,
      // Names no touch: Twilio's status callbacks about it are ignored.
      statusCallbackUrl: `${deps.appUrl}/webhooks/twilio/status`,
      segments: rendered.segments,
      tags,
    });
  }
  if (!result.ok) throw new ProviderError(`The test could not be sent: ${result.error}`);

  await deps.db.business.update({ where: { id: business.id }, data: { testSentAt: deps.clock.now() } });
  const outbox = goesToOutbox({ provider });
  const what = content.channel === "email" ? "Test email" : "Test text";
  return {
    channel: content.channel,
    to,
    provider,
    outbox,
    providerMessageId: result.providerMessageId,
    message: outbox ? `${what} for ${to} is in the Outbox (test mode: nothing is delivered)` : `${what} sent to ${to}`,
  };
}
