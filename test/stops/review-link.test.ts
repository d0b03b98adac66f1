import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { recordJob } from "~/domain/enrollment.server";
import { processBatch } from "~/engine/processor.server";
import { signLinkToken } from "~/links/tokens.server";
import * as feedbackRoute from "~/routes/f.$token";
import * as reviewRoute from "~/routes/r.$token";
import { listFeedback, submitFeedback } from "~/stops/feedback.server";
import { followReviewLink, parseReviewLinks, pickReviewSite } from "~/stops/review-link.server";
import { useTestDatabase } from "../helpers/db";
import { TEST_APP_URL, TEST_LINK_SECRET } from "../helpers/engine";
import { completedJob } from "../helpers/fixtures";
import { enrollmentState, routeArgs, sentFirstTouch, stopsDeps, TOUCH_DUE, useRouteEnv } from "./helpers";

const SITES = [
  { site: "Google", url: "https://g.page/r/acme/review" },
  { site: "Yelp", url: "https://www.yelp.com/writeareview/biz/acme" },
  { site: "Facebook", url: "https://www.facebook.com/acme/reviews" },
];

function click(token: string, query = "", method = "GET") {
  return reviewRoute.loader(routeArgs(new Request(`${TEST_APP_URL}/r/${token}${query}`, { method }), { token })) as Promise<Response>;
}

function postFeedback(path: string, body: string | URLSearchParams, contentType = "application/x-www-form-urlencoded") {
  const token = path.replace(/^\/f\//, "");
  const request = new Request(`${TEST_APP_URL}${path}`, { method: "POST", headers: { "content-type": contentType }, body });
  return feedbackRoute.action(routeArgs(request, { token })) as Promise<Response>;
}

/** The hrefs of the public review links and the feedback form's action on a page. */
function pageLinks(html: string) {
  const sites = [...html.matchAll(/<a class="site" href="([^"]+)"[^>]*>([^<]+)<\/a>/g)].map((m) => ({ href: m[1]!.replace(/&amp;/g, "&"), label: m[2]! }));
  const form = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  return { sites, form };
}

describe("review link /r/<token>", () => {
  const db = useTestDatabase();
  useRouteEnv(db);

  it("records the click, stops the enrollment (review_clicked) and redirects to the default review site", async () => {
    const s = await sentFirstTouch(db());
    const res = await click(s.reviewToken);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://g.page/r/acme/review");
    // The token-bearing URL must not reach the review site as a referrer.
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const e = await enrollmentState(db(), s.enrollmentId);
    expect(e).toMatchObject({ status: "stopped", stopReason: "review_clicked" });
    expect(e.touches.map((t) => t.status)).toEqual(["sent", "cancelled", "cancelled"]);
    expect(e.touches[0]!.clickedAt).toBeInstanceOf(Date);
    const log = await db().prisma.sendLog.findUniqueOrThrow({ where: { enrollmentId_position: { enrollmentId: s.enrollmentId, position: 1 } } });
    expect(log.status).toBe("clicked");
    expect(log.clickedAt).toBeInstanceOf(Date);
  });

  it("is idempotent: a second click still redirects and keeps the first click's time", async () => {
    const s = await sentFirstTouch(db());
    await click(s.reviewToken);
    const first = await enrollmentState(db(), s.enrollmentId);
    const again = await click(s.reviewToken);
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toBe("https://g.page/r/acme/review");
    const second = await enrollmentState(db(), s.enrollmentId);
    expect(second).toEqual(first);
  });

  it("?site=<index> picks another site; a malformed or unknown index falls back to the default", async () => {
    const s = await sentFirstTouch(db(), { settings: { reviewLinks: SITES } });
    expect((await click(s.reviewToken, "?site=1")).headers.get("location")).toBe(SITES[1]!.url);
    expect((await click(s.reviewToken, "?site=2")).headers.get("location")).toBe(SITES[2]!.url);
    expect((await click(s.reviewToken, "?site=9")).headers.get("location")).toBe(SITES[0]!.url);
    expect((await click(s.reviewToken, "?site=abc")).headers.get("location")).toBe(SITES[0]!.url);
    expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "review_clicked" });
  });

  it("a tampered, foreign-kind or unknown token gets a friendly 404 page and changes nothing", async () => {
    const s = await sentFirstTouch(db());
    // Flip a character inside the MAC (the last one may carry only padding bits).
    const i = s.reviewToken.length - 5;
    const tampered = `${s.reviewToken.slice(0, i)}${s.reviewToken[i] === "A" ? "B" : "A"}${s.reviewToken.slice(i + 1)}`;
    const unknown = signLinkToken(TEST_LINK_SECRET, { kind: "review", enrollmentId: randomUUID(), position: 1 });
    for (const token of [tampered, s.unsubscribeToken, unknown, "garbage", ""]) {
      const res = await click(token);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("text/html");
      const html = await res.text();
      expect(html).toContain("<!doctype html>");
      expect(html).toContain("This link isn't valid");
    }
    expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "active", stopReason: null });
  });

  it("without a review URL configured: a thank-you page instead of a redirect, and the sequence stops", async () => {
    const s = await sentFirstTouch(db(), { settings: { reviewLinks: [] } });
    const res = await click(s.reviewToken);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Thank you from Acme Plumbing!");
    expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "review_clicked" });
  });

  it("a HEAD (link checker) answers alike but records nothing", async () => {
    const s = await sentFirstTouch(db());
    const res = await click(s.reviewToken, "", "HEAD");
    expect(res.status).toBe(302);
    const e = await enrollmentState(db(), s.enrollmentId);
    expect(e.status).toBe("active");
    expect(e.touches[0]!.clickedAt).toBeNull();
  });

  it("works the same from an SMS: the texted link stops the sequence", async () => {
    const s = await sentFirstTouch(db());
    s.clock.set(TOUCH_DUE[2]);
    await processBatch(s.p);
    const sms = await db().prisma.outboxMessage.findFirstOrThrow({ where: { businessId: s.businessId, channel: "sms" } });
    const token = /\/r\/([\w.-]+)/.exec(sms.text)![1]!;
    expect(token).not.toBe(s.reviewToken);
    const res = await click(token);
    expect(res.headers.get("location")).toBe("https://g.page/r/acme/review");
    const e = await enrollmentState(db(), s.enrollmentId);
    expect(e).toMatchObject({ status: "stopped", stopReason: "review_clicked" });
    expect(e.touches.map((t) => t.status)).toEqual(["sent", "sent", "cancelled"]);
    expect(e.touches[1]!.clickedAt).toBeInstanceOf(Date);
    const log = await db().prisma.sendLog.findUniqueOrThrow({ where: { enrollmentId_position: { enrollmentId: s.enrollmentId, position: 2 } } });
    expect(log.clickedAt).toBeInstanceOf(Date);
  });

  it("answers 405 to a POST", async () => {
    const res = (await reviewRoute.action()) as Response;
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
  });

  it("keeps only http(s) review URLs (no javascript: redirects) and picks by index", () => {
    const sites = parseReviewLinks([
      { site: "Evil", url: "javascript:alert(1)" },
      { site: "Google", url: "https://g.page/r/x/review" },
      "junk",
      { url: "https://yelp.com/x" },
    ]);
    expect(sites).toEqual([
      { site: "Google", url: "https://g.page/r/x/review" },
      { site: "our review page", url: "https://yelp.com/x" },
    ]);
    expect(parseReviewLinks({ not: "an array" })).toEqual([]);
    expect(pickReviewSite(sites, "1")?.url).toBe("https://yelp.com/x");
    expect(pickReviewSite(sites, null)?.url).toBe("https://g.page/r/x/review");
    expect(pickReviewSite([], "0")).toBeUndefined();
  });

  it("followReviewLink reports not_found for a bad token without touching the database", async () => {
    const d = stopsDeps(db());
    expect(await followReviewLink(d, "nope.nope", null)).toEqual({ kind: "not_found" });
  });
});

