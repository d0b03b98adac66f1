// Analytics over a known history (test/analytics/scenario.ts): every number exactly, date-range
// filtering in the business's timezone, campaign scoping, and tenant isolation, first through
// the module, then through the route loaders with a real session token.
import { beforeAll, describe, expect, it } from "vitest";
import { loadAnalytics, type Analytics, type AnalyticsScope } from "~/analytics/analytics.server";
import type { AnalyticsPageData } from "~/analytics/page.server";
import { signSessionToken } from "~/auth/session-token.server";
import { closeDatabase } from "~/db.server";
import { resetEnvForTests } from "~/env.server";
import { loader as campaignLoader } from "~/routes/app.analytics.$campaignId";
import { loader as overallLoader } from "~/routes/app.analytics";
import { getServices } from "~/services.server";
import { useTestDatabase } from "../helpers/db";
import { TEST_APP_URL, TEST_LINK_SECRET } from "../helpers/engine";
import { seedScenario, type Scenario } from "./scenario";

const db = useTestDatabase();
let s: Scenario;

beforeAll(async () => {
  s = await seedScenario(db());
}, 60_000);

/** Local New York midnights as instants. */
const JAN_4 = new Date("2026-01-04T05:00:00Z");
const JAN_5 = new Date("2026-01-05T05:00:00Z");
const JAN_21 = new Date("2026-01-21T05:00:00Z");

function scope(over: Partial<AnalyticsScope> = {}): AnalyticsScope {
  return { businessId: s.business.id, campaignId: null, start: JAN_4, end: JAN_5, ...over };
}

const zero = { scheduled: 0, pending: 0, sent: 0, delivered: 0, clicked: 0, skipped: 0, failed: 0, cancelled: 0 };

describe("analytics of one business's enrollments enrolled on Jan 4 (New York)", () => {
  let a: Analytics;
  beforeAll(async () => {
    a = await loadAnalytics(db().pool, scope());
  });

  it("counts enrollments by status and by stop reason", () => {
    expect(a.enrollments).toEqual({ total: 8, active: 1, completed: 3, stopped: 4 });
    expect(a.stopReasons).toEqual([
      { reason: "review_clicked", enrollments: 2, avgTouchesUntilStop: 1 },
      { reason: "manual", enrollments: 1, avgTouchesUntilStop: 0 },
      { reason: "opted_out_sms", enrollments: 1, avgTouchesUntilStop: 1 },
    ]);
  });

  it("averages the touches sent before the end over finished enrollments", () => {
    // completed: j2 3, j4 2, j9 2; stopped: j1 1, j3 1, j5 1, j7 0.
    expect(a.avgTouchesUntilStop.completed).toBeCloseTo(7 / 3, 10);
    expect(a.avgTouchesUntilStop.stopped).toBeCloseTo(3 / 4, 10);
    expect(a.avgTouchesUntilStop.ended).toBeCloseTo(10 / 7, 10);
  });

  it("gives the funnel of each touch position", () => {
    expect(a.funnel.byPosition).toEqual([
      { position: 1, ...zero, scheduled: 8, sent: 7, delivered: 2, clicked: 2, cancelled: 1, clickRate: 2 / 7 },
      { position: 2, ...zero, scheduled: 8, sent: 1, delivered: 1, pending: 1, skipped: 1, failed: 1, cancelled: 4, clickRate: 0 },
      { position: 3, ...zero, scheduled: 6, sent: 3, clicked: 1, cancelled: 3, clickRate: 1 / 3 },
    ]);
    expect(a.funnel.total).toEqual({
      scheduled: 22, pending: 1, sent: 11, delivered: 3, clicked: 3, skipped: 1, failed: 1, cancelled: 8, clickRate: 3 / 11,
    });
  });

  it("gives the funnel and click rate of each channel", () => {
    expect(a.funnel.byChannel).toEqual([
      { channel: "email", ...zero, scheduled: 14, sent: 8, delivered: 1, clicked: 2, pending: 1, cancelled: 5, clickRate: 2 / 8 },
      { channel: "sms", ...zero, scheduled: 8, sent: 3, delivered: 2, clicked: 1, skipped: 1, failed: 1, cancelled: 3, clickRate: 1 / 3 },
    ]);
  });

  it("breaks enrollments and clicks down by the job's service type, none as its own row", () => {
    expect(a.serviceTypes).toEqual([
      { serviceType: "plumbing", enrollments: 5, sent: 7, clicked: 1, clickRate: 1 / 7 },
      { serviceType: "hvac", enrollments: 2, sent: 2, clicked: 1, clickRate: 1 / 2 },
      { serviceType: null, enrollments: 1, sent: 2, clicked: 1, clickRate: 1 / 2 },
    ]);
  });
});

