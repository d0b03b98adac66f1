// Issue 16 item 2: "Send a test to myself". The real rendered email or text, with the merchant's
// business name and review link and a sample customer, to the merchant's own address or number,
// through the business's transport (the outbox here: a sandbox business); never a touch, never
// counted, never enrolled.
import { describe, expect, it } from "vitest";
import { transportsForBusiness } from "~/admin/send-transports.server";
import { sendTestMessage, TEST_SEND_TAG } from "~/admin/test-send.server";
import { loadAnalytics } from "~/analytics/analytics.server";
import type { EmailTransport, OutgoingEmail, OutgoingSms, SmsTransport } from "~/engine/transports/index.server";
import type { Business } from "~/generated/prisma/client";
import { ManualClock } from "~/lib/clock.server";
import * as testSendRoute from "~/routes/app.test-send";
import { getServices } from "~/services.server";
import { APP_URL, call, cookieSessionFor, installTestBusiness, makeReady, READY_SETTINGS, sessionFor, useAdminServices } from "./helpers";

interface Answer {
  ok: boolean;
  message: string;
  fieldErrors?: Record<string, string>;
  to?: string;
  outbox?: boolean;
  channel?: string;
}

const EDITOR_SMS = { channel: "sms", body: "Hi {{customer_first_name}}, thanks for choosing {{business_name}}! A review? {{review_link}}" };

async function outboxOf(business: Pick<Business, "id">) {
  return getServices().database.prisma.outboxMessage.findMany({ where: { businessId: business.id } });
}

/** Nothing of a real send: no customer, job, enrollment, touch or send log; analytics count nothing. */
async function expectNoTrace(business: Pick<Business, "id">) {
  const db = getServices().database.prisma;
  const where = { businessId: business.id };
  expect(await db.customer.count({ where })).toBe(0);
  expect(await db.job.count({ where })).toBe(0);
  expect(await db.enrollment.count({ where })).toBe(0);
  expect(await db.enrollmentTouch.count({ where })).toBe(0);
  expect(await db.sendLog.count({ where })).toBe(0);
  const analytics = await loadAnalytics(getServices().database.pool, { businessId: business.id, campaignId: null, start: null, end: null });
  expect(analytics.enrollments.total).toBe(0);
  expect(analytics.funnel.total).toMatchObject({ scheduled: 0, sent: 0, clicked: 0 });
}

async function systemTemplate(channel: "email" | "sms") {
  return getServices().database.prisma.messageTemplate.findFirstOrThrow({ where: { businessId: null, channel }, orderBy: { createdAt: "asc" } });
}

