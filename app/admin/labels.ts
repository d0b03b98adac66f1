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
};

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
  return delivery.replace(/_/g, " ");
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
