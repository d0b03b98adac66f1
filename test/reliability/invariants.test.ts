// The invariant checker itself: silent on a clean drain, and each invariant reported when the
// data really breaks it (so the suites that rely on it can fail).
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "~/lib/clock.server";
import { useTestDatabase } from "../helpers/db";
import { processorDeps } from "../helpers/engine";
import { drainAll, installBusinesses, seedBacklog, type SeededBusiness } from "./harness";
import { checkInvariants, describeViolations, type InvariantInput } from "./invariants";

const db = useTestDatabase();
const clock = new ManualClock("2026-01-05T16:00:00Z");
let businesses: SeededBusiness[] = [];

const check = (extra: Partial<InvariantInput> = {}) =>
  checkInvariants({ db: db().pool, now: clock.now(), businessIds: businesses.map((b) => b.businessId), drained: true, ...extra });

async function aSentTouch(channel: "email" | "sms" = "email") {
  const { rows } = await db().pool.query<{ enrollment_id: string; position: number; business_id: string; created_at: Date }>(
    `SELECT enrollment_id::text, position, business_id::text, created_at FROM send_log WHERE status = 'sent' AND channel = $1 ORDER BY random() LIMIT 1`,
    [channel],
  );
  return rows[0]!;
}

beforeAll(async () => {
  businesses = await installBusinesses(db(), clock, 2);
  await seedBacklog(db().pool, businesses, 20, new Date("2026-01-05T15:00:00Z"));
  await drainAll(processorDeps(db(), { clock }), { batchSize: 50 });
});

describe("checkInvariants", () => {
  it("finds nothing wrong after a clean drain, and counts what went out", async () => {
    const report = await check();
    expect(report.violations, describeViolations(report.violations)).toEqual([]);
    expect(report.figures).toMatchObject({ touchesSent: 120, outboxMessages: 120, unresolvedSending: 0 });
  });

  it("reports a touch that reached a provider as two messages", async () => {
    const t = await aSentTouch();
    const report = await check({
      deliveries: [
        { provider: "resend", enrollmentId: t.enrollment_id, position: t.position, messageId: "a" },
        { provider: "resend", enrollmentId: t.enrollment_id, position: t.position, messageId: "b" },
      ],
    });
    expect(report.violations.map((v) => v.invariant)).toContain("sent_twice");
    // The same message acknowledged twice (an idempotent replay) is one message.
    const replay = await check({
      deliveries: [{ provider: "outbox", enrollmentId: t.enrollment_id, position: t.position, messageId: `kudos-touch-${t.enrollment_id}-${t.position}` }],
    });
    expect(replay.violations).toEqual([]);
  });

  it("reports a message with no intent, and an intent recorded as sent that no provider has", async () => {
    const t = await aSentTouch();
    const ghost = randomUUID();
    const report = await check({ deliveries: [{ provider: "resend", enrollmentId: ghost, position: 1, messageId: "x" }] });
    expect(report.violations).toContainEqual(expect.objectContaining({ invariant: "untracked_send", subject: `${ghost}#1` }));
    // The outbox lost the message of a touch recorded as sent through it.
    await db().pool.query(`DELETE FROM outbox_message WHERE idempotency_key = $1`, [`kudos-touch-${t.enrollment_id}-${t.position}`]);
    const missing = await check();
    expect(missing.violations).toContainEqual(expect.objectContaining({ invariant: "recorded_not_sent", subject: `${t.enrollment_id}#${t.position}` }));
  });

  it("reports a send decided after the enrollment stopped or the address was suppressed", async () => {
    const t = await aSentTouch();
    await db().pool.query(`UPDATE enrollment SET status = 'stopped', stop_reason = 'manual', stopped_at = $2, next_due_at = NULL WHERE id = $1`, [
      t.enrollment_id,
      new Date(t.created_at.getTime() - 5_000),
    ]);
    const stopped = await check();
    expect(stopped.violations).toContainEqual(expect.objectContaining({ invariant: "sent_after_stop", subject: `${t.enrollment_id}#${t.position}` }));
    // Within the allowed race window it is not reported.
    expect((await check({ stopSlackMs: 10_000 })).violations.filter((v) => v.invariant === "sent_after_stop")).toEqual([]);

    const s = await aSentTouch("sms");
    const { rows } = await db().pool.query<{ recipient: string }>(`SELECT recipient FROM send_log WHERE enrollment_id = $1 AND position = $2`, [s.enrollment_id, s.position]);
    await db().pool.query(`INSERT INTO suppression (business_id, channel, address, reason, created_at) VALUES ($1, 'sms', $2, 'opted_out', $3)`, [
      s.business_id,
      rows[0]!.recipient,
      new Date(s.created_at.getTime() - 1_000),
    ]);
    const optedOut = await check();
    expect(optedOut.violations).toContainEqual(expect.objectContaining({ invariant: "sent_after_opt_out", subject: `${s.enrollment_id}#${s.position}` }));
  });

  it("reports an accepted webhook that left no trace", async () => {
    await db().pool.query(`INSERT INTO provider_event (id, provider, received_at) VALUES ('resend:msg_kept', 'resend', now())`);
    const report = await check({
      webhooks: [
        { kind: "resend", svixId: "msg_kept" },
        { kind: "resend", svixId: "msg_lost" },
        { kind: "host", host: "sandbox", eventId: "evt-never-stored" },
      ],
      effects: [{ kind: "suppressed", businessId: businesses[0]!.businessId, channel: "email", address: "nobody@example.com", cause: "unsubscribe" }],
    });
    const lost = report.violations.filter((v) => v.invariant === "webhook_lost").map((v) => v.subject);
    expect(lost).toEqual(["resend:msg_lost", "sandbox/evt-never-stored", "unsubscribe"]);
  });

  it("reports stuck enrollments and data crossing businesses", async () => {
    const { rows } = await db().pool.query<{ id: string }>(
      `UPDATE enrollment SET status = 'active', next_due_at = NULL, completed_at = NULL
        WHERE id = (SELECT id FROM enrollment WHERE status = 'completed' LIMIT 1) RETURNING id::text`,
    );
    const leased = await db().pool.query<{ id: string }>(
      `UPDATE enrollment SET status = 'active', next_due_at = $1, lease_token = gen_random_uuid(), lease_expires_at = $1, completed_at = NULL
        WHERE id = (SELECT id FROM enrollment WHERE status = 'completed' LIMIT 1) RETURNING id::text`,
      [new Date(clock.now().getTime() - 60_000)],
    );
    const t = await aSentTouch();
    const other = businesses.find((b) => b.businessId !== t.business_id)!;
    await db().pool.query(`UPDATE send_log SET business_id = $3 WHERE enrollment_id = $1 AND position = $2`, [t.enrollment_id, t.position, other.businessId]);
    const report = await check();
    expect(report.violations).toContainEqual({ invariant: "stuck", subject: rows[0]!.id, detail: "active without a due time" });
    expect(report.violations).toContainEqual({ invariant: "stuck", subject: leased.rows[0]!.id, detail: "lease expired and never re-claimed" });
    expect(report.violations).toContainEqual(expect.objectContaining({ invariant: "cross_tenant", subject: `${t.enrollment_id}#${t.position}` }));
  });
});
