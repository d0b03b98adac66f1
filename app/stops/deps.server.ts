// What the stop paths need, passed in so tests drive them with their own database and clock.
// Routes build these from the process's configuration with the get* functions below.
import { getDatabase, type Db } from "~/db.server";
import { getEnv } from "~/env.server";
import { systemClock, type Clock } from "~/lib/clock.server";
import type { OptOutKey } from "~/lib/opt-out-key.server";
import type { KeywordReplies } from "./sms-keywords.server";
import { loadSecrets, type Secrets } from "~/lib/secrets.server";
import { logger, type Logger } from "~/logger.server";

export interface WebhookDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Keys the durable opt-out records every stop path writes (app/lib/opt-out-key.server.ts). */
  optOutKey: OptOutKey;
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
  /**
   * Who answers STOP/START/HELP: "twilio" (default: Twilio's own opt-out handling replies to its
   * reserved keywords, Kudos answers with empty TwiML) or "kudos" (Twilio's handling is disabled on
   * the account, Kudos sends the replies). SMS_KEYWORD_REPLIES.
   */
  keywordReplies: KeywordReplies;
}

let secretsCache: { key: string; secrets: Secrets } | undefined;

function secrets(): Secrets {
  const env = getEnv();
  // loadSecrets may read DATA_DIR/secrets.json: once per configuration, not once per click.
  const key = `${env.LINK_SECRET ?? ""}|${env.DATA_DIR}`;
  if (secretsCache?.key !== key) secretsCache = { key, secrets: loadSecrets(env) };
  return secretsCache.secrets;
}

function webhookDeps(): WebhookDeps {
  return { db: getDatabase().prisma, clock: systemClock, logger, optOutKey: secrets().optOutKey };
}

export function getStopsDeps(): StopsDeps {
  return { ...webhookDeps(), linkSecret: secrets().linkSecret };
}

export function getResendWebhookDeps(): ResendWebhookDeps {
  return { ...webhookDeps(), webhookSecret: getEnv().RESEND_WEBHOOK_SECRET };
}

export function getTwilioWebhookDeps(): TwilioWebhookDeps {
  const env = getEnv();
  return { ...webhookDeps(), authToken: env.TWILIO_AUTH_TOKEN, appUrl: env.APP_URL, keywordReplies: env.SMS_KEYWORD_REPLIES };
}
