// The outbox page exists for installations without real providers: the outbox transport stores
// each message instead of sending it (app/engine/transports/outbox.server.ts). Same rules as
// createTransports.
import type { Env } from "~/env.server";

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
