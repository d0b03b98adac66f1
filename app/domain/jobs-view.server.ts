// Read model for the admin's jobs page: the business's completed jobs, newest first, searched and
// filtered (jobs-search.sql.ts), each with what happened to its review request (the job's outcome,
// its latest enrollment and every touch with its delivery status from the send log), and when each
// pending touch will really go out. A handful of queries per page, all scoped by the business.
import { nextAllowedTime, resolveRecipientLocale } from "~/engine/quiet-hours.server";
import type { Channel, EnrollmentStatus, JobOutcome, StopReason, TouchStatus } from "~/generated/prisma/client";
import { countJobs, pageOfJobIds, type JobFilters } from "./jobs-search.sql";
import type { Tx } from "./types";

export { JOB_STATUS_FILTERS, type JobFilters, type JobStatusFilter } from "./jobs-search.sql";

export const JOBS_PAGE_SIZE = 25;

export interface JobTouchView {
  position: number;
  channel: Channel;
  status: TouchStatus;
  /** Skip, failure or cancellation reason. */
  reason: string | null;
  scheduledAt: Date;
  /**
   * Pending touches: when it will really go out, the due time moved forward by quiet hours in every
   * zone the recipient may be in (the processor's own rule); `now` when it is due already.
   */
  sendAt: Date | null;
  /** The send time is later than the schedule because the schedule falls in quiet hours. */
  afterQuietHours: boolean;
  sentAt: Date | null;
  /** The send log's delivery status (sent, delivered, bounced, ...), once a send was attempted. */
  delivery: string | null;
  deliveryError: string | null;
  deliveredAt: Date | null;
  openedAt: Date | null;
  clickedAt: Date | null;
}

export interface JobEnrollmentView {
  id: string;
  status: EnrollmentStatus;
  stopReason: StopReason | null;
  manual: boolean;
  enrolledAt: Date;
  stoppedAt: Date | null;
  completedAt: Date | null;
  campaign: { id: string; name: string; deleted: boolean };
  touches: JobTouchView[];
}

export interface JobView {
  id: string;
  hostJobId: string;
  title: string | null;
  serviceType: string | null;
  status: string;
  completedAt: Date | null;
  noReviewRequest: boolean;
  outcome: JobOutcome;
  outcomeReason: string | null;
  customer: { name: string | null; email: string | null; phone: string | null; redacted: boolean };
  enrollment: JobEnrollmentView | null;
}

export interface JobsPage {
  jobs: JobView[];
  /** The page shown: the one asked for, or the last one when that is past the end. */
  page: number;
  pageSize: number;
  /** Jobs matching the filters, on every page. */
  total: number;
  pageCount: number;
  hasPrevious: boolean;
  hasNext: boolean;
}

export interface SendingPolicy {
  timezone: string;
  quietHoursStart: number;
  quietHoursEnd: number;
}

/**
 * When a pending touch due at `dueAt` (its scheduled time, or the enrollment's deferred due time
 * for the current touch) will go out: decided as the processor decides at send time
 * (processor.server.ts), in the recipient's zones with the business's quiet hours. Pacing is not
 * foreseen: it only ever delays by minutes.
 */
export function realSendTime(
  touch: { dueAt: Date; scheduledAt: Date },
  customer: { timezone: string | null; phone: string | null; region: string | null; country: string | null },
  business: SendingPolicy,
  now: Date,
): { sendAt: Date; afterQuietHours: boolean } {
  const locale = resolveRecipientLocale(customer, business.timezone);
  const policy = { startMinute: business.quietHoursStart, endMinute: business.quietHoursEnd };
  const later = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);
  const from = later(touch.dueAt, now);
  const sendAt = nextAllowedTime(from, locale, policy);
  // "After quiet hours" when the planned time itself falls in them and that is what moved it.
  const planned = later(touch.scheduledAt, now);
  const afterQuietHours = nextAllowedTime(planned, locale, policy).getTime() > planned.getTime() && sendAt.getTime() > planned.getTime();
  return { sendAt, afterQuietHours };
}

/** The business's campaigns, for the jobs page's campaign filter. */
export async function campaignChoices(db: Tx, businessId: string): Promise<{ id: string; name: string }[]> {
  return db.campaign.findMany({
    where: { businessId, deletedAt: null },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    select: { id: true, name: true },
  });
}

