import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCampaign, getCampaign } from "~/domain/campaigns.server";
import { recordJob } from "~/domain/enrollment.server";
import { processBatch } from "~/engine/processor.server";
import { signLinkToken } from "~/links/tokens.server";
import * as unsubscribeRoute from "~/routes/u.$token";
import { unsubscribeEmail } from "~/stops/unsubscribe.server";
import { useTestDatabase } from "../helpers/db";
import { TEST_APP_URL, TEST_LINK_SECRET } from "../helpers/engine";
import { completedJob } from "../helpers/fixtures";
import { enrollmentState, routeArgs, sentFirstTouch, stopsDeps, useRouteEnv } from "./helpers";

function get(token: string) {
  return unsubscribeRoute.loader(routeArgs(new Request(`${TEST_APP_URL}/u/${token}`), { token })) as Promise<Response>;
}

/** A plain fetch-style POST: no cookies, no session, no Remix data parameters. */
function post(token: string, init: RequestInit = {}) {
  const request = new Request(`${TEST_APP_URL}/u/${token}`, { method: "POST", ...init });
  return unsubscribeRoute.action(routeArgs(request, { token })) as Promise<Response>;
}

const ONE_CLICK: RequestInit = {
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: "List-Unsubscribe=One-Click",
};

describe("email unsubscribe /u/<token>", () => {
  const db = useTestDatabase();
  useRouteEnv(db);

  it("GET shows a confirmation button and changes nothing", async () => {
    const s = await sentFirstTouch(db());
    const res = await get(s.unsubscribeToken);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`<form method="post" action="/u/${s.unsubscribeToken}">`);
    expect(html).toContain("Unsubscribe from Acme Plumbing?");
    expect(html).toContain("d•••@example.com");
    expect(await db().prisma.suppression.count({ where: { businessId: s.businessId } })).toBe(0);
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");
  });

  it("the RFC 8058 one-click POST suppresses the address and the person's number, and stops the sequence (opted_out_email)", async () => {
    const s = await sentFirstTouch(db());
    const res = await post(s.unsubscribeToken, ONE_CLICK);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("You're unsubscribed");
    expect(html).toContain("no more review requests from Acme Plumbing, by email and by text");
    const suppression = await db().prisma.suppression.findMany({ where: { businessId: s.businessId }, orderBy: { channel: "asc" } });
    expect(suppression).toMatchObject([
      { channel: "email", address: s.email, reason: "opted_out" },
      { channel: "sms", address: s.phone, reason: "opted_out" },
    ]);
    const e = await enrollmentState(db(), s.enrollmentId);
    expect(e).toMatchObject({ status: "stopped", stopReason: "opted_out_email" });
    expect(e.touches.map((t) => t.status)).toEqual(["sent", "cancelled", "cancelled"]);
  });

  it("works for the browser button, a multipart one-click and an empty body; repeating it is harmless", async () => {
    const s = await sentFirstTouch(db());
    const multipart = new FormData();
    multipart.set("List-Unsubscribe", "One-Click");
    for (const init of [
      { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "confirm=1" },
      { body: multipart },
      {},
      ONE_CLICK,
    ] as RequestInit[]) {
      const res = await post(s.unsubscribeToken, init);
      expect(res.status).toBe(200);
    }
    expect(await db().prisma.suppression.count({ where: { businessId: s.businessId } })).toBe(2);
    expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "opted_out_email" });
    // And GET now says so instead of asking again.
    expect(await (await get(s.unsubscribeToken)).text()).toContain("You're unsubscribed");
  });

  it("stops every active enrollment of the business reaching that address, and only that business's", async () => {
    const s = await sentFirstTouch(db());
    // Another customer record of the business whose address became the same one after enrolling.
    const other = await recordJob(s.d, s.businessId, completedJob({ completedAt: new Date("2026-01-04T15:00:00Z") }));
    await db().prisma.customer.update({ where: { id: other.customerId }, data: { email: s.email } });
    // The same address at another business: not affected.
    const elsewhere = await sentFirstTouch(db(), { customer: { email: s.email } });

    await post(s.unsubscribeToken, ONE_CLICK);
    expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "opted_out_email" });
    const otherEnrollment = await db().prisma.enrollment.findUniqueOrThrow({ where: { jobId: other.jobId } });
    expect(otherEnrollment).toMatchObject({ status: "stopped", stopReason: "opted_out_email" });
    expect((await enrollmentState(db(), elsewhere.enrollmentId)).status).toBe("active");
    expect(await db().prisma.suppression.count({ where: { businessId: elsewhere.businessId } })).toBe(0);
  });

  it("suppresses the address the email went to even if the customer's address changed since", async () => {
    const s = await sentFirstTouch(db());
    await db().prisma.customer.update({ where: { id: s.customerId }, data: { email: "new.address@example.com" } });
    const out = await unsubscribeEmail(stopsDeps(db()), s.unsubscribeToken);
    expect(out.kind === "unsubscribed" && out.addresses.sort()).toEqual([s.email, "new.address@example.com"].sort());
    const rows = await db().prisma.suppression.findMany({ where: { businessId: s.businessId, channel: "email" }, orderBy: { address: "asc" } });
    expect(rows.map((r) => r.address)).toEqual([s.email, "new.address@example.com"].sort());
  });

  it("a bad token is a 404 page for GET and POST and changes nothing; other methods get 405", async () => {
    const s = await sentFirstTouch(db());
    const unknown = signLinkToken(TEST_LINK_SECRET, { kind: "unsubscribe", enrollmentId: randomUUID(), position: 1 });
    for (const token of [s.reviewToken, unknown, `${s.unsubscribeToken}x`]) {
      expect((await get(token)).status).toBe(404);
      const res = await post(token, ONE_CLICK);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain("This link isn't valid");
    }
    expect(await db().prisma.suppression.count({ where: { businessId: s.businessId } })).toBe(0);
    const put = await unsubscribeRoute.action(
      routeArgs(new Request(`${TEST_APP_URL}/u/${s.unsubscribeToken}`, { method: "PUT", body: "x" }), { token: s.unsubscribeToken }),
    );
    expect((put as Response).status).toBe(405);
    expect((await enrollmentState(db(), s.enrollmentId)).status).toBe("active");
  });

  it("\"Stop emails only, keep texts\" holds at send time across campaigns: a later enrollment's email touch is skipped, its SMS sent", async () => {
    const s = await sentFirstTouch(db(), { settings: { cooldownDays: 0 } });
    const confirm = await (await get(s.unsubscribeToken)).text();
    expect(confirm).toContain('<input type="hidden" name="keep_texts" value="1">');
    const kept = await post(s.unsubscribeToken, { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "keep_texts=1" });
    expect(await kept.text()).toContain("review request emails from Acme Plumbing; texts from Acme Plumbing continue");
    // A second campaign for HVAC jobs: email first, then a text.
    const standard = await getCampaign(db().prisma, s.businessId, s.campaignId);
    const emailTemplate = standard.touches.find((t) => t.channel === "email")!.templateId;
    const smsTemplate = standard.touches.find((t) => t.channel === "sms")!.templateId;
    const hvac = await createCampaign(
      s.d,
      s.businessId,
      { name: "HVAC", serviceType: "hvac", touches: [{ channel: "email", delayHours: 1, templateId: emailTemplate }, { channel: "sms", delayHours: 1, templateId: smsTemplate }] },
      { active: true },
    );
    s.clock.set("2026-01-05T16:00:00Z");
    const again = await recordJob(s.d, s.businessId, { ...s.jobInput, hostJobId: `hvac-${randomUUID()}`, serviceType: "hvac", completedAt: s.clock.now() });
    expect(again.enrollment).toMatchObject({ outcome: "enrolled", campaignId: hvac.id });
    const enrollmentId = (again.enrollment as { enrollmentId: string }).enrollmentId;

    s.clock.set("2026-01-05T17:00:00Z");
    await processBatch(s.p);
    s.clock.set("2026-01-05T18:00:00Z");
    await processBatch(s.p);

    const touches = await db().prisma.enrollmentTouch.findMany({ where: { enrollmentId }, orderBy: { position: "asc" } });
    expect(touches.map((t) => [t.channel, t.status, t.reason])).toEqual([
      ["email", "skipped", "email_suppressed"],
      ["sms", "sent", null],
    ]);
    const emails = await db().prisma.outboxMessage.findMany({ where: { businessId: s.businessId, channel: "email" } });
    expect(emails).toHaveLength(1); // only the first campaign's touch, before the unsubscribe
  });

  it("after a one-click unsubscribe a later job of the same person (another customer record sharing the email) is neither emailed nor texted", async () => {
    const s = await sentFirstTouch(db(), { settings: { cooldownDays: 0 } });
    // The same person as another customer record of the business: same email, another number.
    const twin = await recordJob(s.d, s.businessId, completedJob({ completedAt: new Date("2026-01-04T15:00:00Z"), customer: { email: s.email, phone: "+13055559876" } }));
    await post(s.unsubscribeToken, ONE_CLICK);
    expect(await db().prisma.suppression.findMany({ where: { businessId: s.businessId, channel: "sms" }, orderBy: { address: "asc" }, select: { address: true } }))
      .toEqual([{ address: "+13055559876" }, { address: s.phone }].sort((a, b) => a.address.localeCompare(b.address)));
    expect((await db().prisma.enrollment.findUniqueOrThrow({ where: { jobId: twin.jobId } })).status).toBe("stopped");

    s.clock.set("2026-01-05T16:00:00Z");
    const again = await recordJob(s.d, s.businessId, { ...s.jobInput, hostJobId: `later-${randomUUID()}`, completedAt: s.clock.now() });
    expect(again.enrollment).toMatchObject({ outcome: "skipped", reason: "opted_out" });
    for (const at of ["2026-01-06T16:00:00Z", "2026-01-10T16:00:00Z", "2026-01-20T16:00:00Z"]) {
      s.clock.set(at);
      await processBatch(s.p);
    }
    expect(await db().prisma.outboxMessage.count({ where: { businessId: s.businessId, channel: "sms" } })).toBe(0);
    expect(await db().prisma.outboxMessage.count({ where: { businessId: s.businessId, channel: "email" } })).toBe(1);
  });
});
