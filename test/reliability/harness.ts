// Shared machinery of the reliability suites: the run's size (default or RELIABILITY_LONG=1), a
// clock that runs at real speed from a fixed weekday morning (so leases expire in real time while
// quiet hours never defer the backlog, whatever the hour the suite runs), bulk seeding of due
// touches, and database fault injection.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Database } from "~/db.server";
import { drain, type DrainOptions, type DrainSummary, type ProcessorDeps } from "~/engine/processor.server";
import { duplicateCampaign, listPresets, pauseCampaign, resumeCampaign } from "~/domain/campaigns.server";
import type { Clock, ManualClock } from "~/lib/clock.server";
import { BUSINESS_SETTINGS } from "../helpers/engine";
import { deps as domainDeps, installTestBusiness } from "../helpers/fixtures";

import { sleep } from "./clock";

export { RealtimeClock, VIRTUAL_ORIGIN, sleep } from "./clock";

/** RELIABILITY_LONG=1: the longer, bounded variants (≤ 3 minutes for all suites together). */
export const LONG = process.env.RELIABILITY_LONG === "1";

/** Picks the default or the long figure. */
export const sized = <T>(normal: T, long: T): T => (LONG ? long : normal);

/** One line per scenario with its figures, for docs/RELIABILITY.md and the CI log. */
export function report(scenario: string, figures: Record<string, unknown>): void {
  const line = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" ");
  console.info(`[reliability] ${scenario}${LONG ? " (long)" : ""}: ${line}`);
}

export interface SeededBusiness {
  businessId: string;
  campaignId: string;
}

/**
 * Installs businesses through the real domain code (each gets an active copy of the standard
 * preset: email, SMS, email) with an address, a review link and hourly limits high enough not to
 * pace the backlog.
 */
export async function installBusinesses(db: Database, clock: Clock, count: number, settings: Record<string, unknown> = {}): Promise<SeededBusiness[]> {
  const out: SeededBusiness[] = [];
  for (let i = 0; i < count; i++) {
    const { business, campaignId } = await installTestBusiness({ db: db.prisma, clock }, { name: `Reliability Co ${i + 1}` });
    await db.prisma.business.update({
      where: { id: business.id },
      data: { ...BUSINESS_SETTINGS, emailHourlyLimit: 100_000, smsHourlyLimit: 100_000, ...settings },
    });
    out.push({ businessId: business.id, campaignId });
  }
  return out;
}

/** Switches a business to an active copy of another preset (e.g. "aggressive": a text first). */
export async function switchPreset(db: Database, clock: Clock, business: SeededBusiness, presetKey: "conservative" | "aggressive"): Promise<SeededBusiness> {
  const d = domainDeps(db.prisma, clock as ManualClock);
  await pauseCampaign(d, business.businessId, business.campaignId);
  const preset = (await listPresets(db.prisma)).find((p) => p.presetKey === presetKey)!;
  const copy = await duplicateCampaign(d, business.businessId, preset.id);
  await resumeCampaign(d, business.businessId, copy.id);
  return { businessId: business.businessId, campaignId: copy.id };
}

let seedRun = 0;

/**
 * Bulk-seeds `perBusiness` enrollments per business with every touch of its campaign scheduled at
 * `dueAt` (in the past): each enrollment then sends its touches back to back. Customers have a
 * unique email and a unique New York mobile number. Returns the number of touches seeded.
 */
