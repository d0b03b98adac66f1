import { describe, expect, it } from "vitest";
import { recordJob } from "~/domain/enrollment.server";
import { listRecentJobs } from "~/domain/jobs-view.server";
import { drain } from "~/engine/processor.server";
import { ManualClock } from "~/lib/clock.server";
import * as jobsRoute from "~/routes/app.jobs";
import { getServices } from "~/services.server";
import { BUSINESS_SETTINGS, processorDeps } from "../helpers/engine";
import { completedJob } from "../helpers/fixtures";
import { call, installTestBusiness, sessionFor, useAdminServices } from "./helpers";

type JobsData = Awaited<ReturnType<typeof jobsRoute.loader>>;

async function setup() {
  const { database, domain } = getServices();
  const business = await installTestBusiness();
  await domain.db.business.update({ where: { id: business.id }, data: BUSINESS_SETTINGS });
  const clock = new ManualClock("2026-01-05T15:00:00Z");
  const deps = { db: domain.db, clock };
  const email = `pat.${business.id.slice(0, 8)}@example.com`;
  const enrolled = await recordJob(deps, business.id, completedJob({ title: "Water heater", completedAt: new Date("2026-01-05T14:00:00Z"), customer: { email } }));
  const cooldown = await recordJob(
    deps,
    business.id,
    completedJob({ title: "Faucet", completedAt: new Date("2026-01-05T14:30:00Z"), customer: { email, phone: null } }),
  );
  const noContact = await recordJob(
    deps,
    business.id,
    completedJob({ title: "Drain", completedAt: new Date("2026-01-05T13:00:00Z"), customer: { email: null, phone: null } }),
  );
  // The first touch goes out a day later (through the outbox), and is delivered.
  clock.advanceHours(24);
  await drain(processorDeps(database, { clock }));
  return { business, session: await sessionFor(business), db: domain.db, jobs: { enrolled, cooldown, noContact } };
}

