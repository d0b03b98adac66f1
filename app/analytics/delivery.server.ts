// Whether a business's messages can ever be confirmed delivered, per channel: the analytics page
// hides "Delivered" where the answer is no, rather than show a 0 that reads as "nothing arrived".
// Decided from the transport the processor really uses for the business (the sandbox's businesses
// always use the outbox, whatever is configured) and from whether the provider's delivery webhooks
// can be verified: Resend's need RESEND_WEBHOOK_SECRET, Twilio's status callbacks are signed with
// TWILIO_AUTH_TOKEN. The outbox only stores messages: nothing is ever delivered.
import type { Env } from "~/env.server";

export type DeliveryChannel = "email" | "sms";

/** Why a channel's deliveries are not counted; null when they are. */
export type DeliveryGap = "outbox" | "no_webhooks" | null;

export interface DeliveryReporting {
  email: DeliveryGap;
  sms: DeliveryGap;
}

export function deliveryReporting(
  providers: { email: string; sms: string },
  env: Pick<Env, "RESEND_WEBHOOK_SECRET" | "TWILIO_AUTH_TOKEN">,
): DeliveryReporting {
  const gap = (provider: string, webhooks: boolean, real: string): DeliveryGap =>
    provider === real ? (webhooks ? null : "no_webhooks") : "outbox";
  return {
    email: gap(providers.email, !!env.RESEND_WEBHOOK_SECRET, "resend"),
    sms: gap(providers.sms, !!env.TWILIO_AUTH_TOKEN, "twilio"),
  };
}
