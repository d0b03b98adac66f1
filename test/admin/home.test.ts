// Issue 16 item 1: the Home (/app). Whether Kudos is sending (or why not), this week's and last
// week's figures from real sends and clicks, the next sends at their real send times, what needs
// attention, and the setup checklist going done one item at a time.
import { describe, expect, it } from "vitest";
import { loadHome, type HomeData, type HomeDeps } from "~/admin/home.server";
import type { BusinessTransports } from "~/admin/send-transports.server";
import { pauseCampaign, resumeCampaign } from "~/domain/campaigns.server";
import { recordJob } from "~/domain/enrollment.server";
import { drain } from "~/engine/processor.server";
import type { EmailTransport, SmsTransport } from "~/engine/transports/index.server";
import type { Business } from "~/generated/prisma/client";
import { ManualClock } from "~/lib/clock.server";
import * as homeRoute from "~/routes/app._index";
import * as settingsRoute from "~/routes/app.settings";
import * as testSendRoute from "~/routes/app.test-send";
import { getServices } from "~/services.server";
import { completedJob } from "../helpers/fixtures";
import { call, clickReviewLink, installTestBusiness, makeReady, processorAt, READY_SETTINGS, sessionFor, useAdminServices } from "./helpers";

const HOUR = 3_600_000;

const provider = (name: string): EmailTransport & SmsTransport => ({
  provider: name,
  sendBatch: () => Promise.reject(new Error("not used")),
  send: () => Promise.reject(new Error("not used")),
});
const REAL: BusinessTransports = { email: provider("resend"), sms: provider("twilio"), hostOverride: false };
const OUTBOX: BusinessTransports = { email: provider("outbox"), sms: provider("outbox"), hostOverride: false };

function homeDeps(overrides: Partial<HomeDeps> = {}): HomeDeps {
  const { database, domain } = getServices();
  return { db: database.prisma, pool: database.pool, clock: domain.clock, transports: REAL, production: true, ...overrides };
}

async function campaignOf(business: Business) {
  return getServices().database.prisma.campaign.findFirstOrThrow({ where: { businessId: business.id, deletedAt: null } });
}

describe("Home: sending status", () => {
  useAdminServices();

  it("says why it is not sending, one reason after another, and 'Sending' once nothing blocks", async () => {
    const business = await installTestBusiness("Acme Plumbing");
    const db = getServices().database.prisma;
    const domain = getServices().domain;
    const status = async (deps: Partial<HomeDeps> = {}) => (await loadHome(homeDeps(deps), business.id)).status;

    // Installed: the Standard campaign is active, but there is no review link and no address.
    let s = await status();
    expect(s.state).toBe("blocked");
    expect(s.reasons.map((r) => r.code)).toEqual(["no_review_link", "no_address"]);
    expect(s.headline).toBe("Not sending: there is no review link for customers to follow");

    await db.business.update({ where: { id: business.id }, data: { reviewLinks: READY_SETTINGS.reviewLinks } });
    s = await status();
    expect(s.reasons.map((r) => r.code)).toEqual(["no_address"]);
    expect(s.headline).toBe("Not sending: emails are skipped until you add your business's postal address");
    expect(s.reasons[0]!.action).toEqual({ content: "Open settings", url: "/app/settings" });

    await db.business.update({ where: { id: business.id }, data: { physicalAddress: READY_SETTINGS.physicalAddress } });
    s = await status();
    expect(s).toMatchObject({ state: "sending", headline: "Sending: Standard is active", reasons: [], activeCampaigns: ["Standard"] });

    // The campaign paused: named.
    const campaign = await campaignOf(business);
    await pauseCampaign(domain, business.id, campaign.id);
    s = await status();
    expect(s.reasons.map((r) => r.code)).toEqual(["campaign_paused"]);
    expect(s.headline).toBe("Not sending: your campaign Standard is paused");

    // No campaign at all.
    await db.campaign.update({ where: { id: campaign.id }, data: { deletedAt: new Date() } });
    s = await status();
    expect(s.reasons).toEqual([{ code: "no_campaign", message: "no campaign is chosen", action: { content: "Choose a campaign", url: "/app/campaigns" } }]);
    await db.campaign.update({ where: { id: campaign.id }, data: { deletedAt: null } });
    await resumeCampaign(domain, business.id, campaign.id);

    // In production, the outbox means a provider is missing: each channel the campaign uses is named.
    s = await status({ transports: OUTBOX });
    expect(s.state).toBe("blocked");
    expect(s.reasons.map((r) => r.code)).toEqual(["email_not_configured", "sms_not_configured"]);
    expect(s.headline).toContain("email sending is not set up on this Kudos server");
    s = await status({ transports: { ...REAL, sms: provider("outbox") } });
    expect(s.reasons.map((r) => r.code)).toEqual(["sms_not_configured"]);

    // The embedded default (not production), and the sandbox's own outbox even in production: test mode.
    s = await status({ transports: OUTBOX, production: false });
    expect(s).toMatchObject({ state: "test_mode", headline: "Sending: Standard is active, in test mode: messages go to the Outbox" });
    s = await status({ transports: { ...OUTBOX, hostOverride: true }, production: true });
    expect(s.state).toBe("test_mode");
    s = await status({ transports: { ...REAL, sms: provider("outbox") }, production: false });
    expect(s.headline).toBe("Sending: Standard is active, in test mode: texts go to the Outbox");
  });

  it("the page (a sandbox business in the test services) says test mode: messages go to the Outbox", async () => {
    const business = await makeReady(await installTestBusiness());
    const session = await sessionFor(business);
    const res = await call<HomeData>(homeRoute.loader, await session.get("/app?index"));
    expect(res.status).toBe(200);
    expect(res.data.status.state).toBe("test_mode");
    expect(res.data.status.headline).toContain("test mode: messages go to the Outbox");
  });
});

