import { describe, expect, it } from "vitest";
import {
  createCampaign,
  deleteCampaign,
  duplicateCampaign,
  getCampaign,
  listCampaigns,
  listPresets,
  pauseCampaign,
  resumeCampaign,
  seedPresets,
  touchSummary,
  updateCampaign,
} from "~/domain/campaigns.server";
import { recordJob } from "~/domain/enrollment.server";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "~/lib/errors.server";
import { useTestDatabase } from "../helpers/db";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";

async function expectError<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as T;
}

describe("presets", () => {
  const db = useTestDatabase();

  it("seeds three system presets idempotently, with real templates", async () => {
    await seedPresets(db().prisma);
    await seedPresets(db().prisma);
    const presets = await listPresets(db().prisma);
    expect(presets.map((p) => p.presetKey)).toEqual(["conservative", "standard", "aggressive"]);
    expect(await db().prisma.campaign.count({ where: { isPreset: true } })).toBe(3);
    for (const p of presets) {
      expect(p.businessId).toBeNull();
      expect(p.touches.length).toBeGreaterThanOrEqual(1);
      expect(p.touches.length).toBeLessThanOrEqual(4);
    }
    expect(touchSummary(presets[1]!.touches)).toBe("Email 24h → SMS +3d → Email +7d");
    const templates = await db().prisma.messageTemplate.findMany({ where: { businessId: null } });
    expect(templates.every((t) => t.body.includes("{{review_link}}"))).toBe(true);
  });

  it("can be viewed and duplicated but never edited, paused or deleted, even by id", async () => {
    const d = deps(db().prisma);
    const { business } = await installTestBusiness(d);
    const [preset] = await listPresets(db().prisma);
    const seen = await getCampaign(db().prisma, business.id, preset!.id);
    expect(seen.isPreset).toBe(true);
    const valid = { name: "x", touches: [{ channel: "email", delayHours: 5, templateId: preset!.touches[0]!.templateId }] };
    await expectError(updateCampaign(d, business.id, preset!.id, valid), ForbiddenError);
    await expectError(pauseCampaign(d, business.id, preset!.id), ForbiddenError);
    await expectError(resumeCampaign(d, business.id, preset!.id), ForbiddenError);
    await expectError(deleteCampaign(d, business.id, preset!.id), ForbiddenError);
    const after = await getCampaign(db().prisma, business.id, preset!.id);
    expect(after).toEqual(seen);
  });

  it("duplicating a preset gives the business an editable copy of touches and templates", async () => {
    const d = deps(db().prisma);
    const { business } = await installTestBusiness(d);
    const aggressive = (await listPresets(db().prisma)).find((p) => p.presetKey === "aggressive")!;
    const copy = await duplicateCampaign(d, business.id, aggressive.id);
    expect(copy.businessId).toBe(business.id);
    expect(copy.isPreset).toBe(false);
    expect(copy.status).toBe("paused");
    expect(copy.touches.map((t) => [t.channel, t.delayHours])).toEqual(aggressive.touches.map((t) => [t.channel, t.delayHours]));
    const copiedTemplateIds = copy.touches.map((t) => t.templateId);
    expect(copiedTemplateIds.some((id) => aggressive.touches.some((t) => t.templateId === id))).toBe(false);
    const templates = await db().prisma.messageTemplate.findMany({ where: { id: { in: copiedTemplateIds } } });
    expect(templates.every((t) => t.businessId === business.id)).toBe(true);
    // and the copy is editable
    const edited = await updateCampaign(d, business.id, copy.id, {
      name: "My sequence",
      serviceType: "hvac",
      touches: [{ channel: "sms", delayHours: 3, templateId: copy.touches[0]!.templateId }],
    });
    expect(edited.touches).toHaveLength(1);
    expect(edited.serviceType).toBe("hvac");
  });

  it("duplicating one of the business's campaigns copies it too", async () => {
    const d = deps(db().prisma);
    const { business, campaignId } = await installTestBusiness(d);
    const copy = await duplicateCampaign(d, business.id, campaignId);
    expect(copy.name).toMatch(/\(copy\)$/);
    expect((await listCampaigns(db().prisma, business.id)).length).toBe(2);
  });
});

