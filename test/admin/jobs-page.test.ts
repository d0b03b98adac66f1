// The jobs page a merchant can trust (issue 16, item 3): real send times, one plain badge per touch,
// search / filters / count / pagination in the URL, stop with undo, and enrolling a job again.
// Route-level against real Postgres; the route runs on the real clock, so times are built from now.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { AppProvider } from "@shopify/polaris";
import enTranslations from "@shopify/polaris/locales/en.json";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { JobTouches } from "~/admin/components/JobTouches";
import { PagePagination } from "~/admin/components/PagePagination";
import { createCampaign } from "~/domain/campaigns.server";
import { recordJob, resumeStoppedEnrollment, stopEnrollmentByHand, type JobInput } from "~/domain/enrollment.server";
import { drain } from "~/engine/processor.server";
import { ManualClock } from "~/lib/clock.server";
import { signLinkToken } from "~/links/tokens.server";
import { createLogger } from "~/logger.server";
import * as jobsRoute from "~/routes/app.jobs";
import { getServices } from "~/services.server";
import { followReviewLink } from "~/stops/review-link.server";
import { unsubscribeEmail } from "~/stops/unsubscribe.server";
import { BUSINESS_SETTINGS, processorDeps } from "../helpers/engine";
import { completedJob } from "../helpers/fixtures";
import { call, installTestBusiness, sessionFor, useAdminServices } from "./helpers";

type JobsData = Awaited<ReturnType<typeof jobsRoute.loader>>;
type Result = { ok: boolean; message: string; enrollmentId?: string; stoppedAt?: string };
const HOUR = 3_600_000;
const NY = "America/New_York";
const LA = "America/Los_Angeles";

async function setup(settings: Record<string, unknown> = {}) {
  const { database, domain } = getServices();
  const business = await installTestBusiness();
  await domain.db.business.update({ where: { id: business.id }, data: { ...BUSINESS_SETTINGS, ...settings } });
  const clock = new ManualClock(new Date());
  const deps = { db: domain.db, clock, optOuts: domain.optOuts };
  const session = await sessionFor(business);
  const load = async (query = "") => (await call<JobsData>(jobsRoute.loader, await session.get(`/app/jobs${query}`))).data;
  const post = async (fields: Record<string, string>) => call<Result>(jobsRoute.action, await session.post("/app/jobs", fields));
  const enroll = async (input: JobInput) => {
    const r = await recordJob(deps, business.id, input);
    return { jobId: r.jobId, enrollmentId: (r.enrollment as { enrollmentId?: string } | undefined)?.enrollmentId ?? null };
  };
  return { business, db: domain.db, database, clock, deps, session, load, post, enroll };
}

/** Tomorrow at noon in New York: inside every send window of the fixtures' recipients. */
function tomorrowNoon(): ManualClock {
  return new ManualClock(DateTime.now().setZone(NY).plus({ days: 1 }).set({ hour: 12, minute: 0, second: 0, millisecond: 0 }).toJSDate());
}

const snapshot = async (db: ReturnType<typeof getServices>["domain"]["db"], enrollmentId: string) => ({
  enrollment: await db.enrollment.findUniqueOrThrow({
    where: { id: enrollmentId },
    select: { status: true, stopReason: true, stoppedAt: true, nextDueAt: true, currentTouch: true },
  }),
  touches: await db.enrollmentTouch.findMany({
    where: { enrollmentId },
    orderBy: { position: "asc" },
    select: { position: true, status: true, reason: true, scheduledAt: true },
  }),
});

function render(element: ReturnType<typeof createElement>): string {
  return renderToStaticMarkup(createElement(AppProvider, { i18n: enTranslations }, element));
}