describe("Home: setup checklist", () => {
  useAdminServices();

  it("goes done one item at a time, and says complete (the card hides) when all are", async () => {
    const business = await installTestBusiness("Bright Plumbing");
    const session = await sessionFor(business);
    const campaign = await campaignOf(business);
    await pauseCampaign(getServices().domain, business.id, campaign.id);
    const checklist = async () => {
      const res = await call<HomeData>(homeRoute.loader, await session.get("/app?index"));
      expect(res.status).toBe(200);
      return res.data.checklist;
    };
    const doneKeys = async () => (await checklist()).items.filter((i) => i.done).map((i) => i.key);
    const settings = (extra: Record<string, string>) =>
      session.post("/app/settings", {
        name: "Bright Plumbing",
        timezone: "America/New_York",
        quietHoursStart: "08:00",
        quietHoursEnd: "21:00",
        cooldownDays: "30",
        emailHourlyLimit: "100",
        smsHourlyLimit: "100",
        replyTo: "owner@bright.test",
        ...extra,
      });

    expect(await checklist()).toMatchObject({ done: 0, total: 4, complete: false, reviewLink: null });

    // 1. The address, saved in Settings.
    expect((await call(settingsRoute.action, await settings({ physicalAddress: READY_SETTINGS.physicalAddress }))).status).toBe(200);
    expect(await doneKeys()).toEqual(["address"]);

    // 2. A review link alone is not enough: it must be opened and confirmed ("It works").
    const withLink = { physicalAddress: READY_SETTINGS.physicalAddress, "reviewLinks.0.site": "Google", "reviewLinks.0.url": READY_SETTINGS.reviewLinks[0]!.url };
    expect((await call(settingsRoute.action, await settings(withLink))).status).toBe(200);
    expect(await checklist()).toMatchObject({ done: 1, reviewLink: { site: "Google", url: READY_SETTINGS.reviewLinks[0]!.url, confirmed: false } });
    const confirmed = await call(homeRoute.action, await session.post("/app?index", { intent: "confirm_review_link" }));
    expect(confirmed).toMatchObject({ status: 200, data: { ok: true, message: "Review link confirmed" } });
    expect(await doneKeys()).toEqual(["address", "review_link"]);

    // 3. A test sent to myself.
    const sent = await call(testSendRoute.action, await session.post("/app/test-send", { channel: "sms", body: "{{business_name}}: a review? {{review_link}}", to: "+14155550142" }));
    expect(sent.status).toBe(200);
    expect(await doneKeys()).toEqual(["address", "review_link", "test_sent"]);

    // 4. A campaign chosen (active).
    await resumeCampaign(getServices().domain, business.id, campaign.id);
    expect(await checklist()).toMatchObject({ done: 4, total: 4, complete: true });

    // Saving other settings keeps the confirmation; a new default review link needs a new check.
    expect((await call(settingsRoute.action, await settings({ ...withLink, contactPhone: "+14155550199" }))).status).toBe(200);
    expect((await checklist()).complete).toBe(true);
    expect((await call(settingsRoute.action, await settings({ ...withLink, "reviewLinks.0.url": "https://g.page/r/bright-new/review" }))).status).toBe(200);
    expect(await checklist()).toMatchObject({ complete: false, reviewLink: { url: "https://g.page/r/bright-new/review", confirmed: false } });
  });

  it("confirming without a review link is a 409 naming it; a bad intent is a 400; neither changes anything", async () => {
    const business = await installTestBusiness();
    const session = await sessionFor(business);
    const none = await call<{ ok: boolean; fieldErrors: Record<string, string> }>(homeRoute.action, await session.post("/app?index", { intent: "confirm_review_link" }));
    expect(none.status).toBe(409);
    expect(none.data.fieldErrors).toHaveProperty("reviewLinks");
    const bad = await call<{ ok: boolean; fieldErrors: Record<string, string> }>(homeRoute.action, await session.post("/app?index", { intent: "confirm" }));
    expect(bad.status).toBe(400);
    expect(bad.data.fieldErrors).toHaveProperty("intent");
    const row = await getServices().database.prisma.business.findUniqueOrThrow({ where: { id: business.id } });
    expect(row.reviewLinkConfirmedAt).toBeNull();
  });
});

