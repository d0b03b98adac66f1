// Opt-outs that outlive everything (issue 15): what a person's "no" reaches, across reinstalls,
// shared sending numbers, the ways people say stop, Twilio's own keyword handling, and numbers
// that cannot take texts. Every case starts from an HTTP request or a webhook.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCampaign, getCampaign } from "~/domain/campaigns.server";
import { installBusiness } from "~/domain/business.server";
import { recordJob } from "~/domain/enrollment.server";
import { processBatch } from "~/engine/processor.server";
import { createTwilioTransport, withRetries } from "~/engine/transports/index.server";
import { storeHostTokens } from "~/hosts/install/credentials.server";
import { receiveWebhook } from "~/hosts/ingest/receive.server";
import { processDueHostEvents } from "~/hosts/ingest/process.server";
import { ManualClock } from "~/lib/clock.server";
import { hashAddress } from "~/lib/opt-out-key.server";
import { createLogger } from "~/logger.server";
import { backfillOptOuts } from "~/db/backfill-opt-outs.server";
import * as unsubscribeRoute from "~/routes/u.$token";
import * as inboundRoute from "~/routes/webhooks.twilio.inbound";
import * as statusRoute from "~/routes/webhooks.twilio.status";
import { classifySmsKeyword } from "~/stops/sms-keywords.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps, TEST_APP_URL, TEST_OPT_OUTS, TEST_SMS_FROM } from "../helpers/engine";
import { completedJob, deps } from "../helpers/fixtures";
import { setupTwilioMock, TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN } from "../mocks/twilio";
import { ENCRYPTION_KEY, genericWebhookRequest, ingestDeps, jobPayload, processDeps, testRegistry } from "../sandbox/helpers";
import { enrollmentState, inboundSms, routeArgs, sentFirstTouch, TOUCH_DUE, twilioRequest, useRouteEnv, withEnv } from "./helpers";

