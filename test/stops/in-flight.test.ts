// THE stop guarantee: once a stop has committed, a processor that had already claimed the touch
// sends nothing. The processor below is held right after its claim (inside pacing, before the
// re-check in beginSends); each stop cause then happens for real, through its HTTP endpoint or
// domain function; then the processor is let go.
import { describe, expect, it } from "vitest";
import { pauseCampaign } from "~/domain/campaigns.server";
import { recordJob, stopEnrollmentManually } from "~/domain/enrollment.server";
import { idempotencyKey, processBatch } from "~/engine/processor.server";
import type { StopReason } from "~/generated/prisma/client";
import * as feedbackRoute from "~/routes/f.$token";
import * as reviewRoute from "~/routes/r.$token";
import * as unsubscribeRoute from "~/routes/u.$token";
import * as resendRoute from "~/routes/webhooks.resend";
import * as inboundRoute from "~/routes/webhooks.twilio.inbound";
import { useTestDatabase } from "../helpers/db";
import { gateLimiter as gate, TEST_APP_URL } from "../helpers/engine";
import {
  enrollmentState,
  inboundSms,
  resendEvent,
  resendRequest,
  routeArgs,
  sentFirstTouch,
  TOUCH_DUE,
  twilioRequest,
  useRouteEnv,
  type SentScenario,
} from "./helpers";

async function expectOk(response: unknown) {
  const res = response as Response;
  expect(res.status, await res.clone().text()).toBeLessThan(400);
}

interface Cause {
  name: string;
  reason: StopReason;
  /** The touch in flight when the stop happens (3 when the stop needs a text to have gone out first). */
  touch?: 2 | 3;
  settings?: Record<string, unknown>;
  stop(s: SentScenario): Promise<void>;
}

const CAUSES: Cause[] = [
  {
    name: "review link click",
    reason: "review_clicked",
    async stop(s) {
      await expectOk(await reviewRoute.loader(routeArgs(new Request(`${TEST_APP_URL}/r/${s.reviewToken}`), { token: s.reviewToken })));
    },
  },
  {
    name: "private feedback",
    reason: "feedback_submitted",
    settings: { feedbackPageEnabled: true },
    async stop(s) {
      const page = (await reviewRoute.loader(routeArgs(new Request(`${TEST_APP_URL}/r/${s.reviewToken}`), { token: s.reviewToken }))) as Response;
      const action = /<form method="post" action="\/f\/([^"]+)"/.exec(await page.text())![1]!;
      const request = new Request(`${TEST_APP_URL}/f/${action}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ message: "Please call me about the invoice." }),
      });
      await expectOk(await feedbackRoute.action(routeArgs(request, { token: action })));
    },
  },
  {
    name: "one-click unsubscribe",
    reason: "opted_out_email",
    async stop(s) {
      const request = new Request(`${TEST_APP_URL}/u/${s.unsubscribeToken}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
      await expectOk(await unsubscribeRoute.action(routeArgs(request, { token: s.unsubscribeToken })));
    },
  },
  {
    name: "hard bounce",
    reason: "email_bounced",
    async stop(s) {
      const event = resendEvent("email.bounced", s.providerMessageId, { bounce: { type: "Permanent", message: "no such user" } });
      await expectOk(await resendRoute.action(routeArgs(resendRequest(event))));
    },
  },
  {
    name: "spam complaint",
    reason: "email_complained",
    async stop(s) {
      await expectOk(await resendRoute.action(routeArgs(resendRequest(resendEvent("email.complained", s.providerMessageId)))));
    },
  },
  {
    name: "inbound STOP",
    reason: "opted_out_sms",
    touch: 3,
    async stop(s) {
      const res = (await inboundRoute.action(routeArgs(twilioRequest("/webhooks/twilio/inbound", inboundSms(s.phone, "Stop"))))) as Response;
      expect(await res.text()).toContain("unsubscribed");
    },
  },
  {
    name: "campaign paused",
    reason: "campaign_paused",
    async stop(s) {
      await pauseCampaign(s.d, s.businessId, s.campaignId);
    },
  },
  {
    name: "manual stop",
    reason: "manual",
    async stop(s) {
      expect(await stopEnrollmentManually(s.d, s.businessId, s.enrollmentId)).toBe(true);
    },
  },
  {
    name: "job cancelled in the host",
    reason: "job_cancelled",
    async stop(s) {
      const r = await recordJob(s.d, s.businessId, { ...s.jobInput, status: "cancelled" });
      expect(r.stopped).toEqual([s.enrollmentId]);
    },
  },
];