describe("Home: this week and last week", () => {
  useAdminServices();

  it("counts real sends and clicks per week, weeks starting Monday in the business's time zone", async () => {
    const business = await makeReady(await installTestBusiness("Week Plumbing", "America/New_York"));
    const clock = new ManualClock();
    const domain = { ...getServices().domain, clock };
    const processor = processorAt(clock);
    const enroll = async () => {
      // Completed 30 hours ago: touch 1 (24 h) is due now.
      const result = await recordJob(domain, business.id, completedJob({ completedAt: new Date(clock.now().getTime() - 30 * HOUR) }));
      if (result.enrollment?.outcome !== "enrolled") throw new Error("expected an enrollment");
      return result.enrollment.enrollmentId;
    };

    // Last week: Tuesday Jan 6, 09:00 in New York. Two customers get touch 1; one clicks.
    clock.set("2026-01-06T14:00:00Z");
    const a = await enroll();
    await enroll();
    expect(await drain(processor)).toMatchObject({ sent: 2 });
    clock.advance(HOUR);
    await clickReviewLink(a, 1, clock);
    // Sunday Jan 11, 23:30 in New York (already Monday in UTC): still last week here.
    clock.set("2026-01-12T04:30:00Z");
    await enroll();

    // This week: Wednesday Jan 14, 10:00 in New York. Three more; the other due touches go out too
    // (last week's second customer's text, Sunday night's email, deferred out of quiet hours).
    clock.set("2026-01-14T15:00:00Z");
    const c = await enroll();
    const d = await enroll();
    await enroll();
    expect(await drain(processor)).toMatchObject({ sent: 5 });
    clock.advance(HOUR);
    await clickReviewLink(c, 1, clock);
    await clickReviewLink(d, 1, clock);

    const home = await loadHome(homeDeps({ clock }), business.id);
    expect(home.weeks.thisWeek).toMatchObject({
      label: "This week (since Monday, Jan 12)",
      start: "2026-01-12T05:00:00.000Z",
      end: "2026-01-19T05:00:00.000Z",
      sent: 3,
      clicked: 2,
    });
    expect(home.weeks.thisWeek.clickRate).toBeCloseTo(2 / 3);
    // Last week: touch 1 of three customers (one of them Sunday night's) and one text.
    expect(home.weeks.lastWeek).toMatchObject({ label: "Last week (Jan 5 – Jan 11)", start: "2026-01-05T05:00:00.000Z", sent: 4, clicked: 1 });
    expect(home.weeks.lastWeek.clickRate).toBeCloseTo(1 / 4);
  });
});

