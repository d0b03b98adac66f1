// Words the admin shows for the codes the engine stores. Browser-safe: no server imports.

export type BadgeTone = "success" | "info" | "attention" | "warning" | "critical" | undefined;

export function channelLabel(channel: string): string {
  return channel === "sms" ? "SMS" : "Email";
}

const SKIP_REASONS: Record<string, string> = {
  no_matching_campaign: "no active campaign for this service",
  cooldown: "cooldown (asked recently)",
  opted_out: "customer opted out",
  no_contact: "no email or phone",
  no_review_request: "job marked “no review request”",
  not_completed: "job not completed",
  stale_completion: "completed over 30 days before Kudos heard of it",
  business_uninstalled: "Kudos was uninstalled",
};

const STOP_REASONS: Record<string, string> = {
  review_clicked: "clicked the review link",
  feedback_submitted: "left private feedback",
  opted_out_email: "unsubscribed (email link)",
  opted_out_sms: "replied STOP",
  email_bounced: "email bounced",
  email_complained: "marked as spam",
  campaign_paused: "campaign paused",
  campaign_deleted: "campaign deleted",
  repeat_job: "a newer job replaced it",
  job_cancelled: "job cancelled",
  manual: "stopped by you",
  app_uninstalled: "Kudos was uninstalled",
  customer_redacted: "customer data erased",
};

const TOUCH_REASONS: Record<string, string> = {
  no_email: "no email address",
  no_phone: "no phone number",
  email_suppressed: "email address suppressed",
  sms_opted_out: "number opted out",
  sms_undeliverable: "number can't receive texts",
  no_physical_address: "no physical address in settings",
  removed_from_campaign: "removed from the campaign",
};

/** The send log's delivery statuses (prisma/schema.prisma SendLog.status), as the touch's badge. */
const DELIVERY_LABELS: Record<string, string> = {
  sending: "Sending",
  sent: "Sent",
  skipped: "Skipped",
  failed: "Not delivered",
  delivered: "Delivered",
  delivery_delayed: "Delivery delayed",
  opened: "Opened",
  clicked: "Review link opened",
  bounced: "Bounced",
  complained: "Marked as spam",
  undelivered: "Not delivered",
};

/** Every code the admin words, by kind: a test checks that each code the code base writes is here. */
export const LABELLED_CODES = {
  skip: Object.keys(SKIP_REASONS),
  stop: Object.keys(STOP_REASONS),
  touch: Object.keys(TOUCH_REASONS),
  delivery: Object.keys(DELIVERY_LABELS),
} as const;

export function skipReasonLabel(reason: string | null | undefined): string {
  return (reason && SKIP_REASONS[reason]) || reason || "unknown reason";
}

export function stopReasonLabel(reason: string | null | undefined): string {
  return (reason && STOP_REASONS[reason]) || reason || "unknown reason";
}

export function touchReasonLabel(reason: string | null | undefined): string | null {
  if (!reason) return null;
  return TOUCH_REASONS[reason] ?? STOP_REASONS[reason] ?? reason;
}

export interface OutcomeInput {
  outcome: string;
  outcomeReason: string | null;
  enrollment: { status: string; stopReason: string | null; campaign: { name: string } } | null;
}

/** "Enrolled in Standard", "Skipped: cooldown (asked recently)", "Stopped: replied STOP", ... */
export function outcomeLabel(job: OutcomeInput): { label: string; tone: BadgeTone } {
  const e = job.enrollment;
  if (e) {
    if (e.status === "stopped") {
      return { label: e.stopReason === "manual" ? "Stopped by you" : `Stopped: ${stopReasonLabel(e.stopReason)}`, tone: "warning" };
    }
    if (e.status === "completed") return { label: `Completed ${e.campaign.name}`, tone: undefined };
    return { label: `Enrolled in ${e.campaign.name}`, tone: "success" };
  }
  if (job.outcome === "skipped") return { label: `Skipped: ${skipReasonLabel(job.outcomeReason)}`, tone: "attention" };
  if (job.outcome === "failed") return { label: `Failed: ${job.outcomeReason ?? "unknown error"}`, tone: "critical" };
  return { label: "Pending", tone: "info" };
}

/**
 * The one badge a touch shows: what happened last, in sentence case ("Scheduled", "Delivered",
 * "Review link opened"). A click outranks the delivery status it came with.
 */
export function touchBadge(t: { status: string; delivery: string | null; clicked: boolean }): { label: string; tone: BadgeTone } {
  if (t.status === "pending") return { label: "Scheduled", tone: "info" };
  if (t.status === "cancelled") return { label: "Not sent", tone: undefined };
  if (t.status === "skipped") return { label: "Skipped", tone: "attention" };
  if (t.status === "failed") return { label: "Failed", tone: "critical" };
  if (t.clicked) return { label: DELIVERY_LABELS.clicked!, tone: "success" };
  const delivery = t.delivery ?? "sent";
  return { label: DELIVERY_LABELS[delivery] ?? "Sent", tone: touchStatusTone(t.status, delivery) };
}

/** The job's name on the page: its title, else its service type, else when it was completed. */
export function jobDisplayName(job: { title: string | null; serviceType: string | null; completedDay: string | null }): string {
  return job.title?.trim() || job.serviceType?.trim() || (job.completedDay ? `Job on ${job.completedDay}` : "Job");
}

/** The jobs page's state filter (the browser's copy of JOB_STATUS_FILTERS: a test keeps them equal). */
export const JOB_STATUS_LABELS: Record<string, string> = {
  active: "Active",
  completed: "Completed",
  stopped: "Stopped",
  skipped: "Skipped",
};

const RESUME_REFUSALS: Record<string, string> = {
  not_this_stop: "It changed since you stopped it (stopped again, or already resumed).",
  too_late: "The time to undo has passed. Use “Enroll again” to start its review requests over.",
  superseded: "This customer has a newer review request.",
  campaign_inactive: "Its campaign is paused or deleted.",
  business_uninstalled: "Kudos is not installed.",
  customer_changed: "The customer opted out, opened the review link or left feedback since.",
  send_in_flight: "A message was being sent when you stopped it. Use “Enroll again” if you want to start over.",
  nothing_to_resume: "No review request was left to send.",
};

export function resumeRefusalLabel(reason: string): string {
  return `Can't undo: ${RESUME_REFUSALS[reason] ?? "it changed since you stopped it."}`;
}

export function touchStatusTone(status: string, delivery: string | null): BadgeTone {
  if (delivery && ["bounced", "complained", "undelivered", "failed"].includes(delivery)) return "critical";
  if (status === "sent") return "success";
  if (status === "failed") return "critical";
  if (status === "skipped") return "attention";
  if (status === "pending") return "info";
  return undefined;
}

export function deliveryLabel(delivery: string | null): string | null {
  if (!delivery) return null;
  return DELIVERY_LABELS[delivery] ?? delivery.replace(/_/g, " ");
}

/** "24 hours", "3 days": whole days read as days. */
export function delayLabel(hours: number): string {
  if (hours % 24 === 0) {
    const d = hours / 24;
    return `${d} ${d === 1 ? "day" : "days"}`;
  }
  return `${hours} ${hours === 1 ? "hour" : "hours"}`;
}

/** A delay in hours as the editor shows it: days when it divides evenly. */
export function delayParts(hours: number): { value: string; unit: "hours" | "days" } {
  return hours % 24 === 0 ? { value: String(hours / 24), unit: "days" } : { value: String(hours), unit: "hours" };
}

/** "08:00" from minutes after midnight (1440 is "24:00", the end of the day). */
export function minutesToHhmm(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}