const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
const ONE_CLICK: RequestInit = { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" };

const db = useTestDatabase();
useRouteEnv(db);
const twilio = setupTwilioMock();

async function inbound(from: string, body: string, extra: Record<string, string> = {}) {
  const res = (await inboundRoute.action(routeArgs(twilioRequest("/webhooks/twilio/inbound", inboundSms(from, body, extra))))) as Response;
  expect(res.status).toBe(200);
  return res.text();
}

async function unsubscribe(token: string) {
  const res = (await unsubscribeRoute.action(routeArgs(new Request(`${TEST_APP_URL}/u/${token}`, { method: "POST", ...ONE_CLICK }), { token }))) as Response;
  expect(res.status).toBe(200);
}

/** A new business (sandbox host) that knows nothing of anyone yet. */
async function newBusiness(clock: ManualClock, name: string, accountId = `acct-${name.toLowerCase().replace(/\W+/g, "-")}-${Date.now()}`) {
  const { business } = await installBusiness({ db: db().prisma, clock }, { host: "sandbox", externalAccountId: accountId, name });
  // No cooldown: one person's several jobs in a test are each a case of their own.
  await db().prisma.business.update({ where: { id: business.id }, data: { ...BUSINESS_SETTINGS, cooldownDays: 0 } });
  return business;
}

/** Runs the processor at each time: the touches due by then go out (or are skipped). */
async function runAt(p: ReturnType<typeof processorDeps>, ...times: string[]) {
  for (const at of times) {
    p.clock.set(at);
    await processBatch(p);
  }
}

async function touches(enrollmentId: string) {
  const rows = await db().prisma.enrollmentTouch.findMany({ where: { enrollmentId }, orderBy: { position: "asc" } });
  return rows.map((t) => [t.channel, t.status, t.reason]);
}

describe("the durable record", () => {
  it("PostgreSQL's opt_out_address_hash is HMAC-SHA256 with the opt-out key (checked against node:crypto)", async () => {
    for (const address of ["dana@example.com", "+13055550142", "zoë@exämple.com"]) {
      const { rows } = await db().pool.query<{ h: Buffer }>("SELECT opt_out_address_hash($1, $2, $3) AS h", [address, TEST_OPT_OUTS.key.ipad, TEST_OPT_OUTS.key.opad]);
      expect(rows[0]!.h.toString("hex")).toBe(createHmac("sha256", TEST_OPT_OUTS.key.key).update(address).digest("hex"));
    }
  });

  it("suppressions recorded before the durable table existed are filled into it once (opt-outs, not bounces)", async () => {
    const clock = new ManualClock("2026-01-05T15:00:00Z");
    const legacy = await newBusiness(clock, "Legacy Pools");
    const now = clock.now();
    await db().prisma.suppression.createMany({
      data: [
        { businessId: legacy.id, channel: "email", address: "old.optout@example.com", reason: "opted_out", createdAt: now },
        { businessId: legacy.id, channel: "sms", address: "+13055550999", reason: "provider_unsubscribed", createdAt: now },
        { businessId: legacy.id, channel: "email", address: "bounced@example.com", reason: "bounced", createdAt: now },
      ],
    });
    expect(await backfillOptOuts(db().url, TEST_OPT_OUTS.key)).toBe(2);
    expect(await backfillOptOuts(db().url, TEST_OPT_OUTS.key)).toBe(0);
    const rows = await db().prisma.optOut.findMany({ where: { scope: `account:sandbox:${legacy.externalAccountId}` }, orderBy: { channel: "asc" } });
    expect(rows.map((r) => [r.channel, r.reason, Buffer.from(r.addressHash).equals(hashAddress(TEST_OPT_OUTS.key, r.channel === "email" ? "old.optout@example.com" : "+13055550999"))]))
      .toEqual([["email", "opted_out", true], ["sms", "provider_unsubscribed", true]]);
  });
});

describe("opt-outs survive uninstall, account.redact and reinstall", () => {
  it("an unsubscribed customer is not enrolled, emailed or texted after account.redact and a reinstall of the same account", async () => {
    const clock = new ManualClock("2026-01-05T15:00:00Z");
    const registry = testRegistry({ clock });
    const accountId = `acct-reinstall-${Date.now()}`;
    const sendHost = async (body: Record<string, unknown>) => {
      expect((await receiveWebhook(ingestDeps(db(), registry, clock), "sandbox", genericWebhookRequest(body, { now: clock.now() }))).status).toBe(200);
      return processDueHostEvents(processDeps(db(), registry, clock));
    };
    const install = async () => {
      const business = await newBusiness(clock, "Reinstall Lawn", accountId);
      await storeHostTokens(db().prisma, ENCRYPTION_KEY, business.id, { accessToken: "at", scopes: [] });
      return business;
    };

    const first = await install();
    await sendHost(jobPayload(accountId, { jobId: "job-a" }));
    const p = processorDeps(db(), { clock });
    await runAt(p, "2026-01-06T15:00:00Z");
    const email = await db().prisma.outboxMessage.findFirstOrThrow({ where: { businessId: first.id, channel: "email" } });
    const token = /\/u\/([\w.-]+)>/.exec((email.headers as Record<string, string>)["List-Unsubscribe"]!)![1]!;
    await unsubscribe(token);

    expect(await sendHost({ topic: "account.redact", account_id: accountId })).toMatchObject({ processed: 1 });
    expect(await db().prisma.business.count({ where: { id: first.id } })).toBe(0);
    expect(await db().prisma.suppression.count({ where: { businessId: first.id } })).toBe(0);
    // What outlives the business: the scope, the channel and a keyed hash, no address.
    const kept = await db().prisma.optOut.findMany({ where: { scope: `account:sandbox:${accountId}` }, orderBy: { channel: "asc" } });
    expect(kept.map((o) => [o.channel, o.reason, Buffer.from(o.addressHash).toString("hex")])).toEqual([
      ["email", "opted_out", hashAddress(TEST_OPT_OUTS.key, "dana@example.com").toString("hex")],
      ["sms", "opted_out", hashAddress(TEST_OPT_OUTS.key, "+13055550142").toString("hex")],
    ]);
    const { rows } = await db().pool.query("SELECT * FROM opt_out WHERE scope = $1", [`account:sandbox:${accountId}`]);
    expect(JSON.stringify(rows)).not.toMatch(/dana|3055550142/);

    // Reinstall: a new business row for the same account; the same customer completes a job.
    clock.set("2026-02-01T15:00:00Z");
    const second = await install();
    expect(second.id).not.toBe(first.id);
    await sendHost(jobPayload(accountId, { jobId: "job-b", occurredAt: "2026-02-01T14:59:00Z" }));
    const job = await db().prisma.job.findFirstOrThrow({ where: { businessId: second.id, hostJobId: "job-b" } });
    expect(job).toMatchObject({ outcome: "skipped", outcomeReason: "opted_out" });

    // And at send time, whatever enrolled them (here a path without the enrollment check).
    const manual = await recordJob(deps(db().prisma, clock), second.id, completedJob({
      completedAt: clock.now(), customer: { hostCustomerId: "cus-77", email: "dana@example.com", phone: "+13055550142" },
    }));
    expect(manual.enrollment).toMatchObject({ outcome: "enrolled" });
    const enrollmentId = (manual.enrollment as { enrollmentId: string }).enrollmentId;
    await runAt(p, "2026-02-02T15:00:00Z", "2026-02-05T15:00:00Z", "2026-02-12T15:00:00Z");
    expect(await touches(enrollmentId)).toEqual([
      ["email", "skipped", "email_suppressed"],
      ["sms", "skipped", "sms_opted_out"],
      ["email", "skipped", "email_suppressed"],
    ]);
    expect(await db().prisma.outboxMessage.count({ where: { businessId: second.id } })).toBe(0);
  });
});

describe("STOP applies to the sending number", () => {
  it("binds every business texting from that number, including one that learns the number later; START lifts it", async () => {
    const phone = "+13055550177";
    const a = await sentFirstTouch(db(), { customer: { phone }, settings: { name: "Alpha Plumbing" } });
    await runAt(a.p, TOUCH_DUE[2]);
    expect(await inbound(phone, "STOP", { To: TEST_SMS_FROM })).toContain("Alpha Plumbing: You&#39;re unsubscribed");

    // Beta never knew the number; its customer gives it later. Email goes out, the text does not.
    const clock = new ManualClock("2026-01-10T15:00:00Z");
    const beta = await newBusiness(clock, "Beta Heating");
    const withCheck = { ...deps(db().prisma, clock), optOuts: TEST_OPT_OUTS };
    const recorded = await recordJob(withCheck, beta.id, completedJob({ completedAt: clock.now(), customer: { phone } }));
    const betaEnrollment = (recorded.enrollment as { enrollmentId: string }).enrollmentId;
    const p = processorDeps(db(), { clock });
    await runAt(p, "2026-01-11T15:00:00Z", "2026-01-14T15:00:00Z");
    expect((await touches(betaEnrollment)).slice(0, 2)).toEqual([
      ["email", "sent", null],
      ["sms", "skipped", "sms_opted_out"],
    ]);
    // A texts-only campaign: nothing can reach the person, so the job is not enrolled at all.
    const smsTemplate = (await getCampaign(db().prisma, beta.id, (await db().prisma.campaign.findFirstOrThrow({ where: { businessId: beta.id, status: "active" } })).id))
      .touches.find((t) => t.channel === "sms")!.templateId;
    await db().prisma.campaign.updateMany({ where: { businessId: beta.id }, data: { status: "paused" } });
    await createCampaign(withCheck, beta.id, { name: "Texts only", touches: [{ channel: "sms", delayHours: 1, templateId: smsTemplate }] }, { active: true });
    const textsOnly = await recordJob(withCheck, beta.id, completedJob({ completedAt: clock.now(), customer: { phone, email: null } }));
    expect(textsOnly.enrollment).toMatchObject({ outcome: "skipped", reason: "opted_out" });

    // START to the same number lifts the number's record: Gamma, new too, texts them.
    expect(await inbound(phone, "START", { To: TEST_SMS_FROM })).toContain("resubscribed");
    const gamma = await newBusiness(clock, "Gamma Roofing");
    const g = await recordJob(withCheck, gamma.id, completedJob({ completedAt: clock.now(), customer: { phone } }));
    expect(g.enrollment).toMatchObject({ outcome: "enrolled" });
    await runAt(p, "2026-01-15T15:00:00Z", "2026-01-18T15:00:00Z");
    expect((await touches((g.enrollment as { enrollmentId: string }).enrollmentId)).slice(0, 2)).toEqual([
      ["email", "sent", null],
      ["sms", "sent", null],
    ]);
  });

  it("a STOP to another number binds that number only, not the one this deployment texts from", async () => {
    const phone = "+13055550178";
    // No business knows this person: the reply promises only what it does (no email stop).
    expect(await inbound(phone, "stop", { To: "+15550009999" })).toContain(
      "<Message>Kudos: You&#39;re unsubscribed and will get no more texts from this number. Reply START for texts again.</Message>",
    );
    const clock = new ManualClock("2026-01-10T15:00:00Z");
    const delta = await newBusiness(clock, "Delta Electric");
    const r = await recordJob({ ...deps(db().prisma, clock), optOuts: TEST_OPT_OUTS }, delta.id, completedJob({ completedAt: clock.now(), customer: { phone } }));
    const p = processorDeps(db(), { clock });
    await runAt(p, "2026-01-11T15:00:00Z", "2026-01-14T15:00:00Z");
    expect((await touches((r.enrollment as { enrollmentId: string }).enrollmentId))[1]).toEqual(["sms", "sent", null]);
  });
});

describe("every way people say stop", () => {
  // [message, meaning, one of Twilio's reserved keywords exactly]
  const TABLE: [string, "optOut" | "optIn" | "help" | null, boolean][] = [
    ["STOP", "optOut", true],
    ["stop", "optOut", true],
    ["Stop.", "optOut", false],
    ["STOPALL", "optOut", true],
    ["stop all", "optOut", false],
    ["UNSUBSCRIBE", "optOut", true],
    ["cancel", "optOut", true],
    ["END", "optOut", true],
    ["quit", "optOut", true],
    ["REVOKE", "optOut", true],
    ["OPTOUT", "optOut", true],
    ["OPT OUT", "optOut", false],
    ["opt-out", "optOut", false],
    ["Opt out please", "optOut", false],
    ["Stop texting me", "optOut", false],
    ["STOP please", "optOut", false],
    ["please stop", "optOut", false],
    ["Stop it!", "optOut", false],
    ["please remove me", "optOut", false],
    ["Remove me from your list", "optOut", false],
    ["Unsubscribe me", "optOut", false],
    ["Don’t text me again", "optOut", false],
    ["do not contact me", "optOut", false],
    ["No more texts", "optOut", false],
    ["stop sending me these messages", "optOut", false],
    ["Take me off your list", "optOut", false],
    ["wrong number", "optOut", false],
    ["START", "optIn", true],
    ["unstop", "optIn", true],
    ["yes", "optIn", true],
    ["HELP", "help", true],
    ["info", "help", true],
    ["Help please", "help", false],
    ["Thanks, great job!", null, false],
    ["don't stop", null, false],
    ["I'll stop by tomorrow", null, false],
    ["Can I cancel my appointment?", null, false],
    ["the end", null, false],
    ["yes please call me", null, false],
    ["helpful tech", null, false],
    ["", null, false],
  ];
  it.each(TABLE)("%j → %s (Twilio reserved: %s)", (text, kind, reserved) => {
    const got = classifySmsKeyword(text);
    expect(got?.kind ?? null).toBe(kind);
    if (kind) expect(got!.reservedByTwilio).toBe(reserved);
  });

  it("a plain-words opt-out over HTTP stops the sequence like STOP", async () => {
    const s = await sentFirstTouch(db());
    await runAt(s.p, TOUCH_DUE[2]);
    expect(await inbound(s.phone, "Please stop texting me, thanks")).toContain("You&#39;re unsubscribed");
    expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "opted_out_sms" });
  });
});

