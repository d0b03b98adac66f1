// Signed webhooks for the reliability suites, built from what a drain really sent (the outbox and
// the send log), and a sender that behaves like the providers: anything but a 2xx is delivered
// again, up to a bound. Responses come from the same handlers the routes call.
import { randomUUID } from "node:crypto";
import type { Database } from "~/db.server";
import { receiveWebhook } from "~/hosts/ingest/receive.server";
import type { Clock, ManualClock } from "~/lib/clock.server";
import { signLinkToken } from "~/links/tokens.server";
import { createLogger } from "~/logger.server";
import type { ResendWebhookDeps, StopsDeps, TwilioWebhookDeps } from "~/stops/deps.server";
import { resendWebhookResponse } from "~/stops/resend-webhooks.server";
import { twilioInboundResponse, twilioStatusResponse } from "~/stops/twilio-webhooks.server";
import { unsubscribeResponse } from "~/stops/unsubscribe.server";
import { TEST_APP_URL, TEST_LINK_SECRET, TEST_OPT_OUTS } from "../helpers/engine";
import { genericWebhookRequest, jobPayload, testRegistry } from "../sandbox/helpers";
import { inboundSms, RESEND_SECRET, resendEvent, resendRequest, TWILIO_TOKEN, twilioRequest } from "../stops/helpers";
import type { AcceptedWebhook, ExpectedEffect } from "./invariants";

export type WebhookDeps = StopsDeps & ResendWebhookDeps & TwilioWebhookDeps;

export function webhookDeps(db: Database, clock: Clock): WebhookDeps {
  return {
    db: db.prisma,
    clock,
    logger: createLogger("silent"),
    linkSecret: TEST_LINK_SECRET,
    webhookSecret: RESEND_SECRET,
    authToken: TWILIO_TOKEN,
    appUrl: TEST_APP_URL,
    optOutKey: TEST_OPT_OUTS.key,
    keywordReplies: "kudos",
  };
}

/** One delivery attempt's request (a fresh one per attempt: bodies are read once). */
export interface WebhookJob {
  name: string;
  /** Answers one attempt. */
  send(): Promise<Response>;
  accepted: AcceptedWebhook | null;
  effect: ExpectedEffect | null;
}

export interface SentTouch {
  enrollmentId: string;
  position: number;
  businessId: string;
  channel: "email" | "sms";
  recipient: string;
  providerMessageId: string;
}

export async function sentTouches(db: Database, businessIds: string[], limit: number): Promise<SentTouch[]> {
  const { rows } = await db.pool.query<SentTouch>(
    `SELECT enrollment_id::text AS "enrollmentId", position, business_id::text AS "businessId", channel::text, recipient,
            provider_message_id AS "providerMessageId"
       FROM send_log WHERE business_id = ANY($1::uuid[]) AND status = 'sent' AND provider_message_id IS NOT NULL
      ORDER BY random() LIMIT $2`,
    [businessIds, limit],
  );
  return rows;
}

