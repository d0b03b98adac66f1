// Tenant isolation: with a valid session of business A, nothing of business B can be read or
// changed through any /app loader or action. B's ids answer 404; lists show A's data only.
import { beforeAll, describe, expect, it } from "vitest";
import { recordJob } from "~/domain/enrollment.server";
import { createOutboxSmsTransport } from "~/engine/transports/index.server";
import type { Business } from "~/generated/prisma/client";
import * as layoutRoute from "~/routes/app";
import * as homeRoute from "~/routes/app._index";
import * as campaignsRoute from "~/routes/app.campaigns._index";
import * as editorRoute from "~/routes/app.campaigns.$id";
import * as pickerRoute from "~/routes/app.campaigns.new";
import * as jobsRoute from "~/routes/app.jobs";
import * as outboxRoute from "~/routes/app.outbox";
import * as settingsRoute from "~/routes/app.settings";
import * as templateRoute from "~/routes/app.templates.$id";
import * as templatesRoute from "~/routes/app.templates._index";
import * as newTemplateRoute from "~/routes/app.templates.new";
import { getServices } from "~/services.server";
import { completedJob } from "../helpers/fixtures";
import { call, cookieSessionFor, installTestBusiness, sessionFor, useAdminServices, type Session } from "./helpers";

interface World {
  a: Session;
  b: Business;
  bCampaignId: string;
  bTemplateId: string;
  bJobId: string;
  bSkippedJobId: string;
  bEnrollmentId: string;
}

/** Everything of B that an action could touch, to compare before and after. */
async function snapshotOf(businessId: string) {
  const { db } = getServices().domain;
  return {
    business: await db.business.findUniqueOrThrow({ where: { id: businessId } }),
    campaigns: await db.campaign.findMany({ where: { businessId }, include: { touches: true }, orderBy: { id: "asc" } }),
    templates: await db.messageTemplate.findMany({ where: { businessId }, orderBy: { id: "asc" } }),
    jobs: await db.job.findMany({ where: { businessId }, orderBy: { id: "asc" } }),
    enrollments: await db.enrollment.findMany({ where: { businessId }, orderBy: { id: "asc" } }),
    touches: await db.enrollmentTouch.findMany({ where: { businessId }, orderBy: [{ enrollmentId: "asc" }, { position: "asc" }] }),
  };
}

