// Jobs and enrollment: record what the host reports, decide whether the customer is asked for a
// review, and schedule the touches. Recording a job never fails because enrollment did: the job
// is stored first, and the enrollment outcome (enrolled, or skipped/failed with a reason) is
// stored on it where the merchant can see it.
import { markAnalyticsDirty } from "~/analytics/rollup.server";
import { Prisma, type Channel, type JobOutcome } from "~/generated/prisma/client";
import { NotFoundError, ValidationError } from "~/lib/errors.server";
import { logger } from "~/logger.server";
import { scheduleTouches } from "./schedule";
import { suppressedChannels } from "~/engine/sql/suppression.sql";
import { stopEnrollments } from "./stops.server";
import { DAY_MS, type DomainDeps, type Tx } from "./types";

export interface CustomerInput {
  hostCustomerId: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  timezone?: string | null;
  region?: string | null;
  country?: string | null;
}

export interface JobInput {
  hostJobId: string;
  title?: string | null;
  serviceType?: string | null;
  /** Host status; "completed" and "cancelled" matter here. */
  status: string;
  completedAt?: Date | null;
  noReviewRequest?: boolean;
  /** The host's event time: older events never overwrite newer state. */
  occurredAt?: Date;
  customer: CustomerInput;
}

export type SkipReason =
  | "no_matching_campaign"
  | "cooldown"
  | "opted_out"
  | "no_contact"
  | "no_review_request"
  | "not_completed"
  | "stale_completion"
  | "business_uninstalled";

/**
 * A job reported more than this long after it was completed is not asked about (unless a
 * merchant enrolls it by hand): a host that sends an update for every edit (Jobber's JOB_UPDATE)
 * would otherwise turn an edit of a job closed months ago into a review request for it.
 */
export const MAX_COMPLETION_AGE_DAYS = 30;

export type EnrollResult =
  | { outcome: "enrolled"; enrollmentId: string; campaignId: string; replaced: string[] }
  | { outcome: "already_enrolled"; enrollmentId: string }
  | { outcome: "skipped"; reason: SkipReason }
  | { outcome: "failed"; reason: string };

export interface RecordJobResult {
  jobId: string;
  customerId: string;
  /** False when the event was older than what is stored and changed nothing. */
  applied: boolean;
  enrollment?: EnrollResult;
  /** Enrollments stopped because the host cancelled the job. */
  stopped?: string[];
}

export const COMPLETED_STATUSES = new Set(["completed", "complete", "closed", "done", "finished"]);
export const CANCELLED_STATUSES = new Set(["cancelled", "canceled", "archived", "deleted"]);

function normalizeStatus(status: string): string {
  return status.trim().toLowerCase();
}

/**
 * Upserts the customer in one statement (safe under concurrent deliveries); an event older than
 * the stored state changes nothing.
 */
