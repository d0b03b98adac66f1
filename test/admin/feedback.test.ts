// Issue 15 item 9: private feedback reaches the merchant. From the customer's POST on /f/<token>
// to the admin's Feedback page, the home page's unread count, read/unread marks scoped to the
// business, and the optional email to the business's reply-to address (sent by the maintenance
// through the engine's email transport: the outbox here).
import { describe, expect, it } from "vitest";
import { recordJob } from "~/domain/enrollment.server";
import type { EmailTransport, OutgoingEmail } from "~/engine/transports/index.server";
import type { Business } from "~/generated/prisma/client";
import { signLinkToken } from "~/links/tokens.server";
import { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";
import { maintenanceDeps, runMaintenance } from "~/maintenance.server";
import * as homeRoute from "~/routes/app._index";
import * as feedbackPage from "~/routes/app.feedback";
import * as settingsRoute from "~/routes/app.settings";
import * as feedbackLink from "~/routes/f.$token";
import { getServices } from "~/services.server";
import { FEEDBACK_NOTIFY_MAX_ATTEMPTS, sendDueFeedbackNotifications } from "~/stops/feedback-notify.server";
import { completedJob } from "../helpers/fixtures";
import { APP_URL, call, cookieSessionFor, installTestBusiness, sessionFor, useAdminServices } from "./helpers";

type PageData = Awaited<ReturnType<typeof feedbackPage.loader>>;
type HomeData = Awaited<ReturnType<typeof homeRoute.loader>>;

/** A customer of the business enrolled after a completed job, and their feedback link's token. */
async function enrolledCustomer(business: Business, customer: { firstName?: string; email?: string } = {}) {
  const deps = getServices().domain;
  const job = completedJob({ title: "Kitchen sink", completedAt: new Date(), customer });
  const recorded = await recordJob(deps, business.id, job);
  const enrollmentId = (recorded.enrollment as { enrollmentId: string }).enrollmentId;
  expect(enrollmentId).toBeTruthy();
  const token = signLinkToken(getServices().secrets.linkSecret, { kind: "feedback", enrollmentId, position: 1 });
  return { job, enrollmentId, token };
}

/** The customer's form post, as the browser sends it. */
async function postFeedback(token: string, message: string): Promise<Response> {
  const request = new Request(`${APP_URL}/f/${token}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ message }),
  });
  return (await feedbackLink.action({ request, params: { token }, context: {} })) as Response;
}

const runTheMaintenance = () => runMaintenance(maintenanceDeps(getServices()));

async function outboxFor(businessId: string) {
  return getServices().database.prisma.outboxMessage.findMany({ where: { businessId }, orderBy: { createdAt: "asc" } });
}

describe("admin Feedback page", () => {
  useAdminServices();

  it("feedback posted on /f/<token> is listed unread with its job and customer, counted on the home page, and can be marked read and unread", async () => {
    const business = await installTestBusiness("Sink Masters");
    const session = await sessionFor(business);
    const { job, token } = await enrolledCustomer(business, { firstName: "Priya", email: "priya@example.com" });

    const home0 = await call<HomeData>(homeRoute.loader, await session.get("/app?index"));
    expect(home0.data.attention.unreadFeedback).toBe(0);

    const res = await postFeedback(token, "The plumber was great,\nbut left a mess.");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Your message has been sent to Sink Masters.");

    const page = await call<PageData>(feedbackPage.loader, await session.get("/app/feedback"));
    expect(page.status).toBe(200);
    expect(page.data.unread).toBe(1);
    expect(page.data.entries).toHaveLength(1);
    const entry = page.data.entries[0]!;
    expect(entry).toMatchObject({
      message: "The plumber was great,\nbut left a mess.",
      read: false,
      customer: { name: "Priya Reyes", email: "priya@example.com", redacted: false },
      job: { label: "Kitchen sink" },
    });
    expect(entry.job.detail).toContain(`#${job.hostJobId}`);

    const home1 = await call<HomeData>(homeRoute.loader, await session.get("/app?index"));
    expect(home1.data.attention.unreadFeedback).toBe(1);

    const read = await call<{ ok: boolean; readAt: string | null }>(feedbackPage.action, await session.post("/app/feedback", { intent: "read", feedbackId: entry.id }));
    expect(read.status).toBe(200);
    expect(read.data.ok).toBe(true);
    expect((await call<PageData>(feedbackPage.loader, await session.get("/app/feedback"))).data.entries[0]!.read).toBe(true);
    expect((await call<HomeData>(homeRoute.loader, await session.get("/app?index"))).data.attention.unreadFeedback).toBe(0);

    const unread = await call(feedbackPage.action, await session.post("/app/feedback", { intent: "unread", feedbackId: entry.id }));
    expect(unread.status).toBe(200);
    expect((await call<HomeData>(homeRoute.loader, await session.get("/app?index"))).data.attention.unreadFeedback).toBe(1);

    const all = await call<{ count: number }>(feedbackPage.action, await session.post("/app/feedback", { intent: "read-all" }));
    expect(all.data.count).toBe(1);
    expect((await call<HomeData>(homeRoute.loader, await session.get("/app?index"))).data.attention.unreadFeedback).toBe(0);
  });

  it("is newest first and paginated (25 a page)", async () => {
    const business = await installTestBusiness();
    const session = await sessionFor(business);
    const { enrollmentId } = await enrolledCustomer(business);
    const db = getServices().database.prisma;
    const start = Date.parse("2026-03-01T12:00:00Z");
    await db.feedback.createMany({
      data: Array.from({ length: 26 }, (_, i) => ({ businessId: business.id, enrollmentId, message: `message ${i}`, createdAt: new Date(start + i * 60_000) })),
    });
    const first = await call<PageData>(feedbackPage.loader, await session.get("/app/feedback"));
    expect(first.data.entries).toHaveLength(25);
    expect(first.data.entries[0]!.message).toBe("message 25");
    expect(first.data).toMatchObject({ page: 1, hasNext: true, hasPrevious: false, unread: 26 });
    const second = await call<PageData>(feedbackPage.loader, await session.get("/app/feedback?page=2"));
    expect(second.data.entries.map((e) => e.message)).toEqual(["message 0"]);
    expect(second.data).toMatchObject({ page: 2, hasNext: false, hasPrevious: true });
  });

  it.each([
    ["embedded (session token)", sessionFor],
    ["standalone (cookie session)", cookieSessionFor],
  ])("another business's admin can neither read nor mark it (404), %s", async (_mode, signIn) => {
    const owner = await installTestBusiness("Owner Plumbing");
    const other = await installTestBusiness("Other Roofing");
    const { token } = await enrolledCustomer(owner);
    expect((await postFeedback(token, "For the owner only")).status).toBe(200);
    const feedback = await getServices().database.prisma.feedback.findFirstOrThrow({ where: { businessId: owner.id } });

    const intruder = await signIn(other);
    const list = await call<PageData>(feedbackPage.loader, await intruder.get("/app/feedback"));
    expect(list.data.entries).toEqual([]);
    expect(JSON.stringify(list.data)).not.toContain("For the owner only");
    for (const intent of ["read", "unread"]) {
      const res = await call<{ ok: boolean; message: string }>(feedbackPage.action, await intruder.post("/app/feedback", { intent, feedbackId: feedback.id }));
      expect(res.status, intent).toBe(404);
      expect(res.data).toMatchObject({ ok: false, message: "Feedback not found" });
    }
    // read-all only reaches the intruder's own (none).
    expect((await call<{ count: number }>(feedbackPage.action, await intruder.post("/app/feedback", { intent: "read-all" }))).data.count).toBe(0);
    expect((await getServices().database.prisma.feedback.findUniqueOrThrow({ where: { id: feedback.id } })).readAt).toBeNull();
    expect((await call<HomeData>(homeRoute.loader, await (await sessionFor(owner)).get("/app?index"))).data.attention.unreadFeedback).toBe(1);
  });

  it("bad input is a 400 naming the field and changes nothing", async () => {
    const business = await installTestBusiness();
    const session = await sessionFor(business);
    const bad = await call<{ fieldErrors: Record<string, string> }>(feedbackPage.action, await session.post("/app/feedback", { intent: "read", feedbackId: "nope" }));
    expect(bad.status).toBe(400);
    expect(bad.data.fieldErrors).toMatchObject({ feedbackId: "must be a feedback id" });
    const unknown = await call<{ fieldErrors: Record<string, string> }>(feedbackPage.action, await session.post("/app/feedback", { intent: "delete" }));
    expect(unknown.status).toBe(400);
    expect(unknown.data.fieldErrors).toMatchObject({ intent: "unknown action" });
  });
});

