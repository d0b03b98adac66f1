// Chooses the transports from the environment: Resend and Twilio when configured, otherwise the
// outbox (the embedded default stores messages instead of sending them).
import { singleLine } from "~/engine/render/variables";
import type { Db } from "~/db.server";
import type { Env } from "~/env.server";
import { systemClock, type Clock } from "~/lib/clock.server";
import type { Logger } from "~/logger.server";
import { createOutboxEmailTransport, createOutboxSmsTransport } from "./outbox.server";
import { createResendTransport } from "./resend.server";
import { createTwilioTransport } from "./twilio.server";
import type { EmailTransport, SmsTransport } from "./types";
import type { Pacer } from "./pacer";
import { senderScope } from "~/lib/opt-out-key.server";

export * from "./types";
export { createPacer, DEFAULT_PACER_MAX_WAIT_MS, type Pacer, type PacerOptions, type PacerTurn } from "./pacer";
export { createEmailPacer, SharedPacer, DEFAULT_EMAIL_PACE_PREFIX, type EmailPacerEnv, type ManagedPacer, type SharedPacerOptions } from "./shared-pacer.server";
export { withRetries, retryDelayMs, type RetryOptions } from "./retry";
export {
  createResendTransport,
  resendTags,
  emailIdempotencyKey,
  batchIdempotencyKey,
  RESEND_BATCH_LIMIT,
  RESEND_REQUESTS_PER_SECOND,
  MONTHLY_QUOTA_DEFER_MS,
  MONTHLY_QUOTA_HOLD_MS,
  resendDailyQuotaResetAt,
  type ResendTransportOptions,
} from "./resend.server";
export {
  createTwilioTransport,
  validateTwilioSignature,
  TWILIO_NOT_MOBILE,
  TWILIO_UNREACHABLE,
  TWILIO_UNSUBSCRIBED,
  type TwilioTransportOptions,
} from "./twilio.server";
export {
  createOutboxEmailTransport,
  createOutboxSmsTransport,
  listOutbox,
  OUTBOX_LIST_LIMIT,
  OUTBOX_PROVIDER,
  OUTBOX_ID_PREFIX,
  type OutboxDeps,
  type OutboxEntry,
} from "./outbox.server";

export type TransportEnv = Pick<
  Env,
  | "EMAIL_FROM"
  | "RESEND_API_KEY"
  | "TWILIO_ACCOUNT_SID"
  | "TWILIO_AUTH_TOKEN"
  | "TWILIO_FROM_NUMBER"
  | "TWILIO_MESSAGING_SERVICE_SID"
>;

export interface TransportDeps {
  db: Db;
  logger: Logger;
  /** Twilio's HTTP client (the Resend SDK always uses the global fetch). */
  fetch?: typeof fetch;
  /** Outbox timestamps and Retry-After dates. */
  clock?: Clock;
  /** Paces Resend requests (createEmailPacer: shared by every process); default: in-process. */
  emailPacer?: Pacer;
}

export interface Transports {
  email: EmailTransport;
  sms: SmsTransport;
}

export function createTransports(env: TransportEnv, deps: TransportDeps): Transports {
  const clock = deps.clock ?? systemClock;
  const email = env.RESEND_API_KEY
    ? createResendTransport({ apiKey: env.RESEND_API_KEY, logger: deps.logger, clock, pacer: deps.emailPacer })
    : createOutboxEmailTransport({ db: deps.db, clock, logger: deps.logger });
  if (env.RESEND_API_KEY && /\.localhost$/i.test(env.EMAIL_FROM)) {
    deps.logger.warn({ emailFrom: env.EMAIL_FROM }, "RESEND_API_KEY is set but EMAIL_FROM is not on a verified domain");
  }

  const twilioReady =
    env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && (env.TWILIO_FROM_NUMBER || env.TWILIO_MESSAGING_SERVICE_SID);
  const sms = twilioReady
    ? createTwilioTransport({
        accountSid: env.TWILIO_ACCOUNT_SID!,
        authToken: env.TWILIO_AUTH_TOKEN!,
        fromNumber: env.TWILIO_FROM_NUMBER,
        messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
        logger: deps.logger,
        fetch: deps.fetch,
        clock,
      })
    : createOutboxSmsTransport({ db: deps.db, clock, logger: deps.logger, fromNumber: env.TWILIO_FROM_NUMBER });

  deps.logger.info({ email: email.provider, sms: sms.provider }, "message transports");
  return { email, sms };
}

/** The outbox for both channels: what the sandbox's pretend businesses use whatever is configured. */
/**
 * The sender scopes texts may go out under: the Messaging Service and the number (a STOP texted to
 * a number of the service arrives with both). The outbox "sends" from TWILIO_FROM_NUMBER too.
 */
export function smsSenderScopes(env: Pick<TransportEnv, "TWILIO_FROM_NUMBER" | "TWILIO_MESSAGING_SERVICE_SID">): string[] {
  return [env.TWILIO_MESSAGING_SERVICE_SID, env.TWILIO_FROM_NUMBER].filter((s): s is string => !!s).map(senderScope);
}

export function createOutboxTransports(env: Pick<TransportEnv, "TWILIO_FROM_NUMBER">, deps: TransportDeps): Transports {
  const clock = deps.clock ?? systemClock;
  return {
    email: createOutboxEmailTransport({ db: deps.db, clock, logger: deps.logger }),
    sms: createOutboxSmsTransport({ db: deps.db, clock, logger: deps.logger, fromNumber: env.TWILIO_FROM_NUMBER }),
  };
}

/** `"Bright Plumbing" <reviews@mail.example.com>`: the business's name on the app's sending address. */
export function formatFromAddress(displayName: string | null | undefined, address: string): string {
  const name = singleLine(displayName ?? "")
    .replace(/["\\<>]/g, "")
    .trim()
    .slice(0, 78);
  return name ? `"${name}" <${address}>` : address;
}