describe("jobs page", () => {
  useAdminServices();

  it("lists completed jobs newest first with their outcome, and each touch's status and delivery", async () => {
    const { session, db, jobs } = await setup();
    const enrollmentId = (jobs.enrolled.enrollment as { enrollmentId: string }).enrollmentId;
    await db.sendLog.updateMany({ where: { enrollmentId, position: 1 }, data: { status: "delivered", deliveredAt: new Date("2026-01-06T14:01:00Z") } });

    const res = await call<JobsData>(jobsRoute.loader, await session.get("/app/jobs"));
    expect(res.data.jobs.map((j) => j.title)).toEqual(["Faucet", "Water heater", "Drain"]);
    const [faucet, heater, drainJob] = res.data.jobs;
    expect(faucet).toMatchObject({ outcome: "skipped", outcomeReason: "cooldown", enrollment: null });
    expect(drainJob).toMatchObject({ outcome: "skipped", outcomeReason: "no_contact", enrollment: null });
    expect(heater!.outcome).toBe("enrolled");
    expect(heater!.enrollment).toMatchObject({ id: enrollmentId, status: "active", manual: false, campaign: { name: "Standard" } });
    expect(heater!.enrollment!.touches.map((t) => [t.position, t.channel, t.status, t.delivery])).toEqual([
      [1, "email", "sent", "delivered"],
      [2, "sms", "pending", null],
      [3, "email", "pending", null],
    ]);
    // Times in the business's zone (New York): the drain ran at 15:00Z, 10:00 AM local.
    expect(heater!.enrollment!.touches[0]!.sentLabel).toBe("Jan 6, 10:00 AM");
    expect(heater!.completedLabel).toBe("Jan 5, 9:00 AM");
    expect(res.data).toMatchObject({ page: 1, hasNext: false, hasPrevious: false, timezone: "America/New_York" });
  });

  it("pages through jobs, newest first", async () => {
    const { business, db } = await setup();
    const first = await listRecentJobs(db, business.id, { page: 1, pageSize: 2, now: new Date() });
    const second = await listRecentJobs(db, business.id, { page: 2, pageSize: 2, now: new Date() });
    expect(first).toMatchObject({ hasNext: true, hasPrevious: false });
    expect(second).toMatchObject({ hasNext: false, hasPrevious: true });
    expect([...first.jobs, ...second.jobs].map((j) => j.title)).toEqual(["Faucet", "Water heater", "Drain"]);
  });

  it("enrolls a skipped job manually (bypassing the cooldown) and stops an enrollment by hand", async () => {
    const { session, db, jobs } = await setup();
    const enrolled = await call<{ ok: boolean; message: string; enrollmentId: string }>(
      jobsRoute.action,
      await session.post("/app/jobs", { intent: "enroll", jobId: jobs.cooldown.jobId }),
    );
    expect(enrolled.status).toBe(200);
    expect(enrolled.data).toMatchObject({ ok: true, message: "Enrolled in Standard" });
    const enrollment = await db.enrollment.findUniqueOrThrow({ where: { jobId: jobs.cooldown.jobId } });
    expect(enrollment).toMatchObject({ id: enrolled.data.enrollmentId, manual: true, status: "active" });
    expect((await db.job.findUniqueOrThrow({ where: { id: jobs.cooldown.jobId } })).outcome).toBe("enrolled");

    const again = await call(jobsRoute.action, await session.post("/app/jobs", { intent: "enroll", jobId: jobs.cooldown.jobId }));
    expect(again).toMatchObject({ status: 409, data: { ok: false, message: "This job already has an enrollment" } });
    const unreachable = await call(jobsRoute.action, await session.post("/app/jobs", { intent: "enroll", jobId: jobs.noContact.jobId }));
    expect(unreachable).toMatchObject({ status: 409, data: { message: "Not enrolled: no email or phone" } });

    const stopped = await call(jobsRoute.action, await session.post("/app/jobs", { intent: "stop", enrollmentId: enrollment.id }));
    expect(stopped).toMatchObject({ status: 200, data: { ok: true } });
    expect(await db.enrollment.findUniqueOrThrow({ where: { id: enrollment.id } })).toMatchObject({ status: "stopped", stopReason: "manual" });
    const pending = await db.enrollmentTouch.findMany({ where: { enrollmentId: enrollment.id } });
    expect(pending.every((t) => t.status === "cancelled" && t.reason === "manual")).toBe(true);
    const twice = await call(jobsRoute.action, await session.post("/app/jobs", { intent: "stop", enrollmentId: enrollment.id }));
    expect(twice).toMatchObject({ status: 409, data: { message: "This enrollment is not active any more" } });

    const page = await call<JobsData>(jobsRoute.loader, await session.get("/app/jobs"));
    expect(page.data.jobs.find((j) => j.id === jobs.cooldown.jobId)!.enrollment).toMatchObject({ status: "stopped", stopReason: "manual", manual: true });
  });

  it("rejects bad input (400) without changing anything", async () => {
    const { session, db, business } = await setup();
    const state = () => db.enrollment.findMany({ where: { businessId: business.id }, orderBy: { enrolledAt: "asc" } });
    const before = await state();
    const bad: Record<string, string>[] = [{}, { intent: "enroll" }, { intent: "enroll", jobId: "42" }, { intent: "stop", enrollmentId: "x" }, { intent: "erase" }];
    for (const fields of bad) {
      const res = await call<{ fieldErrors: Record<string, string> }>(jobsRoute.action, await session.post("/app/jobs", fields));
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(Object.keys(res.data.fieldErrors).length).toBeGreaterThan(0);
    }
    const unknown = "00000000-0000-4000-8000-000000000042";
    expect((await call(jobsRoute.action, await session.post("/app/jobs", { intent: "enroll", jobId: unknown }))).status).toBe(404);
    expect((await call(jobsRoute.action, await session.post("/app/jobs", { intent: "stop", enrollmentId: unknown }))).status).toBe(404);
    expect(await state()).toEqual(before);
  });
});
