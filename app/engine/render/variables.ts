// The variables a message template may use, in one table: the admin UI builds its variable menu
// and live preview from it, validation checks names against it, rendering reads values through it.
// Deliberately free of server-only imports so the browser bundle can use it.

export type TemplateChannel = "email" | "sms";

/** What a touch is rendered with. Customer fields are customer-supplied: never trusted as markup. */
export interface RenderContext {
  customer: { firstName: string | null | undefined; lastName: string | null | undefined };
  business: {
    name: string;
    /** CAN-SPAM requires it in every email; the processor should not send email without one. */
    physicalAddress: string | null | undefined;
    phone: string | null | undefined;
  };
  serviceType: string | null | undefined;
  jobTitle: string | null | undefined;
  /** The tracked review link (/r/<token>). */
  reviewLink: string;
  /** The one-click unsubscribe link (/u/<token>); also sent as the List-Unsubscribe header. */
  unsubscribeLink: string;
}

/** SMS has no unsubscribe link (recipients reply STOP), so it is optional there. */
export type SmsRenderContext = Omit<RenderContext, "unsubscribeLink"> & { unsubscribeLink?: string | null };

export interface TemplateVariable {
  name: string;
  description: string;
  /** Shown in the admin's live preview. */
  sample: string;
  /** Used when the value is missing or blank, so "Hi {{customer_first_name}}," still reads well. */
  fallback: string;
  channels: readonly TemplateChannel[];
  /** True for values that are links (rendered as anchors in HTML). */
  isLink: boolean;
  value(ctx: SmsRenderContext): string | null | undefined;
}

const both = ["email", "sms"] as const;

export const TEMPLATE_VARIABLES = [
  {
    name: "customer_first_name",
    description: "The customer's first name",
    sample: "Jordan",
    fallback: "there",
    channels: both,
    isLink: false,
    value: (c) => c.customer.firstName,
  },
  {
    name: "customer_name",
    description: "The customer's full name",
    sample: "Jordan Rivera",
    fallback: "there",
    channels: both,
    isLink: false,
    value: (c) =>
      [c.customer.firstName, c.customer.lastName]
        .map((p) => p?.trim())
        .filter(Boolean)
        .join(" "),
  },
  {
    name: "business_name",
    description: "Your business name",
    sample: "Bright Plumbing",
    fallback: "our team",
    channels: both,
    isLink: false,
    value: (c) => c.business.name,
  },
  {
    name: "service_type",
    description: "The job's service type (e.g. plumbing)",
    sample: "water heater repair",
    fallback: "service",
    channels: both,
    isLink: false,
    value: (c) => c.serviceType,
  },
  {
    name: "job_title",
    description: "The job's title",
    sample: "Replace kitchen faucet",
    fallback: "your recent job",
    channels: both,
    isLink: false,
    value: (c) => c.jobTitle,
  },
  {
    name: "business_phone",
    description: "Your business phone number",
    sample: "(555) 010-0199",
    fallback: "",
    channels: both,
    isLink: false,
    value: (c) => c.business.phone,
  },
  {
    name: "review_link",
    description: "The link to leave a review (required)",
    sample: "https://kudos.example.com/r/sample",
    fallback: "",
    channels: both,
    isLink: true,
    value: (c) => c.reviewLink,
  },
  {
    name: "unsubscribe_link",
    description: "The one-click unsubscribe link (email only; always added in the footer too)",
    sample: "https://kudos.example.com/u/sample",
    fallback: "",
    channels: ["email"],
    isLink: true,
    value: (c) => c.unsubscribeLink,
  },
] as const satisfies readonly TemplateVariable[];

export type TemplateVariableName = (typeof TEMPLATE_VARIABLES)[number]["name"];

const byName = new Map<string, TemplateVariable>(TEMPLATE_VARIABLES.map((v) => [v.name, v]));

export function findTemplateVariable(name: string): TemplateVariable | undefined {
  return byName.get(name);
}

/**
 * The variable's value for this context as one line of text, or its fallback when missing or
 * blank. Values are inserted inline, so control characters (newlines included) become spaces:
 * a name cannot break the layout of a message or the Subject header.
 */
export function variableValue(variable: TemplateVariable, ctx: SmsRenderContext): string {
  const raw = variable.value(ctx);
  const value = typeof raw === "string" ? singleLine(raw) : "";
  return value === "" ? variable.fallback : value;
}

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

export function singleLine(s: string): string {
  return s.replace(CONTROL, " ").replace(/ {2,}/g, " ").trim();
}

/** A context made of every variable's sample value, for the admin's live preview. */
export const SAMPLE_RENDER_CONTEXT: RenderContext = {
  customer: { firstName: "Jordan", lastName: "Rivera" },
  business: { name: "Bright Plumbing", physicalAddress: "123 Main St, Springfield, IL 62701", phone: "(555) 010-0199" },
  serviceType: "water heater repair",
  jobTitle: "Replace kitchen faucet",
  reviewLink: "https://kudos.example.com/r/sample",
  unsubscribeLink: "https://kudos.example.com/u/sample",
};

/**
 * The sample context under the merchant's own business name: the SMS name prefix depends on the
 * name (and its length on the segment count), so the preview must decide it as the send will.
 */
export function previewRenderContext(businessName: string | null | undefined): RenderContext {
  const name = singleLine(businessName ?? "");
  return name ? { ...SAMPLE_RENDER_CONTEXT, business: { ...SAMPLE_RENDER_CONTEXT.business, name } } : SAMPLE_RENDER_CONTEXT;
}
