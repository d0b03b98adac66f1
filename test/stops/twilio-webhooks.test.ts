import { describe, expect, it } from "vitest";
import { processBatch } from "~/engine/processor.server";
import * as inboundRoute from "~/routes/webhooks.twilio.inbound";
import * as statusRoute from "~/routes/webhooks.twilio.status";
import { classifySmsKeyword, SMS_KEYWORDS } from "~/stops/sms-keywords.server";
import { useTestDatabase } from "../helpers/db";
import { TEST_APP_URL } from "../helpers/engine";
import {
  enrollmentState,
  inboundSms,
  routeArgs,
  sentFirstTouch,
  TOUCH_DUE,
  twilioRequest,
  useRouteEnv,
  withoutEnv,
  type SentScenario,
} from "./helpers";

const INBOUND = "/webhooks/twilio/inbound";
const STATUS = "/webhooks/twilio/status";
const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

async function inbound(from: string, body: string, extra: Record<string, string> = {}) {
  const res = (await inboundRoute.action(routeArgs(twilioRequest(INBOUND, inboundSms(from, body, extra))))) as Response;
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/xml");
  return res.text();
}

async function status(params: Record<string, string>, path = STATUS) {
  return (await statusRoute.action(routeArgs(twilioRequest(path, params)))) as Response;
}

/** Sends the scenario's touch 2 (the SMS); returns its send-log row. */
async function textSent(db: ReturnType<typeof useTestDatabase>, s: SentScenario, at: string = TOUCH_DUE[2]) {
  s.clock.set(at);
  await processBatch(s.p);
  return db().prisma.sendLog.findUniqueOrThrow({ where: { enrollmentId_position: { enrollmentId: s.enrollmentId, position: 2 } } });
}

describe("SMS keywords", () => {
  it("recognises every keyword in any case, with surrounding whitespace, punctuation or symbols", () => {
    for (const [kind, words] of Object.entries(SMS_KEYWORDS)) {
      for (const w of words) {
        for (const variant of [w, w.toLowerCase(), ` ${w[0]}${w.slice(1).toLowerCase()}. `, `${w}!`, `"${w}"`, `${w} 🛑`, `\n${w}\t`]) {
          expect(classifySmsKeyword(variant)?.kind, variant).toBe(kind);
        }
      }
    }
    expect(classifySmsKeyword("stop all")?.kind).toBe("optOut");
    expect(classifySmsKeyword("ＳＴＯＰ")?.kind).toBe("optOut"); // full-width letters
  });

  it("leaves ordinary messages alone", () => {
    for (const text of ["Thanks, great job!", "", "   ", "don't stop", "stop by tomorrow?", "yes please call me", "helpful tech", "🛑"]) {
      expect(classifySmsKeyword(text), text).toBeNull();
    }
  });
});