describe("jobs page", () => {
  useAdminServices();

  it("shows a pending touch at its real send time: moved past the recipient's quiet hours, and says so", async () => {
    // Touch 1 waits 48 hours after completion (the business's override for plumbing jobs).
    const s = await setup({ serviceTypeDelays: { plumbing: 48 } });
    // Due at 23:30 in Los Angeles (the customer's zone), in quiet hours (08:00-21:00 there).
    let night = DateTime.now().setZone(LA).set({ hour: 23, minute: 30, second: 0, millisecond: 0 });
    if (night.toMillis() < Date.now() + 2 * HOUR) night = night.plus({ days: 1 });
    // And one due at 14:00 there: allowed, unchanged.
    let afternoon = DateTime.now().setZone(LA).set({ hour: 14, minute: 0, second: 0, millisecond: 0 });
    if (afternoon.toMillis() < Date.now() + 2 * HOUR) afternoon = afternoon.plus({ days: 1 });
    const customer = { timezone: LA, phone: "+13105550123", email: "night@example.com" };
    const late = await s.enroll(completedJob({ title: "Late job", completedAt: night.minus({ hours: 48 }).toJSDate(), customer }));
    const early = await s.enroll(
      completedJob({
        title: "Early job",
        completedAt: afternoon.minus({ hours: 48 }).toJSDate(),
        customer: { timezone: LA, phone: "+13105550124", email: "day@example.com" },
      }),
    );
    expect(late.enrollmentId && early.enrollmentId).toBeTruthy();

    const page = await s.load();
    const fmt = new Intl.DateTimeFormat("en-US", { timeZone: NY, month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
    const lateJob = page.jobs.find((j) => j.id === late.jobId)!;
    const [first, second] = lateJob.enrollment!.touches;
    const morning = night.plus({ days: 1 }).set({ hour: 8, minute: 0 });
    expect(first).toMatchObject({ status: "pending", scheduledLabel: fmt.format(night.toJSDate()), afterQuietHours: true });
    expect(first!.sendAt).toBe(morning.toJSDate().toISOString());
    expect(lateJob.enrollment!.touchRows[0]).toMatchObject({
      badge: { label: "Scheduled" },
      when: `Sends ${fmt.format(morning.toJSDate())} (after quiet hours)`,
    });
    // The SMS 72 hours later is at 23:30 too: also moved.
    expect(second!.afterQuietHours).toBe(true);

    const earlyJob = page.jobs.find((j) => j.id === early.jobId)!;
    expect(earlyJob.enrollment!.touches[0]).toMatchObject({ sendAt: afternoon.toJSDate().toISOString(), afterQuietHours: false });
    expect(earlyJob.enrollment!.touchRows[0]!.when).toBe(`Sends ${fmt.format(afternoon.toJSDate())}`);
  });

  it("one sentence-case badge per touch: a clicked touch shows 'Review link opened' once", async () => {
    const s = await setup();
    const job = await s.enroll(completedJob({ title: null, serviceType: "Drain cleaning", completedAt: new Date(Date.now() - 30 * HOUR) }));
    const clock = tomorrowNoon();
    await drain(processorDeps(s.database, { clock }));
    const { secrets, database } = getServices();
    const token = signLinkToken(secrets.linkSecret, { kind: "review", enrollmentId: job.enrollmentId!, position: 1 });
    await followReviewLink(
      { db: database.prisma, clock, logger: createLogger("silent"), optOutKey: secrets.optOutKey, linkSecret: secrets.linkSecret },
      token,
      null,
    );

    const row = (await s.load()).jobs.find((j) => j.id === job.jobId)!;
    // No title: the service type names the job, not the host's id.
    expect(row.name).toBe("Drain cleaning");
    expect(row.enrollment).toMatchObject({ status: "stopped", stopReason: "review_clicked" });
    expect(row.enrollment!.touchRows.map((t) => t.badge.label)).toEqual(["Review link opened", "Not sent", "Not sent"]);
    const html = render(createElement(JobTouches, { touches: row.enrollment!.touchRows }));
    expect(html.match(/Polaris-Badge(?![-_])/g)).toHaveLength(3);
    expect(html.match(/Review link opened/g)).toHaveLength(1);
    expect(html).not.toMatch(/>clicked</i);
    expect(html).toContain("Clicked the review link"); // the cancelled touches say why, in words
  });

  it("names a job by its title, else its service type, else its completion date, never the host id alone", async () => {
    const s = await setup();
    const completedAt = new Date(Date.now() - 2 * HOUR);
    const bare = await s.enroll(completedJob({ title: null, serviceType: null, hostJobId: "Z2lkOi8vSm9iYmVyL0pvYi84ODAx", completedAt }));
    const row = (await s.load()).jobs.find((j) => j.id === bare.jobId)!;
    const day = new Intl.DateTimeFormat("en-US", { timeZone: NY, month: "short", day: "numeric", year: "numeric" }).format(completedAt);
    expect(row.name).toBe(`Job on ${day}`);
    expect(row.hostJobId).toBe("Z2lkOi8vSm9iYmVyL0pvYi84ODAx");
  });

  it("searches by name, email and phone (any case, wildcards literal), filters by status and campaign, counts, and pages keeping the filters", async () => {
    const s = await setup();
    const now = Date.now();
    const gallaghers: string[] = [];
    for (let i = 1; i <= 26; i++) {
      const r = await s.enroll(
        completedJob({
          title: `Gallagher job ${i}`,
          completedAt: new Date(now - 2 * HOUR - i * 60_000),
          customer: { firstName: `G${i}`, lastName: "Gallagher", email: `g${i}.gallagher@example.com`, phone: `+1305555${String(100 + i).padStart(4, "0")}` },
        }),
      );
      gallaghers.push(r.jobId);
    }
    const zoe = await s.enroll(
      completedJob({ completedAt: new Date(now - 3 * HOUR), customer: { firstName: "Zoë", lastName: "O'Brien", email: "zoe.obrien@example.com", phone: "+14155550199" } }),
    );
    const percy = await s.enroll(
      completedJob({ completedAt: new Date(now - 4 * HOUR), customer: { firstName: "Percy", lastName: "100% Pure", email: "percy@example.com", phone: "+14155550198" } }),
    );
    const under = await s.enroll(
      completedJob({ completedAt: new Date(now - 5 * HOUR), customer: { firstName: "Una", lastName: "Score", email: "under_score@example.com", phone: "+14155550197" } }),
    );
    const skipped = await s.enroll(completedJob({ completedAt: new Date(now - 6 * HOUR), customer: { firstName: "No", lastName: "Contact", email: null, phone: null } }));
    const drains = await createCampaign(s.deps, s.business.id, {
      name: "Drains",
      serviceType: "drains",
      touches: [{ channel: "email", delayHours: 24, templateId: (await s.db.messageTemplate.findFirstOrThrow({ where: { businessId: s.business.id, channel: "email" } })).id }],
    }, { active: true });
    const drainJob = await s.enroll(
      completedJob({ serviceType: "drains", completedAt: new Date(now - 7 * HOUR), customer: { firstName: "Dee", lastName: "Rain", email: "dee@example.com", phone: "+14155550196" } }),
    );
    const ids = (d: JobsData) => d.jobs.map((j) => j.id);

    const all = await s.load();
    expect(all).toMatchObject({ total: 31, page: 1, pageCount: 2, from: 1, to: 25, filtered: false, invalid: [] });

    const page1 = await s.load("?q=gALLagher");
    expect(page1).toMatchObject({ total: 26, page: 1, pageCount: 2, from: 1, to: 25, hasNext: true, hasPrevious: false, query: "q=gALLagher" });
    expect(ids(page1)).toEqual(gallaghers.slice(0, 25)); // newest first
    const page2 = await s.load("?q=gALLagher&page=2");
    expect(page2).toMatchObject({ total: 26, page: 2, from: 26, to: 26, hasNext: false, hasPrevious: true, filters: { q: "gALLagher" } });
    expect(ids(page2)).toEqual([gallaghers[25]]);
    // The pagination links keep the search.
    const links = render(createElement(PagePagination, { path: "/app/jobs", page: 1, hasPrevious: false, hasNext: true, query: page1.query }));
    expect(links).toContain('href="/app/jobs?q=gALLagher&amp;page=2"');
    // A page past the end shows the last one.
    expect(await s.load("?q=gallagher&page=9")).toMatchObject({ page: 2, from: 26, to: 26 });

    expect(ids(await s.load("?q=g7 gallagher"))).toEqual([gallaghers[6]]); // full name
    expect(ids(await s.load("?q=ZOE.OBRIEN@"))).toEqual([zoe.jobId]); // email, any case
    expect(ids(await s.load("?q=(415) 555-0199"))).toEqual([zoe.jobId]); // phone as people type it
    expect(ids(await s.load("?q=%25"))).toEqual([percy.jobId]); // "%" is a character, not a wildcard
    expect(ids(await s.load("?q=_"))).toEqual([under.jobId]); // so is "_"
    expect((await s.load("?q=nobody-here")).total).toBe(0);

    const stopped = await s.post({ intent: "stop", enrollmentId: (await s.db.enrollment.findFirstOrThrow({ where: { jobId: gallaghers[3]! } })).id });
    expect(stopped.status).toBe(200);
    expect(ids(await s.load("?q=gallagher&status=stopped"))).toEqual([gallaghers[3]]);
    expect(await s.load("?q=gallagher&status=active")).toMatchObject({ total: 25, query: "q=gallagher&status=active" });
    expect(ids(await s.load("?status=skipped"))).toEqual([skipped.jobId]);
    expect((await s.load("?status=completed")).total).toBe(0);
    expect(ids(await s.load(`?campaign=${drains.id}`))).toEqual([drainJob.jobId]);
    const standard = await s.db.campaign.findFirstOrThrow({ where: { businessId: s.business.id, name: "Standard" } });
    expect((await s.load(`?campaign=${standard.id}&status=active`)).total).toBe(25 + 3);
    const kept = await s.load(`?campaign=${standard.id}&q=gallagher&status=active&page=2`);
    expect(kept).toMatchObject({ total: 25, page: 1, pageCount: 1, query: `q=gallagher&status=active&campaign=${standard.id}` });
    expect(all.campaigns.map((c) => c.name).sort()).toEqual(["Drains", "Standard"]);
  });

  it("a bad search parameter is named in a critical banner and no filter applies", async () => {
    const s = await setup();
    await s.enroll(completedJob({ completedAt: new Date(Date.now() - HOUR), customer: { lastName: "Keep" } }));
    await s.enroll(completedJob({ completedAt: new Date(Date.now() - 2 * HOUR), customer: { lastName: "Other" } }));
    const bad = await s.load("?q=keep&status=archived");
    expect(bad.invalid).toEqual([{ param: "status", message: "must be one of active, completed, stopped, skipped" }]);
    expect(bad).toMatchObject({ total: 2, filtered: false, filters: { q: "", status: "", campaign: "" } });
    expect((await s.load("?campaign=42")).invalid).toEqual([{ param: "campaign", message: "must be a campaign id" }]);
    expect((await s.load("?page=two")).invalid).toEqual([{ param: "page", message: "must be a page number" }]);
    expect((await s.load("?page=0&q=keep")).invalid.map((i) => i.param)).toEqual(["page"]);
    expect((await s.load(`?q=${"x".repeat(101)}`)).invalid).toEqual([{ param: "q", message: "must be at most 100 characters" }]);
    // Empty fields, as a plain GET form sends them, are no filter and no error.
    expect(await s.load("?q=&status=&campaign=")).toMatchObject({ invalid: [], total: 2 });
    expect(await s.load("?q=keep")).toMatchObject({ invalid: [], total: 1 });
  });

  it("stop, then undo: the same touches at the same times, active again; the next drain sends the due touch exactly once", async () => {
    const s = await setup();
    // Completed 30 hours ago: touch 1 is due at once.
    const job = await s.enroll(completedJob({ completedAt: new Date(Date.now() - 30 * HOUR) }));
    const id = job.enrollmentId!;
    const before = await snapshot(s.db, id);
    expect(before.enrollment).toMatchObject({ status: "active", currentTouch: 1 });

    const stop = await s.post({ intent: "stop", enrollmentId: id });
    expect(stop).toMatchObject({ status: 200, data: { ok: true, message: "Review requests stopped", enrollmentId: id } });
    const stopped = await snapshot(s.db, id);
    expect(stopped.enrollment).toMatchObject({ status: "stopped", stopReason: "manual", nextDueAt: null });
    expect(stopped.touches.every((t) => t.status === "cancelled" && t.reason === "manual")).toBe(true);
    expect(stop.data.stoppedAt).toBe(stopped.enrollment.stoppedAt!.toISOString());
    // While stopped, a drain sends nothing for it.
    const clock = tomorrowNoon();
    await drain(processorDeps(s.database, { clock }));
    expect(await s.db.sendLog.count({ where: { enrollmentId: id } })).toBe(0);

    const undo = await s.post({ intent: "undo", enrollmentId: id, stoppedAt: stop.data.stoppedAt! });
    expect(undo).toMatchObject({ status: 200, data: { ok: true, message: "Review requests resumed" } });
    expect(await snapshot(s.db, id)).toEqual(before);
    const row = (await s.load()).jobs.find((j) => j.id === job.jobId)!;
    expect(row.enrollment!.status).toBe("active");
    // Due already: it goes out at the next drain, unless it is night for the customer (Florida
    // number: 08:00-20:00 in New York time), then in the morning.
    const hour = DateTime.now().setZone(NY).hour;
    expect(row.enrollment!.touchRows[0]!.when).toMatch(hour >= 8 && hour < 20 ? /^Due now: goes out within minutes$/ : /^Sends .* \(after quiet hours\)$/);

    // The touch that became due is sent on the next drain, once.
    await drain(processorDeps(s.database, { clock }));
    await drain(processorDeps(s.database, { clock }));
    const logs = await s.db.sendLog.findMany({ where: { enrollmentId: id } });
    expect(logs.map((l) => [l.position, l.status])).toEqual([[1, "sent"]]);
    expect(await s.db.outboxMessage.count({ where: { businessId: s.business.id } })).toBe(1);
    expect((await snapshot(s.db, id)).touches.map((t) => t.status)).toEqual(["sent", "pending", "pending"]);
  });

  it("undo is refused after the window, after another stop, twice, or after the customer opted out; nothing changes", async () => {
    const s = await setup();
    const job = await s.enroll(completedJob({ completedAt: new Date(Date.now() - 2 * HOUR) }));
    const id = job.enrollmentId!;

    // After the window (the stop moved 16 s into the past; the server undoes within 15 s).
    const stop1 = await s.post({ intent: "stop", enrollmentId: id });
    const earlier = new Date(new Date(stop1.data.stoppedAt!).getTime() - 16_000);
    await s.db.enrollment.update({ where: { id }, data: { stoppedAt: earlier } });
    const late = await s.post({ intent: "undo", enrollmentId: id, stoppedAt: earlier.toISOString() });
    expect(late).toMatchObject({ status: 409, data: { ok: false } });
    expect(late.data.message).toMatch(/^Can't undo: The time to undo has passed/);
    expect((await snapshot(s.db, id)).enrollment).toMatchObject({ status: "stopped", stopReason: "manual" });

    // Domain level, to the millisecond: within the window it works, one ms later it does not.
    const job2 = await s.enroll(completedJob({ completedAt: new Date(Date.now() - 2 * HOUR) }));
    const clock = new ManualClock(new Date());
    const deps = { db: s.db, clock };
    const { stoppedAt } = (await stopEnrollmentByHand(deps, s.business.id, job2.enrollmentId!))!;
    clock.advance(15_001);
    expect(await resumeStoppedEnrollment(deps, s.business.id, job2.enrollmentId!, { stoppedAt, withinMs: 15_000 })).toEqual({
      outcome: "refused",
      reason: "too_late",
    });
    clock.advance(-1);
    expect(await resumeStoppedEnrollment(deps, s.business.id, job2.enrollmentId!, { stoppedAt, withinMs: 15_000 })).toMatchObject({
      outcome: "resumed",
      pending: 3,
    });

    // After another stop: the first stop's undo no longer applies; the second one's does, once.
    const stopA = await stopEnrollmentByHand(deps, s.business.id, job2.enrollmentId!);
    clock.advance(1_000);
    expect(await resumeStoppedEnrollment(deps, s.business.id, job2.enrollmentId!, { stoppedAt: stopA!.stoppedAt, withinMs: 15_000 })).toMatchObject({ outcome: "resumed" });
    const stopB = await stopEnrollmentByHand(deps, s.business.id, job2.enrollmentId!);
    const stale = await s.post({ intent: "undo", enrollmentId: job2.enrollmentId!, stoppedAt: stopA!.stoppedAt.toISOString() });
    expect(stale).toMatchObject({ status: 409 });
    expect(stale.data.message).toMatch(/^Can't undo: It changed since you stopped it/);
    expect(await resumeStoppedEnrollment(deps, s.business.id, job2.enrollmentId!, { stoppedAt: stopB!.stoppedAt, withinMs: 15_000 })).toMatchObject({ outcome: "resumed" });
    expect(await resumeStoppedEnrollment(deps, s.business.id, job2.enrollmentId!, { stoppedAt: stopB!.stoppedAt, withinMs: 15_000 })).toEqual({
      outcome: "refused",
      reason: "not_this_stop",
    });

    // Opted out after the stop: the undo would message someone who said no.
    const job3 = await s.enroll(completedJob({ completedAt: new Date(Date.now() - 2 * HOUR) }));
    const stop3 = await s.post({ intent: "stop", enrollmentId: job3.enrollmentId! });
    const before = await snapshot(s.db, job3.enrollmentId!);
    const { secrets, database } = getServices();
    const unsubscribed = await unsubscribeEmail(
      { db: database.prisma, clock: new ManualClock(new Date()), logger: createLogger("silent"), optOutKey: secrets.optOutKey, linkSecret: secrets.linkSecret },
      signLinkToken(secrets.linkSecret, { kind: "unsubscribe", enrollmentId: job3.enrollmentId!, position: 1 }),
    );
    expect(unsubscribed.kind).toBe("unsubscribed");
    const optedOut = await s.post({ intent: "undo", enrollmentId: job3.enrollmentId!, stoppedAt: stop3.data.stoppedAt! });
    expect(optedOut).toMatchObject({ status: 409 });
    expect(optedOut.data.message).toMatch(/opted out/);
    expect(await snapshot(s.db, job3.enrollmentId!)).toEqual(before);
  });

  it("enrolls a stopped job again: a new enrollment, the stopped one kept; never two at once, and the host's redelivery does not", async () => {
    const s = await setup();
    const input = completedJob({ completedAt: new Date(Date.now() - 2 * HOUR) });
    const job = await s.enroll(input);
    const first = job.enrollmentId!;
    expect((await s.post({ intent: "enroll", jobId: job.jobId })).status).toBe(409); // active: already enrolled
    await s.post({ intent: "stop", enrollmentId: first });

    // The host sends the job again: a stopped job is not asked about automatically.
    const redelivered = await recordJob(s.deps, s.business.id, { ...input, occurredAt: new Date() });
    expect(redelivered.enrollment).toEqual({ outcome: "already_enrolled", enrollmentId: first });

    const again = await s.post({ intent: "enroll", jobId: job.jobId });
    expect(again).toMatchObject({ status: 200, data: { ok: true, message: "Enrolled in Standard" } });
    expect(again.data.enrollmentId).not.toBe(first);
    const all = await s.db.enrollment.findMany({ where: { jobId: job.jobId }, orderBy: { enrolledAt: "asc" } });
    expect(all.map((e) => [e.id, e.status, e.manual])).toEqual([
      [first, "stopped", false],
      [again.data.enrollmentId, "active", true],
    ]);
    expect(await s.db.enrollmentTouch.count({ where: { enrollmentId: again.data.enrollmentId!, status: "pending" } })).toBe(3);
    // The page shows the new one; the stop can no longer be undone (a newer enrollment).
    const row = (await s.load()).jobs.find((j) => j.id === job.jobId)!;
    expect(row.enrollment).toMatchObject({ id: again.data.enrollmentId, status: "active", manual: true });
    expect((await s.post({ intent: "enroll", jobId: job.jobId })).data.message).toBe("This job already has an enrollment");

    // A skipped job (cooldown: the same person) can be enrolled by hand too.
    const repeat = await s.enroll(completedJob({ completedAt: new Date(Date.now() - HOUR), customer: { ...input.customer, hostCustomerId: "another-record" } }));
    expect(repeat.enrollmentId).toBeNull();
    expect((await s.load("?status=skipped")).jobs.map((j) => j.id)).toEqual([repeat.jobId]);
    expect(await s.post({ intent: "enroll", jobId: repeat.jobId })).toMatchObject({ status: 200, data: { ok: true } });
  });

  it("refuses to enroll an opted-out customer again, saying why", async () => {
    const s = await setup();
    const job = await s.enroll(completedJob({ completedAt: new Date(Date.now() - 2 * HOUR), customer: { phone: null } }));
    const { secrets, database } = getServices();
    await unsubscribeEmail(
      { db: database.prisma, clock: new ManualClock(new Date()), logger: createLogger("silent"), optOutKey: secrets.optOutKey, linkSecret: secrets.linkSecret },
      signLinkToken(secrets.linkSecret, { kind: "unsubscribe", enrollmentId: job.enrollmentId!, position: 1 }),
    );
    expect(await s.db.enrollment.findUniqueOrThrow({ where: { id: job.enrollmentId! } })).toMatchObject({ status: "stopped", stopReason: "opted_out_email" });
    const refused = await s.post({ intent: "enroll", jobId: job.jobId });
    expect(refused).toMatchObject({ status: 409, data: { ok: false, message: "Not enrolled: customer opted out" } });
    expect(await s.db.enrollment.count({ where: { jobId: job.jobId } })).toBe(1);
  });

  it("another business's jobs and enrollments are not found (404) and stay as they are", async () => {
    const mine = await setup();
    const theirs = await setup();
    const job = await theirs.enroll(completedJob({ completedAt: new Date(Date.now() - 2 * HOUR) }));
    const stopped = await theirs.post({ intent: "stop", enrollmentId: job.enrollmentId! });
    const before = await snapshot(theirs.db, job.enrollmentId!);
    expect((await mine.post({ intent: "stop", enrollmentId: job.enrollmentId! })).status).toBe(404);
    expect((await mine.post({ intent: "undo", enrollmentId: job.enrollmentId!, stoppedAt: stopped.data.stoppedAt! })).status).toBe(404);
    expect((await mine.post({ intent: "enroll", jobId: job.jobId })).status).toBe(404);
    expect(await snapshot(theirs.db, job.enrollmentId!)).toEqual(before);
    expect(await theirs.db.enrollment.count({ where: { jobId: job.jobId } })).toBe(1);
    expect((await mine.load()).total).toBe(0);
    expect((await mine.load(`?campaign=${(await theirs.db.campaign.findFirstOrThrow({ where: { businessId: theirs.business.id } })).id}`)).total).toBe(0);
  });

  it("rejects a malformed undo (400) without changing anything", async () => {
    const s = await setup();
    const job = await s.enroll(completedJob({ completedAt: new Date(Date.now() - 2 * HOUR) }));
    await s.post({ intent: "stop", enrollmentId: job.enrollmentId! });
    const before = await snapshot(s.db, job.enrollmentId!);
    const bad: Record<string, string>[] = [{ intent: "undo", enrollmentId: job.enrollmentId! }, { intent: "undo", enrollmentId: job.enrollmentId!, stoppedAt: "yesterday" }];
    for (const fields of bad) {
      const res = await call<{ fieldErrors: Record<string, string> }>(jobsRoute.action, await s.session.post("/app/jobs", fields));
      expect(res.status).toBe(400);
      expect(Object.keys(res.data.fieldErrors)).toEqual(["stoppedAt"]);
    }
    expect(await snapshot(s.db, job.enrollmentId!)).toEqual(before);
  });
});