/** A mix of provider webhooks about real messages: deliveries, bounces, status callbacks, STOPs, unsubscribes. */
export function providerWebhookJobs(deps: WebhookDeps, touches: SentTouch[]): WebhookJob[] {
  return touches.map((t, i): WebhookJob => {
    const kind = i % 5;
    if (t.channel === "email" && kind === 0) {
      const svixId = `msg_${randomUUID().replace(/-/g, "")}`;
      const event = resendEvent("email.bounced", t.providerMessageId, { to: [t.recipient], bounce: { type: "Permanent", message: "mailbox does not exist" } });
      return {
        name: `resend bounce ${svixId}`,
        send: () => resendWebhookResponse(deps, resendRequest(event, { id: svixId })),
        accepted: { kind: "resend", svixId },
        effect: { kind: "suppressed", businessId: t.businessId, channel: "email", address: t.recipient.toLowerCase(), cause: `bounce ${svixId}` },
      };
    }
    if (t.channel === "email" && kind === 1) {
      const token = signLinkToken(deps.linkSecret, { kind: "unsubscribe", enrollmentId: t.enrollmentId, position: t.position });
      return {
        name: `unsubscribe ${t.enrollmentId}`,
        send: () =>
          unsubscribeResponse(deps, token),
        accepted: null,
        effect: { kind: "suppressed", businessId: t.businessId, channel: "email", address: t.recipient.toLowerCase(), cause: `unsubscribe ${t.enrollmentId}` },
      };
    }
    if (t.channel === "email") {
      const svixId = `msg_${randomUUID().replace(/-/g, "")}`;
      const event = resendEvent("email.delivered", t.providerMessageId, { to: [t.recipient] });
      return { name: `resend delivered ${svixId}`, send: () => resendWebhookResponse(deps, resendRequest(event, { id: svixId })), accepted: { kind: "resend", svixId }, effect: null };
    }
    if (kind % 2 === 0) {
      const sms = inboundSms(t.recipient, "STOP");
      return {
        name: `inbound STOP ${sms.MessageSid}`,
        send: () => twilioInboundResponse(deps, twilioRequest("/webhooks/twilio/inbound", sms)),
        accepted: { kind: "twilio-inbound", messageSid: sms.MessageSid },
        effect: { kind: "suppressed", businessId: t.businessId, channel: "sms", address: t.recipient, cause: `STOP ${sms.MessageSid}` },
      };
    }
    const path = `/webhooks/twilio/status?e=${t.enrollmentId}&p=${t.position}`;
    const params = { MessageSid: t.providerMessageId, MessageStatus: "delivered", AccountSid: "AC0123" };
    return {
      name: `twilio status ${t.providerMessageId}`,
      send: () => twilioStatusResponse(deps, twilioRequest(path, params)),
      accepted: { kind: "twilio-status", messageSid: t.providerMessageId, status: "delivered" },
      effect: null,
    };
  });
}

/** Host webhooks (the sandbox host's signed generic protocol): completed jobs for installed accounts. */
export function hostWebhookJobs(db: Database, clock: Clock, accounts: string[], count: number): WebhookJob[] {
  const registry = testRegistry({ clock: clock as ManualClock });
  const deps = { db: db.prisma, pool: db.pool, clock, hosts: registry, logger: createLogger("silent"), enqueue: () => {} };
  return Array.from({ length: count }, (_, i): WebhookJob => {
    const accountId = accounts[i % accounts.length]!;
    const eventId = `evt-rel-${randomUUID()}`;
    const body = jobPayload(accountId, {
      jobId: `rel-job-${randomUUID().slice(0, 8)}`,
      customer: { id: `rel-cus-${i}-${randomUUID().slice(0, 6)}`, first_name: "Host", last_name: "Load", email: `host.${randomUUID().slice(0, 8)}@example.com`, timezone: "America/New_York" },
    });
    return {
      name: `host ${eventId}`,
      send: () => receiveWebhook(deps, "sandbox", genericWebhookRequest(body, { now: clock.now(), eventId })),
      accepted: { kind: "host", host: "sandbox", eventId },
      effect: null,
    };
  });
}

export interface DeliveryStats {
  attempts: number;
  accepted: number;
  /** Attempts answered 5xx or thrown (the sender tries again). */
  failedAttempts: number;
  /** Answered 4xx: a bug for these well-formed, signed requests. */
  rejected: string[];
  /** Never accepted within the bound. */
  gaveUp: string[];
  acceptedWebhooks: AcceptedWebhook[];
  effects: ExpectedEffect[];
}

/**
 * Delivers every job like a provider does (at least once: retried after 5xx or a dropped
 * connection, with a short backoff), `concurrency` at a time.
 */
export async function deliverAll(jobs: WebhookJob[], opts: { concurrency: number; maxAttempts?: number; backoffMs?: number }): Promise<DeliveryStats> {
  const stats: DeliveryStats = { attempts: 0, accepted: 0, failedAttempts: 0, rejected: [], gaveUp: [], acceptedWebhooks: [], effects: [] };
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      for (let attempt = 1; ; attempt++) {
        stats.attempts += 1;
        let status: number;
        try {
          status = (await job.send()).status;
        } catch {
          status = 500;
        }
        if (status >= 200 && status < 300) {
          stats.accepted += 1;
          if (job.accepted) stats.acceptedWebhooks.push(job.accepted);
          if (job.effect) stats.effects.push(job.effect);
          break;
        }
        if (status < 500) {
          stats.rejected.push(`${job.name}: ${status}`);
          break;
        }
        stats.failedAttempts += 1;
        if (attempt >= (opts.maxAttempts ?? 20)) {
          stats.gaveUp.push(job.name);
          break;
        }
        await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 50) * attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return stats;
}