describe("Twilio inbound texts /webhooks/twilio/inbound", () => {
  const db = useTestDatabase();
  useRouteEnv(db);

  it("STOP suppresses the number, stops the sequence (opted_out_sms) and confirms once", async () => {
    const s = await sentFirstTouch(db());
    await textSent(db, s);
    const reply = await inbound(s.phone, " stop. ");
    expect(reply).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Acme Plumbing: You&#39;re unsubscribed: no more texts from this number, and no more review requests from Acme Plumbing by text or email. Reply START for texts again.</Message></Response>',
    );
    // The reply's promise: the number, and the same person's email at this business.
    expect(await db().prisma.suppression.findMany({ where: { businessId: s.businessId }, orderBy: { channel: "asc" } })).toMatchObject([
      { channel: "email", address: s.email, reason: "opted_out" },
      { channel: "sms", address: s.phone, reason: "opted_out" },
    ]);
    const e = await enrollmentState(db(), s.enrollmentId);
    expect(e).toMatchObject({ status: "stopped", stopReason: "opted_out_sms" });
    expect(e.touches.map((t) => t.status)).toEqual(["sent", "sent", "cancelled"]);
    // A repeated STOP from the suppressed number: no second confirmation.
    expect(await inbound(s.phone, "Stop!")).toBe(EMPTY);
    expect(await inbound(s.phone, "UNSUBSCRIBE")).toBe(EMPTY);
    expect(await db().prisma.suppression.count({ where: { businessId: s.businessId } })).toBe(2);
  });

  it("applies to every business that texted the number or has it as a customer; HELP names the latest sender", async () => {
    const phone = "+13055550199";
    const a = await sentFirstTouch(db(), { customer: { phone }, settings: { name: "Alpha Plumbing" } });
    await textSent(db, a, TOUCH_DUE[2]);
    const b = await sentFirstTouch(db(), { customer: { phone }, settings: { name: "Beta Heating", contactPhone: "+1 (212) 555-0100" } });
    await textSent(db, b, "2026-01-08T17:00:00Z");
    const c = await sentFirstTouch(db(), { customer: { phone }, settings: { name: "Gamma Roofing" } }); // never texted

    const help = await inbound(phone, "help");
    expect(help).toContain("Beta Heating review requests");
    expect(help).toContain("+1 (212) 555-0100");
    expect(help).toContain("up to 4 msgs per job");
    expect(help).toContain("Msg &amp; data rates may apply");

    expect(await inbound(phone, "QUIT")).toContain("Beta Heating: You&#39;re unsubscribed");
    for (const s of [a, b, c]) {
      expect(await db().prisma.suppression.count({ where: { businessId: s.businessId, channel: "sms", address: phone } })).toBe(1);
      expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "opted_out_sms" });
    }
  });

  it("START re-subscribes and confirms; a YES from a number that never opted out gets no answer", async () => {
    const s = await sentFirstTouch(db());
    await textSent(db, s);
    await inbound(s.phone, "STOP");
    const reply = await inbound(s.phone, "start");
    expect(reply).toContain("Acme Plumbing: You&#39;re resubscribed");
    expect(reply).toContain("Msg &amp; data rates may apply");
    // START is about texts: the number is lifted, the email stopped with it stays stopped.
    expect(await db().prisma.suppression.findMany({ where: { businessId: s.businessId }, select: { channel: true } })).toEqual([{ channel: "email" }]);
    // The stopped sequence stays stopped: only future enrollments may text again.
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("stopped");
    expect(await inbound(s.phone, "Yes!")).toBe(EMPTY);

    const other = await sentFirstTouch(db());
    await textSent(db, other);
    expect(await inbound(other.phone, "YES")).toBe(EMPTY);
    expect((await enrollmentState(db(), other.enrollmentId)).status).toBe("active");
  });

  it("HELP answers with the business's reply-to address when it has no phone, and escapes XML", async () => {
    const s = await sentFirstTouch(db(), { settings: { name: "Smith & Sons <Plumbing>", replyTo: "office@smith.example" } });
    await textSent(db, s);
    const reply = await inbound(s.phone, "INFO");
    expect(reply).toContain("Smith &amp; Sons &lt;Plumbing&gt; review requests");
    expect(reply).toContain("Help: office@smith.example.");
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");
  });

  it("any other text gets an empty answer and changes nothing; a replayed MessageSid is ignored", async () => {
    const s = await sentFirstTouch(db());
    await textSent(db, s);
    expect(await inbound(s.phone, "Thanks, the new heater works great")).toBe(EMPTY);
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");

    const params = inboundSms(s.phone, "STOP");
    const first = (await inboundRoute.action(routeArgs(twilioRequest(INBOUND, params)))) as Response;
    expect(await first.text()).toContain("unsubscribed");
    await db().prisma.suppression.deleteMany({ where: { businessId: s.businessId } });
    const replay = (await inboundRoute.action(routeArgs(twilioRequest(INBOUND, params)))) as Response;
    expect(await replay.text()).toBe(EMPTY);
    expect(await db().prisma.suppression.count({ where: { businessId: s.businessId } })).toBe(0);
  });

  it("rejects a bad or missing signature (401), a non-form body or missing From (400), and unconfigured (503)", async () => {
    const s = await sentFirstTouch(db());
    await textSent(db, s);
    const params = inboundSms(s.phone, "STOP");
    const send = async (request: Request) => (await inboundRoute.action(routeArgs(request))) as Response;

    expect((await send(twilioRequest(INBOUND, params, { signature: "bm90IGEgc2lnbmF0dXJl" }))).status).toBe(401);
    expect((await send(twilioRequest(INBOUND, params, { signature: null }))).status).toBe(401);
    expect((await send(twilioRequest(INBOUND, params, { token: "some-other-token" }))).status).toBe(401);
    // Signed over different fields than were sent.
    const forged = twilioRequest(INBOUND, { ...params, Body: "hello" }, { body: new URLSearchParams(params).toString() });
    expect((await send(forged)).status).toBe(401);

    const json = await send(twilioRequest(INBOUND, params, { contentType: "application/json", body: JSON.stringify(params) }));
    expect(json.status).toBe(400);
    expect(await json.text()).toContain("application/x-www-form-urlencoded");
    const nul = await send(twilioRequest(INBOUND, { ...params, From: `${s.phone}\u0000` }));
    expect(nul.status).toBe(400);
    const noFrom = await send(twilioRequest(INBOUND, { Body: "STOP", MessageSid: "SM123" }));
    expect(noFrom.status).toBe(400);
    expect(await noFrom.text()).toContain("From");

    const unconfigured = await withoutEnv(["TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "TWILIO_FROM_NUMBER"], () => send(twilioRequest(INBOUND, params)));
    expect(unconfigured.status).toBe(503);

    expect(((await inboundRoute.loader()) as Response).status).toBe(405);
    const put = await send(new Request(`${TEST_APP_URL}${INBOUND}`, { method: "PUT", body: "x" }));
    expect(put.status).toBe(405);

    expect(await db().prisma.suppression.count({ where: { businessId: s.businessId } })).toBe(0);
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");
  });
});

