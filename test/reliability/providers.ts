// What the msw provider mocks accepted, as deliveries for the invariant checker: the provider's
// side of "no touch sent twice".
import type { RecordedResendRequest } from "../mocks/resend";
import type { RecordedTwilioRequest, TwilioFailure } from "../mocks/twilio";
import type { ProviderDelivery } from "./invariants";

interface EmailBody {
  tags?: { name?: unknown; value?: unknown }[];
}

function touchFromTags(email: EmailBody | undefined): { enrollmentId: string; position: number } | null {
  const tags = Object.fromEntries((email?.tags ?? []).map((t) => [String(t.name), String(t.value)]));
  const position = Number(tags.touch);
  return tags.enrollment_id && Number.isInteger(position) ? { enrollmentId: tags.enrollment_id, position } : null;
}

/** Emails the Resend mock accepted (a replayed key answers with the first ids: same messages). */
export function resendDeliveries(requests: readonly RecordedResendRequest[]): ProviderDelivery[] {
  const out: ProviderDelivery[] = [];
  for (const r of requests) {
    if (!r.response) continue;
    const emails = (r.path === "/emails" ? [r.body] : (r.body as EmailBody[])) as EmailBody[];
    if (r.path === "/emails") {
      const touch = touchFromTags(emails[0]);
      const id = (r.response as { id?: string }).id;
      if (touch && id) out.push({ provider: "resend", ...touch, messageId: id });
      continue;
    }
    const { data = [], errors = [] } = r.response as { data?: { id: string }[]; errors?: { index: number }[] };
    const failed = new Set(errors.map((e) => e.index));
    let next = 0;
    emails.forEach((email, i) => {
      if (failed.has(i)) return;
      const id = data[next++]?.id;
      const touch = touchFromTags(email);
      if (touch && id) out.push({ provider: "resend", ...touch, messageId: id });
    });
  }
  return out;
}

/**
 * Texts the Twilio mock accepted. The mock consumes its queued failures one per request, in
 * arrival order, so request i met `failures[i]` (failures queued before the requests started).
 * A slow answer is still a text sent (the client gave up, Twilio did not); so is a 2xx whose body
 * was unreadable.
 */
export function twilioDeliveries(requests: readonly RecordedTwilioRequest[], failures: readonly TwilioFailure[]): ProviderDelivery[] {
  const out: ProviderDelivery[] = [];
  requests.forEach((r, i) => {
    const failure = failures[i];
    if (failure && failure.kind !== "slow" && failure.kind !== "malformed") return;
    const callback = new URL(r.form.StatusCallback ?? "http://x/");
    const enrollmentId = callback.searchParams.get("e");
    const position = Number(callback.searchParams.get("p"));
    if (enrollmentId && Number.isInteger(position)) out.push({ provider: "twilio", enrollmentId, position, messageId: `request-${i}` });
  });
  return out;
}