export async function upsertCustomer(
  tx: Tx,
  businessId: string,
  input: CustomerInput,
  occurredAt: Date | undefined,
  now: Date,
): Promise<{ id: string; applied: boolean }> {
  const email = input.email ? input.email.trim().toLowerCase() : null;
  const region = input.region ? input.region.toUpperCase() : null;
  const country = input.country ? input.country.toUpperCase() : null;
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO customer (business_id, host_customer_id, first_name, last_name, email, phone, timezone, region, country, host_updated_at, created_at, updated_at)
    VALUES (${businessId}::uuid, ${input.hostCustomerId}, ${input.firstName ?? null}, ${input.lastName ?? null}, ${email},
            ${input.phone ?? null}, ${input.timezone ?? null}, ${region}, ${country}, ${occurredAt ?? null}, ${now}, ${now})
    ON CONFLICT (business_id, host_customer_id) DO UPDATE
       SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, email = EXCLUDED.email,
           phone = EXCLUDED.phone, timezone = EXCLUDED.timezone, region = EXCLUDED.region,
           country = EXCLUDED.country, host_updated_at = EXCLUDED.host_updated_at, updated_at = EXCLUDED.updated_at
     WHERE customer.redacted_at IS NULL
       AND (EXCLUDED.host_updated_at IS NULL OR customer.host_updated_at IS NULL
            OR EXCLUDED.host_updated_at >= customer.host_updated_at)
    RETURNING id::text`;
  if (rows[0]) return { id: rows[0].id, applied: true };
  const existing = await tx.customer.findUniqueOrThrow({
    where: { businessId_hostCustomerId: { businessId, hostCustomerId: input.hostCustomerId } },
    select: { id: true },
  });
  return { id: existing.id, applied: false };
}

/**
 * Records a job the host reported (created, updated, completed or cancelled) and, when it is
 * completed and not flagged, enrolls the customer. The job is committed before enrollment runs.
 */
export async function recordJob(deps: DomainDeps, businessId: string, input: JobInput): Promise<RecordJobResult> {
  const { db, clock } = deps;
  const status = normalizeStatus(input.status);
  const completed = COMPLETED_STATUSES.has(status);
  const cancelled = CANCELLED_STATUSES.has(status);
  const now = clock.now();

  const stored = await db.$transaction(async (tx) => {
    const customer = await upsertCustomer(tx, businessId, input.customer, input.occurredAt, now);
    const completedAt = completed ? (input.completedAt ?? now) : (input.completedAt ?? null);
    // One statement, so concurrent deliveries of one job cannot both insert; stale events are no-ops.
    const rows = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO job (business_id, host_job_id, customer_id, title, service_type, status, completed_at, no_review_request, host_updated_at, created_at, updated_at)
      VALUES (${businessId}::uuid, ${input.hostJobId}, ${customer.id}::uuid, ${input.title ?? null}, ${input.serviceType?.trim() || null},
              ${status}, ${completedAt}, ${input.noReviewRequest ?? false}, ${input.occurredAt ?? null}, ${now}, ${now})
      ON CONFLICT (business_id, host_job_id) DO UPDATE
         SET customer_id = EXCLUDED.customer_id, title = EXCLUDED.title, service_type = EXCLUDED.service_type,
             status = EXCLUDED.status, completed_at = EXCLUDED.completed_at,
             no_review_request = EXCLUDED.no_review_request, host_updated_at = EXCLUDED.host_updated_at,
             updated_at = EXCLUDED.updated_at
       WHERE EXCLUDED.host_updated_at IS NULL OR job.host_updated_at IS NULL
             OR EXCLUDED.host_updated_at >= job.host_updated_at
      RETURNING id::text`;
    if (rows[0]) return { jobId: rows[0].id, customerId: customer.id, applied: true };
    const job = await tx.job.findUniqueOrThrow({
      where: { businessId_hostJobId: { businessId, hostJobId: input.hostJobId } },
      select: { id: true, customerId: true },
    });
    return { jobId: job.id, customerId: job.customerId, applied: false };
  });

  const result: RecordJobResult = { ...stored };
  if (!stored.applied) return result;
  if (cancelled) {
    result.stopped = await db.$transaction((tx) =>
      stopEnrollments(tx, businessId, { jobId: stored.jobId }, "job_cancelled", now),
    );
    return result;
  }
  if (completed) result.enrollment = await enrollJob(deps, businessId, stored.jobId);
  return result;
}

interface EnrollOptions {
  /** Merchant-initiated: bypasses cooldown and the job's "no review request" flag. */
  manual?: boolean;
}

/**
 * Enrolls a completed job's customer in the matching active campaign. Idempotent: a second call
 * for the same job reports already_enrolled. Never throws for a business reason: the outcome is
 * returned and stored on the job.
 */
export async function enrollJob(
  deps: DomainDeps,
  businessId: string,
  jobId: string,
  opts: EnrollOptions = {},
): Promise<EnrollResult> {
  let result: EnrollResult;
  try {
    result = await attemptEnroll(deps, businessId, jobId, opts);
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ValidationError) throw err;
    // Two deliveries of the same job at once: the unique key on job_id decides; the loser reports it.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      const existing = await deps.db.enrollment.findFirst({ where: { jobId, status: { not: "stopped" } }, select: { id: true } });
      if (existing) return { outcome: "already_enrolled", enrollmentId: existing.id };
    }
    logger.error({ err, businessId, jobId }, "enrollment failed");
    result = { outcome: "failed", reason: err instanceof Error ? err.message.slice(0, 500) : String(err) };
  }
  if (result.outcome !== "already_enrolled") await recordOutcome(deps, businessId, jobId, result);
  return result;
}

async function recordOutcome(deps: DomainDeps, businessId: string, jobId: string, result: EnrollResult) {
  const outcome: JobOutcome = result.outcome === "enrolled" ? "enrolled" : result.outcome === "skipped" ? "skipped" : "failed";
  const reason = result.outcome === "skipped" || result.outcome === "failed" ? result.reason : null;
  await deps.db.job.updateMany({
    where: { id: jobId, businessId },
    data: { outcome, outcomeReason: reason, outcomeAt: deps.clock.now() },
  });
}