export async function seedBacklog(pool: pg.Pool, businesses: SeededBusiness[], perBusiness: number, dueAt: Date): Promise<number> {
  const run = `${++seedRun}-${randomUUID().slice(0, 8)}`;
  // Seven digits after the area code, unique across the database: one number, one customer.
  await pool.query("CREATE SEQUENCE IF NOT EXISTS reliability_phone_seq MINVALUE 2000000 MAXVALUE 9999999 START 2000000");
  let touches = 0;
  for (const [i, b] of businesses.entries()) {
    const { rows } = await pool.query<{ n: number }>(
      `WITH c AS (
         INSERT INTO customer (business_id, host_customer_id, first_name, last_name, email, phone, created_at, updated_at)
         SELECT $1, 'rel-' || $5 || '-' || $6 || '-' || g, 'Cust' || g, 'Load', 'rel.' || $6 || '.' || g || '.' || $5 || '@example.com',
                '+1212' || nextval('reliability_phone_seq')::text, $3, $3
           FROM generate_series(1, $2) g
         RETURNING id, host_customer_id
       ), j AS (
         INSERT INTO job (business_id, host_job_id, customer_id, status, completed_at, outcome, created_at, updated_at)
         SELECT $1, 'job-' || c.host_customer_id, c.id, 'completed', $3, 'enrolled', $3, $3 FROM c
         RETURNING id, customer_id
       ), e AS (
         INSERT INTO enrollment (business_id, campaign_id, job_id, customer_id, status, current_touch, next_due_at, enrolled_at)
         SELECT $1, $4, j.id, j.customer_id, 'active', 1, $3, $3 FROM j
         RETURNING id
       ), t AS (
         INSERT INTO enrollment_touch (enrollment_id, position, business_id, campaign_id, channel, scheduled_at, enrolled_at)
         SELECT e.id, ct.position, $1, $4, ct.channel, $3, $3
           FROM e CROSS JOIN campaign_touch ct WHERE ct.campaign_id = $4
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM t`,
      [b.businessId, perBusiness, dueAt, b.campaignId, run, i],
    );
    touches += rows[0]?.n ?? 0;
  }
  return touches;
}

/** Touches still to go: pending touches of active enrollments. */
export async function pendingTouches(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM enrollment_touch t JOIN enrollment e ON e.id = t.enrollment_id
      WHERE e.status = 'active' AND t.status = 'pending'`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * pg_terminate_backend on every other connection to `database` (what a failover, an idle-session
 * reaper or an operator does). `admin` must be a connection of its own, outside the pools under
 * test; its own backend is spared. Returns how many connections were killed.
 */
export async function terminateBackends(admin: pg.Client | pg.Pool, database: string): Promise<number> {
  const { rows } = await admin.query<{ killed: boolean }>(
    `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    [database],
  );
  return rows.filter((r) => r.killed).length;
}

/**
 * Drains until a whole pass claims nothing. (One `drain` stops after a short batch, and an
 * enrollment's next touch, scheduled in the past, becomes due as soon as the previous one is out.)
 * With a clock at real speed, a slow batch may leave texts it had no time to start leased until
 * its lease ends (the processor starts no text after half its lease): those are waited for.
 */
export async function drainAll(deps: ProcessorDeps, opts: DrainOptions = {}): Promise<DrainSummary> {
  const total: DrainSummary = { claimed: 0, sent: 0, deferred: 0, skipped: 0, failed: 0, completed: 0, batches: 0 };
  const giveUpAt = Date.now() + 60_000;
  for (;;) {
    const pass = await drain(deps, opts);
    for (const k of Object.keys(total) as (keyof DrainSummary)[]) total[k] += pass[k];
    if (pass.claimed > 0) continue;
    const before = deps.clock.now().getTime();
    const { rows } = await deps.pool.query<{ ms: number | null }>(
      `SELECT (extract(epoch FROM min(lease_expires_at) - $1::timestamptz) * 1000)::float8 AS ms
         FROM enrollment WHERE status = 'active' AND lease_token IS NOT NULL AND next_due_at <= $1`,
      [new Date(before)],
    );
    const ms = rows[0]?.ms;
    await sleep(5);
    // Nothing leased, or a manual clock (its leases never run out while we wait).
    if (ms === null || ms === undefined || deps.clock.now().getTime() === before || Date.now() > giveUpAt) return total;
    await sleep(Math.min(Math.max(ms, 0), 5_000) + 20);
  }
}

/**
 * After faults: until every connection the pool hands out answers, run a round of probes as wide
 * as the pool. A connection killed a moment ago can still be handed out once before the pool
 * notices; each failed probe retires one such connection.
 */
export async function settlePool(pool: pg.Pool, width = 10): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const results = await Promise.allSettled(Array.from({ length: width }, () => pool.query("SELECT 1")));
    if (results.every((r) => r.status === "fulfilled")) return;
  }
  throw new Error("the pool did not recover after the faults");
}