describe("Twilio status callbacks /webhooks/twilio/status", () => {
  const db = useTestDatabase();
  useRouteEnv(db);

  it("records delivered, never moves back, and deduplicates MessageSid + status", async () => {
    const s = await sentFirstTouch(db());
    const sms = await textSent(db, s);
    const sid = sms.providerMessageId!;
    expect((await status({ MessageSid: sid, MessageStatus: "delivered" })).status).toBe(200);
    const delivered = await db().prisma.sendLog.findUniqueOrThrow({ where: { id: sms.id } });
    expect(delivered.status).toBe("delivered");
    expect(delivered.deliveredAt).toBeInstanceOf(Date);
    // A late "sent" keeps "delivered".
    await status({ MessageSid: sid, MessageStatus: "sent" });
    expect((await db().prisma.sendLog.findUniqueOrThrow({ where: { id: sms.id } })).status).toBe("delivered");
    // The same callback again changes nothing.
    await db().prisma.sendLog.update({ where: { id: sms.id }, data: { deliveredAt: null } });
    const replay = await status({ MessageSid: sid, MessageStatus: "delivered" });
    expect(await replay.text()).toBe("duplicate");
    expect((await db().prisma.sendLog.findUniqueOrThrow({ where: { id: sms.id } })).deliveredAt).toBeNull();
  });

  it("records undelivered and failed with the error code", async () => {
    const s = await sentFirstTouch(db());
    const sms = await textSent(db, s);
    await status({ MessageSid: sms.providerMessageId!, MessageStatus: "undelivered", ErrorCode: "30003" });
    expect(await db().prisma.sendLog.findUniqueOrThrow({ where: { id: sms.id } })).toMatchObject({ status: "undelivered", errorCode: "30003" });
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");
  });

  it("error 21610 (the number replied STOP to the carrier) suppresses and stops like an inbound STOP", async () => {
    const s = await sentFirstTouch(db());
    const sms = await textSent(db, s);
    await status({ MessageSid: sms.providerMessageId!, MessageStatus: "failed", ErrorCode: "21610" });
    expect(await db().prisma.sendLog.findUniqueOrThrow({ where: { id: sms.id } })).toMatchObject({ status: "failed", errorCode: "21610" });
    expect(await db().prisma.suppression.findMany({ where: { businessId: s.businessId } })).toMatchObject([
      { channel: "sms", address: s.phone, reason: "provider_unsubscribed" },
    ]);
    expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "opted_out_sms" });
  });

  it("matches by ?e=&p= on the callback URL when the message id is not recorded yet", async () => {
    const s = await sentFirstTouch(db());
    const sms = await textSent(db, s);
    await db().prisma.sendLog.update({ where: { id: sms.id }, data: { providerMessageId: null, status: "sending" } });
    const path = `${STATUS}?e=${s.enrollmentId}&p=2`;
    expect((await status({ MessageSid: "SMearly0001", MessageStatus: "delivered" }, path)).status).toBe(200);
    expect(await db().prisma.sendLog.findUniqueOrThrow({ where: { id: sms.id } })).toMatchObject({
      status: "delivered",
      providerMessageId: "SMearly0001",
    });
  });

  it("bad input: 400 without MessageSid/MessageStatus, 401 unsigned, 200 for an unknown message, 405 for GET", async () => {
    expect((await status({ MessageStatus: "delivered" })).status).toBe(400);
    expect((await status({ MessageSid: "SM1" })).status).toBe(400);
    const unsigned = twilioRequest(STATUS, { MessageSid: "SM1", MessageStatus: "delivered" }, { signature: null });
    expect(((await statusRoute.action(routeArgs(unsigned))) as Response).status).toBe(401);
    expect((await status({ MessageSid: "SMunknown", MessageStatus: "delivered" })).status).toBe(200);
    expect(((await statusRoute.loader()) as Response).status).toBe(405);
  });
});