describe("campaign validation", () => {
  const db = useTestDatabase();

  it("rejects bad touch sequences with field-level errors and changes nothing", async () => {
    const d = deps(db().prisma);
    const { business, campaignId } = await installTestBusiness(d);
    const before = await getCampaign(db().prisma, business.id, campaignId);
    const email = before.touches.find((t) => t.channel === "email")!.templateId;
    const sms = before.touches.find((t) => t.channel === "sms")!.templateId;
    const touch = { channel: "email", delayHours: 24, templateId: email };
    const cases: [unknown, string][] = [
      [{ name: "", touches: [touch] }, "name"],
      [{ name: "x", touches: [] }, "touches"],
      [{ name: "x", touches: [touch, touch, touch, touch, touch] }, "touches"],
      [{ name: "x", touches: [{ ...touch, delayHours: 0 }] }, "touches.0.delayHours"],
      [{ name: "x", touches: [{ ...touch, delayHours: 2161 }] }, "touches.0.delayHours"],
      [{ name: "x", touches: [{ ...touch, delayHours: 1.5 }] }, "touches.0.delayHours"],
      [{ name: "x", touches: [{ ...touch, channel: "fax" }] }, "touches.0.channel"],
      [{ name: "x", touches: [touch, { ...touch, templateId: sms }] }, "touches.1.templateId"],
      [{ name: "x", touches: [{ ...touch, templateId: "not-a-uuid" }] }, "touches.0.templateId"],
    ];
    for (const [input, field] of cases) {
      const err = await expectError(updateCampaign(d, business.id, campaignId, input), ValidationError);
      expect(Object.keys(err.fieldErrors), JSON.stringify(input)).toContain(field);
      expect(err.status).toBe(400);
    }
    expect(await getCampaign(db().prisma, business.id, campaignId)).toEqual(before);
  });

  it("a template of another business is not found", async () => {
    const d = deps(db().prisma);
    const a = await installTestBusiness(d);
    const b = await installTestBusiness(d);
    const bCampaign = await getCampaign(db().prisma, b.business.id, b.campaignId);
    const err = await expectError(
      createCampaign(d, a.business.id, { name: "x", touches: [{ channel: "email", delayHours: 1, templateId: bCampaign.touches[0]!.templateId }] }),
      ValidationError,
    );
    expect(err.fieldErrors["touches.0.templateId"]).toBe("template not found");
  });

  it("the database enforces touch count, position and delay ranges on its own", async () => {
    const d = deps(db().prisma);
    const { campaignId } = await installTestBusiness(d);
    const t = await db().prisma.campaignTouch.findFirstOrThrow({ where: { campaignId } });
    await expect(db().prisma.campaignTouch.update({ where: { id: t.id }, data: { delayHours: 0 } })).rejects.toThrow();
    await expect(db().prisma.campaignTouch.update({ where: { id: t.id }, data: { delayHours: 2161 } })).rejects.toThrow();
    await expect(db().prisma.campaignTouch.update({ where: { id: t.id }, data: { position: 5 } })).rejects.toThrow();
    // Removing every touch fails at commit (deferred constraint trigger).
    await expect(db().prisma.campaignTouch.deleteMany({ where: { campaignId } })).rejects.toThrow(/at least one touch/);
    expect(await db().prisma.campaignTouch.count({ where: { campaignId } })).toBe(3);
    // A touch's template must have the touch's channel (composite foreign key).
    const sms = await db().prisma.messageTemplate.findFirstOrThrow({ where: { channel: "sms" } });
    await expect(
      db().pool.query("UPDATE campaign_touch SET template_id = $1 WHERE id = $2 AND channel = 'email'", [sms.id, t.id]),
    ).rejects.toThrow(/foreign key/);
  });

  it("allows at most one active campaign per service type, enforced by the database", async () => {
    const d = deps(db().prisma);
    const { business, campaignId } = await installTestBusiness(d); // active, all services
    const copy = await duplicateCampaign(d, business.id, campaignId);
    const err = await expectError(resumeCampaign(d, business.id, copy.id), ConflictError);
    expect(err.status).toBe(409);
    expect(err.fieldErrors.serviceType).toBeDefined();
    // A different service type can be active next to "all services".
    const touches = copy.touches.map((t) => ({ channel: t.channel, delayHours: t.delayHours, templateId: t.templateId }));
    await updateCampaign(d, business.id, copy.id, { name: "HVAC", serviceType: "hvac", touches });
    await resumeCampaign(d, business.id, copy.id);
    const third = await createCampaign(d, business.id, { name: "HVAC 2", serviceType: "hvac", touches });
    await expectError(resumeCampaign(d, business.id, third.id), ConflictError);
    // Straight to the database: the index still says no.
    await expect(
      db().pool.query("UPDATE campaign SET status = 'active' WHERE id = $1", [third.id]),
    ).rejects.toThrow(/campaign_one_active_per_service_type/);
  });
});