describe("feedback page", () => {
  const db = useTestDatabase();
  useRouteEnv(db);

  const withPage = { reviewLinks: SITES, feedbackPageEnabled: true };

  it("shows every public review site and the private form, without stopping the sequence", async () => {
    const s = await sentFirstTouch(db(), { settings: withPage });
    const res = await click(s.reviewToken);
    expect(res.status).toBe(200);
    const html = await res.text();
    const { sites, form } = pageLinks(html);
    expect(sites.map((l) => l.label)).toEqual(["Review us on Google", "Review us on Yelp", "Review us on Facebook"]);
    expect(sites.map((l) => l.href)).toEqual([0, 1, 2].map((i) => `/r/${s.reviewToken}?site=${i}`));
    expect(form).toMatch(/^\/f\/[\w.-]+$/);
    expect(html).toContain('name="message"');
    // No rating that decides what is shown.
    expect(html).not.toMatch(/type="radio"|rating|stars?\b/i);
    const e = await enrollmentState(db(), s.enrollmentId);
    expect(e.status).toBe("active");
    expect(e.touches[0]!.clickedAt).toBeInstanceOf(Date);
  });

  it("is the same page for every customer (no review gating)", async () => {
    const a = await sentFirstTouch(db(), { settings: withPage });
    const b = await recordJob(a.d, a.businessId, completedJob({ completedAt: new Date("2026-01-04T15:00:00Z") }));
    const bEnrollment = (b.enrollment as { enrollmentId: string }).enrollmentId;
    const bToken = signLinkToken(TEST_LINK_SECRET, { kind: "review", enrollmentId: bEnrollment, position: 1 });
    const strip = (html: string) => html.replace(/\/(r|f)\/[\w.-]+/g, "/$1/TOKEN");
    const pageA = strip(await (await click(a.reviewToken)).text());
    const pageB = strip(await (await click(bToken)).text());
    expect(pageB).toBe(pageA);
  });

  it("choosing a site on the page records the click, stops the sequence and redirects there", async () => {
    const s = await sentFirstTouch(db(), { settings: withPage });
    const { sites } = pageLinks(await (await click(s.reviewToken)).text());
    const yelp = new URL(sites[1]!.href, TEST_APP_URL);
    const res = await click(s.reviewToken, yelp.search);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(SITES[1]!.url);
    expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "review_clicked" });
  });

  it("sending feedback stores it, stops the sequence (feedback_submitted) and still offers the public sites", async () => {
    const s = await sentFirstTouch(db(), { settings: withPage });
    const { form } = pageLinks(await (await click(s.reviewToken)).text());
    const res = await postFeedback(form!, new URLSearchParams({ message: "  The technician was late, but the fix is solid.  " }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Thank you for your feedback!");
    expect(pageLinks(html).sites).toHaveLength(3);
    const e = await enrollmentState(db(), s.enrollmentId);
    expect(e).toMatchObject({ status: "stopped", stopReason: "feedback_submitted" });
    expect(e.touches.map((t) => t.status)).toEqual(["sent", "cancelled", "cancelled"]);
    const rows = await db().prisma.feedback.findMany({ where: { enrollmentId: s.enrollmentId } });
    expect(rows.map((r) => r.message)).toEqual(["The technician was late, but the fix is solid."]);
    // A double submit stores it once.
    expect((await postFeedback(form!, new URLSearchParams({ message: "The technician was late, but the fix is solid." }))).status).toBe(200);
    expect(await db().prisma.feedback.count({ where: { enrollmentId: s.enrollmentId } })).toBe(1);
    // The merchant's list.
    const listed = await listFeedback(db().prisma, s.businessId, { limit: 10 });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ message: "The technician was late, but the fix is solid.", customer: { firstName: "Dana" }, job: { serviceType: "plumbing" } });
  });

  it("rejects empty or over-long feedback with a 400 naming the field; nothing is stored or stopped", async () => {
    const s = await sentFirstTouch(db(), { settings: withPage });
    const { form } = pageLinks(await (await click(s.reviewToken)).text());
    for (const [body, expected] of [
      [new URLSearchParams({ message: "   " }), "Message is required"],
      [new URLSearchParams({}), "Message is required"],
      [new URLSearchParams({ message: "x".repeat(5_001) }), "Message must be at most 5,000 characters"],
      ["{\"message\":\"hi\"}", "Message is required"],
    ] as const) {
      const res = await postFeedback(form!, body, typeof body === "string" ? "application/json" : undefined);
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain(expected);
      expect(html).toContain('name="message"');
    }
    // NUL (which Postgres text cannot hold) is malformed input, never a 500.
    expect((await postFeedback(form!, new URLSearchParams({ message: "\u0000\u0000" }))).status).toBe(400);
    expect((await postFeedback(form!, new URLSearchParams({ message: "x".repeat(5_000) }))).status).toBe(200);
    expect(await db().prisma.feedback.count({ where: { enrollmentId: s.enrollmentId } })).toBe(1);
  });

  it("GET /f/<token> shows the page; a bad token is a 404 page; other methods 405", async () => {
    const s = await sentFirstTouch(db(), { settings: withPage });
    const { form } = pageLinks(await (await click(s.reviewToken)).text());
    const token = form!.slice(3);
    const page = (await feedbackRoute.loader(routeArgs(new Request(`${TEST_APP_URL}${form}`), { token }))) as Response;
    expect(page.status).toBe(200);
    expect(pageLinks(await page.text()).sites).toHaveLength(3);
    const bad = (await feedbackRoute.loader(routeArgs(new Request(`${TEST_APP_URL}/f/${s.reviewToken}`), { token: s.reviewToken }))) as Response;
    expect(bad.status).toBe(404);
    expect((await postFeedback(`/f/${s.reviewToken}`, new URLSearchParams({ message: "hi" }))).status).toBe(404);
    const put = (await feedbackRoute.action(routeArgs(new Request(`${TEST_APP_URL}${form}`, { method: "PUT", body: "message=x" }), { token }))) as Response;
    expect(put.status).toBe(405);
  });

  it("listFeedback is newest first, limited, and scoped to the business", async () => {
    const s = await sentFirstTouch(db(), { settings: withPage });
    const other = await sentFirstTouch(db(), { settings: withPage });
    const d = stopsDeps(db(), s.clock);
    const token = signLinkToken(TEST_LINK_SECRET, { kind: "feedback", enrollmentId: s.enrollmentId, position: 1 });
    expect(await submitFeedback(d, token, "first")).toMatchObject({ kind: "saved", stopped: true });
    s.clock.advance(60_000);
    expect(await submitFeedback(d, token, "second")).toMatchObject({ kind: "saved", stopped: false });
    const otherToken = signLinkToken(TEST_LINK_SECRET, { kind: "feedback", enrollmentId: other.enrollmentId, position: 1 });
    await submitFeedback(d, otherToken, "elsewhere");
    expect((await listFeedback(db().prisma, s.businessId, { limit: 10 })).map((f) => f.message)).toEqual(["second", "first"]);
    expect((await listFeedback(db().prisma, s.businessId, { limit: 1 })).map((f) => f.message)).toEqual(["second"]);
  });
});
