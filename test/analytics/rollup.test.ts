// The analytics rollup stays exact: after a bulk history, a refresh, and then a mix of real
// writes (new enrollments, sends, skips, campaign-shortened finishes, clicks, deliveries and stops,
// several on days long past), every range's answer equals the plain computation over the base
// tables (direct.ts), both before the refresh (dirty days read live) and after it (read from the
// rollup), and the rollup's rows equal a from-scratch recomputation. Also: a writer whose
// transaction is still open while a refresh runs keeps its day dirty.
import { InngestTestEngine } from "@inngest/test";
import { beforeAll, describe, expect, it } from "vitest";
import { loadAnalytics, type AnalyticsScope } from "~/analytics/analytics.server";
import { parseDateRange } from "~/analytics/range.server";
import { refreshAnalyticsRollup } from "~/analytics/rollup.server";
import { createCampaign, updateCampaign } from "~/domain/campaigns.server";
import { recordJob, stopEnrollmentManually } from "~/domain/enrollment.server";
import { drain } from "~/engine/processor.server";
import { startScheduler } from "~/engine/scheduler.server";
import { createLogger } from "~/logger.server";
import { recordLinkClick } from "~/stops/review-link.server";
import { applyDeliveryUpdate, lockSendLog } from "~/stops/send-log.server";
import { ManualClock } from "~/lib/clock.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";
import { createRefreshAnalyticsFunction } from "../../inngest/functions/refresh-analytics";
import { directAnalytics } from "./direct";
import { generateEnrollments } from "./volume";

const db = useTestDatabase();
// Noon in New York: quiet hours are open, so due touches go out.
const NOW = new Date("2026-11-20T17:00:00Z");
const DAY = 86_400_000;
const clock = new ManualClock(NOW);
let businessId: string;
let standardId: string;
let fourId: string;

beforeAll(async () => {
  const d = deps(db().prisma, clock);
  const { business, campaignId } = await installTestBusiness(d, { name: "Rollup Plumbing" });
  businessId = business.id;
  standardId = campaignId;
  await db().prisma.business.update({
    where: { id: businessId },
    data: { ...BUSINESS_SETTINGS, cooldownDays: 0, emailHourlyLimit: 100_000, smsHourlyLimit: 100_000 },
  });
  const templates = await db().prisma.messageTemplate.findMany({ where: { businessId } });
  const template = (channel: "email" | "sms") => templates.find((t) => t.channel === channel)!.id;
  const four = await createCampaign(
    d,
    businessId,
    {
      name: "Four touches",
      serviceType: "hvac",
      touches: (["email", "sms", "email", "sms"] as const).map((channel) => ({ channel, delayHours: 24, templateId: template(channel) })),
    },
    { active: true },
  );
  fourId = four.id;
  await generateEnrollments(db().pool, {
    businessId,
    campaigns: [
      { id: standardId, touches: 3 },
      { id: fourId, touches: 4 },
    ],
    count: 3_000,
    start: new Date(NOW.getTime() - 120 * DAY),
    now: NOW,
    tag: "r",
  });
}, 120_000);

/** The page's ranges and a few awkward ones: sub-day, across one UTC midnight, old custom days. */
function scopes(): [string, AnalyticsScope][] {
  const preset = (range: string) => parseDateRange(new URLSearchParams({ range }), { timezone: "America/New_York", now: NOW });
  const custom = parseDateRange(new URLSearchParams({ from: "2026-08-15", to: "2026-09-20" }), { timezone: "America/New_York", now: NOW });
  const ranges: [string, Date | null, Date | null][] = [
    ["all", null, null],
    ["30d", preset("30d").start, preset("30d").end],
    ["90d", preset("90d").start, preset("90d").end],
    ["custom", custom.start, custom.end],
    ["within one day", new Date("2026-10-01T10:00:00Z"), new Date("2026-10-01T20:00:00Z")],
    ["across midnight", new Date("2026-10-01T20:00:00Z"), new Date("2026-10-02T10:00:00Z")],
    ["until a time", null, new Date("2026-10-15T13:30:00Z")],
  ];
  return ranges.flatMap(([name, start, end]) => [
    [`business ${name}`, { businessId, campaignId: null, start, end }],
    [`campaign ${name}`, { businessId, campaignId: fourId, start, end }],
  ]);
}

async function expectExact() {
  for (const [name, scope] of scopes()) {
    expect(await loadAnalytics(db().pool, scope), name).toEqual(await directAnalytics(db().pool, scope));
  }
}

const dirtyCount = async () => (await db().pool.query<{ n: number }>("SELECT count(*)::int AS n FROM analytics_dirty_day")).rows[0]!.n;