export async function listRecentJobs(
  db: Tx,
  businessId: string,
  opts: JobFilters & { page?: number; pageSize?: number; now: Date },
): Promise<JobsPage> {
  const pageSize = Math.min(Math.max(Math.trunc(opts.pageSize ?? JOBS_PAGE_SIZE), 1), 100);
  const filters: JobFilters = { search: opts.search ?? null, status: opts.status ?? null, campaignId: opts.campaignId ?? null };
  const [total, business] = await Promise.all([
    countJobs(db, businessId, filters),
    db.business.findFirstOrThrow({
      where: { id: businessId },
      select: { timezone: true, quietHoursStart: true, quietHoursEnd: true },
    }),
  ]);
  const pageCount = Math.max(Math.ceil(total / pageSize), 1);
  const page = Math.min(Math.max(Math.trunc(opts.page ?? 1), 1), pageCount);
  const ids = await pageOfJobIds(db, businessId, filters, { offset: (page - 1) * pageSize, limit: pageSize });
  const found = await db.job.findMany({
    where: { businessId, id: { in: ids } },
    include: {
      customer: {
        select: { firstName: true, lastName: true, email: true, phone: true, redactedAt: true, timezone: true, region: true, country: true },
      },
      // The latest one: a job enrolled again by hand keeps its stopped enrollment as history.
      enrollments: {
        where: { businessId },
        orderBy: { enrolledAt: "desc" },
        take: 1,
        include: {
          campaign: { select: { id: true, name: true, deletedAt: true } },
          touches: { orderBy: { position: "asc" } },
        },
      },
    },
  });
  const byId = new Map(found.map((j) => [j.id, j]));
  const jobs = ids.map((id) => byId.get(id)).filter((j) => j !== undefined);
  const enrollmentIds = jobs.flatMap((j) => j.enrollments.map((e) => e.id));
  const logs = enrollmentIds.length
    ? await db.sendLog.findMany({
        where: { businessId, enrollmentId: { in: enrollmentIds } },
        select: {
          enrollmentId: true,
          position: true,
          status: true,
          error: true,
          deliveredAt: true,
          openedAt: true,
          clickedAt: true,
        },
      })
    : [];
  const logOf = new Map(logs.map((l) => [`${l.enrollmentId}:${l.position}`, l]));

  return {
    page,
    pageSize,
    total,
    pageCount,
    hasPrevious: page > 1,
    hasNext: page < pageCount,
    jobs: jobs.map((job) => {
      const e = job.enrollments[0];
      const name = [job.customer.firstName, job.customer.lastName].filter(Boolean).join(" ");
      return {
        id: job.id,
        hostJobId: job.hostJobId,
        title: job.title,
        serviceType: job.serviceType,
        status: job.status,
        completedAt: job.completedAt,
        noReviewRequest: job.noReviewRequest,
        outcome: job.outcome,
        outcomeReason: job.outcomeReason,
        customer: {
          name: name || null,
          email: job.customer.email,
          phone: job.customer.phone,
          redacted: job.customer.redactedAt !== null,
        },
        enrollment: e
          ? {
              id: e.id,
              status: e.status,
              stopReason: e.stopReason,
              manual: e.manual,
              enrolledAt: e.enrolledAt,
              stoppedAt: e.stoppedAt,
              completedAt: e.completedAt,
              campaign: { id: e.campaign.id, name: e.campaign.name, deleted: e.campaign.deletedAt !== null },
              touches: e.touches.map((t) => {
                const log = logOf.get(`${e.id}:${t.position}`);
                // The current touch waits on the enrollment's due time, which deferrals move.
                const dueAt = t.position === e.currentTouch && e.nextDueAt ? e.nextDueAt : t.scheduledAt;
                const real =
                  t.status === "pending" && e.status === "active"
                    ? realSendTime({ dueAt, scheduledAt: t.scheduledAt }, job.customer, business, opts.now)
                    : null;
                return {
                  position: t.position,
                  channel: t.channel,
                  status: t.status,
                  reason: t.reason,
                  scheduledAt: t.scheduledAt,
                  sendAt: real?.sendAt ?? null,
                  afterQuietHours: real?.afterQuietHours ?? false,
                  sentAt: t.sentAt,
                  delivery: log?.status ?? null,
                  deliveryError: log?.error ?? null,
                  deliveredAt: log?.deliveredAt ?? null,
                  openedAt: log?.openedAt ?? null,
                  clickedAt: log?.clickedAt ?? t.clickedAt,
                };
              }),
            }
          : null,
      };
    }),
  };
}