describe("no double replies: Twilio's default keyword handling (SMS_KEYWORD_REPLIES=twilio, the default)", () => {
  it("answers Twilio's reserved keywords with empty TwiML but records them; confirms what Twilio does not answer", async () => {
    await withEnv({ SMS_KEYWORD_REPLIES: "twilio" }, async () => {
      const s = await sentFirstTouch(db());
      await runAt(s.p, TOUCH_DUE[2]);
      expect(await inbound(s.phone, "HELP", { OptOutType: "HELP" })).toBe(EMPTY);
      expect(await inbound(s.phone, "STOP", { OptOutType: "STOP" })).toBe(EMPTY);
      expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "opted_out_sms" });
      expect(await db().prisma.suppression.count({ where: { businessId: s.businessId, channel: "sms" } })).toBe(1);
      expect(await inbound(s.phone, "start", { OptOutType: "START" })).toBe(EMPTY);
      expect(await db().prisma.suppression.count({ where: { businessId: s.businessId, channel: "sms" } })).toBe(0);

      // OptOutType decides even when the words alone would not (Twilio matched it).
      const t = await sentFirstTouch(db());
      await runAt(t.p, TOUCH_DUE[2]);
      expect(await inbound(t.phone, "Stop please", { OptOutType: "STOP" })).toBe(EMPTY);
      expect((await enrollmentState(db(), t.enrollmentId)).status).toBe("stopped");

      // Twilio neither answers nor blocks plain words: Kudos records and confirms them once.
      const u = await sentFirstTouch(db());
      await runAt(u.p, TOUCH_DUE[2]);
      expect(await inbound(u.phone, "please remove me")).toContain("You&#39;re unsubscribed");
      expect(await inbound(u.phone, "please remove me")).toBe(EMPTY);
      expect((await enrollmentState(db(), u.enrollmentId)).status).toBe("stopped");
    });
  });

  it("with SMS_KEYWORD_REPLIES=kudos, Kudos answers the reserved keywords itself", async () => {
    await withEnv({ SMS_KEYWORD_REPLIES: "kudos" }, async () => {
      const s = await sentFirstTouch(db());
      await runAt(s.p, TOUCH_DUE[2]);
      expect(await inbound(s.phone, "HELP")).toContain("Acme Plumbing review requests");
      expect(await inbound(s.phone, "STOP")).toContain("You&#39;re unsubscribed");
    });
  });
});

