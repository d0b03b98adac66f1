// A small, fully known history for the analytics tests, written through the real domain
// functions (installBusiness, createCampaign, recordJob, stopEnrollments), the touch processor
// (drain), and the functions provider webhooks and review links call for deliveries and clicks
// (applyDeliveryUpdate, recordLinkClick), so the denormalised columns and the analytics rollup's
// dirty marks are written exactly as in production.
//
// Business "Acme" (America/New_York), two campaigns:
//   standard copy (all services): Email 24h → SMS +3d → Email +7d
//   "HVAC follow-up" (hvac):       SMS 24h → Email +90d
// Jobs completed Jan 4 10:00 New York; touches go out Jan 5, Jan 8 and Jan 15 at 10:00.
//   j1 plumbing  touch 1 sent, clicked → stopped review_clicked
//   j2 plumbing  all three sent, touches 1 and 2 delivered → completed
//   j3 plumbing  touch 1 sent, then STOP → stopped opted_out_sms
//   j4 (none)    no phone: touch 2 skipped; touches 1, 3 sent; touch 3 clicked → completed
//   j5 hvac      touch 1 (SMS) sent, delivered, clicked → stopped review_clicked
//   j6 hvac      touch 1 sent; touch 2 due in April → still active
//   j7 plumbing  enrolled Jan 4 23:30 New York (Jan 5 in UTC), stopped by hand before any touch
//   j9 plumbing  the carrier rejects its number: touch 2 failed; touches 1, 3 sent → completed
//   j8 plumbing  enrolled Jan 20, nothing sent yet → active
// Plus business "Other" with one enrollment and a sent touch, which must never show up in Acme's.
import { expect } from "vitest";
import { createCampaign } from "~/domain/campaigns.server";
import { recordJob, stopEnrollmentManually } from "~/domain/enrollment.server";
import { stopEnrollments } from "~/domain/stops.server";
import { drain } from "~/engine/processor.server";
import { createOutboxSmsTransport } from "~/engine/transports/index.server";
import type { SmsTransport } from "~/engine/transports/types";
import type { Business } from "~/generated/prisma/client";
import { recordLinkClick } from "~/stops/review-link.server";
import { applyDeliveryUpdate, lockSendLog } from "~/stops/send-log.server";
import { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";
import type { TestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";

export const REJECTED_NUMBER = "+13055550999";

export interface Scenario {
  business: Business;
  other: Business;
  standardCampaignId: string;
  hvacCampaignId: string;
  otherCampaignId: string;
  enrollment: Record<"j1" | "j2" | "j3" | "j4" | "j5" | "j6" | "j7" | "j8" | "j9", string>;
}

/** An SMS transport whose carrier rejects one number (permanently), like Twilio's 30006. */
function rejectingSms(inner: SmsTransport): SmsTransport {
  return {
    provider: inner.provider,
    send: async (sms) =>
      sms.to === REJECTED_NUMBER ? { ok: false, retryable: false, error: "Landline or unreachable carrier", code: "30006" } : inner.send(sms),
  };
}

export async function seedScenario(db: TestDatabase): Promise<Scenario> {
  const clock = new ManualClock("2026-01-04T16:00:00Z");
  const d = deps(db.prisma, clock);
  const logger = createLogger("silent");
  const p = processorDeps(db, {
    clock,
    sms: rejectingSms(createOutboxSmsTransport({ db: db.prisma, clock, logger, fromNumber: "+15550001111" })),
  });

  const { business, campaignId: standardCampaignId } = await installTestBusiness(d, { name: "Acme Plumbing" });
  await db.prisma.business.update({ where: { id: business.id }, data: BUSINESS_SETTINGS });
  const templates = await db.prisma.messageTemplate.findMany({ where: { businessId: business.id } });
  const hvac = await createCampaign(
    d,
    business.id,
    {
      name: "HVAC follow-up",
      serviceType: "hvac",
      touches: [
        { channel: "sms", delayHours: 24, templateId: templates.find((t) => t.channel === "sms")!.id },
        { channel: "email", delayHours: 2160, templateId: templates.find((t) => t.channel === "email")!.id },
      ],
    },
    { active: true },
  );

  const completedAt = new Date("2026-01-04T15:00:00Z");
  const enroll = async (businessId: string, overrides: Parameters<typeof completedJob>[0] = {}) => {
    const result = await recordJob(d, businessId, completedJob({ completedAt, ...overrides }));
    expect(result.enrollment?.outcome).toBe("enrolled");
    return (result.enrollment as { enrollmentId: string }).enrollmentId;
  };

  // Jan 4, 11:00 New York.
  const j1 = await enroll(business.id);
  const j2 = await enroll(business.id);
  const j3 = await enroll(business.id);
  const j4 = await enroll(business.id, { serviceType: null, customer: { phone: null } });
  const j5 = await enroll(business.id, { serviceType: "hvac" });
  const j6 = await enroll(business.id, { serviceType: "hvac" });
  const j9 = await enroll(business.id, { customer: { phone: REJECTED_NUMBER } });
  // Jan 4, 23:30 New York: still Jan 4 for the business, already Jan 5 in UTC.
  clock.set("2026-01-05T04:30:00Z");
  const j7 = await enroll(business.id);
  expect(await stopEnrollmentManually(d, business.id, j7)).toBe(true);

  // The other business: same day, one enrollment whose first touch goes out with Acme's.
  clock.set("2026-01-04T16:00:00Z");
  const { business: other, campaignId: otherCampaignId } = await installTestBusiness(d, { name: "Other Electric" });
  await db.prisma.business.update({ where: { id: other.id }, data: BUSINESS_SETTINGS });
  const o1 = await enroll(other.id, { serviceType: "plumbing" });

  const deliver = (enrollmentId: string, position: number) =>
    db.prisma.$transaction(async (tx) => {
      const log = await lockSendLog(tx, { enrollmentId, position });
      await applyDeliveryUpdate(tx, log!, { status: "delivered", at: clock.now(), now: clock.now() });
    });
  const click = (enrollmentId: string, position: number, businessId: string) =>
    db.prisma.$transaction(async (tx) => {
      await recordLinkClick(tx, enrollmentId, position, clock.now());
      await stopEnrollments(tx, businessId, { enrollmentIds: [enrollmentId] }, "review_clicked", clock.now());
    });

  // Jan 5, 10:00 New York: every first touch.
  clock.set("2026-01-05T15:00:00Z");
  expect((await drain(p)).sent).toBe(8);
  clock.set("2026-01-05T15:05:00Z");
  await deliver(j2, 1);
  await deliver(j5, 1);
  await deliver(o1, 1);
  clock.set("2026-01-05T16:00:00Z");
  await click(j1, 1, business.id);
  await click(j5, 1, business.id);
  await click(o1, 1, other.id);
  await db.prisma.$transaction((tx) => stopEnrollments(tx, business.id, { enrollmentIds: [j3] }, "opted_out_sms", clock.now()));

  // Jan 8: second touches (standard campaign): j2 sent, j4 skipped (no phone), j9 failed.
  clock.set("2026-01-08T15:00:00Z");
  const second = await drain(p);
  expect(second).toMatchObject({ sent: 1, skipped: 1, failed: 1 });
  clock.set("2026-01-08T15:05:00Z");
  await deliver(j2, 2);

  // Jan 15: third touches, then the customer of j4 clicks its link (already completed).
  clock.set("2026-01-15T15:00:00Z");
  expect((await drain(p)).sent).toBe(3);
  clock.set("2026-01-15T18:00:00Z");
  await db.prisma.$transaction((tx) => recordLinkClick(tx, j4, 3, clock.now()));

  // Jan 20, 11:00 New York: one more job, nothing sent yet.
  clock.set("2026-01-20T16:00:00Z");
  const j8 = await enroll(business.id, { completedAt: new Date("2026-01-20T15:00:00Z") });

  return {
    business,
    other,
    standardCampaignId,
    hvacCampaignId: hvac.id,
    otherCampaignId,
    enrollment: { j1, j2, j3, j4, j5, j6, j7, j8, j9 },
  };
}