describe("Home: next sends", () => {
  useAdminServices();

  it("lists the next five at their real send times, moved out of quiet hours in the recipient's zone", async () => {
    const business = await makeReady(await installTestBusiness("Next Plumbing", "America/New_York"));
    const clock = new ManualClock("2026-01-14T15:00:00Z"); // Wednesday 10:00 in New York
    const domain = { ...getServices().domain, clock };
    // Touch 1 is due 24 hours after completion.
    const enrollDueAt = async (due: string, customer: { firstName: string; phone: string }) => {
      const completedAt = new Date(Date.parse(due) - 24 * HOUR);
      const r = await recordJob(domain, business.id, completedJob({ completedAt, customer: { ...customer, lastName: "Test" } }));
      if (r.enrollment?.outcome !== "enrolled") throw new Error("expected an enrollment");
    };
    // 22:00 in New York: quiet hours, goes out at 08:00 the next morning.
    await enrollDueAt("2026-01-15T03:00:00Z", { firstName: "Nora", phone: "+13055550101" });
    // 15:00 in New York: as scheduled.
    await enrollDueAt("2026-01-14T20:00:00Z", { firstName: "Eli", phone: "+13055550102" });
    // 07:30 in Los Angeles (a 415 number): after quiet hours there, 08:00 Pacific.
    await enrollDueAt("2026-01-14T15:30:00Z", { firstName: "Pia", phone: "+14155550103" });
    // Later ones, in the daytime.
    for (const [i, due] of ["2026-01-16T15:00:00Z", "2026-01-17T15:00:00Z", "2026-01-18T15:00:00Z", "2026-01-19T15:00:00Z"].entries()) {
      await enrollDueAt(due, { firstName: `Later${i}`, phone: `+1305555020${i}` });
    }

    const home = await loadHome(homeDeps({ clock }), business.id);
    expect(home.nextSends.map((s) => [s.customerName, s.sendAt, s.afterQuietHours])).toEqual([
      ["Pia Test", "2026-01-14T16:00:00.000Z", true],
      ["Eli Test", "2026-01-14T20:00:00.000Z", false],
      ["Nora Test", "2026-01-15T13:00:00.000Z", true],
      ["Later0 Test", "2026-01-16T15:00:00.000Z", false],
      ["Later1 Test", "2026-01-17T15:00:00.000Z", false],
    ]);
    expect(home.nextSends[2]).toMatchObject({
      channel: "email",
      position: 1,
      touches: 3,
      campaignName: "Standard",
      scheduledAt: "2026-01-15T03:00:00.000Z",
      sendLabel: "Thu, Jan 15, 8:00 AM EST",
    });

    // The processor agrees: at Pia's scheduled time it defers her email to that same minute.
    clock.set("2026-01-14T15:30:00Z");
    const summary = await drain(processorAt(clock));
    expect(summary).toMatchObject({ sent: 0, deferred: 1 });
    const pia = await getServices().database.prisma.enrollment.findFirstOrThrow({ where: { businessId: business.id, customer: { firstName: "Pia" } } });
    expect(pia.nextDueAt?.toISOString()).toBe("2026-01-14T16:00:00.000Z");
  });
});

describe("Home: needs attention", () => {
  useAdminServices();

  it("counts failed sends of the last 7 days, unread feedback and pending data requests", async () => {
    const business = await makeReady(await installTestBusiness("Attention Plumbing"));
    const db = getServices().database.prisma;
    const clock = new ManualClock("2026-01-14T15:00:00Z");
    const domain = { ...getServices().domain, clock };
    const failing: EmailTransport = { provider: "resend", sendBatch: async (emails) => emails.map(() => ({ ok: false as const, retryable: false, error: "refused", code: "validation_error" })) };
    const processor = { ...processorAt(clock), hostTransports: { sandbox: { email: failing, sms: getServices().processor.sms } } };
    const r = await recordJob(domain, business.id, completedJob({ completedAt: new Date(clock.now().getTime() - 30 * HOUR) }));
    if (r.enrollment?.outcome !== "enrolled") throw new Error("expected an enrollment");
    expect(await drain(processor)).toMatchObject({ failed: 1 });

    const attention = async (at: string) => (await loadHome(homeDeps({ clock: new ManualClock(at) }), business.id)).attention;
    expect(await attention("2026-01-15T15:00:00Z")).toEqual({ failedSends: 1, unreadFeedback: 0, pendingDataRequests: 0 });
    expect((await attention("2026-01-22T15:00:01Z")).failedSends).toBe(0);

    await db.feedback.create({ data: { businessId: business.id, enrollmentId: r.enrollment.enrollmentId, message: "Left a mess", createdAt: clock.now() } });
    await db.feedback.create({ data: { businessId: business.id, enrollmentId: r.enrollment.enrollmentId, message: "Read already", createdAt: clock.now(), readAt: clock.now() } });
    await db.customerDataExport.create({
      data: { id: crypto.randomUUID(), businessId: business.id, hostCustomerId: "cust-1", found: true, payloadEnc: "x", requestedAt: clock.now(), expiresAt: new Date("2026-02-13T15:00:00Z") },
    });
    // Delivered already: not pending.
    await db.customerDataExport.create({
      data: { id: crypto.randomUUID(), businessId: business.id, hostCustomerId: "cust-2", found: true, payloadEnc: "x", requestedAt: clock.now(), expiresAt: new Date("2026-02-13T15:00:00Z"), deliveredAt: clock.now() },
    });
    expect(await attention("2026-01-15T15:00:00Z")).toEqual({ failedSends: 1, unreadFeedback: 1, pendingDataRequests: 1 });
  });
});