// The same table for both ways into the admin: the embedded host's session token, and the
// standalone admin's cookie session (hosts that do not frame apps, like Jobber).
describe.each([
  ["embedded (session token)", sessionFor],
  ["standalone (cookie session)", cookieSessionFor],
])("tenant isolation of /app, %s", (_mode, signIn) => {
  useAdminServices();
  let w: World;

  beforeAll(async () => {
    const a = await installTestBusiness("A Plumbing");
    const b = await installTestBusiness("B Roofing");
    const deps = getServices().domain;
    const bCampaign = await deps.db.campaign.findFirstOrThrow({ where: { businessId: b.id }, include: { touches: true } });
    const email = "bea@example.com";
    const enrolled = await recordJob(deps, b.id, completedJob({ title: "B roof", completedAt: new Date(), customer: { email } }));
    const skipped = await recordJob(deps, b.id, completedJob({ title: "B gutter", completedAt: new Date(), customer: { email } }));
    await createOutboxSmsTransport({ db: deps.db }).send({
      businessId: b.id,
      idempotencyKey: "b-sms",
      to: "+13055550100",
      body: "B Roofing secret",
      segments: 1,
      statusCallbackUrl: "http://localhost:3000/x",
    });
    await recordJob(deps, a.id, completedJob({ title: "A sink", completedAt: new Date() }));
    w = {
      a: await signIn(a),
      b,
      bCampaignId: bCampaign.id,
      bTemplateId: bCampaign.touches[0]!.templateId,
      bJobId: enrolled.jobId,
      bSkippedJobId: skipped.jobId,
      bEnrollmentId: (enrolled.enrollment as { enrollmentId: string }).enrollmentId,
    };
    expect(skipped.enrollment).toMatchObject({ outcome: "skipped", reason: "cooldown" });
  });

  it("list pages show only A's data", async () => {
    const bIds = [w.b.id, w.bCampaignId, w.bTemplateId, w.bJobId, w.bSkippedJobId, w.bEnrollmentId];
    const pages = [
      [layoutRoute.loader, "/app"],
      [homeRoute.loader, "/app?index"],
      [campaignsRoute.loader, "/app/campaigns"],
      [pickerRoute.loader, "/app/campaigns/new"],
      [templatesRoute.loader, "/app/templates"],
      [newTemplateRoute.loader, "/app/templates/new"],
      [jobsRoute.loader, "/app/jobs"],
      [settingsRoute.loader, "/app/settings"],
      [outboxRoute.loader, "/app/outbox"],
    ] as const;
    for (const [loader, path] of pages) {
      const res = await call(loader, await w.a.get(path));
      expect(res.status, path).toBe(200);
      const text = JSON.stringify(res.data);
      for (const id of bIds) expect(text, `${path} leaks ${id}`).not.toContain(id);
      for (const word of ["B Roofing", "B roof", "B gutter", "bea@example.com"]) expect(text, `${path} leaks ${word}`).not.toContain(word);
    }
    const jobs = await call<{ jobs: { title: string }[] }>(jobsRoute.loader, await w.a.get("/app/jobs"));
    expect(jobs.data.jobs.map((j) => j.title)).toEqual(["A sink"]);
  });

  it("B's campaign, template, job and enrollment are not found (404) by any loader or action, and stay unchanged", async () => {
    const before = await snapshotOf(w.b.id);
    const expect404 = async (fn: unknown, req: Request, params: Record<string, string> = {}) => {
      const label = `${req.method} ${new URL(req.url).pathname} ${req.method === "POST" ? await req.clone().text() : ""}`;
      const res = await call(fn, req, params);
      expect(res.status, label).toBe(404);
    };
    const campaign = { id: w.bCampaignId };
    const cPath = `/app/campaigns/${w.bCampaignId}`;
    await expect404(editorRoute.loader, await w.a.get(cPath), campaign);
    for (const intent of ["save", "preview", "delete", "duplicate"]) {
      const fields: Record<string, string> = {
        intent,
        name: "Hijacked",
        "touches.0.channel": "email",
        "touches.0.delay": "1",
        "touches.0.unit": "days",
        "touches.0.templateId": w.bTemplateId,
      };
      await expect404(editorRoute.action, await w.a.post(cPath, fields), campaign);
    }
    for (const intent of ["pause", "resume"]) {
      await expect404(campaignsRoute.action, await w.a.post("/app/campaigns?index", { intent, campaignId: w.bCampaignId }));
    }
    await expect404(pickerRoute.action, await w.a.post("/app/campaigns/new", { presetId: w.bCampaignId }));

    const template = { id: w.bTemplateId };
    const tPath = `/app/templates/${w.bTemplateId}`;
    await expect404(templateRoute.loader, await w.a.get(tPath), template);
    for (const intent of ["save", "duplicate", "delete"]) {
      await expect404(templateRoute.action, await w.a.post(tPath, { intent, name: "Hijacked", subject: "x", body: "{{review_link}}" }), template);
    }

    await expect404(jobsRoute.action, await w.a.post("/app/jobs", { intent: "enroll", jobId: w.bSkippedJobId }));
    await expect404(jobsRoute.action, await w.a.post("/app/jobs", { intent: "stop", enrollmentId: w.bEnrollmentId }));

    expect(await snapshotOf(w.b.id)).toEqual(before);
  });

  it("A cannot point its own campaign at B's template", async () => {
    const { db } = getServices().domain;
    const aCampaign = await db.campaign.findFirstOrThrow({ where: { businessId: w.a.business.id } });
    const res = await call<{ fieldErrors: Record<string, string> }>(
      editorRoute.action,
      await w.a.post(`/app/campaigns/${aCampaign.id}`, {
        intent: "save",
        name: "Mine",
        "touches.0.channel": "email",
        "touches.0.delay": "1",
        "touches.0.unit": "days",
        "touches.0.templateId": w.bTemplateId,
      }),
      { id: aCampaign.id },
    );
    expect(res.status).toBe(400);
    expect(res.data.fieldErrors["touches.0.templateId"]).toBe("template not found");
  });

  it("A's writes land on A only: settings and new templates", async () => {
    const before = await snapshotOf(w.b.id);
    const saved = await call(
      settingsRoute.action,
      await w.a.post("/app/settings", {
        name: "A Plumbing & Heating",
        timezone: "America/Denver",
        quietHoursStart: "09:00",
        quietHoursEnd: "20:00",
        cooldownDays: "10",
        emailHourlyLimit: "10",
        smsHourlyLimit: "10",
        feedbackPageEnabled: "true",
      }),
    );
    expect(saved.status).toBe(200);
    const created = await call(
      newTemplateRoute.action,
      await w.a.post("/app/templates/new", { name: "A's", channel: "sms", body: "{{review_link}}" }),
    );
    expect(created.status).toBe(302);
    const { db } = getServices().domain;
    expect((await db.business.findUniqueOrThrow({ where: { id: w.a.business.id } })).timezone).toBe("America/Denver");
    expect(await db.messageTemplate.count({ where: { name: "A's", businessId: w.a.business.id } })).toBe(1);
    expect(await snapshotOf(w.b.id)).toEqual(before);
  });
});
