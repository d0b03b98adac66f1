// Manual measurement of the analytics statements at volume (not part of the test run):
//   MEASURE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kudos_analytics_measure \
//   MEASURE_ENROLLMENTS=1000000 node --import tsx test/analytics/measure.ts
// Creates the database if needed, migrates it, seeds one business with the given number of
// enrollments over three years (once; reruns reuse them), refreshes the analytics rollup, then
// prints each statement's time for the page's ranges. MEASURE_DIRTY_DAYS=N first marks the last
// N days dirty (writes since the last refresh: those days are computed live); MEASURE_EXPLAIN=1
// prints EXPLAIN (ANALYZE, BUFFERS) output too.
import pg from "pg";
import { loadAnalytics } from "~/analytics/analytics.server";
import { ENROLLMENT_OUTCOMES_SQL } from "~/analytics/sql/enrollment-outcomes.sql";
import { scoped, type AnalyticsScope } from "~/analytics/sql/scope";
import { TOUCH_FUNNEL_SQL } from "~/analytics/sql/touch-funnel.sql";
import { markAnalyticsDirtyDays, refreshAnalyticsRollup } from "~/analytics/rollup.server";
import { createDatabase } from "~/db.server";
import { applyMigrations } from "~/db/schema-engine.server";
import { installBusiness } from "~/domain/business.server";
import { createCampaign } from "~/domain/campaigns.server";
import { ManualClock } from "~/lib/clock.server";
import { generateEnrollments } from "./volume";

const url = process.env.MEASURE_DATABASE_URL;
if (!url) throw new Error("set MEASURE_DATABASE_URL to a scratch database");
const count = Number(process.env.MEASURE_ENROLLMENTS ?? 1_000_000);
const now = new Date("2026-11-20T12:00:00Z");
const DAY = 86_400_000;

async function ensureDatabase() {
  const u = new URL(url!);
  const name = u.pathname.slice(1);
  u.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  await applyMigrations(url!);
}

async function main() {
  await ensureDatabase();
  const db = createDatabase(url!, 10);
  const clock = new ManualClock(now);
  const deps = { db: db.prisma, clock };
  const { business, firstInstall, campaignId } = await installBusiness(deps, {
    host: "sandbox",
    externalAccountId: "measure-large",
    name: "Large Plumbing",
  });
  let campaigns = await db.prisma.campaign.findMany({ where: { businessId: business.id }, include: { touches: true } });
  if (firstInstall) {
    const templates = await db.prisma.messageTemplate.findMany({ where: { businessId: business.id } });
    const email = templates.find((t) => t.channel === "email")!;
    const sms = templates.find((t) => t.channel === "sms")!;
    await createCampaign(deps, business.id, {
      name: "Four touches",
      serviceType: "hvac",
      touches: [
        { channel: "email", delayHours: 24, templateId: email.id },
        { channel: "sms", delayHours: 72, templateId: sms.id },
        { channel: "email", delayHours: 168, templateId: email.id },
        { channel: "sms", delayHours: 168, templateId: sms.id },
      ],
    });
    campaigns = await db.prisma.campaign.findMany({ where: { businessId: business.id }, include: { touches: true } });
    console.log(`seeding ${count} enrollments...`);
    const t0 = performance.now();
    await generateEnrollments(db.pool, {
      businessId: business.id,
      campaigns: campaigns.map((c) => ({ id: c.id, touches: c.touches.length })),
      count,
      start: new Date(now.getTime() - 3 * 365 * DAY),
      now,
      tag: "m",
    });
    console.log(`seeded in ${Math.round((performance.now() - t0) / 1000)} s`);
  }
  const r0 = performance.now();
  const refreshed = await refreshAnalyticsRollup(db.pool);
  console.log(`rollup refresh: ${refreshed.days} days in ${Math.round(performance.now() - r0)} ms`);
  const dirtyDays = Number(process.env.MEASURE_DIRTY_DAYS ?? 0);
  if (dirtyDays > 0) {
    await markAnalyticsDirtyDays(db.pool, business.id, new Date(now.getTime() - dirtyDays * DAY), now);
    console.log(`marked the last ${dirtyDays} days dirty`);
  }
  const ranges: [string, Date | null][] = [
    ["7d", new Date(now.getTime() - 7 * DAY)],
    ["30d", new Date(now.getTime() - 30 * DAY)],
    ["90d", new Date(now.getTime() - 90 * DAY)],
    ["all", null],
  ];
  const statements = { outcomes: ENROLLMENT_OUTCOMES_SQL, touches: TOUCH_FUNNEL_SQL };
  // The statements alone run with the settings loadAnalytics gives them (analytics.server.ts).
  const settings = "-c jit=off -c random_page_cost=1.1 -c work_mem=32MB";
  await db.prisma.$disconnect();
  await db.pool.end();
  const timed = new pg.Pool({ connectionString: url, max: 4, options: settings });
  for (const campaign of [null, campaignId ?? campaigns[0]!.id]) {
    for (const [label, start] of ranges) {
      const scope: AnalyticsScope = { businessId: business.id, campaignId: campaign, start, end: null };
      const times: string[] = [];
      for (const [name, sql] of Object.entries(statements)) {
        const q = scoped(sql, scope);
        await timed.query(q); // warm
        const t0 = performance.now();
        await timed.query(q);
        times.push(`${name} ${Math.round(performance.now() - t0)} ms`);
        if (process.env.MEASURE_EXPLAIN) {
          const plan = await timed.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${q.text}`, values: q.values });
          console.log(`--- ${name} ${label} ${campaign ? "campaign" : "business"}\n${plan.rows.map((r) => r["QUERY PLAN"]).join("\n")}`);
        }
      }
      const t0 = performance.now();
      await loadAnalytics(timed, scope);
      console.log(
        `${campaign ? "campaign" : "business"} ${label.padEnd(3)} page ${Math.round(performance.now() - t0)} ms (${times.join(", ")})`,
      );
    }
  }
  await timed.end();
}

await main();
