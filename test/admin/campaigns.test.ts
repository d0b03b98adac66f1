import { describe, expect, it } from "vitest";
import { recordJob } from "~/domain/enrollment.server";
import * as campaignsRoute from "~/routes/app.campaigns._index";
import * as editorRoute from "~/routes/app.campaigns.$id";
import * as pickerRoute from "~/routes/app.campaigns.new";
import { getServices } from "~/services.server";
import { completedJob } from "../helpers/fixtures";
import { APP_URL, call, installTestBusiness, sessionFor, sessionToken, useAdminServices } from "./helpers";

interface ListData {
  campaigns: { id: string; name: string; status: string; serviceType: string | null; summary: string; counts: Record<string, number> }[];
  presets: { id: string; name: string }[];
}

interface EditorData {
  campaign: { id: string; name: string; isPreset: boolean; touches: { channel: string; delayHours: number; templateId: string }[] };
  templates: { id: string; channel: string; isSystem: boolean }[];
  activeEnrollments: number;
  timeline: { timezone: string; entries: { position: number; scheduledAt: string; sendAt: string; deferred: boolean }[] };
}

async function setup() {
  const business = await installTestBusiness();
  const session = await sessionFor(business);
  const { db } = getServices().domain;
  const campaign = await db.campaign.findFirstOrThrow({
    where: { businessId: business.id },
    include: { touches: { orderBy: { position: "asc" } } },
  });
  return { business, session, db, campaign };
}

/** A campaign row and its touches, to prove an action changed nothing. */
async function snapshot(id: string) {
  const { db } = getServices().domain;
  return db.campaign.findUniqueOrThrow({ where: { id }, include: { touches: { orderBy: { position: "asc" } } } });
}

function saveFields(touches: { channel: string; delay: string; unit: string; templateId: string }[], extra: Record<string, string> = {}) {
  const fields: Record<string, string> = { intent: "save", name: "Spring push", serviceType: "", ...extra };
  touches.forEach((t, i) => {
    fields[`touches.${i}.channel`] = t.channel;
    fields[`touches.${i}.delay`] = t.delay;
    fields[`touches.${i}.unit`] = t.unit;
    fields[`touches.${i}.templateId`] = t.templateId;
  });
  return fields;
}

