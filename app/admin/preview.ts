// The editors' previews, in the browser: the render context a preview uses (the business's own
// details from preview.server.ts, a real or sample customer) and the SMS counter's plain words.
import { isGsm7, previewRenderContext, smsSegments, SMS_LIMITS, type RenderContext } from "~/engine/render";

/** The business's details for a preview (built by preview.server.ts; JSON-safe). */
export interface PreviewBusiness {
  name: string;
  /** The business's default review page (where the tracked link sends customers), if set. */
  reviewUrl: string | null;
  /** A tracked-link look-alike of the real length, so the SMS counter counts what is sent. */
  reviewLink: string;
  unsubscribeLink: string;
  physicalAddress: string | null;
  phone: string | null;
  timezone: string;
}

/** A real customer to preview with: names and their latest job (no contact details). */
export interface PreviewCustomer {
  id: string;
  firstName: string | null;
  lastName: string | null;
  serviceType: string | null;
  jobTitle: string | null;
}

export interface PreviewCustomerOption {
  id: string;
  label: string;
}

export function customerName(c: { firstName: string | null; lastName: string | null }): string {
  return [c.firstName, c.lastName]
    .map((p) => p?.trim())
    .filter(Boolean)
    .join(" ");
}

/**
 * The context a preview renders with: the business's own name, address, phone and review link
 * shape, and the chosen customer's names and job (the sample customer's without one).
 */
export function templatePreviewContext(
  business: PreviewBusiness | null | undefined,
  businessName: string | null | undefined,
  customer: PreviewCustomer | null | undefined,
): RenderContext {
  const base = previewRenderContext(business?.name ?? businessName);
  const withBusiness: RenderContext = business
    ? {
        ...base,
        business: { name: base.business.name, physicalAddress: business.physicalAddress, phone: business.phone },
        reviewLink: business.reviewLink,
        unsubscribeLink: business.unsubscribeLink,
      }
    : base;
  if (!customer) return withBusiness;
  return {
    ...withBusiness,
    customer: { firstName: customer.firstName, lastName: customer.lastName },
    serviceType: customer.serviceType,
    jobTitle: customer.jobTitle,
  };
}

const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

/**
 * The SMS counter in plain words: "2 texts · 180 of 306 characters", and when one character
 * switches the whole text to the shorter UCS-2 parts, which one and what it costs:
 * "1 text · 52 of 70 characters; emoji make each text shorter (70 characters instead of 160)".
 */
export function smsCounterText(body: string): string {
  const info = smsSegments(body);
  if (info.segments === 0) return "No text yet";
  const count = `${info.segments} ${info.segments === 1 ? "text" : "texts"} · ${info.units} of ${info.unitsPerSegment * info.segments} characters`;
  if (info.encoding === "GSM-7") return count;
  const gsmRoom = info.segments === 1 ? SMS_LIMITS["GSM-7"].single : SMS_LIMITS["GSM-7"].multi;
  const cost = `(${info.unitsPerSegment} characters instead of ${gsmRoom})`;
  const others = [...new Set(Array.from(body).filter((ch) => !isGsm7(ch) && !EMOJI.test(ch) && ch !== "\u200d" && ch !== "\ufe0f"))];
  const hasEmoji = EMOJI.test(body);
  const shown = others.slice(0, 3).join(" ");
  if (hasEmoji && others.length) return `${count}; emoji and special characters (${shown}) make each text shorter ${cost}`;
  if (hasEmoji) return `${count}; emoji make each text shorter ${cost}`;
  return `${count}; special characters (${shown}) make each text shorter ${cost}`;
}