describe("date ranges", () => {
  it("places an enrollment by the business's local day, not by UTC", async () => {
    // j7 was enrolled at 04:30 UTC on Jan 5, i.e. 23:30 on Jan 4 in New York.
    const jan4 = await loadAnalytics(db().pool, scope());
    const fromJan5 = await loadAnalytics(db().pool, scope({ start: JAN_5, end: JAN_21 }));
    expect(jan4.stopReasons.find((r) => r.reason === "manual")?.enrollments).toBe(1);
    expect(fromJan5.stopReasons).toEqual([]);
    expect(fromJan5.enrollments).toEqual({ total: 1, active: 1, completed: 0, stopped: 0 });
    expect(fromJan5.funnel.total).toEqual({ ...zero, scheduled: 3, pending: 3, clickRate: null });
    expect(fromJan5.avgTouchesUntilStop).toEqual({ ended: null, completed: null, stopped: null });
    expect(fromJan5.serviceTypes).toEqual([{ serviceType: "plumbing", enrollments: 1, sent: 0, clicked: 0, clickRate: null }]);
  });

  it("treats the end as exclusive and unbounded ends as all time", async () => {
    const all = await loadAnalytics(db().pool, scope({ start: null, end: null }));
    expect(all.enrollments.total).toBe(9);
    expect(all.funnel.total.scheduled).toBe(25);
    const endAtJ8 = await loadAnalytics(db().pool, scope({ start: null, end: new Date("2026-01-20T16:00:00Z") }));
    expect(endAtJ8.enrollments.total).toBe(8);
  });

  it("answers an empty period with zeros, not errors", async () => {
    const empty = await loadAnalytics(db().pool, scope({ start: new Date("2025-01-01T05:00:00Z"), end: new Date("2025-02-01T05:00:00Z") }));
    expect(empty).toEqual({
      enrollments: { total: 0, active: 0, completed: 0, stopped: 0 },
      stopReasons: [],
      avgTouchesUntilStop: { ended: null, completed: null, stopped: null },
      funnel: { total: { ...zero, clickRate: null }, byPosition: [], byChannel: [] },
      serviceTypes: [],
    });
  });
});

describe("campaign scoping and tenants", () => {
  it("counts only the chosen campaign's enrollments", async () => {
    const hvac = await loadAnalytics(db().pool, scope({ campaignId: s.hvacCampaignId }));
    expect(hvac.enrollments).toEqual({ total: 2, active: 1, completed: 0, stopped: 1 });
    expect(hvac.stopReasons).toEqual([{ reason: "review_clicked", enrollments: 1, avgTouchesUntilStop: 1 }]);
    expect(hvac.funnel.byPosition).toEqual([
      { position: 1, ...zero, scheduled: 2, sent: 2, delivered: 1, clicked: 1, clickRate: 1 / 2 },
      { position: 2, ...zero, scheduled: 2, pending: 1, cancelled: 1, clickRate: null },
    ]);
    expect(hvac.serviceTypes).toEqual([{ serviceType: "hvac", enrollments: 2, sent: 2, clicked: 1, clickRate: 1 / 2 }]);

    const standard = await loadAnalytics(db().pool, scope({ campaignId: s.standardCampaignId }));
    expect(standard.enrollments).toEqual({ total: 6, active: 0, completed: 3, stopped: 3 });
    expect(standard.funnel.total.scheduled).toBe(18);
  });

  it("never counts another business's enrollments, even given its campaign id", async () => {
    const other = await loadAnalytics(db().pool, scope({ businessId: s.other.id }));
    expect(other.enrollments).toEqual({ total: 1, active: 0, completed: 0, stopped: 1 });
    expect(other.funnel.total).toMatchObject({ sent: 1, delivered: 1, clicked: 1 });
    // Acme's scope with the other business's campaign: nothing, whatever the caller passes.
    const crossed = await loadAnalytics(db().pool, scope({ campaignId: s.otherCampaignId }));
    expect(crossed.enrollments.total).toBe(0);
  });
});