describe("a touch already claimed by a processor is never sent after a stop commits", () => {
  const db = useTestDatabase();
  useRouteEnv(db);

  /** Runs the in-flight touch with the processor held after its claim; `stop` runs while it is held. */
  async function inFlight(touch: 2 | 3, settings: Record<string, unknown> | undefined, stop?: (s: SentScenario) => Promise<void>) {
    const s = await sentFirstTouch(db(), { settings });
    if (touch === 3) {
      s.clock.set(TOUCH_DUE[2]);
      await processBatch(s.p);
      expect((await enrollmentState(db(), s.enrollmentId)).touches[1]!.status).toBe("sent");
    }
    s.clock.set(TOUCH_DUE[touch]);
    const held = gate(s.businessId);
    const batch = processBatch({ ...s.p, limiter: held.limiter });
    await held.reached;
    // Claimed: leased to the held processor, with its context loaded.
    const claimed = await db().prisma.enrollment.findUniqueOrThrow({ where: { id: s.enrollmentId } });
    expect(claimed).toMatchObject({ status: "active", currentTouch: touch });
    expect(claimed.leaseToken).not.toBeNull();
    if (stop) await stop(s);
    held.release();
    await batch;
    const sent = await db().prisma.outboxMessage.findUnique({ where: { idempotencyKey: idempotencyKey(s.enrollmentId, touch) } });
    const log = await db().prisma.sendLog.findUnique({ where: { enrollmentId_position: { enrollmentId: s.enrollmentId, position: touch } } });
    return { s, sent, log };
  }

  it("control: without a stop the held touch goes out (the harness can see a send)", async () => {
    const { s, sent, log } = await inFlight(2, undefined);
    expect(sent).toMatchObject({ channel: "sms", to: s.phone });
    expect(log).toMatchObject({ status: "sent" });
  });

  it("\"stop emails only, keep texts\": the claimed email is not sent (the re-check sees the suppression), the enrollment goes on", async () => {
    const { s, sent, log } = await inFlight(3, undefined, async (s) => {
      const request = new Request(`${TEST_APP_URL}/u/${s.unsubscribeToken}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "keep_texts=1",
      });
      await expectOk(await unsubscribeRoute.action(routeArgs(request, { token: s.unsubscribeToken })));
    });
    expect(sent).toBeNull();
    expect(log).toBeNull();
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");
  });

  for (const cause of CAUSES) {
    it(`${cause.name}: nothing is sent, nothing is logged, the enrollment is stopped (${cause.reason})`, async () => {
      const touch = cause.touch ?? 2;
      const { s, sent, log } = await inFlight(touch, cause.settings, cause.stop);
      expect(sent).toBeNull();
      expect(log).toBeNull();
      const e = await enrollmentState(db(), s.enrollmentId);
      expect(e).toMatchObject({ status: "stopped", stopReason: cause.reason });
      expect(e.touches.slice(touch - 1).map((t) => t.status)).toEqual(touch === 2 ? ["cancelled", "cancelled"] : ["cancelled"]);
      // Nothing reached the provider for this customer after the stop.
      const messages = await db().prisma.outboxMessage.findMany({ where: { businessId: s.businessId }, orderBy: { createdAt: "asc" } });
      expect(messages.map((m) => m.channel)).toEqual(touch === 2 ? ["email"] : ["email", "sms"]);
    });
  }
});