/** Identity of a person across host customer records: same record, same email or same phone. */
async function samePersonCustomerIds(
  tx: Tx,
  businessId: string,
  customer: { id: string; email: string | null; phone: string | null },
): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM customer
     WHERE business_id = ${businessId}::uuid
       AND (id = ${customer.id}::uuid
            OR (${customer.email}::text IS NOT NULL AND email = ${customer.email})
            OR (${customer.phone}::text IS NOT NULL AND phone = ${customer.phone}))`;
  return rows.map((r) => r.id);
}

/**
 * Serialises enrollments of one person (any of their contact points), so two jobs completed at
 * once cannot both pass the cooldown check or both become the active enrollment, and an undone
 * stop cannot race a new enrollment.
 */
async function lockPerson(tx: Tx, businessId: string, customer: { id: string; email: string | null; phone: string | null }) {
  const lockKeys = [`c:${customer.id}`, customer.email && `e:${customer.email}`, customer.phone && `p:${customer.phone}`]
    .filter((k): k is string => Boolean(k))
    .map((k) => `${businessId}:${k}`)
    .sort();
  for (const key of lockKeys) await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

async function attemptEnroll(
  { db, clock, optOuts }: DomainDeps,
  businessId: string,
  jobId: string,
  opts: EnrollOptions,
): Promise<EnrollResult> {
  return db.$transaction(async (tx) => {
    const now = clock.now();
    const job = await tx.job.findFirst({
      where: { id: jobId, businessId },
      include: { customer: true, business: true },
    });
    if (!job) throw new NotFoundError("Job not found");
    if (job.business.status !== "installed") return { outcome: "skipped", reason: "business_uninstalled" };
    if (!COMPLETED_STATUSES.has(job.status) || !job.completedAt) return { outcome: "skipped", reason: "not_completed" };
    if (job.noReviewRequest && !opts.manual) return { outcome: "skipped", reason: "no_review_request" };
    if (!opts.manual && now.getTime() - job.completedAt.getTime() > MAX_COMPLETION_AGE_DAYS * DAY_MS) {
      return { outcome: "skipped", reason: "stale_completion" };
    }

    await lockPerson(tx, businessId, job.customer);
    // Checked under the lock: a concurrent delivery of this job may have just committed. A
    // stopped enrollment ends the job's automatic requests for good; only the merchant may start
    // a new one (the key on job_id ignores stopped rows).
    const already = await tx.enrollment.findFirst({
      where: { jobId, ...(opts.manual ? { status: { not: "stopped" as const } } : {}) },
      orderBy: { enrolledAt: "desc" },
      select: { id: true },
    });
    if (already) return { outcome: "already_enrolled", enrollmentId: already.id };

    const campaign =
      (job.serviceType &&
        (await tx.campaign.findFirst({
          where: { businessId, status: "active", deletedAt: null, serviceType: job.serviceType },
          include: { touches: { orderBy: { position: "asc" } } },
        }))) ||
      (await tx.campaign.findFirst({
        where: { businessId, status: "active", deletedAt: null, serviceType: null },
        include: { touches: { orderBy: { position: "asc" } } },
      }));
    if (!campaign || campaign.touches.length === 0) return { outcome: "skipped", reason: "no_matching_campaign" };

    const samePerson = await samePersonCustomerIds(tx, businessId, job.customer);

    if (!opts.manual && job.business.cooldownDays > 0) {
      const since = new Date(now.getTime() - job.business.cooldownDays * DAY_MS);
      const recent = await tx.enrollment.findFirst({
        where: { businessId, customerId: { in: samePerson }, enrolledAt: { gte: since } },
        select: { id: true },
      });
      if (recent) return { outcome: "skipped", reason: "cooldown" };
    }

    // Can any touch of this campaign reach the customer?
    const channels = new Set<Channel>(campaign.touches.map((t) => t.channel));
    const contact: Partial<Record<Channel, string | null>> = { email: job.customer.email, sms: job.customer.phone };
    const reachable = [...channels].filter((c) => contact[c]);
    if (reachable.length === 0) return { outcome: "skipped", reason: "no_contact" };
    // The business's own list, and the durable opt-outs: its account's (also from before a
    // reinstall) and, for SMS, the sending numbers' (a STOP to a shared number binds everyone).
    const suppressed = await suppressedChannels(tx, optOuts, businessId, {
      email: job.customer.email,
      phone: job.customer.phone,
    });
    if (reachable.every((c) => suppressed.has(c))) return { outcome: "skipped", reason: "opted_out" };

    // A repeat job replaces the person's running enrollment: never two active at once.
    const replaced = await stopEnrollments(tx, businessId, { customerIds: samePerson }, "repeat_job", now);

    const overrides = (job.business.serviceTypeDelays ?? {}) as Record<string, number>;
    const override = job.serviceType && typeof overrides[job.serviceType] === "number" ? overrides[job.serviceType] : null;
    const due = scheduleTouches(job.completedAt, campaign.touches, now, override);
    const enrollment = await tx.enrollment.create({
      data: {
        businessId,
        campaignId: campaign.id,
        jobId: job.id,
        customerId: job.customerId,
        status: "active",
        currentTouch: 1,
        nextDueAt: due[0]!,
        manual: opts.manual ?? false,
        enrolledAt: now,
        // Analytics break enrollments down by the service type they were enrolled with.
        serviceType: job.serviceType,
      },
      select: { id: true },
    });
    await tx.enrollmentTouch.createMany({
      data: campaign.touches.map((t, i) => ({
        enrollmentId: enrollment.id,
        position: t.position,
        businessId,
        campaignId: campaign.id,
        channel: t.channel,
        scheduledAt: due[i]!,
        enrolledAt: now,
      })),
    });
    await markAnalyticsDirty(tx, businessId, now);
    return { outcome: "enrolled", enrollmentId: enrollment.id, campaignId: campaign.id, replaced };
  });
}

/** The merchant enrolls a job by hand: bypasses cooldown. */
export function manualEnroll(deps: DomainDeps, businessId: string, jobId: string): Promise<EnrollResult> {
  return enrollJob(deps, businessId, jobId, { manual: true });
}

/** The merchant stops one enrollment by hand. Returns false when it was not active. */
export async function stopEnrollmentManually(deps: DomainDeps, businessId: string, enrollmentId: string): Promise<boolean> {
  return (await stopEnrollmentByHand(deps, businessId, enrollmentId)) !== null;
}

/**
 * The same, answering with the stop's time (null when it was not active): the admin hands it back
 * to undo exactly this stop (resumeStoppedEnrollment).
 */
export async function stopEnrollmentByHand(
  { db, clock }: DomainDeps,
  businessId: string,
  enrollmentId: string,
): Promise<{ stoppedAt: Date } | null> {
  const exists = await db.enrollment.findFirst({ where: { id: enrollmentId, businessId }, select: { id: true } });
  if (!exists) throw new NotFoundError("Enrollment not found");
  const now = clock.now();
  const stopped = await db.$transaction((tx) => stopEnrollments(tx, businessId, { enrollmentIds: [enrollmentId] }, "manual", now));
  return stopped.length > 0 ? { stoppedAt: now } : null;
}

/** Why an undo was refused (the admin words them in app/admin/labels.ts). */
export type ResumeRefusal =
  /** Not stopped by hand, or stopped again since: not the stop being undone. */
  | "not_this_stop"
  | "too_late"
  /** The job or the person has a newer enrollment. */
  | "superseded"
  | "campaign_inactive"
  | "business_uninstalled"
  /** The customer opted out, bounced, clicked, left feedback or was erased since. */
  | "customer_changed"
  /** A send was in flight when the stop came: resuming could send it twice. */
  | "send_in_flight"
  | "nothing_to_resume";

export type ResumeResult = { outcome: "resumed"; pending: number; nextDueAt: Date } | { outcome: "refused"; reason: ResumeRefusal };

/**
 * Undoes a manual stop made moments ago: the enrollment becomes active again with the very touches
 * the stop cancelled, at their scheduled times (one already due goes out on the next drain, once:
 * the send log's key holds). Only that stop (`stoppedAt` must be the one stopEnrollmentByHand
 * answered), only within `withinMs` of it, and only if nothing happened since that a resumed
 * sequence would ignore; otherwise refused, changing nothing. Another business's id: not found.
 */
export async function resumeStoppedEnrollment(
  { db, clock }: DomainDeps,
  businessId: string,
  enrollmentId: string,
  opts: { stoppedAt: Date; withinMs: number },
): Promise<ResumeResult> {
  const refused = (reason: ResumeRefusal): ResumeResult => ({ outcome: "refused", reason });
  try {
    return await db.$transaction(async (tx) => {
      const now = clock.now();
      const found = await tx.enrollment.findFirst({ where: { id: enrollmentId, businessId } });
      if (!found) throw new NotFoundError("Enrollment not found");
      // One query at a time: a transaction is one connection.
      const customer = await tx.customer.findUniqueOrThrow({ where: { id: found.customerId } });
      const campaign = await tx.campaign.findUniqueOrThrow({ where: { id: found.campaignId }, select: { status: true, deletedAt: true, retiredAt: true } });
      const business = await tx.business.findUniqueOrThrow({ where: { id: businessId }, select: { status: true } });
      await lockPerson(tx, businessId, customer);
      // Re-read under the locks (and hold the row): a concurrent stop, undo or enrollment has settled.
      const rows = await tx.$queryRaw<{ status: string; stop_reason: string | null; stopped_at: Date | null }[]>`
        SELECT status::text, stop_reason::text, stopped_at FROM enrollment WHERE id = ${enrollmentId}::uuid FOR UPDATE`;
      const e = rows[0]!;
      if (e.status !== "stopped" || e.stop_reason !== "manual" || e.stopped_at?.getTime() !== opts.stoppedAt.getTime()) {
        return refused("not_this_stop");
      }
      const stoppedAt = e.stopped_at;
      if (now.getTime() - stoppedAt.getTime() > opts.withinMs) return refused("too_late");
      if (business.status !== "installed") return refused("business_uninstalled");
      // A replaced (retired) campaign still sends to its customers: those can be resumed too.
      if (campaign.deletedAt || (campaign.status !== "active" && !campaign.retiredAt)) return refused("campaign_inactive");
      const samePerson = await samePersonCustomerIds(tx, businessId, customer);
      const newer = await tx.enrollment.findFirst({
        where: {
          businessId,
          id: { not: enrollmentId },
          OR: [{ jobId: found.jobId }, { customerId: { in: samePerson } }],
          AND: [{ OR: [{ status: "active" }, { enrolledAt: { gte: stoppedAt } }] }],
        },
        select: { id: true },
      });
      if (newer) return refused("superseded");
      const contact = [customer.email, customer.phone].filter((a): a is string => a !== null);
      // Opt-outs, bounces and complaints since the stop (they stopped nothing: it was stopped), a
      // click or feedback: each ends a sequence, so none is resumed over them.
      const suppressedSince = await tx.suppression.count({ where: { businessId, address: { in: contact }, createdAt: { gte: stoppedAt } } });
      const clicked = await tx.sendLog.count({ where: { enrollmentId, clickedAt: { not: null } } });
      const feedback = await tx.feedback.count({ where: { enrollmentId } });
      if (customer.redactedAt || suppressedSince > 0 || clicked > 0 || feedback > 0) return refused("customer_changed");
      if ((await tx.sendLog.count({ where: { enrollmentId, status: "sending" } })) > 0) return refused("send_in_flight");

      // The touches this stop cancelled: pending ones get reason "manual" (stop-enrollments.sql.ts).
      const restored = await tx.$queryRaw<{ position: number; scheduled_at: Date }[]>`
        UPDATE enrollment_touch SET status = 'pending', reason = NULL
         WHERE enrollment_id = ${enrollmentId}::uuid AND status = 'cancelled' AND reason = 'manual'
        RETURNING position, scheduled_at`;
      if (restored.length === 0) return refused("nothing_to_resume");
      // The current touch's own time; a deferral it had (quiet hours, pacing) is decided again by
      // the next drain, which checks both before sending.
      const current = restored.find((t) => t.position === found.currentTouch) ?? restored.reduce((a, b) => (a.position < b.position ? a : b));
      const nextDueAt = current.scheduled_at;
      await tx.enrollment.update({
        where: { id: enrollmentId },
        data: { status: "active", stopReason: null, stoppedAt: null, nextDueAt, currentTouch: current.position, leaseToken: null, leaseExpiresAt: null },
      });
      await markAnalyticsDirty(tx, businessId, found.enrolledAt);
      return { outcome: "resumed" as const, pending: restored.length, nextDueAt };
    });
  } catch (err) {
    // Another enrollment of the person or job became active at the same moment (the partial keys).
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return refused("superseded");
    throw err;
  }
}
