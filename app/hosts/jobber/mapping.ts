// How Jobber's records become Kudos's jobs and customers. The mapping decisions live here, and
// only here:
// - Service type: a job custom field labelled "Service type" when the business uses one, else
//   the name of the job's first line item (what the crew did: "Lawn mowing", "Gutter cleaning").
// - "No review request": Jobber has no such flag; a true/false job custom field labelled
//   "No review request" (or a text field saying yes/true) plays that role.
// - Contact: the primary email/phone, else the first usable one; region and country from the
//   client's billing address (Jobber clients carry no time zone).
// - Work done: see JOBBER_WORK_DONE_STATUSES.
import { type CustomerInput, type DomainEvent, type JobInput, normalizeCustomer } from "../events";
import type { JobberClient, JobberCustomField, JobberJob } from "./queries";

export const SERVICE_TYPE_FIELD_LABEL = "service type";
export const NO_REVIEW_REQUEST_FIELD_LABEL = "no review request";

function field(job: JobberJob, label: string): JobberCustomField | undefined {
  return job.customFields?.find((f) => f.label?.trim().toLowerCase() === label);
}

export function jobberServiceType(job: JobberJob): string | null {
  const custom = field(job, SERVICE_TYPE_FIELD_LABEL)?.valueText?.trim();
  if (custom) return custom;
  return job.lineItems?.nodes[0]?.name?.trim() || null;
}

export function jobberNoReviewRequest(job: JobberJob): boolean {
  const f = field(job, NO_REVIEW_REQUEST_FIELD_LABEL);
  if (!f) return false;
  if (typeof f.valueTrueFalse === "boolean") return f.valueTrueFalse;
  return ["yes", "true", "y", "1"].includes(f.valueText?.trim().toLowerCase() ?? "");
}

function primaryFirst<T extends { primary?: boolean | null }>(items: ReadonlyArray<T> | null | undefined): T[] {
  return [...(items ?? [])].sort((a, b) => Number(Boolean(b.primary)) - Number(Boolean(a.primary)));
}

export function jobberCustomer(client: JobberClient): CustomerInput {
  return normalizeCustomer({
    hostCustomerId: client.id,
    firstName: client.firstName,
    lastName: client.lastName,
    emails: primaryFirst(client.emails).map((e) => e.address),
    phones: primaryFirst(client.phones).map((p) => p.number),
    region: client.billingAddress?.province,
    country: client.billingAddress?.country,
  });
}

function date(value: string | null | undefined): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function jobberJob(
  job: JobberJob,
  extra: { completedAt?: string | null; occurredAt?: Date; completed?: boolean } = {},
): JobInput {
  const completedAt = date(extra.completedAt) ?? date(job.completedAt) ?? (extra.completed ? (extra.occurredAt ?? null) : null);
  return {
    hostJobId: job.id,
    ...(job.title?.trim() ? { title: job.title.trim() } : {}),
    serviceType: jobberServiceType(job),
    status: job.jobStatus.toLowerCase(),
    completedAt,
    noReviewRequest: jobberNoReviewRequest(job),
    ...(extra.occurredAt ? { occurredAt: extra.occurredAt } : {}),
    customer: jobberCustomer(job.client),
  };
}

/**
 * Jobber job statuses (JobStatusTypeEnum) that mean the work is done. Jobber has no "completed"
 * status: marking a job complete closes it, and a closed job is `requires_invoicing` ("a prompt
 * to create an invoice for this job": billable work was done) or `archived` ("closed jobs that no
 * longer need to be invoiced ... the jobs that you are done with"), per the enum's descriptions in
 * Jobber's schema. Every other status (active, upcoming, today, late, unscheduled,
 * action_required/on_hold, expiring_within_30_days) is a job still in progress. Jobber has no
 * cancelled status either: a job closed without its work done looks the same, which is what the
 * "No review request" custom field is for.
 */
export const JOBBER_WORK_DONE_STATUSES: ReadonlySet<string> = new Set(["requires_invoicing", "archived"]);

/**
 * What a job read back from Jobber means now: job.completed once the work is done (its status
 * says so, or the webhook was a visit that is still complete: a recurring job stays in progress
 * between visits), else job.updated with Jobber's status, which recordJob records without
 * enrolling (a job reopened after completion included: like any job.updated, it stops nothing).
 * Decided from the state read back, not from the topic, so a job changed again since the
 * webhook is not taken for complete.
 */
export function jobberJobEvent(
  job: JobberJob,
  extra: { occurredAt: Date; visitCompletedAt?: string | null },
): DomainEvent {
  const visitDone = Boolean(date(extra.visitCompletedAt));
  const done = visitDone || JOBBER_WORK_DONE_STATUSES.has(job.jobStatus.toLowerCase());
  if (!done) return { type: "job.updated", job: jobberJob(job, { occurredAt: extra.occurredAt }) };
  const completedAt = visitDone ? extra.visitCompletedAt : undefined;
  return { type: "job.completed", job: jobberJob(job, { completedAt, occurredAt: extra.occurredAt, completed: true }) };
}