/** The rollup's rows, and the same cells recomputed from scratch, both sorted. */
async function rollupAndRecomputed() {
  const q = async (sql: string) => (await db().pool.query(sql)).rows.map((r) => JSON.stringify(r)).sort();
  return {
    touches: await q(`SELECT business_id, campaign_id, day::text, position, channel, status, delivered, clicked, touches FROM analytics_touch_day`),
    touchesRecomputed: await q(
      `SELECT business_id, campaign_id, (enrolled_at AT TIME ZONE 'UTC')::date::text AS day, position, channel, status,
              status = 'sent' AND delivered_at IS NOT NULL AS delivered, clicked_at IS NOT NULL AS clicked, count(*)::int AS touches
         FROM enrollment_touch GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`,
    ),
    enrollments: await q(
      `SELECT business_id, campaign_id, day::text, status, stop_reason, service_type, enrollments, sent_touches, clicked_touches FROM analytics_enrollment_day`,
    ),
    enrollmentsRecomputed: await q(
      `SELECT e.business_id, e.campaign_id, (e.enrolled_at AT TIME ZONE 'UTC')::date::text AS day, e.status, e.stop_reason, j.service_type,
              count(*)::int AS enrollments, COALESCE(sum(s.sent), 0)::int AS sent_touches, COALESCE(sum(s.clicked), 0)::int AS clicked_touches
         FROM enrollment e JOIN job j ON j.id = e.job_id
         LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE clicked_at IS NOT NULL) AS clicked
                              FROM enrollment_touch t WHERE t.enrollment_id = e.id) s ON true
        GROUP BY 1, 2, 3, 4, 5, 6`,
    ),
  };
}

async function expectRollupMatchesBase() {
  const r = await rollupAndRecomputed();
  expect(r.touches.length).toBeGreaterThan(100);
  expect(r.touches).toEqual(r.touchesRecomputed);
  expect(r.enrollments).toEqual(r.enrollmentsRecomputed);
}

/** One enrollment touch matching a condition, enrolled around `daysAgo` days before NOW. */
async function touchAt(daysAgo: number, condition: string): Promise<{ enrollment_id: string; position: number }> {
  const { rows } = await db().pool.query<{ enrollment_id: string; position: number }>(
    `SELECT t.enrollment_id::text, t.position FROM enrollment_touch t JOIN send_log l USING (enrollment_id, position)
      WHERE t.business_id = $1 AND t.enrolled_at < $2 AND ${condition}
      ORDER BY t.enrolled_at DESC LIMIT 1`,
    [businessId, new Date(NOW.getTime() - daysAgo * DAY)],
  );
  return rows[0]!;
}

