import { describe, expect, it } from "vitest";
import { StopReason } from "~/generated/prisma/client";
import { createDatabase } from "~/db.server";
import { createCampaign, getCampaign, pauseCampaign, resumeCampaign } from "~/domain/campaigns.server";
import { enrollJob, manualEnroll, recordJob, stopEnrollmentManually } from "~/domain/enrollment.server";
import { scheduleTouches } from "~/domain/schedule";
import { stopEnrollments } from "~/domain/stops.server";
import { ManualClock } from "~/lib/clock.server";
import { useTestDatabase } from "../helpers/db";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";

const H = 3_600_000;

describe("enrollment", () => {
  const db = useTestDatabase();

  async function touchesOf(enrollmentId: string) {
    return db().prisma.enrollmentTouch.findMany({ where: { enrollmentId }, orderBy: { position: "asc" } });
  }

  it("matches the exact service type first, then all services, else skips with no_matching_campaign", async () => {
    const d = deps(db().prisma, new ManualClock("2026-01-05T15:00:00Z"));
    const { business, campaignId: allServices } = await installTestBusiness(d);
    const base = await getCampaign(db().prisma, business.id, allServices);
    const touches = base.touches.map((t) => ({ channel: t.channel, delayHours: t.delayHours, templateId: t.templateId }));
    const hvac = await createCampaign(d, business.id, { name: "HVAC", serviceType: "hvac", touches }, { active: true });

    const a = await recordJob(d, business.id, completedJob({ serviceType: "hvac" }));
    const b = await recordJob(d, business.id, completedJob({ serviceType: "plumbing" }));
    const c = await recordJob(d, business.id, completedJob({ serviceType: null }));
    expect(a.enrollment).toMatchObject({ outcome: "enrolled", campaignId: hvac.id });
    expect(b.enrollment).toMatchObject({ outcome: "enrolled", campaignId: allServices });
    expect(c.enrollment).toMatchObject({ outcome: "enrolled", campaignId: allServices });

    await pauseCampaign(d, business.id, allServices);
    const e = await recordJob(d, business.id, completedJob({ serviceType: "plumbing" }));
    expect(e.enrollment).toEqual({ outcome: "skipped", reason: "no_matching_campaign" });
    const job = await db().prisma.job.findUniqueOrThrow({ where: { id: e.jobId } });
    expect(job).toMatchObject({ outcome: "skipped", outcomeReason: "no_matching_campaign" });
    await resumeCampaign(d, business.id, allServices);
  });

  it("schedules touch 1 from completion and later touches from the schedule, with service-type overrides", async () => {
    const clock = new ManualClock("2026-01-05T15:00:00Z");
    const d = deps(db().prisma, clock);
    const { business } = await installTestBusiness(d); // standard: email 24h, sms +72h, email +168h
    const completedAt = new Date("2026-01-05T14:00:00Z");
    const r = await recordJob(d, business.id, completedJob({ completedAt }));
    const id = (r.enrollment as { enrollmentId: string }).enrollmentId;
    const t = await touchesOf(id);
    expect(t.map((x) => x.scheduledAt.toISOString())).toEqual([
      new Date(completedAt.getTime() + 24 * H).toISOString(),
      new Date(completedAt.getTime() + 96 * H).toISOString(),
      new Date(completedAt.getTime() + 264 * H).toISOString(),
    ]);
    expect(t.map((x) => x.channel)).toEqual(["email", "sms", "email"]);
    const e = await db().prisma.enrollment.findUniqueOrThrow({ where: { id } });
    expect(e.nextDueAt?.toISOString()).toBe(t[0]!.scheduledAt.toISOString());
    expect(e.currentTouch).toBe(1);

    await db().prisma.business.update({ where: { id: business.id }, data: { serviceTypeDelays: { roofing: 4 } } });
    const roof = await recordJob(d, business.id, completedJob({ completedAt, serviceType: "roofing" }));
    const rt = await touchesOf((roof.enrollment as { enrollmentId: string }).enrollmentId);
    expect(rt[0]!.scheduledAt.toISOString()).toBe(new Date(completedAt.getTime() + 4 * H).toISOString());
    expect(rt[1]!.scheduledAt.toISOString()).toBe(new Date(completedAt.getTime() + 76 * H).toISOString());
  });

  it("a job reported long after completion is due now, never in the past twice", async () => {
    const now = new Date("2026-02-01T15:00:00Z");
    const d = deps(db().prisma, new ManualClock(now));
    const { business } = await installTestBusiness(d);
    const completedAt = new Date("2026-01-20T15:00:00Z"); // 12 days ago: touches 1 and 2 both overdue
    const r = await recordJob(d, business.id, completedJob({ completedAt }));
    const t = await touchesOf((r.enrollment as { enrollmentId: string }).enrollmentId);
    expect(t[0]!.scheduledAt.toISOString()).toBe(now.toISOString());
    expect(t[1]!.scheduledAt.toISOString()).toBe(new Date(now.getTime() + 72 * H).toISOString());
    expect(t[2]!.scheduledAt.toISOString()).toBe(new Date(now.getTime() + 240 * H).toISOString());
  });

  it("a job completed more than 30 days before it is reported is not asked about, unless enrolled by hand", async () => {
    const now = new Date("2026-03-15T15:00:00Z");
    const d = deps(db().prisma, new ManualClock(now));
    const { business } = await installTestBusiness(d);
    // An edit of a job closed in January (Jobber sends JOB_UPDATE for every edit).
    const stale = await recordJob(d, business.id, completedJob({ completedAt: new Date("2026-02-13T14:59:00Z") }));
    expect(stale.enrollment).toEqual({ outcome: "skipped", reason: "stale_completion" });
    const recent = await recordJob(d, business.id, completedJob({ completedAt: new Date("2026-02-13T15:01:00Z") }));
    expect(recent.enrollment).toMatchObject({ outcome: "enrolled" });
    const manual = await enrollJob(d, business.id, stale.jobId, { manual: true });
    expect(manual).toMatchObject({ outcome: "enrolled" });
  });

  it("delays are elapsed hours, also across the business's DST change", () => {
    // 2026-03-08 02:00 America/New_York springs forward: 01:30 EST + 1 h = 03:30 EDT.
    const completedAt = new Date("2026-03-08T06:30:00Z"); // 01:30 EST
    const [first, second] = scheduleTouches(
      completedAt,
      [
        { position: 1, delayHours: 1 },
        { position: 2, delayHours: 24 },
      ],
      new Date("2026-03-08T06:30:00Z"),
    );
    expect(first!.toISOString()).toBe("2026-03-08T07:30:00.000Z");
    const local = new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    expect(local.format(first!)).toBe("03:30");
    expect(second!.getTime() - first!.getTime()).toBe(24 * H);
  });

  it("skips customers enrolled in the cooldown window, across campaigns and duplicate customer records; manual enrollment bypasses it", async () => {
    const clock = new ManualClock("2026-01-05T15:00:00Z");
    const d = deps(db().prisma, clock);
    const { business } = await installTestBusiness(d); // cooldown 30 days
    const first = await recordJob(d, business.id, completedJob({ customer: { email: "Same.Person@Example.com", phone: "+13055550001" } }));
    expect(first.enrollment?.outcome).toBe("enrolled");

    clock.advance(10 * 24 * H);
    // Another host record, same email (different case).
    const viaEmail = await recordJob(d, business.id, completedJob({ customer: { email: "same.person@example.com", phone: null } }));
    expect(viaEmail.enrollment).toEqual({ outcome: "skipped", reason: "cooldown" });
    // Another host record, same phone.
    const viaPhone = await recordJob(d, business.id, completedJob({ customer: { email: "other@example.com", phone: "+13055550001" } }));
    expect(viaPhone.enrollment).toEqual({ outcome: "skipped", reason: "cooldown" });

    // The merchant enrolls by hand: cooldown bypassed, and the running enrollment is replaced.
    const manual = await manualEnroll(d, business.id, viaEmail.jobId);
    expect(manual.outcome).toBe("enrolled");
    const old = await db().prisma.enrollment.findUniqueOrThrow({ where: { jobId: first.jobId } });
    expect(old).toMatchObject({ status: "stopped", stopReason: "repeat_job" });
    expect((await db().prisma.job.findUniqueOrThrow({ where: { id: viaEmail.jobId } })).outcome).toBe("enrolled");

    clock.advance(31 * 24 * H);
    const afterCooldown = await recordJob(d, business.id, completedJob({ completedAt: clock.now(), customer: { email: "same.person@example.com" } }));
    expect(afterCooldown.enrollment?.outcome).toBe("enrolled");
  });

  it("a repeat job stops the running enrollment with repeat_job first: never two active", async () => {
    const d = deps(db().prisma, new ManualClock("2026-01-05T15:00:00Z"));
    const { business } = await installTestBusiness(d);
    await db().prisma.business.update({ where: { id: business.id }, data: { cooldownDays: 0 } });
    const customer = { hostCustomerId: "repeat-1", email: "r@example.com" };
    const one = await recordJob(d, business.id, completedJob({ customer }));
    const two = await recordJob(d, business.id, completedJob({ customer }));
    expect(two.enrollment).toMatchObject({ outcome: "enrolled", replaced: [(one.enrollment as { enrollmentId: string }).enrollmentId] });
    const active = await db().prisma.enrollment.count({ where: { customerId: one.customerId, status: "active" } });
    expect(active).toBe(1);
    const first = await db().prisma.enrollment.findUniqueOrThrow({ where: { jobId: one.jobId } });
    expect(first.stopReason).toBe("repeat_job");
    // and the database itself refuses a second active enrollment for the customer
    await expect(
      db().pool.query("UPDATE enrollment SET status = 'active', stop_reason = NULL, stopped_at = NULL WHERE id = $1", [first.id]),
    ).rejects.toThrow(/enrollment_one_active_per_customer/);
  });

  it("is idempotent: enrolling the same job twice gives one enrollment and reports already_enrolled", async () => {
    const d = deps(db().prisma);
    const { business } = await installTestBusiness(d);
    const input = completedJob();
    const r1 = await recordJob(d, business.id, input);
    const again = await enrollJob(d, business.id, r1.jobId);
    expect(again).toEqual({ outcome: "already_enrolled", enrollmentId: (r1.enrollment as { enrollmentId: string }).enrollmentId });
    const redelivered = await recordJob(d, business.id, input);
    expect(redelivered.enrollment?.outcome).toBe("already_enrolled");
    expect(await db().prisma.enrollment.count({ where: { jobId: r1.jobId } })).toBe(1);
    expect((await db().prisma.job.findUniqueOrThrow({ where: { id: r1.jobId } })).outcome).toBe("enrolled");
  });

  it("concurrent deliveries of the same job from several connections produce exactly one enrollment", async () => {
    const { business } = await installTestBusiness(deps(db().prisma));
    const clients = Array.from({ length: 6 }, () => createDatabase(db().url, 2));
    try {
      const input = completedJob();
      const results = await Promise.all(clients.map((c) => recordJob(deps(c.prisma), business.id, input)));
      const outcomes = results.map((r) => r.enrollment?.outcome);
      expect(outcomes.filter((o) => o === "enrolled")).toHaveLength(1);
      expect(outcomes.every((o) => o === "enrolled" || o === "already_enrolled" || o === undefined)).toBe(true);
      expect(await db().prisma.job.count({ where: { businessId: business.id, hostJobId: input.hostJobId } })).toBe(1);
      expect(await db().prisma.enrollment.count({ where: { businessId: business.id } })).toBe(1);
      // Two different jobs of the same person at once: one enrollment, the other hits cooldown.
      const customer = { hostCustomerId: "same-person", email: "sp@example.com" };
      const pair = await Promise.all([
        recordJob(deps(clients[0]!.prisma), business.id, completedJob({ customer })),
        recordJob(deps(clients[1]!.prisma), business.id, completedJob({ customer })),
      ]);
      expect(pair.map((r) => r.enrollment?.outcome).sort()).toEqual(["enrolled", "skipped"]);
    } finally {
      await Promise.all(clients.map(async (c) => { await c.prisma.$disconnect(); await c.pool.end(); }));
    }
  });

  it("records the job even when enrollment is skipped; skips unreachable, opted-out and flagged jobs with a reason", async () => {
    const d = deps(db().prisma);
    const { business } = await installTestBusiness(d);
    const noContact = await recordJob(d, business.id, completedJob({ customer: { email: null, phone: null } }));
    expect(noContact.enrollment).toEqual({ outcome: "skipped", reason: "no_contact" });
    const flagged = await recordJob(d, business.id, completedJob({ noReviewRequest: true }));
    expect(flagged.enrollment).toEqual({ outcome: "skipped", reason: "no_review_request" });
    await db().prisma.suppression.createMany({
      data: [
        { businessId: business.id, channel: "email", address: "gone@example.com", reason: "opted_out", createdAt: new Date() },
        { businessId: business.id, channel: "sms", address: "+13055559999", reason: "opted_out", createdAt: new Date() },
      ],
    });
    const optedOut = await recordJob(d, business.id, completedJob({ customer: { email: "gone@example.com", phone: "+13055559999" } }));
    expect(optedOut.enrollment).toEqual({ outcome: "skipped", reason: "opted_out" });
    const notDone = await recordJob(d, business.id, completedJob({ status: "scheduled", completedAt: null }));
    expect(notDone.enrollment).toBeUndefined();
    for (const r of [noContact, flagged, optedOut, notDone]) {
      expect(await db().prisma.job.count({ where: { id: r.jobId } })).toBe(1);
    }
    expect((await db().prisma.job.findUniqueOrThrow({ where: { id: notDone.jobId } })).outcome).toBe("pending");
  });

  it("older host events never overwrite newer state; a cancelled job stops its enrollment", async () => {
    const d = deps(db().prisma);
    const { business } = await installTestBusiness(d);
    const input = completedJob({ occurredAt: new Date("2026-01-05T14:00:00Z") });
    const r = await recordJob(d, business.id, input);
    const stale = await recordJob(d, business.id, { ...input, status: "in_progress", occurredAt: new Date("2026-01-05T13:00:00Z"), customer: { ...input.customer, firstName: "Old" } });
    expect(stale.applied).toBe(false);
    const job = await db().prisma.job.findUniqueOrThrow({ where: { id: r.jobId }, include: { customer: true } });
    expect(job.status).toBe("completed");
    expect(job.customer.firstName).toBe("Dana");
    const cancelled = await recordJob(d, business.id, { ...input, status: "cancelled", occurredAt: new Date("2026-01-05T16:00:00Z") });
    expect(cancelled.stopped).toHaveLength(1);
    const e = await db().prisma.enrollment.findUniqueOrThrow({ where: { jobId: r.jobId } });
    expect(e).toMatchObject({ status: "stopped", stopReason: "job_cancelled", nextDueAt: null });
  });

  it("stops are guarded: stopping twice changes nothing the second time; unknown ids are not found", async () => {
    const d = deps(db().prisma);
    const { business } = await installTestBusiness(d);
    const r = await recordJob(d, business.id, completedJob());
    const id = (r.enrollment as { enrollmentId: string }).enrollmentId;
    expect(await stopEnrollmentManually(d, business.id, id)).toBe(true);
    expect(await stopEnrollmentManually(d, business.id, id)).toBe(false);
    const e = await db().prisma.enrollment.findUniqueOrThrow({ where: { id } });
    expect(e.stopReason).toBe("manual");
    const other = await installTestBusiness(d);
    await expect(stopEnrollmentManually(d, other.business.id, id)).rejects.toThrow(/not found/i);
    // Concurrent stops with different causes: exactly one wins.
    const r2 = await recordJob(d, business.id, completedJob());
    const id2 = (r2.enrollment as { enrollmentId: string }).enrollmentId;
    const reasons = ["review_clicked", "opted_out_email", "manual", "campaign_paused"] as const;
    const winners = await Promise.all(
      reasons.map((reason) => db().prisma.$transaction((tx) => stopEnrollments(tx, business.id, { enrollmentIds: [id2] }, reason, new Date()))),
    );
    expect(winners.flat()).toHaveLength(1);
  });

  it("covers every stop reason the product needs", () => {
    for (const r of ["review_clicked", "feedback_submitted", "opted_out_email", "opted_out_sms", "email_bounced", "email_complained", "campaign_paused", "campaign_deleted", "repeat_job", "job_cancelled", "manual", "app_uninstalled"]) {
      expect(Object.values(StopReason)).toContain(r);
    }
  });
});
