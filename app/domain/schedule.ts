// When each touch of an enrollment is due.
// Touch 1: job completed-at + delay (a service-type override replaces touch 1's delay).
// Touch n+1: touch n's scheduled time + its delay: anchored to the schedule, not to when a send
// actually happened, so a deferral (quiet hours, pacing) never pushes the rest of the sequence.
// A job reported long after completion: the first overdue touch is due now and the rest follow at
// their delays from there, so the customer never gets two overdue touches at once.
import { HOUR_MS } from "./types";

export interface ScheduleTouch {
  position: number;
  delayHours: number;
}

export function scheduleTouches(
  completedAt: Date,
  touches: ScheduleTouch[],
  now: Date,
  firstDelayOverrideHours?: number | null,
): Date[] {
  const ordered = [...touches].sort((a, b) => a.position - b.position);
  const out: Date[] = [];
  let anchor = completedAt.getTime();
  ordered.forEach((touch, i) => {
    const delay = i === 0 && firstDelayOverrideHours != null ? firstDelayOverrideHours : touch.delayHours;
    let due = anchor + delay * HOUR_MS;
    if (due < now.getTime()) due = now.getTime();
    out.push(new Date(due));
    anchor = due;
  });
  return out;
}