describe("feedback email notification", () => {
  useAdminServices();

  it("goes to the reply-to address once, through the outbox, with the customer's text escaped, and is not counted anywhere else", async () => {
    const business = await installTestBusiness("Escape Plumbing");
    const db = getServices().database.prisma;
    await db.business.update({ where: { id: business.id }, data: { replyTo: "owner@escape.example" } });
    const { token, enrollmentId } = await enrolledCustomer(business, { firstName: "Sam", email: "sam@example.com" });
    const message = `<script>alert("x")</script> & <b>bold</b>\nsecond line`;

    expect((await postFeedback(token, message)).status).toBe(200);
    // Recorded with the feedback, not sent in the customer's request.
    expect(await outboxFor(business.id)).toHaveLength(0);
    expect((await db.feedback.findFirstOrThrow({ where: { businessId: business.id } })).notifyDueAt).not.toBeNull();
    const logBefore = await db.sendLog.count({ where: { businessId: business.id } });
    const touchesBefore = await db.enrollmentTouch.findMany({ where: { enrollmentId }, orderBy: { position: "asc" } });

    const run = await runTheMaintenance();
    expect(run.feedbackNotifications).toMatchObject({ sent: 1, retrying: 0, failed: 0 });
    // A repeated submit of the same message stores nothing new (the page is idempotent) and so
    // notifies nothing new; another maintenance run sends nothing again.
    expect((await postFeedback(token, message)).status).toBe(200);
    expect((await runTheMaintenance()).feedbackNotifications).toMatchObject({ sent: 0 });

    const outbox = await outboxFor(business.id);
    expect(outbox).toHaveLength(1);
    const email = outbox[0]!;
    expect(email).toMatchObject({ channel: "email", to: "owner@escape.example", subject: "New private feedback from Sam Reyes" });
    expect(email.from).toContain("Kudos");
    expect(email.text).toContain(message);
    expect(email.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;");
    expect(email.html).not.toContain("<script>");
    expect(email.html).not.toContain("<b>bold");
    // Not a touch: no enrollment or touch tags, no send-log row, the touches unchanged.
    expect(email.tags).toEqual({ kind: "feedback_notification" });
    expect(await db.sendLog.count({ where: { businessId: business.id } })).toBe(logBefore);
    expect(await db.enrollmentTouch.findMany({ where: { enrollmentId }, orderBy: { position: "asc" } })).toEqual(touchesBefore);
    const row = await db.feedback.findFirstOrThrow({ where: { businessId: business.id } });
    expect(row).toMatchObject({ notifyDueAt: null, notifyAttempts: 1 });
    expect(row.notifiedAt).toBeInstanceOf(Date);

    // A different message is new feedback: a second email.
    expect((await postFeedback(token, "One more thing")).status).toBe(200);
    await runTheMaintenance();
    expect(await outboxFor(business.id)).toHaveLength(2);
  });

  it("is not sent without a reply-to address or with the setting off", async () => {
    const db = getServices().database.prisma;
    const none = await installTestBusiness("No Reply Plumbing");
    const off = await installTestBusiness("Quiet Plumbing");
    await db.business.update({ where: { id: off.id }, data: { replyTo: "quiet@example.com", feedbackNotify: false } });
    for (const business of [none, off]) {
      const { token } = await enrolledCustomer(business);
      expect((await postFeedback(token, "Hello")).status).toBe(200);
      expect((await db.feedback.findFirstOrThrow({ where: { businessId: business.id } })).notifyDueAt).toBeNull();
    }
    await runTheMaintenance();
    expect(await outboxFor(none.id)).toHaveLength(0);
    expect(await outboxFor(off.id)).toHaveLength(0);
    // Still on the page.
    const page = await call<PageData>(feedbackPage.loader, await (await sessionFor(off)).get("/app/feedback"));
    expect(page.data.entries.map((e) => e.message)).toEqual(["Hello"]);
  });

  it("a failing provider never touches the customer's submission: logged, retried later, then sent once", async () => {
    const business = await installTestBusiness("Flaky Plumbing");
    const db = getServices().database.prisma;
    await db.business.update({ where: { id: business.id }, data: { replyTo: "owner@flaky.example" } });
    const { token } = await enrolledCustomer(business);
    expect((await postFeedback(token, "Please call me")).status).toBe(200);

    const clock = new ManualClock(new Date(Date.now() + 1_000));
    const logs: string[] = [];
    const logger = createLogger("warn", { write: (line: string) => void logs.push(line) });
    const sent: OutgoingEmail[] = [];
    let failing = true;
    const transport: EmailTransport = {
      provider: "test",
      async sendBatch(emails) {
        if (failing) return emails.map(() => ({ ok: false as const, retryable: true, code: "rate_limit_exceeded", error: "Too many requests" }));
        sent.push(...emails);
        return emails.map((_, i) => ({ ok: true as const, providerMessageId: `msg-${i}` }));
      },
    };
    const deps = { ...maintenanceDeps(getServices(), clock), logger, emailTransport: () => transport };

    expect(await sendDueFeedbackNotifications(deps)).toMatchObject({ sent: 0, retrying: 1 });
    const after = await db.feedback.findFirstOrThrow({ where: { businessId: business.id } });
    expect(after.notifyDueAt!.getTime()).toBeGreaterThan(clock.now().getTime());
    expect(logs.join("\n")).toContain("feedback notification failed; retrying later");
    expect(logs.join("\n")).not.toContain("Please call me");
    // Not due yet: nothing happens.
    expect(await sendDueFeedbackNotifications(deps)).toMatchObject({ sent: 0, retrying: 0 });
    clock.advance(60_000);
    failing = false;
    expect(await sendDueFeedbackNotifications(deps)).toMatchObject({ sent: 1 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.idempotencyKey).toBe(`kudos-feedback-${after.id}`);

    // A provider that keeps failing is given up after a bounded number of attempts.
    const { token: token2 } = await enrolledCustomer(business);
    expect((await postFeedback(token2, "Another")).status).toBe(200);
    failing = true;
    let failed = 0;
    for (let i = 0; i < FEEDBACK_NOTIFY_MAX_ATTEMPTS; i++) {
      clock.advance(2 * 3_600_000);
      failed += (await sendDueFeedbackNotifications(deps)).failed;
    }
    expect(failed).toBe(1);
    expect((await db.feedback.findFirstOrThrow({ where: { businessId: business.id, message: "Another" } })).notifyDueAt).toBeNull();
  });

  it("the Settings page switches it (on by default; omitted leaves it unchanged)", async () => {
    const business = await installTestBusiness();
    expect(business.feedbackNotify).toBe(true);
    const session = await sessionFor(business);
    const loaded = await call<Awaited<ReturnType<typeof settingsRoute.loader>>>(settingsRoute.loader, await session.get("/app/settings"));
    expect(loaded.data.settings.feedbackNotify).toBe(true);
    const base = {
      name: "Acme Plumbing",
      timezone: "America/New_York",
      quietHoursStart: "08:00",
      quietHoursEnd: "21:00",
      cooldownDays: "30",
      emailHourlyLimit: "100",
      smsHourlyLimit: "100",
      replyTo: "owner@acme.example",
      feedbackPageEnabled: "true",
    };
    const db = getServices().database.prisma;
    expect((await call(settingsRoute.action, await session.post("/app/settings", { ...base, feedbackNotify: "false" }))).status).toBe(200);
    expect((await db.business.findUniqueOrThrow({ where: { id: business.id } })).feedbackNotify).toBe(false);
    expect((await call(settingsRoute.action, await session.post("/app/settings", base))).status).toBe(200);
    expect((await db.business.findUniqueOrThrow({ where: { id: business.id } })).feedbackNotify).toBe(false);
    expect((await call(settingsRoute.action, await session.post("/app/settings", { ...base, feedbackNotify: "true" }))).status).toBe(200);
    expect((await db.business.findUniqueOrThrow({ where: { id: business.id } })).feedbackNotify).toBe(true);
    const bad = await call<{ fieldErrors: Record<string, string> }>(settingsRoute.action, await session.post("/app/settings", { ...base, feedbackNotify: "maybe" }));
    expect(bad.status).toBe(400);
    expect(bad.data.fieldErrors).toMatchObject({ feedbackNotify: "must be on or off" });
  });
});
