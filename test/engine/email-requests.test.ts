// Each email's provider request is recorded with its intent to send (one write per touch), and
// the record must always describe the request actually made, since a crash recovery re-sends it
// byte for byte. Here a stop takes one member of a planned request between the claim and the
// re-check: the rest are regrouped, and what is recorded is what was sent.
import { describe, expect, it } from "vitest";
import { recordJob, stopEnrollmentManually } from "~/domain/enrollment.server";
import { processBatch, requestKey } from "~/engine/processor.server";
import { createOutboxEmailTransport } from "~/engine/transports/index.server";
import type { EmailTransport, OutgoingEmail } from "~/engine/transports/types";
import { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, gateLimiter, processorDeps } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";

describe("recorded email requests", () => {
  const db = useTestDatabase();

  async function enrolledBusiness(clock: ManualClock, name: string) {
    const d = deps(db().prisma, clock);
    const { business } = await installTestBusiness(d, { name });
    await db().prisma.business.update({ where: { id: business.id }, data: BUSINESS_SETTINGS });
    const recorded = await recordJob(d, business.id, completedJob({ completedAt: new Date("2026-01-04T15:00:00Z") }));
    expect(recorded.enrollment?.outcome).toBe("enrolled");
    return { d, businessId: business.id, enrollmentId: (recorded.enrollment as { enrollmentId: string }).enrollmentId };
  }

  /** The outbox, recording each request it is given. */
  function recordingOutbox(clock: ManualClock) {
    const calls: OutgoingEmail[][] = [];
    const outbox = createOutboxEmailTransport({ db: db().prisma, clock, logger: createLogger("silent") });
    const email: EmailTransport = { provider: outbox.provider, sendBatch: (emails) => (calls.push(emails), outbox.sendBatch(emails)) };
    return { calls, email };
  }

  async function sendLog(enrollmentId: string) {
    const { rows } = await db().pool.query<{ status: string; batch_key: string | null; batch_index: number | null; request: string | null }>(
      "SELECT status, batch_key, batch_index, request FROM send_log WHERE enrollment_id = $1",
      [enrollmentId],
    );
    return rows;
  }

  it("records the planned request with the intent when every member is still active", async () => {
    const clock = new ManualClock("2026-01-05T15:00:00Z");
    const a = await enrolledBusiness(clock, "Alpha Plumbing");
    const b = await enrolledBusiness(clock, "Beta Heating");
    const { calls, email: recording } = recordingOutbox(clock);
    await processBatch(processorDeps(db(), { clock, email: recording }));
    const ours = calls.filter((c) => c.some((e) => e.businessId === a.businessId || e.businessId === b.businessId));
    expect(ours).toHaveLength(1);
    const request = ours[0]!;
    for (const { enrollmentId } of [a, b]) {
      const [log] = await sendLog(enrollmentId);
      const index = request.findIndex((e) => e.tags.enrollment_id === enrollmentId);
      expect(index).toBeGreaterThanOrEqual(0);
      expect(log).toMatchObject({ status: "sent", batch_key: requestKey(request), batch_index: index });
      expect(log!.request).toBe(JSON.stringify(request[index]));
    }
  });

  it("regroups and re-records a planned request when a stop takes one of its members", async () => {
    const clock = new ManualClock("2026-01-05T15:00:00Z");
    const a = await enrolledBusiness(clock, "Alpha Plumbing");
    const b = await enrolledBusiness(clock, "Beta Heating");
    const { calls, email: recording } = recordingOutbox(clock);
    const held = gateLimiter(a.businessId);
    const batch = processBatch({ ...processorDeps(db(), { clock, email: recording }), limiter: held.limiter });
    await held.reached;
    // Beta's touch is already rendered and planned into the same request as Alpha's.
    expect(await stopEnrollmentManually(b.d, b.businessId, b.enrollmentId)).toBe(true);
    held.release();
    await batch;

    const sent = calls.flat();
    expect(sent.map((e) => e.tags.enrollment_id)).toContain(a.enrollmentId);
    expect(sent.map((e) => e.tags.enrollment_id)).not.toContain(b.enrollmentId);
    const request = calls.find((c) => c.some((e) => e.tags.enrollment_id === a.enrollmentId))!;
    const [log] = await sendLog(a.enrollmentId);
    const index = request.findIndex((e) => e.tags.enrollment_id === a.enrollmentId);
    expect(log).toMatchObject({ status: "sent", batch_key: requestKey(request), batch_index: index });
    expect(log!.request).toBe(JSON.stringify(request[index]));
    expect(await sendLog(b.enrollmentId)).toEqual([]);
    const stopped = await db().prisma.enrollment.findUniqueOrThrow({ where: { id: b.enrollmentId } });
    expect(stopped).toMatchObject({ status: "stopped", stopReason: "manual" });
  });
});