describe("numbers that cannot receive texts", () => {
  /** Touch 1 email, then two texts. */
  async function twoTexts() {
    const s = await sentFirstTouch(db(), { settings: { cooldownDays: 0 } });
    const campaign = await getCampaign(db().prisma, s.businessId, s.campaignId);
    const sms = campaign.touches.find((t) => t.channel === "sms")!.templateId;
    const email = campaign.touches.find((t) => t.channel === "email")!.templateId;
    await db().prisma.campaign.update({ where: { id: s.campaignId }, data: { status: "paused" } });
    const c = await createCampaign(s.d, s.businessId, {
      name: "Two texts",
      touches: [{ channel: "sms", delayHours: 1, templateId: sms }, { channel: "sms", delayHours: 24, templateId: sms }, { channel: "email", delayHours: 24, templateId: email }],
    }, { active: true });
    s.clock.set("2026-01-06T15:00:00Z");
    const r = await recordJob(s.d, s.businessId, { ...s.jobInput, hostJobId: `texts-${Date.now()}`, completedAt: s.clock.now() });
    expect(r.enrollment).toMatchObject({ outcome: "enrolled", campaignId: c.id });
    const sender = withRetries(createTwilioTransport({ accountSid: TEST_TWILIO_ACCOUNT_SID, authToken: TEST_TWILIO_AUTH_TOKEN, fromNumber: TEST_SMS_FROM, logger: createLogger("silent") }), { baseDelayMs: 1 });
    return { ...s, p: processorDeps(db(), { clock: s.clock, sms: sender }), texts: (r.enrollment as { enrollmentId: string }).enrollmentId };
  }

  it("21614 (not a mobile number) at send: later texts are skipped without asking Twilio again; the email still goes", async () => {
    const s = await twoTexts();
    twilio.queueFailures({ kind: "not_mobile" });
    await runAt(s.p, "2026-01-06T16:30:00Z");
    expect(await db().prisma.suppression.findMany({ where: { businessId: s.businessId, channel: "sms" }, select: { address: true, reason: true } }))
      .toEqual([{ address: s.phone, reason: "not_mobile" }]);
    await runAt(s.p, "2026-01-07T17:00:00Z", "2026-01-08T18:00:00Z");
    expect(await touches(s.texts)).toEqual([
      ["sms", "failed", `The 'To' number ${s.phone} is not a valid mobile number`],
      ["sms", "skipped", "sms_undeliverable"],
      ["email", "sent", null],
    ]);
    expect(twilio.requests).toHaveLength(1);
    expect((await enrollmentState(db(), s.texts)).status).toBe("completed");
  });

  it("30006 in a status callback suppresses the number for that business; 30003 (transient) does not", async () => {
    const s = await twoTexts();
    await runAt(s.p, "2026-01-06T16:30:00Z");
    const sid = twilio.messages[0]!.sid;
    const transient = (await statusRoute.action(routeArgs(twilioRequest("/webhooks/twilio/status", { MessageSid: sid, MessageStatus: "undelivered", ErrorCode: "30003" })))) as Response;
    expect(transient.status).toBe(200);
    expect(await db().prisma.suppression.count({ where: { businessId: s.businessId, channel: "sms" } })).toBe(0);
    await statusRoute.action(routeArgs(twilioRequest("/webhooks/twilio/status", { MessageSid: sid, MessageStatus: "failed", ErrorCode: "30006" })));
    expect(await db().prisma.suppression.findMany({ where: { businessId: s.businessId, channel: "sms" }, select: { reason: true } })).toEqual([{ reason: "unreachable" }]);
    await runAt(s.p, "2026-01-07T17:00:00Z");
    expect((await touches(s.texts))[1]).toEqual(["sms", "skipped", "sms_undeliverable"]);
    expect(twilio.requests).toHaveLength(1);
  });
});
