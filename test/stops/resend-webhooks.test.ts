import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as resendRoute from "~/routes/webhooks.resend";
import { advanceStatus, SEND_LOG_STATUS_RANK } from "~/stops/send-log.server";
import { isHardBounce } from "~/stops/resend-webhooks.server";
import { useTestDatabase } from "../helpers/db";
import { enrollmentState, resendEvent, resendRequest, routeArgs, sentFirstTouch, useRouteEnv, withoutEnv } from "./helpers";

async function deliver(request: Request) {
  return (await resendRoute.action(routeArgs(request))) as Response;
}

describe("Resend webhooks /webhooks/resend", () => {
  const db = useTestDatabase();
  useRouteEnv(db);

  /** Row counts of what a webhook may write; the file's database is shared by its tests. */
  const counts = async () => ({
    events: await db().prisma.providerEvent.count(),
    suppressions: await db().prisma.suppression.count(),
  });

  const log = (enrollmentId: string, position = 1) =>
    db().prisma.sendLog.findUniqueOrThrow({ where: { enrollmentId_position: { enrollmentId, position } } });

  it("delivery events move the send log forward and never back", async () => {
    const s = await sentFirstTouch(db());
    const at = (t: string) => ({ created_at: t });
    const send = async (type: string, time: string) => {
      const res = await deliver(resendRequest({ ...resendEvent(type, s.providerMessageId), ...at(time) }));
      expect(res.status).toBe(200);
    };
    await send("email.delivered", "2026-01-05T15:00:05.000Z");
    expect(await log(s.enrollmentId)).toMatchObject({ status: "delivered", deliveredAt: new Date("2026-01-05T15:00:05.000Z") });
    await send("email.opened", "2026-01-05T15:10:00.000Z");
    // Out of order: a late "delivery delayed" and a duplicate "delivered" keep "opened".
    await send("email.delivery_delayed", "2026-01-05T15:11:00.000Z");
    await send("email.delivered", "2026-01-05T15:12:00.000Z");
    expect(await log(s.enrollmentId)).toMatchObject({
      status: "opened",
      deliveredAt: new Date("2026-01-05T15:00:05.000Z"),
      openedAt: new Date("2026-01-05T15:10:00.000Z"),
    });
    await send("email.clicked", "2026-01-05T15:13:00.000Z");
    expect(await log(s.enrollmentId)).toMatchObject({ status: "clicked", clickedAt: new Date("2026-01-05T15:13:00.000Z") });
    // Provider click tracking is not our review click: the sequence is not stopped by it.
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");
  });

  it("a hard bounce suppresses the address for the business and stops its enrollments (email_bounced)", async () => {
    const s = await sentFirstTouch(db());
    const elsewhere = await sentFirstTouch(db(), { customer: { email: s.email } });
    const res = await deliver(
      resendRequest(resendEvent("email.bounced", s.providerMessageId, { bounce: { type: "Permanent", subType: "General", message: "mailbox does not exist" } })),
    );
    expect(res.status).toBe(200);
    expect(await db().prisma.suppression.findMany({ where: { businessId: s.businessId } })).toMatchObject([
      { channel: "email", address: s.email, reason: "bounced" },
    ]);
    const e = await enrollmentState(db(), s.enrollmentId);
    expect(e).toMatchObject({ status: "stopped", stopReason: "email_bounced" });
    expect(e.touches.map((t) => t.status)).toEqual(["sent", "cancelled", "cancelled"]);
    expect(await log(s.enrollmentId)).toMatchObject({ status: "bounced", error: "mailbox does not exist" });
    // Per business: the same address elsewhere is untouched.
    expect((await enrollmentState(db(), elsewhere.enrollmentId)).status).toBe("active");
    expect(await db().prisma.suppression.count({ where: { businessId: elsewhere.businessId } })).toBe(0);
  });

  it("a soft bounce is only logged", async () => {
    const s = await sentFirstTouch(db());
    const res = await deliver(resendRequest(resendEvent("email.bounced", s.providerMessageId, { bounce: { type: "Transient", subType: "MailboxFull" } })));
    expect(res.status).toBe(200);
    expect(await db().prisma.suppression.count({ where: { businessId: s.businessId } })).toBe(0);
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");
    expect((await log(s.enrollmentId)).status).toBe("sent");
  });

  it("a complaint suppresses the address and stops its enrollments (email_complained)", async () => {
    const s = await sentFirstTouch(db());
    await deliver(resendRequest(resendEvent("email.opened", s.providerMessageId)));
    expect((await deliver(resendRequest(resendEvent("email.complained", s.providerMessageId)))).status).toBe(200);
    expect(await db().prisma.suppression.findMany({ where: { businessId: s.businessId } })).toMatchObject([
      { channel: "email", address: s.email, reason: "complained" },
    ]);
    expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "email_complained" });
    expect((await log(s.enrollmentId)).status).toBe("complained");
  });

  it("deduplicates by svix-id: a replay answers 200 and changes nothing", async () => {
    const s = await sentFirstTouch(db());
    const id = `msg_${randomUUID()}`;
    const event = resendEvent("email.bounced", s.providerMessageId, { bounce: { type: "Permanent" } });
    expect((await deliver(resendRequest(event, { id }))).status).toBe(200);
    // If the replay were applied again it would re-create this row.
    await db().prisma.suppression.deleteMany({ where: { businessId: s.businessId } });
    const replay = await deliver(resendRequest(event, { id }));
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe("duplicate");
    expect(await db().prisma.suppression.count({ where: { businessId: s.businessId } })).toBe(0);
    expect(await db().prisma.providerEvent.count({ where: { id: `resend:${id}` } })).toBe(1);
  });

  it("matches by our tags when the event outruns the processor's record of Resend's id", async () => {
    const s = await sentFirstTouch(db());
    await db().prisma.sendLog.update({
      where: { enrollmentId_position: { enrollmentId: s.enrollmentId, position: 1 } },
      data: { providerMessageId: null, status: "sending" },
    });
    const res = await deliver(
      resendRequest(resendEvent("email.delivered", "re_early_123", { tags: { enrollment_id: s.enrollmentId, touch: "1", business_id: s.businessId } })),
    );
    expect(res.status).toBe(200);
    expect(await log(s.enrollmentId)).toMatchObject({ status: "delivered", providerMessageId: "re_early_123" });
  });

  it("an event for an email we do not know is acknowledged and changes nothing", async () => {
    const s = await sentFirstTouch(db());
    const before = await counts();
    const res = await deliver(resendRequest(resendEvent("email.complained", "re_not_ours")));
    expect(res.status).toBe(200);
    expect(await counts()).toEqual({ ...before, events: before.events + 1 });
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");
  });

  it("rejects a bad, missing, stale or foreign signature with 401 and stores nothing", async () => {
    const s = await sentFirstTouch(db());
    const event = resendEvent("email.complained", s.providerMessageId);
    const valid = resendRequest(event);
    const tamperedBody = new Request(valid.url, {
      method: "POST",
      headers: valid.headers,
      body: JSON.stringify({ ...event, type: "email.bounced" }),
    });
    const unsigned = new Request(valid.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
    const before = await counts();
    const cases = [
      tamperedBody,
      unsigned,
      resendRequest(event, { timestamp: new Date(Date.now() - 10 * 60_000) }),
      resendRequest(event, { secret: `whsec_${Buffer.from("another-secret-entirely-32-bytes").toString("base64")}` }),
      resendRequest(event, { signature: "v1,AAAA" }),
    ];
    for (const request of cases) {
      const res = await deliver(request);
      expect(res.status).toBe(401);
    }
    expect(await counts()).toEqual(before);
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");
  });

  it("a signed but malformed body is a 400 with a message, never a 500", async () => {
    const before = await counts();
    for (const body of [
      "not json {",
      "[]",
      JSON.stringify({ type: "email.delivered", data: {} }),
      JSON.stringify({ type: "email.delivered" }),
      JSON.stringify({ type: "email.delivered", data: { email_id: 42 } }),
      JSON.stringify(resendEvent("email.bounced", "re_\u0000", { bounce: { type: "Permanent" } })),
    ]) {
      const res = await deliver(resendRequest(body));
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/^Malformed/);
    }
    expect(await counts()).toEqual(before);
  });

  it("answers 503 and stores nothing when RESEND_WEBHOOK_SECRET is not set", async () => {
    const s = await sentFirstTouch(db());
    const before = await counts();
    const res = await withoutEnv(["RESEND_WEBHOOK_SECRET"], () => deliver(resendRequest(resendEvent("email.complained", s.providerMessageId))));
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("not configured");
    expect(await counts()).toEqual(before);
  });

  it("answers 405 to GET and PUT", async () => {
    expect(((await resendRoute.loader()) as Response).status).toBe(405);
    const put = await deliver(resendRequest(resendEvent("email.delivered", "x"), { method: "PUT" }));
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("POST");
  });
});

describe("send log status order", () => {
  it("moves forward only; skipped rows never change", () => {
    expect(advanceStatus("sent", "delivered")).toBe("delivered");
    expect(advanceStatus("opened", "delivered")).toBe("opened");
    expect(advanceStatus("clicked", "opened")).toBe("clicked");
    expect(advanceStatus("delivered", "bounced")).toBe("bounced");
    expect(advanceStatus("bounced", "complained")).toBe("complained");
    expect(advanceStatus("complained", "clicked")).toBe("complained");
    expect(advanceStatus("sending", "sent")).toBe("sent");
    expect(advanceStatus("skipped", "delivered")).toBe("skipped");
    expect(SEND_LOG_STATUS_RANK.delivered).toBeLessThan(SEND_LOG_STATUS_RANK.opened);
  });

  it("treats Permanent (and an unspecified type) as hard, Transient and Undetermined as soft", () => {
    expect(isHardBounce({ type: "Permanent" })).toBe(true);
    expect(isHardBounce({ type: "hard" })).toBe(true);
    expect(isHardBounce(undefined)).toBe(true);
    expect(isHardBounce({ type: "Transient" })).toBe(false);
    expect(isHardBounce({ type: "Undetermined" })).toBe(false);
  });
});
