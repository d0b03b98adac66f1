// The weekly trend (requests sent and clicked per week of enrollment, local Monday-start weeks):
// a small history written through the real domain functions, the touch processor and the click
// path, on a manual clock, then every week's numbers exactly: read live (every day dirty), from
// the refreshed rollup, and with a rollup day dirtied again by a later click; the weeks add up to
// the page's totals; campaign and tenant scoping; and the weeks themselves (trendWeeks).
import { beforeAll, describe, expect, it } from "vitest";
import { loadAnalytics, type AnalyticsScope } from "~/analytics/analytics.server";
import { parseDateRange } from "~/analytics/range.server";
import { refreshAnalyticsRollup } from "~/analytics/rollup.server";
import { loadWeeklyTrend, TREND_MAX_WEEKS, trendWeeks, type WeeklyTrend } from "~/analytics/trend.server";
import { recordJob } from "~/domain/enrollment.server";
import { stopEnrollments } from "~/domain/stops.server";
import { drain } from "~/engine/processor.server";
import { ManualClock } from "~/lib/clock.server";
import { recordLinkClick } from "~/stops/review-link.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";

const db = useTestDatabase();
const TZ = "America/New_York";
// Friday Jan 30 2026, noon in New York.
const NOW = new Date("2026-01-30T17:00:00Z");
const clock = new ManualClock("2026-01-05T16:00:00Z");
let businessId: string;
let campaignId: string;
let otherBusinessId: string;
const enrollments: Record<string, string> = {};

/**
 * Standard campaign: email 24h → SMS +3d → email +7d. All times UTC; New York is UTC-5.
 *   c1  Mon Jan 5 11:00 NY    week of Jan 5    touch 1 sent Jan 6, clicked Jan 7 → stopped
 *   c2  Mon Jan 5 11:00 NY    week of Jan 5    all three sent (Jan 6, 9, 16)
 *   c3  Sun Jan 11 23:30 NY   week of Jan 5    (already Mon Jan 12 in UTC) all three sent (Jan 13, 16, 23)
 *   c4  Wed Jan 14 11:00 NY   week of Jan 12   touch 1 sent Jan 15, clicked Jan 16 → stopped
 *   c5  Tue Jan 27 11:00 NY   week of Jan 26   touch 1 sent Jan 28
 * Another business: one customer on Jan 5 with its first touch sent, clicked.
 */
beforeAll(async () => {
  const d = deps(db().prisma, clock);
  const p = processorDeps(db(), { clock });
  const installed = await installTestBusiness(d, { name: "Trend Plumbing", timezone: TZ });
  businessId = installed.business.id;
  campaignId = installed.campaignId;
  await db().prisma.business.update({ where: { id: businessId }, data: BUSINESS_SETTINGS });
  const other = await installTestBusiness(d, { name: "Other Electric", timezone: TZ });
  otherBusinessId = other.business.id;
  await db().prisma.business.update({ where: { id: otherBusinessId }, data: BUSINESS_SETTINGS });

  const enroll = async (name: string, at: string, business = businessId) => {
    clock.set(at);
    const result = await recordJob(d, business, completedJob({ completedAt: new Date(at) }));
    expect(result.enrollment?.outcome, name).toBe("enrolled");
    enrollments[name] = (result.enrollment as { enrollmentId: string }).enrollmentId;
  };
  const click = async (name: string, at: string, business = businessId) => {
    clock.set(at);
    await db().prisma.$transaction(async (tx) => {
      await recordLinkClick(tx, enrollments[name]!, 1, clock.now());
      await stopEnrollments(tx, business, { enrollmentIds: [enrollments[name]!] }, "review_clicked", clock.now());
    });
  };
  const drainAt = async (at: string) => {
    clock.set(at);
    return drain(p);
  };

  await enroll("c1", "2026-01-05T16:00:00Z");
  await enroll("c2", "2026-01-05T16:00:00Z");
  await enroll("o1", "2026-01-05T16:00:00Z", otherBusinessId);
  await enroll("c3", "2026-01-12T04:30:00Z");
  expect((await drainAt("2026-01-06T17:00:00Z")).sent).toBe(3);
  await click("c1", "2026-01-07T15:00:00Z");
  await click("o1", "2026-01-07T15:00:00Z", otherBusinessId);
  expect((await drainAt("2026-01-09T17:00:00Z")).sent).toBe(1);
  expect((await drainAt("2026-01-13T17:00:00Z")).sent).toBe(1);
  await enroll("c4", "2026-01-14T16:00:00Z");
  expect((await drainAt("2026-01-15T17:00:00Z")).sent).toBe(1);
  await click("c4", "2026-01-16T12:00:00Z");
  expect((await drainAt("2026-01-16T17:00:00Z")).sent).toBe(2);
  expect((await drainAt("2026-01-23T17:00:00Z")).sent).toBe(1);
  await enroll("c5", "2026-01-27T16:00:00Z");
  expect((await drainAt("2026-01-28T17:00:00Z")).sent).toBe(1);
  clock.set(NOW);
}, 60_000);

const last30 = () => parseDateRange(new URLSearchParams({ range: "30d" }), { timezone: TZ, now: NOW });
const scope = (over: Partial<AnalyticsScope> = {}): AnalyticsScope => ({
  businessId,
  campaignId: null,
  start: last30().start,
  end: last30().end,
  ...over,
});
const trend = (over: Partial<AnalyticsScope> = {}) => loadWeeklyTrend(db().pool, scope(over), { timezone: TZ, now: clock.now() });