describe("campaign list", () => {
  useAdminServices();

  it("shows the business's campaigns with status, service type, touch summary and live enrollment counts", async () => {
    const { business, session, campaign } = await setup();
    const deps = getServices().domain;
    // Three completed jobs of different people: three active enrollments; stop one of them.
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await recordJob(deps, business.id, completedJob({ completedAt: new Date() })));
    const first = results[0]!.enrollment;
    if (first?.outcome !== "enrolled") throw new Error("expected an enrollment");
    await deps.db.enrollment.update({ where: { id: first.enrollmentId }, data: { status: "stopped", stopReason: "manual", nextDueAt: null, stoppedAt: new Date() } });

    const res = await call<ListData>(campaignsRoute.loader, await session.get("/app/campaigns"));
    expect(res.status).toBe(200);
    expect(res.data.presets).toEqual([]);
    expect(res.data.campaigns).toEqual([
      expect.objectContaining({
        id: campaign.id,
        name: "Standard",
        status: "active",
        serviceType: null,
        summary: "Email 24h → SMS +3d → Email +7d",
        counts: { active: 2, completed: 0, stopped: 1 },
      }),
    ]);
  });

  it("offers the presets when the business has no campaign", async () => {
    const { session, campaign, db } = await setup();
    await db.campaign.update({ where: { id: campaign.id }, data: { deletedAt: new Date(), status: "paused" } });
    const res = await call<ListData>(campaignsRoute.loader, await session.get("/app/campaigns"));
    expect(res.data.campaigns).toEqual([]);
    expect(res.data.presets.map((p) => p.name)).toEqual(["Conservative", "Standard", "Aggressive"]);
  });

  it("pausing (after the confirmation) stops the campaign's active enrollments; resuming reactivates it", async () => {
    const { business, session, campaign, db } = await setup();
    const deps = getServices().domain;
    await recordJob(deps, business.id, completedJob({ completedAt: new Date() }));
    await recordJob(deps, business.id, completedJob({ completedAt: new Date() }));

    const paused = await call(campaignsRoute.action, await session.post("/app/campaigns?index", { intent: "pause", campaignId: campaign.id }));
    expect(paused.status).toBe(200);
    expect(paused.data).toMatchObject({ ok: true, stoppedEnrollments: 2, message: "Paused Standard: 2 active enrollments stopped" });
    expect((await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).status).toBe("paused");
    const enrollments = await db.enrollment.findMany({ where: { campaignId: campaign.id } });
    expect(enrollments.map((e) => [e.status, e.stopReason])).toEqual([
      ["stopped", "campaign_paused"],
      ["stopped", "campaign_paused"],
    ]);
    const touches = await db.enrollmentTouch.findMany({ where: { campaignId: campaign.id } });
    expect(touches.every((t) => t.status === "cancelled")).toBe(true);

    const resumed = await call(campaignsRoute.action, await session.post("/app/campaigns?index", { intent: "resume", campaignId: campaign.id }));
    expect(resumed).toMatchObject({ status: 200, data: { ok: true, message: "Standard is active" } });
    expect((await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).status).toBe("active");
  });

  it("activating a second campaign for all services is a 409 naming the conflict", async () => {
    const { session, db } = await setup();
    const preset = await db.campaign.findFirstOrThrow({ where: { presetKey: "aggressive" } });
    const created = await call(pickerRoute.action, await session.post("/app/campaigns/new", { presetId: preset.id }));
    const copyId = created.location!.split("/").pop()!.split("?")[0]!;
    const res = await call(campaignsRoute.action, await session.post("/app/campaigns?index", { intent: "resume", campaignId: copyId }));
    expect(res.status).toBe(409);
    expect(res.data).toMatchObject({ ok: false, message: expect.stringContaining("already covers all services") });
    expect((await db.campaign.findUniqueOrThrow({ where: { id: copyId } })).status).toBe("paused");
  });

  it("rejects bad input with field errors (400) and changes nothing", async () => {
    const { session, campaign } = await setup();
    const before = await snapshot(campaign.id);
    const bad: Record<string, string>[] = [{}, { intent: "delete", campaignId: campaign.id }, { intent: "pause", campaignId: "not-an-id" }];
    for (const fields of bad) {
      const res = await call<{ ok: boolean; fieldErrors: Record<string, string> }>(campaignsRoute.action, await session.post("/app/campaigns?index", fields));
      expect(res.status).toBe(400);
      expect(res.data.ok).toBe(false);
      expect(Object.keys(res.data.fieldErrors).length).toBeGreaterThan(0);
    }
    expect(await snapshot(campaign.id)).toEqual(before);
  });

  it("is the page at /app/campaigns itself (the Home has /app), on a document load with the id_token too", async () => {
    const { business } = await setup();
    const res = await call<ListData>(campaignsRoute.loader, new Request(`${APP_URL}/app/campaigns?id_token=${await sessionToken(business)}`));
    expect(res.status).toBe(200);
    expect(res.data.campaigns.map((c) => c.name)).toEqual(["Standard"]);
  });
});

describe("preset picker", () => {
  useAdminServices();

  it("shows the three presets and copies one into a paused campaign opened in the editor", async () => {
    const { business, session, db } = await setup();
    const page = await call<{ presets: { id: string; name: string; summary: string; touches: unknown[] }[] }>(
      pickerRoute.loader,
      await session.get("/app/campaigns/new"),
    );
    expect(page.data.presets.map((p) => [p.name, p.summary])).toEqual([
      ["Conservative", "Email 48h → Email +7d"],
      ["Standard", "Email 24h → SMS +3d → Email +7d"],
      ["Aggressive", "SMS 2h → Email +1d → SMS +3d → Email +7d"],
    ]);
    const aggressive = page.data.presets[2]!;
    const res = await call(pickerRoute.action, await session.post("/app/campaigns/new", { presetId: aggressive.id }));
    expect(res.status).toBe(302);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const match = /^\/app\/campaigns\/([0-9a-f-]{36})\?notice=campaign_created$/.exec(res.location ?? "");
    expect(match).not.toBeNull();
    const copy = await db.campaign.findUniqueOrThrow({ where: { id: match![1]! }, include: { touches: true } });
    expect(copy).toMatchObject({ businessId: business.id, name: "Aggressive", status: "paused", isPreset: false });
    expect(copy.touches).toHaveLength(4);
  });

  it("rejects a missing or malformed preset id (400) and an unknown one (404)", async () => {
    const { business, session, db } = await setup();
    const count = () => db.campaign.count({ where: { businessId: business.id } });
    const before = await count();
    expect((await call(pickerRoute.action, await session.post("/app/campaigns/new", {}))).status).toBe(400);
    expect((await call(pickerRoute.action, await session.post("/app/campaigns/new", { presetId: "x" }))).status).toBe(400);
    const unknown = await call(pickerRoute.action, await session.post("/app/campaigns/new", { presetId: "00000000-0000-4000-8000-000000000009" }));
    expect(unknown.status).toBe(404);
    expect(await count()).toBe(before);
  });
});

