// The analytics page's words: every number's name in plain words and a one-line explanation,
// in one place so the summary, the charts and the tables say the same thing. Browser-safe.
import type { DeliveryChannel, DeliveryGap, DeliveryReporting } from "../delivery.server";

export interface Metric {
  label: string;
  help: string;
}

export const METRICS = {
  customers: {
    label: "Customers asked for a review",
    help: "Customers who started getting review requests after a completed job in this period.",
  },
  planned: { label: "Planned", help: "Every request in these customers' sequences, whether it went out or not." },
  waiting: { label: "Waiting", help: "Not sent yet: its time has not come." },
  sent: { label: "Sent", help: "Emails and texts that went out." },
  delivered: { label: "Delivered", help: "Sent requests the email or text provider confirmed reached the customer." },
  clicked: { label: "Clicked", help: "Sent requests whose review link the customer opened." },
  clickRate: { label: "Click rate", help: "Review-link clicks out of requests sent (0–100%)." },
  skipped: { label: "Skipped", help: "Not sent because the customer had no address or number for it, or had opted out." },
  failed: { label: "Failed", help: "The email or text provider refused the request." },
  cancelled: { label: "Not needed", help: "Not sent because the customer's sequence had already ended (a click, an opt-out, a pause)." },
  requestsPerCustomer: {
    label: "Requests per customer",
    help: "On average, how many requests a customer got before their sequence ended (they clicked, opted out, or got them all).",
  },
} satisfies Record<string, Metric>;

export type MetricKey = keyof typeof METRICS;

/** "Request 1": a campaign's first, second… message to a customer. */
export function requestLabel(position: number): string {
  return `Request ${position}`;
}

const CHANNEL_NOUN: Record<DeliveryChannel, string> = { email: "emails", sms: "texts" };

function gapReason(gap: Exclude<DeliveryGap, null>): string {
  return gap === "outbox"
    ? "they go to the outbox, which keeps them here instead of sending them, so nothing can confirm they arrived"
    : "the provider's delivery reports are not set up for this app";
}

/** Whether any channel's deliveries are counted: otherwise "Delivered" is not shown at all. */
export function showsDelivered(d: DeliveryReporting): boolean {
  return d.email === null || d.sms === null;
}

/** The subdued note saying why "Delivered" is hidden (or partial); null when nothing is hidden. */
export function deliveryNote(d: DeliveryReporting): string | null {
  const hidden = (["email", "sms"] as const).filter((c) => d[c] !== null);
  if (hidden.length === 0) return null;
  if (hidden.length === 2 && d.email === d.sms) {
    return `Delivered is not shown: for emails and texts, ${gapReason(d.email!)}.`;
  }
  const parts = hidden.map((c) => `for ${CHANNEL_NOUN[c]}, ${gapReason(d[c]!)}`);
  return hidden.length === 2
    ? `Delivered is not shown: ${parts.join("; ")}.`
    : `Delivered counts ${CHANNEL_NOUN[hidden[0] === "email" ? "sms" : "email"]} only: ${parts[0]}.`;
}
