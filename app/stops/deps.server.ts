// What the stop paths need, passed in so tests drive them with their own database and clock.
// Routes build these from the process's configuration with the get* functions below.
import { getDatabase, type Db } from "~/db.server";
import { getEnv } from "~/env.server";
import { systemClock, type Clock } from "~/lib/clock.server";
import { loadSecrets } from "~/lib/secrets.server";
import { logger, type Logger } from "~/logger.server";

export interface WebhookDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
}

/** The public link endpoints (/r, /u, /f). */
export interface StopsDeps extends WebhookDeps {
  /** Verifies and signs the link tokens. */
  linkSecret: string;
}

export interface ResendWebhookDeps extends WebhookDeps {
  /** RESEND_WEBHOOK_SECRET (whsec_...); unset: the endpoint answers 503 and stores nothing. */
  webhookSecret: string | undefined;
}

export interface TwilioWebhookDeps extends WebhookDeps {
  /** TWILIO_AUTH_TOKEN; unset: the endpoints answer 503 and store nothing. */
  authToken: string | undefined;
  /** Public origin Twilio calls (APP_URL): the signed URL is this plus the request's path. */
  appUrl: string;
}

let linkSecretCache: { key: string; secret: string } | undefined;

function linkSecret(): string {
  const env = getEnv();
  // loadSecrets may read DATA_DIR/secrets.json: once per configuration, not once per click.
  const key = `${env.LINK_SECRET ?? ""}|${env.DATA_DIR}`;
  if (linkSecretCache?.key !== key) linkSecretCache = { key, secret: loadSecrets(env).linkSecret };
  return linkSecretCache.secret;
}

export function getStopsDeps(): StopsDeps {
  return { db: getDatabase().prisma, clock: systemClock, logger, linkSecret: linkSecret() };
}

export function getResendWebhookDeps(): ResendWebhookDeps {
  return { db: getDatabase().prisma, clock: systemClock, logger, webhookSecret: getEnv().RESEND_WEBHOOK_SECRET };
}

export function getTwilioWebhookDeps(): TwilioWebhookDeps {
  const env = getEnv();
  return { db: getDatabase().prisma, clock: systemClock, logger, authToken: env.TWILIO_AUTH_TOKEN, appUrl: env.APP_URL };
}