describe("POST /app/test-send", () => {
  useAdminServices();

  it("sends a template's real email to the reply-to address: exactly one message in the outbox, nothing else", async () => {
    const business = await makeReady(await installTestBusiness("Acme Plumbing"));
    const session = await sessionFor(business);
    const template = await systemTemplate("email");
    const res = await call<Answer>(testSendRoute.action, await session.post("/app/test-send", { templateId: template.id }));
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.data).toMatchObject({ ok: true, channel: "email", to: READY_SETTINGS.replyTo, outbox: true });
    expect(res.data.message).toBe(`Test email for ${READY_SETTINGS.replyTo} is in the Outbox (test mode: nothing is delivered)`);

    const messages = await outboxOf(business);
    expect(messages).toHaveLength(1);
    const [m] = messages;
    expect(m).toMatchObject({ channel: "email", to: READY_SETTINGS.replyTo, replyTo: READY_SETTINGS.replyTo, tags: { kind: TEST_SEND_TAG } });
    expect(m!.from).toContain("Acme Plumbing");
    for (const part of [m!.text, m!.html!]) {
      expect(part).toContain("Acme Plumbing");
      expect(part).toContain(READY_SETTINGS.reviewLinks[0]!.url);
      expect(part).toContain(READY_SETTINGS.physicalAddress);
      // The review page itself: a tracked /r link would need an enrollment.
      expect(part).not.toContain(`${APP_URL}/r/`);
    }
    expect(m!.text).toContain("Alex");
    expect(m!.headers).toEqual({});
    await expectNoTrace(business);
    const row = await getServices().database.prisma.business.findUniqueOrThrow({ where: { id: business.id } });
    expect(row.testSentAt).not.toBeNull();
  });

  it("sends the editor's unsaved text to a typed number (normalised), as the first text to that number reads", async () => {
    const business = await makeReady(await installTestBusiness("Bright Plumbing"));
    const session = await cookieSessionFor(business);
    const res = await call<Answer>(testSendRoute.action, await session.post("/app/test-send", { ...EDITOR_SMS, to: "(212) 555-0142" }));
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ ok: true, channel: "sms", to: "+12125550142" });
    const [m] = await outboxOf(business);
    expect(m).toMatchObject({ channel: "sms", to: "+12125550142" });
    expect(m!.text).toBe(`Bright Plumbing: Hi Alex, thanks for choosing Bright Plumbing! A review? ${READY_SETTINGS.reviewLinks[0]!.url}\nReply STOP to opt out`);
    await expectNoTrace(business);
  });

  it("bad input is a 400 naming the field and sends nothing", async () => {
    const business = await installTestBusiness();
    // Ready, but without a reply-to address to default to.
    await makeReady(business);
    await getServices().database.prisma.business.update({ where: { id: business.id }, data: { replyTo: null } });
    const session = await sessionFor(business);
    const email = { channel: "email", subject: "How did we do?", body: "Leave a review: {{review_link}}" };
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ ...email, to: "not-an-address" }, "to", /^Send to must be an email address/],
      [email, "to", /^Send to is required: type your email address, or add a reply-to address in Settings/],
      [{ ...EDITOR_SMS, to: "12345" }, "to", /^Send to must be a mobile number/],
      [{ body: "x {{review_link}}", to: "me@example.com" }, "channel", /^Channel is required/],
      [{ channel: "fax", body: "x", to: "me@example.com" }, "channel", /^Channel must be email or sms/],
      [{ channel: "email", to: "me@example.com" }, "body", /^Body is required/],
    ];
    for (const [fields, field, message] of cases) {
      const res = await call<Answer>(testSendRoute.action, await session.post("/app/test-send", fields));
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.data.ok).toBe(false);
      expect(Object.keys(res.data.fieldErrors ?? {}), JSON.stringify(fields)).toContain(field);
      expect(res.data.message).toMatch(message);
    }
    expect(await outboxOf(business)).toEqual([]);
    expect((await getServices().database.prisma.business.findUniqueOrThrow({ where: { id: business.id } })).testSentAt).toBeNull();
  });

  it("a message that cannot be sent as it stands is a 422 naming what to fix", async () => {
    const business = await makeReady(await installTestBusiness());
    const session = await sessionFor(business);
    const noLink = await call<Answer>(testSendRoute.action, await session.post("/app/test-send", { channel: "sms", body: "No link here" }));
    expect(noLink.status).toBe(422);
    expect(noLink.data.fieldErrors).toHaveProperty("body");

    const db = getServices().database.prisma;
    await db.business.update({ where: { id: business.id }, data: { physicalAddress: null } });
    const noAddress = await call<Answer>(testSendRoute.action, await session.post("/app/test-send", { channel: "email", subject: "Hi", body: "{{review_link}}" }));
    expect(noAddress.status).toBe(422);
    expect(noAddress.data.fieldErrors).toHaveProperty("physicalAddress");

    await db.business.update({ where: { id: business.id }, data: { reviewLinks: [] } });
    const noReviewLink = await call<Answer>(testSendRoute.action, await session.post("/app/test-send", EDITOR_SMS));
    expect(noReviewLink.status).toBe(422);
    expect(noReviewLink.data.fieldErrors).toHaveProperty("reviewLinks");
    expect(await outboxOf(business)).toEqual([]);
  });

  it("another business's template, or no template at all, is a 404", async () => {
    const owner = await makeReady(await installTestBusiness("Owner Plumbing"));
    const intruder = await makeReady(await installTestBusiness("Intruder Plumbing"));
    const theirs = await getServices().database.prisma.messageTemplate.create({
      data: { businessId: owner.id, channel: "sms", name: "Owner's text", body: "Owner secret {{review_link}}" },
    });
    const session = await sessionFor(intruder);
    for (const templateId of [theirs.id, "00000000-0000-4000-8000-000000000009", "not-an-id"]) {
      const res = await call<Answer>(testSendRoute.action, await session.post("/app/test-send", { templateId }));
      expect(res.status, templateId).toBe(404);
    }
    expect(await outboxOf(intruder)).toEqual([]);
    expect(await outboxOf(owner)).toEqual([]);
  });

  it("answers 401 without a session, and sends nothing", async () => {
    const business = await makeReady(await installTestBusiness());
    const res = await call(testSendRoute.action, new Request(`${APP_URL}/app/test-send`, { method: "POST", body: new URLSearchParams(EDITOR_SMS) }));
    expect(res.status).toBe(401);
    expect(res.thrown).toBe(true);
    expect(await outboxOf(business)).toEqual([]);
  });
});

