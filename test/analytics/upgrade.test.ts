// An existing database upgrades correctly: a history written under the schema before the
// analytics migration (no enrolled_at on touches, no service type on enrollments, no rollup) is
// backfilled by the migration, whose rollup then answers exactly, without any refresh.
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadAnalytics, type AnalyticsScope } from "~/analytics/analytics.server";
import { applyMigrations } from "~/db/schema-engine.server";
import { directAnalytics } from "./direct";

const MIGRATION = "20261121082913_analytics_denormalised";
const { serverUrl, template } = inject("testDb");
const name = `${template}_upgrade_${process.pid}`;
let url: string;
let pool: pg.Pool;
let dir: string;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  url = u.toString();
  // The migrations as they were before this one.
  dir = await mkdtemp(path.join(os.tmpdir(), "kudos-migrations-"));
  await cp(path.resolve("prisma/migrations"), dir, { recursive: true });
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name >= MIGRATION) await rm(path.join(dir, entry.name), { recursive: true });
  }
  expect(await applyMigrations(url, { migrationsDir: dir })).not.toContain(MIGRATION);
  pool = new pg.Pool({ connectionString: url, max: 4 });
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await rm(dir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
});

/**
 * Old-schema history: 40 enrollments over 8 days, three campaigns' worth of touches in two
 * campaigns, services hvac / plumbing / none, every status, some sends delivered and clicked.
 */
async function seedOldSchema(): Promise<{ businessId: string; campaignId: string }> {
  const { rows } = await pool.query<{ business_id: string; campaign_id: string }>(`
    WITH b AS (
      INSERT INTO business (host, external_account_id, name) VALUES ('sandbox', 'upgrade', 'Upgrade Plumbing') RETURNING id
    ), tpl AS (
      INSERT INTO message_template (business_id, channel, name, body) SELECT id, 'email', 'T', 'Hi' FROM b RETURNING id, business_id
    ), c AS (
      INSERT INTO campaign (business_id, name, status) SELECT business_id, n, s::"CampaignStatus"
        FROM tpl, (VALUES ('A', 'active'), ('B', 'paused')) v(n, s) RETURNING id, business_id, name
    ), ct AS (
      INSERT INTO campaign_touch (campaign_id, position, channel, delay_hours, template_id)
      SELECT c.id, p, 'email', 24, tpl.id FROM c, tpl, generate_series(1, 3) p RETURNING 1
    )
    SELECT c.business_id::text, c.id::text AS campaign_id, (SELECT count(*) FROM ct) FROM c ORDER BY c.name`);
  const businessId = rows[0]!.business_id;
  const campaigns = rows.map((r) => r.campaign_id);
  await pool.query(
    `INSERT INTO customer (id, business_id, host_customer_id, created_at, updated_at)
     SELECT md5('c' || i)::uuid, $1, 'c' || i, now(), now() FROM generate_series(1, 40) i`,
    [businessId],
  );
  await pool.query(
    `INSERT INTO job (id, business_id, host_job_id, customer_id, service_type, status, created_at, updated_at)
     SELECT md5('j' || i)::uuid, $1, 'j' || i, md5('c' || i)::uuid, (ARRAY['hvac', 'plumbing', NULL])[1 + i % 3], 'completed', now(), now()
       FROM generate_series(1, 40) i`,
    [businessId],
  );
  await pool.query(
    `INSERT INTO enrollment (id, business_id, campaign_id, job_id, customer_id, status, stop_reason, current_touch, enrolled_at, stopped_at, completed_at)
     SELECT md5('e' || i)::uuid, $1, ($2::uuid[])[1 + i % 2], md5('j' || i)::uuid, md5('c' || i)::uuid,
            (ARRAY['active', 'completed', 'stopped'])[1 + i % 3]::"EnrollmentStatus",
            CASE WHEN i % 3 = 2 THEN (ARRAY['review_clicked', 'manual'])[1 + i % 2]::"StopReason" END,
            1, '2026-03-01T10:00:00Z'::timestamptz + i * interval '5 hours',
            CASE WHEN i % 3 = 2 THEN now() END, CASE WHEN i % 3 = 1 THEN now() END
       FROM generate_series(1, 40) i`,
    [businessId, campaigns],
  );
  await pool.query(
    `INSERT INTO enrollment_touch (enrollment_id, position, business_id, campaign_id, channel, scheduled_at, status, clicked_at)
     SELECT e.id, p, e.business_id, e.campaign_id, 'email', e.enrolled_at + p * interval '1 day',
            (CASE WHEN p = 1 OR e.status = 'completed' THEN 'sent' WHEN e.status = 'active' THEN 'pending' ELSE 'cancelled' END)::"TouchStatus",
            CASE WHEN p = 1 AND e.stop_reason = 'review_clicked' THEN e.enrolled_at + interval '2 days' END
       FROM enrollment e, generate_series(1, 3) p WHERE e.business_id = $1`,
    [businessId],
  );
  await pool.query(
    `INSERT INTO send_log (business_id, enrollment_id, position, channel, status, created_at, updated_at, delivered_at)
     SELECT t.business_id, t.enrollment_id, t.position, t.channel, 'delivered', now(), now(),
            CASE WHEN hashtext(t.enrollment_id::text || t.position) % 3 <> 0 THEN t.scheduled_at + interval '1 minute' END
       FROM enrollment_touch t WHERE t.business_id = $1 AND t.status = 'sent'`,
    [businessId],
  );
  return { businessId, campaignId: campaigns[1]! };
}

describe("upgrading a database with history to the analytics migration", () => {
  it("backfills the denormalised columns and builds an exact rollup", async () => {
    const { businessId, campaignId } = await seedOldSchema();
    // This migration, and whatever came after it.
    expect((await applyMigrations(url))[0]).toBe(MIGRATION);

    const mismatched = await pool.query(
      `SELECT 1 FROM enrollment_touch t
         JOIN enrollment e ON e.id = t.enrollment_id
         JOIN job j ON j.id = e.job_id
         LEFT JOIN send_log l ON l.enrollment_id = t.enrollment_id AND l.position = t.position
        WHERE t.enrolled_at IS DISTINCT FROM e.enrolled_at
           OR t.delivered_at IS DISTINCT FROM l.delivered_at
           OR e.service_type IS DISTINCT FROM j.service_type`,
    );
    expect(mismatched.rowCount).toBe(0);
    const counts = await pool.query<{ delivered: number; typed: number; days: number; marks: number }>(
      `SELECT (SELECT count(*) FROM enrollment_touch WHERE delivered_at IS NOT NULL)::int AS delivered,
              (SELECT count(*) FROM enrollment WHERE service_type IS NOT NULL)::int AS typed,
              (SELECT count(DISTINCT day) FROM analytics_enrollment_day)::int AS days,
              (SELECT count(*) FROM analytics_dirty_day)::int AS marks`,
    );
    expect(counts.rows[0]).toMatchObject({ typed: 27, days: 9, marks: 0 });
    expect(counts.rows[0]!.delivered).toBeGreaterThan(0);

    const scopes: AnalyticsScope[] = [
      { businessId, campaignId: null, start: null, end: null },
      { businessId, campaignId, start: null, end: null },
      { businessId, campaignId: null, start: new Date("2026-03-02T05:00:00Z"), end: new Date("2026-03-07T05:00:00Z") },
    ];
    for (const scope of scopes) {
      const a = await loadAnalytics(pool, scope);
      expect(a).toEqual(await directAnalytics(pool, scope));
      expect(a.enrollments.total).toBeGreaterThan(0);
    }
  });
});
