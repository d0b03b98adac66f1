// The campaign editor's timeline: when each touch would go out for a job completed now, with the
// same rules the engine applies (the domain's schedule, the service-type override of touch 1, and
// quiet hours in the business's time zone). Times are formatted here, in the business's zone, so
// the page shows the same text on the server and in the browser. For a real customer, their own
// time zone and state rules apply, as they would when their touches are sent.
import type { Business, Channel } from "~/generated/prisma/client";
import { scheduleTouches } from "~/domain/schedule";
import { effectiveWindow, nextAllowedTime, resolveRecipientLocale } from "~/engine/quiet-hours.server";
import type { RecipientContact } from "~/engine/recipient-region";
import { minutesToHhmm } from "./labels";

export interface TimelineTouch {
  channel: Channel;
  delayHours: number;
}

export interface TimelineEntry {
  position: number;
  channel: Channel;
  delayHours: number;
  /** True when the business's service-type override replaced touch 1's delay. */
  overridden: boolean;
  scheduledAt: string;
  scheduledLabel: string;
  /** When it would actually be sent: later than scheduledAt when that falls in quiet hours. */
  sendAt: string;
  sendLabel: string;
  deferred: boolean;
}

export interface TimelinePreview {
  timezone: string;
  /** The real customer the timeline is for; null: any customer in the business's time zone. */
  customerName: string | null;
  /** Where the zone comes from: the customer's own data, or the business's when theirs is unknown. */
  timezoneFromCustomer: boolean;
  completedLabel: string;
  /** The allowed sending window, e.g. "08:00–21:00". */
  windowLabel: string;
  overrideHours: number | null;
  entries: TimelineEntry[];
}

type TimelineBusiness = Pick<Business, "timezone" | "quietHoursStart" | "quietHoursEnd" | "serviceTypeDelays">;

/** A real customer: their name, and where they are (their zone, phone area code, state). */
export interface TimelineRecipient {
  name: string;
  contact: RecipientContact;
}

export function serviceTypeOverride(business: Pick<Business, "serviceTypeDelays">, serviceType: string | null): number | null {
  if (!serviceType) return null;
  const map = business.serviceTypeDelays as Record<string, unknown> | null;
  const value = map?.[serviceType];
  return typeof value === "number" ? value : null;
}

function formatter(timezone: string) {
  return new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  });
}

export function timelinePreview(
  business: TimelineBusiness,
  serviceType: string | null,
  touches: TimelineTouch[],
  now: Date,
  recipient?: TimelineRecipient | null,
): TimelinePreview {
  // Without a customer: the business's own zone and the rules that apply to every recipient.
  const locale = resolveRecipientLocale(recipient?.contact ?? {}, business.timezone);
  const policy = { startMinute: business.quietHoursStart, endMinute: business.quietHoursEnd };
  const window = effectiveWindow(policy, locale.ruleRegions);
  const override = serviceTypeOverride(business, serviceType);
  const due = scheduleTouches(
    now,
    touches.map((t, i) => ({ position: i + 1, delayHours: t.delayHours })),
    now,
    override,
  );
  const fmt = formatter(locale.timezone);
  return {
    timezone: locale.timezone,
    customerName: recipient ? recipient.name : null,
    timezoneFromCustomer: locale.timezoneSource !== "business",
    completedLabel: fmt.format(now),
    windowLabel: `${minutesToHhmm(window.startMinute)}–${minutesToHhmm(window.endMinute)}`,
    overrideHours: override,
    entries: touches.map((t, i) => {
      const scheduled = due[i]!;
      const send = nextAllowedTime(scheduled, locale, policy);
      return {
        position: i + 1,
        channel: t.channel,
        delayHours: i === 0 && override != null ? override : t.delayHours,
        overridden: i === 0 && override != null,
        scheduledAt: scheduled.toISOString(),
        scheduledLabel: fmt.format(scheduled),
        sendAt: send.toISOString(),
        sendLabel: fmt.format(send),
        deferred: send.getTime() !== scheduled.getTime(),
      };
    }),
  };
}
