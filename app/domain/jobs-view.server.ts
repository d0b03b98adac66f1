// Read model for the admin's jobs page: the business's completed jobs, newest first, each with
// what happened to its review request (the job's outcome, its enrollment and every touch with its
// delivery status from the send log). Three queries per page, all scoped by the business.
import type { Channel, EnrollmentStatus, JobOutcome, StopReason, TouchStatus } from "~/generated/prisma/client";
import type { Tx } from "./types";

export const JOBS_PAGE_SIZE = 25;

export interface JobTouchView {
  position: number;
  channel: Channel;
  status: TouchStatus;
  /** Skip, failure or cancellation reason. */
  reason: string | null;
  scheduledAt: Date;
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
  page: number;
  pageSize: number;
  hasPrevious: boolean;
  hasNext: boolean;
}

export async function listRecentJobs(
  db: Tx,
  businessId: string,
  opts: { page?: number; pageSize?: number } = {},
): Promise<JobsPage> {
  const pageSize = Math.min(Math.max(Math.trunc(opts.pageSize ?? JOBS_PAGE_SIZE), 1), 100);
  const page = Math.max(Math.trunc(opts.page ?? 1), 1);
  // One extra row tells whether a next page exists without counting the whole table.
  const rows = await db.job.findMany({
    where: { businessId, completedAt: { not: null } },
    orderBy: [{ completedAt: "desc" }, { id: "desc" }],
    skip: (page - 1) * pageSize,
    take: pageSize + 1,
    include: {
      customer: { select: { firstName: true, lastName: true, email: true, phone: true, redactedAt: true } },
      enrollments: {
        where: { businessId },
        include: {
          campaign: { select: { id: true, name: true, deletedAt: true } },
          touches: { orderBy: { position: "asc" } },
        },
      },
    },
  });
  const jobs = rows.slice(0, pageSize);
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
    hasPrevious: page > 1,
    hasNext: rows.length > pageSize,
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
                return {
                  position: t.position,
                  channel: t.channel,
                  status: t.status,
                  reason: t.reason,
                  scheduledAt: t.scheduledAt,
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
