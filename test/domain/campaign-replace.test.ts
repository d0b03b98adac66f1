// Activating a campaign over the active one of the same service type scope: "replace" (its
// current customers finish their sequence, new jobs go to the new one) next to "pause it and
// stop its customers". Real database and touch processor, simulated time.
import { describe, expect, it } from "vitest";
import {
  activateCampaign,
  duplicateCampaign,
  findOverlappingCampaign,
  getCampaign,
  listPresets,
  pauseCampaign,
} from "~/domain/campaigns.server";
import { recordJob } from "~/domain/enrollment.server";
import { drain } from "~/engine/processor.server";
import { ConflictError } from "~/lib/errors.server";
import { ManualClock } from "~/lib/clock.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";

describe("replacing the active campaign", () => {
  const db = useTestDatabase();

  /** A business whose Standard campaign (all services) has one customer in it, and a paused Aggressive copy. */
  async function setup() {
    const clock = new ManualClock("2026-01-05T15:00:00Z"); // 10:00 in New York
    const d = deps(db().prisma, clock);
    const { business, campaignId: standardId } = await installTestBusiness(d);
    await db().prisma.business.update({ where: { id: business.id }, data: BUSINESS_SETTINGS });
    const inFlight = await recordJob(d, business.id, completedJob({ completedAt: clock.now() }));
    expect(inFlight.enrollment).toMatchObject({ outcome: "enrolled", campaignId: standardId });
    const aggressive = (await listPresets(db().prisma)).find((p) => p.presetKey === "aggressive")!;
    const next = await duplicateCampaign(d, business.id, aggressive.id);
    return { clock, d, business, standardId, nextId: next.id, enrollmentId: (inFlight.enrollment as { enrollmentId: string }).enrollmentId };
  }

  async function touches(enrollmentId: string) {
    return db().prisma.enrollmentTouch.findMany({ where: { enrollmentId }, orderBy: { position: "asc" } });
  }

  it("without a choice, activating over the active campaign is a 409 naming it, and changes nothing", async () => {
    const { d, business, standardId, nextId } = await setup();
    expect(await findOverlappingCampaign(db().prisma, business.id, nextId)).toMatchObject({ id: standardId, name: "Standard", activeEnrollments: 1 });
    const err = await activateCampaign(d, business.id, nextId).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toBe('"Standard" is already active for all services: replace it or pause it first');
    expect((await getCampaign(db().prisma, business.id, standardId)).status).toBe("active");
    expect((await getCampaign(db().prisma, business.id, nextId)).status).toBe("paused");
  });

  it("replace: new jobs enroll in the new campaign, the replaced one's customers still get their next touches", async () => {
    const { clock, d, business, standardId, nextId, enrollmentId } = await setup();
    const { campaign, replaced } = await activateCampaign(d, business.id, nextId, { replace: "finish" });
    expect(campaign.status).toBe("active");
    expect(replaced).toMatchObject({ id: standardId, name: "Standard", mode: "finish", activeEnrollments: 1, stoppedEnrollments: 0 });
    const old = await getCampaign(db().prisma, business.id, standardId);
    expect(old.status).toBe("paused");
    expect(old.retiredAt).toEqual(clock.now());
    expect((await db().prisma.enrollment.findUniqueOrThrow({ where: { id: enrollmentId } })).status).toBe("active");

    // A new job goes to the new campaign.
    const fresh = await recordJob(d, business.id, completedJob({ completedAt: clock.now() }));
    expect(fresh.enrollment).toMatchObject({ outcome: "enrolled", campaignId: nextId });

    // The in-flight customer's touch 1 (Standard: email after 24 h) goes out at its time, and touch 2 after it.
    const p = processorDeps(db(), { clock });
    clock.advanceHours(25);
    await drain(p);
    expect((await touches(enrollmentId)).map((t) => t.status)).toEqual(["sent", "pending", "pending"]);
    clock.advanceHours(72);
    await drain(p);
    expect((await touches(enrollmentId)).map((t) => t.status)).toEqual(["sent", "sent", "pending"]);
    const outbox = await db().prisma.outboxMessage.findMany({ where: { businessId: business.id, tags: { path: ["enrollment_id"], equals: enrollmentId } } });
    expect(outbox.map((m) => m.channel)).toEqual(["email", "sms"]);
  });

  it("pause and stop: the replaced campaign's customers stop and their pending touches are cancelled", async () => {
    const { clock, d, business, standardId, nextId, enrollmentId } = await setup();
    const { replaced } = await activateCampaign(d, business.id, nextId, { replace: "stop" });
    expect(replaced).toMatchObject({ id: standardId, mode: "stop", stoppedEnrollments: 1 });
    const old = await getCampaign(db().prisma, business.id, standardId);
    expect(old).toMatchObject({ status: "paused", retiredAt: null });
    expect(await db().prisma.enrollment.findUniqueOrThrow({ where: { id: enrollmentId } })).toMatchObject({ status: "stopped", stopReason: "campaign_paused" });
    expect((await touches(enrollmentId)).map((t) => t.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
    clock.advanceHours(25);
    expect((await drain(processorDeps(db(), { clock }))).sent).toBe(0);
  });

  it("pausing a replaced campaign later stops the customers it was finishing; activating it again clears the mark", async () => {
    const { clock, d, business, standardId, nextId, enrollmentId } = await setup();
    await activateCampaign(d, business.id, nextId, { replace: "finish" });
    const { stoppedEnrollments } = await pauseCampaign(d, business.id, standardId);
    expect(stoppedEnrollments).toBe(1);
    expect((await getCampaign(db().prisma, business.id, standardId)).retiredAt).toBeNull();
    clock.advanceHours(25);
    expect((await drain(processorDeps(db(), { clock }))).sent).toBe(0);
    expect((await touches(enrollmentId)).every((t) => t.status === "cancelled")).toBe(true);

    // Back to Standard, replacing the new one: its mark is gone, the other is the retired one now.
    await activateCampaign(d, business.id, standardId, { replace: "finish" });
    expect(await getCampaign(db().prisma, business.id, standardId)).toMatchObject({ status: "active", retiredAt: null });
    expect((await getCampaign(db().prisma, business.id, nextId)).retiredAt).not.toBeNull();
  });

  it("a campaign for another service type is no overlap: it activates next to the one for all services", async () => {
    const { d, business, standardId, nextId } = await setup();
    await db().prisma.campaign.update({ where: { id: nextId }, data: { serviceType: "hvac" } });
    expect(await findOverlappingCampaign(db().prisma, business.id, nextId)).toBeNull();
    expect((await activateCampaign(d, business.id, nextId)).replaced).toBeNull();
    expect((await getCampaign(db().prisma, business.id, standardId)).status).toBe("active");
  });
});
