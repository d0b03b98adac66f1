// The campaign editor's Activate button and its Replace / Pause choice, and the timeline shown
// for one of the business's recent customers (never another business's: 404).
import { describe, expect, it } from "vitest";
import { recordJob } from "~/domain/enrollment.server";
import * as editorRoute from "~/routes/app.campaigns.$id";
import * as pickerRoute from "~/routes/app.campaigns.new";
import { getServices } from "~/services.server";
import { completedJob } from "../helpers/fixtures";
import { call, installTestBusiness, sessionFor, useAdminServices } from "./helpers";

interface EditorData {
  campaign: { id: string; name: string; status: string; retired: boolean };
  activeEnrollments: number;
  overlap: { id: string; name: string; activeEnrollments: number } | null;
  customers: { id: string; label: string }[];
}

interface Answer {
  ok: boolean;
  message: string;
  fieldErrors: Record<string, string>;
  timeline?: { timezone: string; customerName: string | null; timezoneFromCustomer: boolean; entries: unknown[] };
}

/** A business whose Standard campaign has one customer in it, and a paused Aggressive copy from the picker. */
async function setup(name = "Acme Plumbing") {
  const business = await installTestBusiness(name);
  const session = await sessionFor(business);
  const deps = getServices().domain;
  const standard = await deps.db.campaign.findFirstOrThrow({ where: { businessId: business.id } });
  await recordJob(deps, business.id, completedJob({ completedAt: new Date() }));
  const preset = await deps.db.campaign.findFirstOrThrow({ where: { presetKey: "aggressive" } });
  const created = await call(pickerRoute.action, await session.post("/app/campaigns/new", { presetId: preset.id }));
  const copyId = /campaigns\/([0-9a-f-]{36})/.exec(created.location!)![1]!;
  return { business, session, db: deps.db, standard, copyId };
}

describe("activating from the campaign editor", () => {
  useAdminServices();

  it("names the campaign it would replace; without a choice the answer is a 409 and nothing changes", async () => {
    const { session, db, standard, copyId } = await setup();
    const page = await call<EditorData>(editorRoute.loader, await session.get(`/app/campaigns/${copyId}`), { id: copyId });
    expect(page.data.campaign).toMatchObject({ name: "Aggressive", status: "paused", retired: false });
    expect(page.data.overlap).toMatchObject({ id: standard.id, name: "Standard", activeEnrollments: 1 });

    const res = await call<Answer>(editorRoute.action, await session.post(`/app/campaigns/${copyId}`, { intent: "activate" }), { id: copyId });
    expect(res.status).toBe(409);
    expect(res.data.message).toBe('"Standard" is already active for all services: replace it or pause it first');
    const bad = await call<Answer>(editorRoute.action, await session.post(`/app/campaigns/${copyId}`, { intent: "activate", replace: "later" }), { id: copyId });
    expect(bad.status).toBe(400);
    expect(bad.data.fieldErrors.replace).toBe("must be finish or stop");
    expect((await db.campaign.findUniqueOrThrow({ where: { id: standard.id } })).status).toBe("active");
    expect((await db.campaign.findUniqueOrThrow({ where: { id: copyId } })).status).toBe("paused");
  });

  it("replace: the new campaign is active, the old one takes no new jobs while its customer finishes", async () => {
    const { session, db, standard, copyId } = await setup();
    const res = await call<Answer>(
      editorRoute.action,
      await session.post(`/app/campaigns/${copyId}`, { intent: "activate", replace: "finish" }),
      { id: copyId },
    );
    expect(res).toMatchObject({ status: 200, data: { ok: true, message: "Aggressive is active. Standard takes no new jobs; its 1 customer finishes their sequence" } });
    const old = await call<EditorData>(editorRoute.loader, await session.get(`/app/campaigns/${standard.id}`), { id: standard.id });
    expect(old.data).toMatchObject({ campaign: { status: "paused", retired: true }, activeEnrollments: 1, overlap: { id: copyId, name: "Aggressive" } });
    expect(await db.enrollment.count({ where: { campaignId: standard.id, status: "active" } })).toBe(1);
    const fresh = await call<EditorData>(editorRoute.loader, await session.get(`/app/campaigns/${copyId}`), { id: copyId });
    expect(fresh.data).toMatchObject({ campaign: { status: "active" }, overlap: null });
  });

  it("a replaced campaign's customers can still be stopped from its editor", async () => {
    const { session, db, standard, copyId } = await setup();
    await call(editorRoute.action, await session.post(`/app/campaigns/${copyId}`, { intent: "activate", replace: "finish" }), { id: copyId });
    const res = await call<Answer>(editorRoute.action, await session.post(`/app/campaigns/${standard.id}`, { intent: "pause" }), { id: standard.id });
    expect(res.data).toMatchObject({ ok: true, message: "Paused Standard: 1 customer stopped" });
    expect(await db.campaign.findUniqueOrThrow({ where: { id: standard.id } })).toMatchObject({ status: "paused", retiredAt: null });
    expect(await db.enrollment.findFirstOrThrow({ where: { campaignId: standard.id } })).toMatchObject({ status: "stopped", stopReason: "campaign_paused" });
  });

  it("pause and stop: the old campaign is paused and its customer stopped", async () => {
    const { session, db, standard, copyId } = await setup();
    const res = await call<Answer>(
      editorRoute.action,
      await session.post(`/app/campaigns/${copyId}`, { intent: "activate", replace: "stop" }),
      { id: copyId },
    );
    expect(res.data).toMatchObject({ ok: true, message: "Aggressive is active. Standard is paused and its 1 customer stopped" });
    expect(await db.campaign.findUniqueOrThrow({ where: { id: standard.id } })).toMatchObject({ status: "paused", retiredAt: null });
    expect(await db.enrollment.findFirstOrThrow({ where: { campaignId: standard.id } })).toMatchObject({ status: "stopped", stopReason: "campaign_paused" });
  });

  it("a campaign with nothing in its way just activates", async () => {
    const { session, db, standard, copyId } = await setup();
    await db.campaign.update({ where: { id: standard.id }, data: { status: "paused" } });
    const res = await call<Answer>(editorRoute.action, await session.post(`/app/campaigns/${copyId}`, { intent: "activate" }), { id: copyId });
    expect(res.data).toMatchObject({ ok: true, message: "Aggressive is active" });
  });
});

