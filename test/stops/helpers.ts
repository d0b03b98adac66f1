// Shared set-up for the stop-path tests: a business whose first touch really went out through
// the processor (so links come from a real message), route-level environment, and signed
// provider webhooks (Svix for Resend, X-Twilio-Signature for Twilio) built the way the providers
// build them.
import { randomUUID } from "node:crypto";
import { Webhook } from "svix";
import twilio from "twilio";
import { afterAll, beforeAll, expect } from "vitest";
import { closeDatabase } from "~/db.server";
import { recordJob } from "~/domain/enrollment.server";
import { processBatch } from "~/engine/processor.server";
import { resetEnvForTests } from "~/env.server";
import type { Prisma } from "~/generated/prisma/client";
import { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";
import type { StopsDeps, ResendWebhookDeps, TwilioWebhookDeps } from "~/stops/deps.server";
import type { TestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps, TEST_APP_URL, TEST_LINK_SECRET, TEST_OPT_OUTS } from "../helpers/engine";
import type { KeywordReplies } from "~/stops/sms-keywords.server";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";

export const RESEND_SECRET = `whsec_${Buffer.from("kudos-test-resend-webhook-secret!").toString("base64")}`;
export const TWILIO_TOKEN = "test-twilio-auth-token-0123456789";
export const TWILIO_SID = `AC${"0123456789abcdef".repeat(2)}`;
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");

/** Deps for driving app/stops modules directly. */
export function stopsDeps(
  db: TestDatabase,
  clock = new ManualClock(),
  opts: { keywordReplies?: KeywordReplies } = {},
): StopsDeps & ResendWebhookDeps & TwilioWebhookDeps {
  return {
    db: db.prisma,
    clock,
    logger: createLogger("silent"),
    linkSecret: TEST_LINK_SECRET,
    webhookSecret: RESEND_SECRET,
    authToken: TWILIO_TOKEN,
    appUrl: TEST_APP_URL,
    optOutKey: TEST_OPT_OUTS.key,
    // Kudos's own replies, so the reply texts are visible; the Twilio-default mode has its own tests.
    keywordReplies: opts.keywordReplies ?? "kudos",
  };
}

const ROUTE_ENV = {
  LINK_SECRET: TEST_LINK_SECRET,
  ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
  RESEND_WEBHOOK_SECRET: RESEND_SECRET,
  TWILIO_ACCOUNT_SID: TWILIO_SID,
  TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
  TWILIO_FROM_NUMBER: "+15550001111",
  APP_URL: TEST_APP_URL,
  // Real transports next to the (default-on) sandbox are only allowed on loopback (env rule).
  HOST: "127.0.0.1",
  // Kudos's own keyword replies, so the texts are visible; Twilio's default mode has its own tests.
  SMS_KEYWORD_REPLIES: "kudos",
};

/**
 * Points the process-wide configuration and database (what routes use) at this file's test
 * database. Register after useTestDatabase().
 */
export function useRouteEnv(db: () => TestDatabase): void {
  beforeAll(async () => {
    await closeDatabase();
    Object.assign(process.env, ROUTE_ENV, { DATABASE_URL: db().url });
    resetEnvForTests();
  });
  afterAll(async () => {
    await closeDatabase();
  });
}

/** Runs `fn` with some variables set, then restores them. */
export async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((n) => [n, process.env[n]]));
  Object.assign(process.env, vars);
  resetEnvForTests();
  try {
    return await fn();
  } finally {
    for (const [n, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
    resetEnvForTests();
  }
}

/** Runs `fn` with some variables unset, then restores them. */
export async function withoutEnv<T>(names: string[], fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  resetEnvForTests();
  try {
    return await fn();
  } finally {
    for (const [n, v] of Object.entries(saved)) if (v !== undefined) process.env[n] = v;
    resetEnvForTests();
  }
}

export function routeArgs(request: Request, params: Record<string, string> = {}) {
  return { request, params, context: {} };
}

// --- A business with a message out -------------------------------------------------------------

/** Standard preset: touch 1 email at 10:00 New York on Jan 5, touch 2 SMS Jan 8, touch 3 email Jan 15. */
export const TOUCH_DUE = {
  1: "2026-01-05T15:00:00Z",
  2: "2026-01-08T15:00:00Z",
  3: "2026-01-15T15:00:00Z",
} as const;

export interface SentScenario {
  clock: ManualClock;
  d: ReturnType<typeof deps>;
  p: ReturnType<typeof processorDeps>;
  businessId: string;
  campaignId: string;
  jobInput: ReturnType<typeof completedJob>;
  jobId: string;
  enrollmentId: string;
  customerId: string;
  email: string;
  phone: string;
  /** Tokens taken from the email that went out (touch 1). */
  reviewToken: string;
  unsubscribeToken: string;
  /** Resend/outbox id of that email. */
  providerMessageId: string;
}

export async function sentFirstTouch(
  db: TestDatabase,
  opts: { settings?: Prisma.BusinessUpdateInput; customer?: Partial<ReturnType<typeof completedJob>["customer"]> } = {},
): Promise<SentScenario> {
  const clock = new ManualClock(TOUCH_DUE[1]);
  const d = deps(db.prisma, clock);
  const { business, campaignId } = await installTestBusiness(d);
  await db.prisma.business.update({ where: { id: business.id }, data: { ...BUSINESS_SETTINGS, ...opts.settings } });
  const jobInput = completedJob({ completedAt: new Date("2026-01-04T15:00:00Z"), customer: opts.customer });
  const recorded = await recordJob(d, business.id, jobInput);
  expect(recorded.enrollment?.outcome).toBe("enrolled");
  const enrollmentId = (recorded.enrollment as { enrollmentId: string }).enrollmentId;
  const p = processorDeps(db, { clock });
  // The file's database is shared by its tests: other businesses' due touches may go out too.
  await processBatch(p);
  const message = await db.prisma.outboxMessage.findFirstOrThrow({ where: { businessId: business.id, channel: "email" } });
  const reviewToken = /\/r\/([\w.-]+)/.exec(message.text)?.[1];
  const unsubscribeHeader = (message.headers as Record<string, string>)["List-Unsubscribe"] ?? "";
  const unsubscribeToken = /\/u\/([\w.-]+)>/.exec(unsubscribeHeader)?.[1];
  if (!reviewToken || !unsubscribeToken) throw new Error("the sent email has no review or unsubscribe link");
  const log = await db.prisma.sendLog.findUniqueOrThrow({ where: { enrollmentId_position: { enrollmentId, position: 1 } } });
  expect(log.status).toBe("sent");
  return {
    clock,
    d,
    p,
    businessId: business.id,
    campaignId,
    jobInput,
    jobId: recorded.jobId,
    enrollmentId,
    customerId: recorded.customerId,
    email: jobInput.customer.email!.toLowerCase(),
    phone: jobInput.customer.phone!,
    reviewToken,
    unsubscribeToken,
    providerMessageId: log.providerMessageId!,
  };
}

// --- Signed provider webhooks ----------------------------------------------------------------

export function resendEvent(type: string, emailId: string, data: Record<string, unknown> = {}) {
  return {
    type,
    created_at: "2026-01-05T15:01:00.000Z",
    data: { email_id: emailId, from: "reviews@kudos.test", to: ["someone@example.com"], subject: "How did we do?", ...data },
  };
}

/** A POST as Resend (via Svix) sends it: signed over the exact raw body with the current time. */
export function resendRequest(
  event: unknown,
  opts: { id?: string; timestamp?: Date; secret?: string; method?: string; signature?: string } = {},
): Request {
  const raw = typeof event === "string" ? event : JSON.stringify(event);
  const id = opts.id ?? `msg_${randomUUID().replace(/-/g, "")}`;
  const timestamp = opts.timestamp ?? new Date();
  const signature = opts.signature ?? new Webhook(opts.secret ?? RESEND_SECRET).sign(id, timestamp, raw);
  return new Request("http://internal:3000/webhooks/resend", {
    method: opts.method ?? "POST",
    headers: {
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "svix-signature": signature,
    },
    body: raw,
  });
}

/**
 * A POST as Twilio sends it: form-encoded, signed over APP_URL + path and the fields. The request
 * itself arrives on an internal host, as behind a proxy: the signature must be checked on APP_URL.
 */
export function twilioRequest(
  path: string,
  params: Record<string, string>,
  opts: { token?: string; signature?: string | null; contentType?: string; body?: string } = {},
): Request {
  const signature =
    opts.signature === undefined ? twilio.getExpectedTwilioSignature(opts.token ?? TWILIO_TOKEN, `${TEST_APP_URL}${path}`, params) : opts.signature;
  const headers: Record<string, string> = { "content-type": opts.contentType ?? "application/x-www-form-urlencoded" };
  if (signature !== null) headers["x-twilio-signature"] = signature;
  return new Request(`http://internal:3000${path}`, {
    method: "POST",
    headers,
    body: opts.body ?? new URLSearchParams(params).toString(),
  });
}

export function inboundSms(from: string, body: string, extra: Record<string, string> = {}) {
  return {
    MessageSid: `SM${randomUUID().replace(/-/g, "")}`,
    AccountSid: TWILIO_SID,
    From: from,
    To: "+15550001111",
    Body: body,
    NumMedia: "0",
    ...extra,
  };
}

export async function enrollmentState(db: TestDatabase, enrollmentId: string) {
  return db.prisma.enrollment.findUniqueOrThrow({
    where: { id: enrollmentId },
    select: { status: true, stopReason: true, touches: { orderBy: { position: "asc" }, select: { position: true, status: true, clickedAt: true } } },
  });
}
