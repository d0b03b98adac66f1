// What the provider stand-ins accepted, as deliveries for the invariant checker: the providers'
// side of "no touch sent twice", read from the stand-ins' own record of every email and text they
// accepted (never from the app's keys or tables).
import type { AcceptedResendEmail } from "../mocks/resend";
import type { AcceptedTwilioMessage } from "../mocks/twilio";
import type { ProviderDelivery } from "./invariants";

interface EmailBody {
  tags?: { name?: unknown; value?: unknown }[];
}

/** The touch an email's tags name (the processor tags every email with enrollment_id and touch). */
export function touchFromTags(email: unknown): { enrollmentId: string; position: number } | null {
  const tags = Object.fromEntries(((email as EmailBody | undefined)?.tags ?? []).map((t) => [String(t.name), String(t.value)]));
  const position = Number(tags.touch);
  return tags.enrollment_id && Number.isInteger(position) ? { enrollmentId: tags.enrollment_id, position } : null;
}

/** The touch a text's status callback names (`?e=<enrollment>&p=<position>`). */
export function touchFromCallback(statusCallback: string | undefined): { enrollmentId: string; position: number } | null {
  const url = new URL(statusCallback ?? "http://x/");
  const enrollmentId = url.searchParams.get("e");
  const position = Number(url.searchParams.get("p"));
  return enrollmentId && url.searchParams.has("p") && Number.isInteger(position) ? { enrollmentId, position } : null;
}

/** Emails Resend accepted, each once (a replayed key sent nothing and is not listed). */
export function resendDeliveries(emails: readonly Pick<AcceptedResendEmail, "id" | "email">[]): ProviderDelivery[] {
  return emails.flatMap((e) => {
    const touch = touchFromTags(e.email);
    return touch ? [{ provider: "resend", ...touch, messageId: e.id }] : [];
  });
}

/** Texts Twilio accepted, each a message of its own (Twilio has no idempotency key). */
export function twilioDeliveries(messages: readonly Pick<AcceptedTwilioMessage, "sid" | "form">[]): ProviderDelivery[] {
  return messages.flatMap((m) => {
    const touch = touchFromCallback(m.form.StatusCallback);
    return touch ? [{ provider: "twilio", ...touch, messageId: m.sid }] : [];
  });
}

/** Touches a provider accepted more than once, with how many messages each. */
export function acceptedMoreThanOnce(deliveries: readonly ProviderDelivery[]): Map<string, number> {
  const perTouch = new Map<string, Set<string>>();
  for (const d of deliveries) {
    const id = `${d.provider}:${d.enrollmentId}#${d.position}`;
    perTouch.set(id, (perTouch.get(id) ?? new Set()).add(d.messageId));
  }
  return new Map([...perTouch].filter(([, ids]) => ids.size > 1).map(([id, ids]) => [id, ids.size]));
}