describe("pause, resume and delete", () => {
  const db = useTestDatabase();

  it("pausing stops active enrollments with campaign_paused; resuming affects only future jobs", async () => {
    const d = deps(db().prisma);
    const { business, campaignId } = await installTestBusiness(d);
    const first = await recordJob(d, business.id, completedJob());
    expect(first.enrollment?.outcome).toBe("enrolled");
    const { stoppedEnrollments } = await pauseCampaign(d, business.id, campaignId);
    expect(stoppedEnrollments).toBe(1);
    const e = await db().prisma.enrollment.findFirstOrThrow({ where: { campaignId } });
    expect(e).toMatchObject({ status: "stopped", stopReason: "campaign_paused", nextDueAt: null });
    const touches = await db().prisma.enrollmentTouch.findMany({ where: { enrollmentId: e.id } });
    expect(touches.every((t) => t.status === "cancelled")).toBe(true);
    const whilePaused = await recordJob(d, business.id, completedJob());
    expect(whilePaused.enrollment).toEqual({ outcome: "skipped", reason: "no_matching_campaign" });

    await resumeCampaign(d, business.id, campaignId);
    expect((await db().prisma.enrollment.findUniqueOrThrow({ where: { id: e.id } })).status).toBe("stopped");
    const later = await recordJob(d, business.id, completedJob());
    expect(later.enrollment?.outcome).toBe("enrolled");
  });

  it("deleting stops enrollments with campaign_deleted and keeps the history", async () => {
    const d = deps(db().prisma);
    const { business, campaignId } = await installTestBusiness(d);
    await recordJob(d, business.id, completedJob());
    await deleteCampaign(d, business.id, campaignId);
    expect(await listCampaigns(db().prisma, business.id)).toHaveLength(0);
    const e = await db().prisma.enrollment.findFirstOrThrow({ where: { campaignId } });
    expect(e.stopReason).toBe("campaign_deleted");
    expect(await db().prisma.enrollmentTouch.count({ where: { enrollmentId: e.id } })).toBe(3);
    await expectError(getCampaign(db().prisma, business.id, campaignId), NotFoundError);
  });

  it("another business cannot see or change the campaign", async () => {
    const d = deps(db().prisma);
    const a = await installTestBusiness(d);
    const b = await installTestBusiness(d);
    await expectError(getCampaign(db().prisma, b.business.id, a.campaignId), NotFoundError);
    await expectError(pauseCampaign(d, b.business.id, a.campaignId), NotFoundError);
    await expectError(deleteCampaign(d, b.business.id, a.campaignId), NotFoundError);
    expect((await getCampaign(db().prisma, a.business.id, a.campaignId)).status).toBe("active");
  });
});