describe("the timeline for a real customer", () => {
  useAdminServices();

  function previewFields(customerId: string) {
    return { intent: "preview", customerId, serviceType: "", "touches.0.channel": "sms", "touches.0.delay": "2", "touches.0.unit": "hours" };
  }

  it("offers the business's 10 most recent customers and shows the timeline in the chosen one's time zone", async () => {
    const { business, session, standard } = await setup();
    const deps = getServices().domain;
    const base = Date.now() - 20 * 3_600_000;
    for (let i = 0; i < 11; i++) {
      await recordJob(
        deps,
        business.id,
        completedJob({ completedAt: new Date(base + i * 3_600_000), serviceType: `service ${i}`, customer: { firstName: `Customer${i}`, lastName: "Last", timezone: "America/Los_Angeles" } }),
      );
    }
    const page = await call<EditorData>(editorRoute.loader, await session.get(`/app/campaigns/${standard.id}`), { id: standard.id });
    expect(page.data.customers).toHaveLength(10);
    // Newest first: the setup's customer (completed now), then Customer10 … Customer2.
    expect(page.data.customers[1]!.label).toMatch(/^Customer10 Last · service 10 · /);
    expect(page.data.customers.some((c) => c.label.startsWith("Customer1 "))).toBe(false);

    const chosen = page.data.customers[1]!;
    const res = await call<Answer>(editorRoute.action, await session.post(`/app/campaigns/${standard.id}`, previewFields(chosen.id)), { id: standard.id });
    expect(res.status).toBe(200);
    expect(res.data.timeline).toMatchObject({ customerName: "Customer10 Last", timezone: "America/Los_Angeles", timezoneFromCustomer: true });
    const anyone = await call<Answer>(editorRoute.action, await session.post(`/app/campaigns/${standard.id}`, previewFields("")), { id: standard.id });
    expect(anyone.data.timeline).toMatchObject({ customerName: null, timezone: "America/New_York" });
  });

  it("another business's customer is not found (404), and never listed", async () => {
    const mine = await setup("Mine");
    const theirs = await setup("Theirs");
    const theirCustomer = await getServices().domain.db.customer.findFirstOrThrow({ where: { businessId: theirs.business.id } });
    const res = await call<Answer>(
      editorRoute.action,
      await mine.session.post(`/app/campaigns/${mine.standard.id}`, previewFields(theirCustomer.id)),
      { id: mine.standard.id },
    );
    expect(res.status).toBe(404);
    expect(res.data.message).toBe("Customer not found");
    const page = await call<EditorData>(editorRoute.loader, await mine.session.get(`/app/campaigns/${mine.standard.id}`), { id: mine.standard.id });
    expect(page.data.customers.map((c) => c.id)).not.toContain(theirCustomer.id);
  });
});