describe("test sends go through the business's transport", () => {
  useAdminServices();

  it("the sandbox's outbox for a sandbox business, the deployment's providers for the others", () => {
    const processor = getServices().processor;
    expect(transportsForBusiness(processor, "sandbox")).toMatchObject({ email: processor.hostTransports!.sandbox!.email, hostOverride: true });
    expect(transportsForBusiness(processor, "jobber")).toMatchObject({ email: processor.email, sms: processor.sms, hostOverride: false });
  });

  it("sends what the provider should get: the business as sender, its reply-to, a test tag naming no touch or business", async () => {
    const business = await makeReady(await installTestBusiness("Harbor Lawn Care"));
    const emails: OutgoingEmail[] = [];
    const texts: OutgoingSms[] = [];
    const email: EmailTransport = { provider: "resend", sendBatch: async (batch) => (emails.push(...batch), batch.map(() => ({ ok: true as const, providerMessageId: "re_1" }))) };
    const sms: SmsTransport = { provider: "twilio", send: async (t) => (texts.push(t), { ok: true as const, providerMessageId: "SM1" }) };
    const deps = { db: getServices().database.prisma, clock: new ManualClock("2026-01-14T15:00:00Z"), transports: { email, sms }, emailFrom: "reviews@mail.kudos.test", appUrl: APP_URL };

    const sent = await sendTestMessage(deps, business, { channel: "email", subject: "How did {{business_name}} do?", body: "Hi {{customer_name}}\n\n{{review_link}}" });
    expect(sent).toMatchObject({ provider: "resend", outbox: false, message: `Test email sent to ${READY_SETTINGS.replyTo}` });
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      from: '"Harbor Lawn Care" <reviews@mail.kudos.test>',
      to: READY_SETTINGS.replyTo,
      replyTo: READY_SETTINGS.replyTo,
      subject: "How did Harbor Lawn Care do?",
      headers: {},
      tags: { kind: TEST_SEND_TAG },
    });
    // Exactly this tag: an enrollment or business id would let provider events about a test act on them.
    expect(emails[0]!.tags).toEqual({ kind: TEST_SEND_TAG });
    expect(emails[0]!.text).toContain("Hi Alex Sample");

    await sendTestMessage(deps, business, EDITOR_SMS);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({ to: READY_SETTINGS.contactPhone, statusCallbackUrl: `${APP_URL}/webhooks/twilio/status` });
    expect(texts[0]!.tags).toEqual({ kind: TEST_SEND_TAG });
    const row = await getServices().database.prisma.business.findUniqueOrThrow({ where: { id: business.id } });
    expect(row.testSentAt?.toISOString()).toBe("2026-01-14T15:00:00.000Z");

    // A provider's refusal is a 502-class error, and the checklist item stays as it was.
    const refusing: EmailTransport = { provider: "resend", sendBatch: async (batch) => batch.map(() => ({ ok: false as const, retryable: false, error: "domain not verified" })) };
    await expect(sendTestMessage({ ...deps, transports: { email: refusing, sms } }, business, { channel: "email", subject: "S", body: "{{review_link}}" })).rejects.toMatchObject({
      status: 502,
      message: "The test could not be sent: domain not verified",
    });
  });
});