describe("route loaders", () => {
  beforeAll(async () => {
    await closeDatabase();
    Object.assign(process.env, {
      DATABASE_URL: db().url,
      SANDBOX_HOST: "1",
      LINK_SECRET: TEST_LINK_SECRET,
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
      APP_URL: TEST_APP_URL,
    });
    resetEnvForTests();
  });

  async function request(path: string, accountId = s.business.externalAccountId): Promise<Request> {
    const { clientId, clientSecret } = getServices().secrets.sandbox;
    const token = await signSessionToken({
      secret: clientSecret,
      clientId,
      accountId,
      userId: "user-1",
      adminOrigin: new URL(TEST_APP_URL).origin,
      now: new Date(),
    });
    return new Request(`${TEST_APP_URL}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  }

  const args = (req: Request, params: Record<string, string> = {}) => ({ request: req, params, context: {} });

  async function thrown(p: Promise<unknown>): Promise<Response> {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Response);
    return err as Response;
  }

  it("loads the overall page for the token's business", async () => {
    const data = (await overallLoader(args(await request("/app/analytics?from=2026-01-04&to=2026-01-05")))) as AnalyticsPageData;
    expect(data.businessName).toBe("Acme Plumbing");
    expect(data.range).toEqual({ key: "custom", from: "2026-01-04", to: "2026-01-05", label: "Jan 4, 2026" });
    expect(data.campaign).toBeNull();
    expect(data.campaigns.map((c) => c.id).sort()).toEqual([s.standardCampaignId, s.hvacCampaignId].sort());
    expect(data.analytics.enrollments).toEqual({ total: 8, active: 1, completed: 3, stopped: 4 });
    expect(data.analytics.funnel.total.sent).toBe(11);
  });

  it("loads one campaign's page", async () => {
    const req = await request(`/app/analytics/${s.hvacCampaignId}?from=2026-01-01&to=2026-02-01`);
    const data = await campaignLoader(args(req, { campaignId: s.hvacCampaignId }));
    expect(data.campaign).toMatchObject({ id: s.hvacCampaignId, name: "HVAC follow-up", serviceType: "hvac" });
    expect(data.range.label).toBe("Jan 1, 2026 – Jan 31, 2026");
    expect(data.analytics.enrollments.total).toBe(2);
    // On a campaign's page the parent route only authenticates.
    expect(await overallLoader(args(req, { campaignId: s.hvacCampaignId }))).toBeNull();
  });

  it("answers 404 for another business's campaign, a preset and a malformed id", async () => {
    const req = await request(`/app/analytics/${s.otherCampaignId}`);
    const res = await thrown(campaignLoader(args(req, { campaignId: s.otherCampaignId })));
    expect(res.status).toBe(404);
    const preset = await db().prisma.campaign.findUniqueOrThrow({ where: { presetKey: "standard" } });
    expect((await thrown(campaignLoader(args(await request(`/app/analytics/${preset.id}`), { campaignId: preset.id })))).status).toBe(404);
    expect((await thrown(campaignLoader(args(await request("/app/analytics/nope"), { campaignId: "nope" })))).status).toBe(404);
  });

  it("shows the other business its own numbers only", async () => {
    const req = await request(`/app/analytics/${s.otherCampaignId}?range=all`, s.other.externalAccountId);
    const data = await campaignLoader(args(req, { campaignId: s.otherCampaignId }));
    expect(data.analytics.enrollments.total).toBe(1);
    expect(data.campaigns.map((c) => c.id)).toEqual([s.otherCampaignId]);
  });

  it("answers 400 naming the field for a bad range", async () => {
    const cases: [string, string][] = [
      ["?range=yesterday", "range"],
      ["?from=2026-13-01&to=2026-02-01", "from"],
      ["?from=2026-01-04", "to"],
      ["?from=2026-01-05&to=2026-01-04", "to"],
      ["?range=7d&from=2026-01-01&to=2026-01-02", "range"],
    ];
    for (const [query, field] of cases) {
      const res = await thrown(overallLoader(args(await request(`/app/analytics${query}`))));
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { message: string; fields: Record<string, string> } };
      expect(Object.keys(body.error.fields), query).toEqual([field]);
      expect(body.error.message, query).toContain(field);
    }
  });

  it("answers 401 without a session token", async () => {
    const res = await thrown(overallLoader(args(new Request(`${TEST_APP_URL}/app/analytics`))));
    expect(res.status).toBe(401);
  });
});