describe("campaign editor", () => {
  useAdminServices();

  it("loads the campaign, the templates it may use and the timeline of a job completed now", async () => {
    const { session, campaign } = await setup();
    const res = await call<EditorData>(editorRoute.loader, await session.get(`/app/campaigns/${campaign.id}`), { id: campaign.id });
    expect(res.data.campaign).toMatchObject({ id: campaign.id, name: "Standard", isPreset: false });
    expect(res.data.campaign.touches.map((t) => [t.channel, t.delayHours])).toEqual([
      ["email", 24],
      ["sms", 72],
      ["email", 168],
    ]);
    // Own copies and the system templates, both channels.
    expect(res.data.templates.some((t) => t.isSystem)).toBe(true);
    expect(res.data.templates.some((t) => !t.isSystem)).toBe(true);
    expect(new Set(res.data.templates.map((t) => t.channel))).toEqual(new Set(["email", "sms"]));
    const { entries, timezone } = res.data.timeline;
    expect(timezone).toBe("America/New_York");
    expect(entries.map((e) => e.position)).toEqual([1, 2, 3]);
    for (const e of entries) {
      expect(new Date(e.sendAt).getTime()).toBeGreaterThanOrEqual(new Date(e.scheduledAt).getTime());
      expect(e.deferred).toBe(e.sendAt !== e.scheduledAt);
    }
    // Delays follow the schedule, not the deferrals: touch 2 is 72 h after touch 1's due time.
    expect(new Date(entries[1]!.scheduledAt).getTime() - new Date(entries[0]!.scheduledAt).getTime()).toBe(72 * 3_600_000);
  });

  it("saves name, service type and the touch sequence (days converted to hours), reordered and shortened", async () => {
    const { session, campaign } = await setup();
    const sms = campaign.touches.find((t) => t.channel === "sms")!;
    const email = campaign.touches.find((t) => t.channel === "email")!;
    const res = await call(
      editorRoute.action,
      await session.post(
        `/app/campaigns/${campaign.id}`,
        saveFields(
          [
            { channel: "sms", delay: "5", unit: "hours", templateId: sms.templateId },
            { channel: "email", delay: "2", unit: "days", templateId: email.templateId },
          ],
          { name: "  Quick ask ", serviceType: "Lawn care" },
        ),
      ),
      { id: campaign.id },
    );
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ ok: true, message: "Campaign saved" });
    const saved = await snapshot(campaign.id);
    expect(saved).toMatchObject({ name: "Quick ask", serviceType: "Lawn care" });
    expect(saved.touches.map((t) => [t.position, t.channel, t.delayHours, t.templateId])).toEqual([
      [1, "sms", 5, sms.templateId],
      [2, "email", 48, email.templateId],
    ]);
  });

  it("reports each invalid touch field under its own key (400) and changes nothing", async () => {
    const { session, campaign } = await setup();
    const before = await snapshot(campaign.id);
    const [t1, t2, t3] = campaign.touches;
    const res = await call<{ ok: boolean; fieldErrors: Record<string, string> }>(
      editorRoute.action,
      await session.post(
        `/app/campaigns/${campaign.id}`,
        saveFields(
          [
            { channel: "email", delay: "1", unit: "days", templateId: t2!.templateId }, // an SMS template on an email touch
            { channel: "sms", delay: "0", unit: "hours", templateId: t2!.templateId },
            { channel: "email", delay: "100", unit: "days", templateId: t3!.templateId },
            { channel: "email", delay: "abc", unit: "hours", templateId: t1!.templateId },
          ],
          { name: "" },
        ),
      ),
      { id: campaign.id },
    );
    expect(res.status).toBe(400);
    expect(res.data.fieldErrors).toMatchObject({
      name: "is required",
      "touches.1.delayHours": "must be at least 1 hour",
      "touches.2.delayHours": "must be at most 2160 hours (90 days)",
      "touches.3.delayHours": expect.any(String),
    });
    // With the other fields fixed, the template's channel is reported too.
    const channel = await call<{ fieldErrors: Record<string, string> }>(
      editorRoute.action,
      await session.post(`/app/campaigns/${campaign.id}`, saveFields([{ channel: "email", delay: "1", unit: "days", templateId: t2!.templateId }])),
      { id: campaign.id },
    );
    expect(channel.status).toBe(400);
    expect(channel.data.fieldErrors).toEqual({ "touches.0.templateId": "must be an email template" });
    const five = saveFields(Array.from({ length: 5 }, () => ({ channel: "email", delay: "1", unit: "days", templateId: t1!.templateId })));
    const tooMany = await call<{ fieldErrors: Record<string, string> }>(editorRoute.action, await session.post(`/app/campaigns/${campaign.id}`, five), {
      id: campaign.id,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.data.fieldErrors.touches).toBe("a campaign has at most 4 touches");
    const badUnit = await call<{ fieldErrors: Record<string, string> }>(
      editorRoute.action,
      await session.post(`/app/campaigns/${campaign.id}`, saveFields([{ channel: "email", delay: "1", unit: "weeks", templateId: t1!.templateId }])),
      { id: campaign.id },
    );
    expect(badUnit.data.fieldErrors["touches.0.delayHours"]).toBe("must be hours or days");
    expect(await snapshot(campaign.id)).toEqual(before);
  });

  it("previews the timeline of unsaved touches without changing anything", async () => {
    const { session, campaign } = await setup();
    const before = await snapshot(campaign.id);
    const fields = saveFields([
      { channel: "sms", delay: "2", unit: "hours", templateId: "" },
      { channel: "email", delay: "1", unit: "days", templateId: "" },
    ]);
    fields.intent = "preview";
    const res = await call<{ ok: boolean; timeline: EditorData["timeline"] }>(
      editorRoute.action,
      await session.post(`/app/campaigns/${campaign.id}`, fields),
      { id: campaign.id },
    );
    expect(res.status).toBe(200);
    const [a, b] = res.data.timeline.entries;
    expect(res.data.timeline.entries).toHaveLength(2);
    expect(new Date(b!.scheduledAt).getTime() - new Date(a!.scheduledAt).getTime()).toBe(24 * 3_600_000);
    const bad = await call<{ fieldErrors: Record<string, string> }>(
      editorRoute.action,
      await session.post(`/app/campaigns/${campaign.id}`, { ...fields, "touches.1.delay": "0" }),
      { id: campaign.id },
    );
    expect(bad.status).toBe(400);
    expect(bad.data.fieldErrors["touches.1.delayHours"]).toBe("must be at least 1 hour");
    expect(await snapshot(campaign.id)).toEqual(before);
  });

  it("opens presets read-only: saving is forbidden (403), duplicating gives an editable copy", async () => {
    const { business, session, db } = await setup();
    const preset = await db.campaign.findFirstOrThrow({ where: { presetKey: "conservative" }, include: { touches: true } });
    const page = await call<EditorData>(editorRoute.loader, await session.get(`/app/campaigns/${preset.id}`), { id: preset.id });
    expect(page.data.campaign.isPreset).toBe(true);
    const t = preset.touches[0]!;
    const save = await call(
      editorRoute.action,
      await session.post(`/app/campaigns/${preset.id}`, saveFields([{ channel: "email", delay: "1", unit: "days", templateId: t.templateId }])),
      { id: preset.id },
    );
    expect(save.status).toBe(403);
    expect((await snapshot(preset.id)).name).toBe("Conservative");
    const dup = await call(editorRoute.action, await session.post(`/app/campaigns/${preset.id}`, { intent: "duplicate" }), { id: preset.id });
    expect(dup.status).toBe(302);
    const copyId = /campaigns\/([0-9a-f-]{36})/.exec(dup.location!)![1]!;
    expect(await db.campaign.findUniqueOrThrow({ where: { id: copyId } })).toMatchObject({ businessId: business.id, isPreset: false });
  });

  it("deletes a campaign (soft), stopping its enrollments, and redirects to the list", async () => {
    const { business, session, campaign, db } = await setup();
    await recordJob(getServices().domain, business.id, completedJob({ completedAt: new Date() }));
    const page = await call<EditorData>(editorRoute.loader, await session.get(`/app/campaigns/${campaign.id}`), { id: campaign.id });
    expect(page.data.activeEnrollments).toBe(1);
    const res = await call(editorRoute.action, await session.post(`/app/campaigns/${campaign.id}`, { intent: "delete" }), { id: campaign.id });
    expect(res).toMatchObject({ status: 302, location: "/app/campaigns?notice=campaign_deleted" });
    expect((await db.campaign.findUniqueOrThrow({ where: { id: campaign.id } })).deletedAt).not.toBeNull();
    expect((await db.enrollment.findFirstOrThrow({ where: { campaignId: campaign.id } })).stopReason).toBe("campaign_deleted");
    const gone = await call(editorRoute.loader, await session.get(`/app/campaigns/${campaign.id}`), { id: campaign.id });
    expect(gone.status).toBe(404);
  });

  it("answers 404 for an id that is not a campaign", async () => {
    const { session } = await setup();
    for (const id of ["nope", "00000000-0000-4000-8000-00000000abcd"]) {
      expect((await call(editorRoute.loader, await session.get(`/app/campaigns/${id}`), { id })).status).toBe(404);
      expect((await call(editorRoute.action, await session.post(`/app/campaigns/${id}`, { intent: "delete" }), { id })).status).toBe(404);
    }
  });
});