describe("the analytics rollup", () => {
  it("answers exactly with every day dirty, then from a refreshed rollup", async () => {
    expect(await dirtyCount()).toBeGreaterThan(100);
    await expectExact();
    const refreshed = await refreshAnalyticsRollup(db().pool, { batchDays: 50 });
    expect(refreshed.days).toBe(121);
    expect(refreshed.busy).toBe(false);
    expect(await dirtyCount()).toBe(0);
    await expectRollupMatchesBase();
    await expectExact();
  });

  it("stays exact through enrolls, sends, finishes, clicks, deliveries and stops on old days", async () => {
    await refreshAnalyticsRollup(db().pool);
    const d = deps(db().prisma, clock);
    // New enrollments today, with and without a service type.
    for (const serviceType of ["plumbing", "hvac", null, "electrical"]) {
      const r = await recordJob(d, businessId, completedJob({ serviceType, completedAt: new Date(NOW.getTime() - 3_600_000) }));
      expect(r.enrollment?.outcome).toBe("enrolled");
    }
    // Shorter campaign: its running enrollments past touch 2 finish when next due.
    const templates = await db().prisma.messageTemplate.findMany({ where: { businessId } });
    await updateCampaign(d, businessId, fourId, {
      name: "Four touches",
      serviceType: "hvac",
      touches: (["email", "sms"] as const).map((channel) => ({ channel, delayHours: 24, templateId: templates.find((t) => t.channel === channel)!.id })),
    });
    // Two days later, the due touches of recent enrollments go out (emails), are skipped (SMS to
    // customers without a phone), or find their campaign shortened and finish.
    clock.set(new Date(NOW.getTime() + 2 * DAY));
    const drained = await drain(processorDeps(db(), { clock }));
    expect(drained.sent).toBeGreaterThan(20);
    expect(drained.skipped).toBeGreaterThan(0);
    expect(drained.completed).toBeGreaterThan(0);
    const { rows: finished } = await db().pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM enrollment_touch WHERE business_id = $1 AND reason = 'removed_from_campaign'",
      [businessId],
    );
    expect(finished[0]!.n).toBeGreaterThan(0);
    // A customer clicks a 60-day-old message; a provider reports a 90-day-old delivery late.
    const old = await touchAt(60, "t.status = 'sent' AND t.clicked_at IS NULL");
    await db().prisma.$transaction((tx) => recordLinkClick(tx, old.enrollment_id, old.position, clock.now()));
    const late = await touchAt(90, "t.status = 'sent' AND l.delivered_at IS NULL");
    await db().prisma.$transaction(async (tx) => {
      const log = await lockSendLog(tx, { enrollmentId: late.enrollment_id, position: late.position });
      await applyDeliveryUpdate(tx, log!, { status: "delivered", at: clock.now(), now: clock.now() });
    });
    // The merchant stops a 10-day-old enrollment.
    const { rows: active } = await db().pool.query<{ id: string }>(
      "SELECT id::text FROM enrollment WHERE business_id = $1 AND status = 'active' AND enrolled_at < $2 ORDER BY enrolled_at DESC LIMIT 1",
      [businessId, new Date(NOW.getTime() - 10 * DAY)],
    );
    expect(await stopEnrollmentManually(d, businessId, active[0]!.id)).toBe(true);

    const { rows: marked } = await db().pool.query<{ day: string }>("SELECT DISTINCT day::text FROM analytics_dirty_day ORDER BY 1");
    const days = marked.map((r) => r.day);
    expect(days).toContain("2026-11-20");
    expect(days.some((day) => day < "2026-10-01")).toBe(true);

    await expectExact();
    await refreshAnalyticsRollup(db().pool);
    expect(await dirtyCount()).toBe(0);
    await expectRollupMatchesBase();
    await expectExact();
  });

  it("keeps a day dirty when its writer commits after a refresh consumed the day's earlier mark", async () => {
    await refreshAnalyticsRollup(db().pool);
    const first = await touchAt(45, "t.status = 'sent' AND t.clicked_at IS NULL");
    await db().prisma.$transaction((tx) => recordLinkClick(tx, first.enrollment_id, first.position, clock.now()));
    const { rows } = await db().pool.query<{ enrollment_id: string; position: number }>(
      `SELECT t.enrollment_id::text, t.position FROM enrollment_touch t
        WHERE t.business_id = $1 AND t.status = 'sent' AND t.clicked_at IS NULL AND t.enrollment_id <> $2
          AND (t.enrolled_at AT TIME ZONE 'UTC')::date = (SELECT (enrolled_at AT TIME ZONE 'UTC')::date FROM enrollment WHERE id = $2)
        LIMIT 1`,
      [businessId, first.enrollment_id],
    );
    const second = rows[0]!;

    // A second click on the same day, its transaction still open while a refresh runs.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const writtenYet = new Promise<void>((resolve) => (written = resolve));
    const writer = db().prisma.$transaction(
      async (tx) => {
        await recordLinkClick(tx, second.enrollment_id, second.position, clock.now());
        written();
        await released;
      },
      { timeout: 30_000 },
    );
    await writtenYet;
    const refreshed = await refreshAnalyticsRollup(db().pool);
    expect(refreshed.days).toBe(1);
    release();
    await writer;

    // The refresh could not see the second click; its own mark survived, so the day is read live.
    expect(await dirtyCount()).toBe(1);
    const all: AnalyticsScope = { businessId, campaignId: null, start: null, end: null };
    expect(await loadAnalytics(db().pool, all)).toEqual(await directAnalytics(db().pool, all));
    await refreshAnalyticsRollup(db().pool);
    await expectRollupMatchesBase();
    expect(await loadAnalytics(db().pool, all)).toEqual(await directAnalytics(db().pool, all));
  });

  it("lets one refresh run at a time", async () => {
    await db().pool.query("INSERT INTO analytics_dirty_day (business_id, day) VALUES ($1, '2026-11-01')", [businessId]);
    const client = await db().pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended('kudos:analytics_rollup', 0))");
      expect(await refreshAnalyticsRollup(db().pool)).toEqual({ days: 0, more: false, busy: true });
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await refreshAnalyticsRollup(db().pool)).toEqual({ days: 1, more: false, busy: false });
  });
});

describe("who runs the refresh", () => {
  it("the in-process scheduler's tick, after its drain", async () => {
    await db().pool.query("INSERT INTO analytics_dirty_day (business_id, day) VALUES ($1, '2026-11-02')", [businessId]);
    const scheduler = startScheduler(processorDeps(db(), { clock }), { intervalMs: 3_600_000, logger: createLogger("silent") });
    try {
      expect(await scheduler.tick()).toMatchObject({ batches: 1 });
    } finally {
      await scheduler.stop();
    }
    expect(await dirtyCount()).toBe(0);
  });

  it("the Inngest cron, one step per batch until a batch is not full", async () => {
    await db().pool.query(
      "INSERT INTO analytics_dirty_day (business_id, day) SELECT $1, d::date FROM generate_series('2026-09-01'::date, '2026-09-05'::date, '1 day') d",
      [businessId],
    );
    const fn = createRefreshAnalyticsFunction(() => ({
      batch: () => refreshAnalyticsRollup(db().pool, { batchDays: 2, maxBatches: 1 }),
    }));
    const config = fn["opts"] as { singleton?: unknown; triggers?: unknown };
    expect(config.singleton).toEqual({ mode: "skip" });
    expect(config.triggers).toEqual([{ cron: "* * * * *" }]);
    const { result } = await new InngestTestEngine({ function: fn }).execute();
    expect(result).toEqual({ days: 5, batches: 3 });
    expect(await dirtyCount()).toBe(0);
    await expectRollupMatchesBase();
  });
});
