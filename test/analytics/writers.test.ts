// The writers keep analytics' denormalised columns right and mark the rollup's days dirty:
// enrolling (service type on the enrollment, enrolled_at on each touch), the processor's
// outcomes, a click (first one only), a delivery (mirrored onto the touch, first one only), and a
// stop. A day is the UTC day of the enrollment's enrolled_at, whatever the business's timezone.
import { beforeAll, describe, expect, it } from "vitest";
import { recordJob, stopEnrollmentManually } from "~/domain/enrollment.server";
import { drain } from "~/engine/processor.server";
import { ManualClock } from "~/lib/clock.server";
import { recordLinkClick } from "~/stops/review-link.server";
import { applyDeliveryUpdate, lockSendLog, type DeliveryStatus } from "~/stops/send-log.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";

const db = useTestDatabase();
// 22:30 on Jan 4 in New York, already Jan 5 in UTC.
const clock = new ManualClock("2026-01-05T03:30:00Z");
let businessId: string;

beforeAll(async () => {
  const { business } = await installTestBusiness(deps(db().prisma, clock));
  businessId = business.id;
  await db().prisma.business.update({ where: { id: businessId }, data: { ...BUSINESS_SETTINGS, cooldownDays: 0 } });
});

async function marks(): Promise<string[]> {
  const { rows } = await db().pool.query<{ business_id: string; day: string }>(
    "SELECT business_id::text, day::text FROM analytics_dirty_day ORDER BY id",
  );
  return rows.map((r) => `${r.business_id === businessId ? "acme" : r.business_id} ${r.day}`);
}

const clearMarks = () => db().pool.query("DELETE FROM analytics_dirty_day");

async function enroll(serviceType: string | null): Promise<string> {
  const r = await recordJob(deps(db().prisma, clock), businessId, completedJob({ serviceType, completedAt: new Date(clock.now().getTime() - 90 * 60_000) }));
  expect(r.enrollment?.outcome).toBe("enrolled");
  return (r.enrollment as { enrollmentId: string }).enrollmentId;
}

const touch = (enrollmentId: string, position: number) =>
  db().prisma.enrollmentTouch.findUniqueOrThrow({ where: { enrollmentId_position: { enrollmentId, position } } });

describe("analytics' denormalised columns and dirty marks", () => {
  it("enrolling copies the service type and enrolled_at, and marks the UTC day", async () => {
    await clearMarks();
    const hvac = await enroll("hvac");
    const none = await enroll(null);
    for (const [id, serviceType] of [[hvac, "hvac"], [none, null]] as const) {
      const e = await db().prisma.enrollment.findUniqueOrThrow({ where: { id }, include: { touches: true } });
      expect(e.serviceType).toBe(serviceType);
      expect(e.enrolledAt).toEqual(clock.now());
      expect(e.touches.length).toBe(3);
      for (const t of e.touches) expect(t.enrolledAt).toEqual(e.enrolledAt);
    }
    expect(await marks()).toEqual(["acme 2026-01-05", "acme 2026-01-05"]);
  });

  it("the processor's outcomes mark the day of each enrollment they record", async () => {
    const id = await enroll("plumbing");
    await clearMarks();
    clock.set("2026-01-06T15:00:00Z");
    const drained = await drain(processorDeps(db(), { clock }));
    expect(drained.sent).toBe(3);
    expect((await touch(id, 1)).status).toBe("sent");
    // One mark per day per statement, not one per touch.
    expect(await marks()).toEqual(["acme 2026-01-05"]);
  });

  it("a click sets clicked_at and marks the day once; a second click changes nothing", async () => {
    const { rows } = await db().pool.query<{ enrollment_id: string }>(
      "SELECT enrollment_id::text FROM enrollment_touch WHERE business_id = $1 AND status = 'sent' LIMIT 1",
      [businessId],
    );
    const id = rows[0]!.enrollment_id;
    await clearMarks();
    clock.set("2026-02-01T12:00:00Z");
    await db().prisma.$transaction((tx) => recordLinkClick(tx, id, 1, clock.now()));
    expect((await touch(id, 1)).clickedAt).toEqual(new Date("2026-02-01T12:00:00Z"));
    expect(await marks()).toEqual(["acme 2026-01-05"]);
    clock.set("2026-02-02T12:00:00Z");
    await db().prisma.$transaction((tx) => recordLinkClick(tx, id, 1, clock.now()));
    expect((await touch(id, 1)).clickedAt).toEqual(new Date("2026-02-01T12:00:00Z"));
    expect(await marks()).toEqual(["acme 2026-01-05"]);
  });

  it("a delivery is mirrored onto the touch once, and marks the day; other events do not", async () => {
    const { rows } = await db().pool.query<{ enrollment_id: string }>(
      "SELECT enrollment_id::text FROM send_log WHERE business_id = $1 AND status = 'sent' AND delivered_at IS NULL LIMIT 1",
      [businessId],
    );
    const id = rows[0]!.enrollment_id;
    const event = (status: DeliveryStatus, at: string) =>
      db().prisma.$transaction(async (tx) => {
        const log = await lockSendLog(tx, { enrollmentId: id, position: 1 });
        await applyDeliveryUpdate(tx, log!, { status, at: new Date(at), now: new Date(at) });
      });
    await clearMarks();
    await event("opened", "2026-01-06T15:10:00Z");
    expect((await touch(id, 1)).deliveredAt).toBeNull();
    expect(await marks()).toEqual([]);
    await event("delivered", "2026-01-06T15:01:00Z");
    await event("delivered", "2026-01-06T15:02:00Z");
    const log = await db().prisma.sendLog.findUniqueOrThrow({ where: { enrollmentId_position: { enrollmentId: id, position: 1 } } });
    expect(log.deliveredAt).toEqual(new Date("2026-01-06T15:01:00Z"));
    expect((await touch(id, 1)).deliveredAt).toEqual(log.deliveredAt);
    expect(await marks()).toEqual(["acme 2026-01-05"]);
  });

  it("a stop marks the day of each enrollment it stops, and only those", async () => {
    clock.set("2026-03-10T12:00:00Z");
    const id = await enroll("electrical");
    await clearMarks();
    expect(await stopEnrollmentManually(deps(db().prisma, clock), businessId, id)).toBe(true);
    expect(await marks()).toEqual(["acme 2026-03-10"]);
    expect(await stopEnrollmentManually(deps(db().prisma, clock), businessId, id)).toBe(false);
    expect(await marks()).toEqual(["acme 2026-03-10"]);
  });
});

describe("a touch written by the previous release (rolling deploy)", () => {
  it("gets its enrollment's enrolled_at and marks the day, instead of failing the enrollment", async () => {
    const enrollmentId = await enroll("hvac");
    await clearMarks();
    // What the release before analytics_denormalised writes: no enrolled_at.
    await db().pool.query("DELETE FROM enrollment_touch WHERE enrollment_id = $1 AND position = 1", [enrollmentId]);
    const { rows } = await db().pool.query<{ enrolled_at: Date; expected: Date }>(
      `INSERT INTO enrollment_touch (enrollment_id, position, business_id, campaign_id, channel, scheduled_at, status)
       SELECT e.id, 1, e.business_id, e.campaign_id, 'email', now(), 'pending' FROM enrollment e WHERE e.id = $1
       RETURNING enrolled_at, (SELECT enrolled_at FROM enrollment WHERE id = $1) AS expected`,
      [enrollmentId],
    );
    expect(rows[0]!.enrolled_at).toEqual(rows[0]!.expected);
    expect(await marks()).toEqual([`acme ${rows[0]!.expected.toISOString().slice(0, 10)}`]);
  });
});