/** Last 30 days as of Jan 30: Jan 1 (a Thursday) through Jan 30, in local Monday-start weeks. */
const EXPECTED: WeeklyTrend = {
  truncated: false,
  weeks: [
    { from: "2026-01-01", through: "2026-01-04", sent: 0, clicked: 0, clickRate: null },
    { from: "2026-01-05", through: "2026-01-11", sent: 7, clicked: 1, clickRate: 1 / 7 },
    { from: "2026-01-12", through: "2026-01-18", sent: 1, clicked: 1, clickRate: 1 },
    { from: "2026-01-19", through: "2026-01-25", sent: 0, clicked: 0, clickRate: null },
    { from: "2026-01-26", through: "2026-01-30", sent: 1, clicked: 0, clickRate: 0 },
  ],
};

describe("weekly trend of requests sent and clicked", () => {
  it("counts each week's customers' sends and clicks, in the business's local weeks, read live", async () => {
    // Nothing refreshed yet: every day is dirty and read from the base tables.
    expect(await trend()).toEqual(EXPECTED);
  });

  it("adds up to the page's totals for the same range", async () => {
    const t = await trend();
    const a = await loadAnalytics(db().pool, scope());
    expect(t.weeks.reduce((n, w) => n + w.sent, 0)).toBe(a.funnel.total.sent);
    expect(t.weeks.reduce((n, w) => n + w.clicked, 0)).toBe(a.funnel.total.clicked);
  });

  it("gives the same weeks from the refreshed rollup, and after a later click dirties a day again", async () => {
    await refreshAnalyticsRollup(db().pool);
    expect((await db().pool.query("SELECT count(*)::int AS n FROM analytics_dirty_day")).rows[0].n).toBe(0);
    expect(await trend()).toEqual(EXPECTED);

    // c2 clicks its third email today: its enrollment day is marked and read live again.
    await db().prisma.$transaction((tx) => recordLinkClick(tx, enrollments.c2!, 3, clock.now()));
    const after = await trend();
    expect(after.weeks[1]).toEqual({ from: "2026-01-05", through: "2026-01-11", sent: 7, clicked: 2, clickRate: 2 / 7 });
    expect(after.weeks.filter((_, i) => i !== 1)).toEqual(EXPECTED.weeks.filter((_, i) => i !== 1));
    await refreshAnalyticsRollup(db().pool);
    expect(await trend()).toEqual(after);
  });

  it("counts one campaign's customers only, and never another business's", async () => {
    expect((await trend({ campaignId })).weeks.map((w) => w.sent)).toEqual([0, 7, 1, 0, 1]);
    const other = await trend({ businessId: otherBusinessId });
    expect(other.weeks.map((w) => [w.sent, w.clicked])).toEqual([[0, 0], [1, 1], [0, 0], [0, 0], [0, 0]]);
    // This business's scope with the other business's campaign: nothing.
    const otherCampaign = await db().prisma.campaign.findFirstOrThrow({ where: { businessId: otherBusinessId } });
    expect((await trend({ campaignId: otherCampaign.id })).weeks.every((w) => w.sent === 0 && w.clicked === 0)).toBe(true);
  });

  it("starts all time at the week of the first customer and ends today", async () => {
    const all = await trend({ start: null, end: null });
    expect(all.truncated).toBe(false);
    expect(all.weeks.map((w) => [w.from, w.through, w.sent])).toEqual([
      ["2026-01-05", "2026-01-11", 7],
      ["2026-01-12", "2026-01-18", 1],
      ["2026-01-19", "2026-01-25", 0],
      ["2026-01-26", "2026-01-30", 1],
    ]);
  });
});

describe("trendWeeks", () => {
  const local = (iso: string) => new Date(iso);

  it("cuts a range into Monday-start local weeks, across a daylight-saving change", () => {
    // Mar 8 2026: New York moves to UTC-4.
    const { weeks } = trendWeeks({
      start: local("2026-03-04T05:00:00Z"),
      end: local("2026-03-18T04:00:00Z"),
      firstEnrolledAt: null,
      timezone: TZ,
      now: local("2026-06-01T12:00:00Z"),
    });
    expect(weeks).toEqual([
      { start: local("2026-03-04T05:00:00Z"), end: local("2026-03-09T04:00:00Z"), from: "2026-03-04", through: "2026-03-08" },
      { start: local("2026-03-09T04:00:00Z"), end: local("2026-03-16T04:00:00Z"), from: "2026-03-09", through: "2026-03-15" },
      { start: local("2026-03-16T04:00:00Z"), end: local("2026-03-18T04:00:00Z"), from: "2026-03-16", through: "2026-03-17" },
    ]);
  });

  it("never runs past today, and shows the last weeks of a long range", () => {
    const now = local("2026-01-30T17:00:00Z");
    const future = trendWeeks({ start: local("2026-01-26T05:00:00Z"), end: local("2027-01-01T05:00:00Z"), firstEnrolledAt: null, timezone: TZ, now });
    expect(future.weeks.map((w) => [w.from, w.through])).toEqual([["2026-01-26", "2026-01-30"]]);
    const long = trendWeeks({ start: null, end: null, firstEnrolledAt: local("2023-05-17T12:00:00Z"), timezone: TZ, now });
    expect(long.truncated).toBe(true);
    expect(long.weeks).toHaveLength(TREND_MAX_WEEKS);
    expect(long.weeks.at(-1)).toMatchObject({ from: "2026-01-26", through: "2026-01-30" });
    expect(long.weeks[0]!.from).toBe("2025-08-04");
    expect(trendWeeks({ start: null, end: null, firstEnrolledAt: null, timezone: TZ, now }).weeks).toEqual([]);
  });
});
