// Quiet hours: nothing is sent outside the allowed window in the RECIPIENT's local time. A touch
// due in quiet hours is deferred to the next allowed minute, never failed. Pure: `at` is the
// caller's "now" (from its Clock), no I/O.
import { DateTime, IANAZone } from "luxon";
import { SEND_WINDOW_RULES } from "./data/send-window-rules";
import { canonicalTimezone, type RecipientLocale } from "./recipient-region";

export {
  resolveRecipientLocale,
  type RecipientContact,
  type RecipientLocale,
  type ResolvedRecipientLocale,
  type TimezoneSource,
} from "./recipient-region";

/** The business's own window: minutes after local midnight, start inclusive, end exclusive. */
export interface QuietHoursPolicy {
  startMinute: number;
  endMinute: number;
}

export interface SendWindow {
  startMinute: number;
  endMinute: number;
  /** Which rules set the window's edges, for logs and the touch's audit trail. */
  rule: string;
}

export const DEFAULT_QUIET_HOURS_POLICY: QuietHoursPolicy = { startMinute: 8 * 60, endMinute: 21 * 60 };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const BUSINESS_RULE = "business window";

function isValidWindow(w: QuietHoursPolicy): boolean {
  return (
    Number.isInteger(w.startMinute) &&
    Number.isInteger(w.endMinute) &&
    w.startMinute >= 0 &&
    w.endMinute <= 1440 &&
    w.startMinute < w.endMinute
  );
}

interface Bound {
  startMinute: number;
  endMinute: number;
  name: string;
}

function intersect(bounds: readonly Bound[]): SendWindow {
  const startMinute = Math.max(...bounds.map((b) => b.startMinute));
  const endMinute = Math.min(...bounds.map((b) => b.endMinute));
  // Name the sources that actually set an edge; the first listed wins a tie.
  const names = [
    bounds.find((b) => b.startMinute === startMinute)?.name,
    bounds.find((b) => b.endMinute === endMinute)?.name,
  ];
  return { startMinute, endMinute, rule: [...new Set(names)].join(" + ") };
}

function regionList(regions: string | null | readonly string[]): readonly string[] {
  return regions === null ? [] : typeof regions === "string" ? [regions] : regions;
}

function legalBounds(regions: string | null | readonly string[]): Bound[] {
  const list = regionList(regions);
  return SEND_WINDOW_RULES.filter((r) => r.enabled && (r.appliesTo === "*" || list.includes(r.appliesTo))).map(
    (r) => ({ startMinute: r.startMinute, endMinute: r.endMinute, name: r.citation }),
  );
}

/**
 * The legal window alone: every enabled rule for all recipients and for each of the given regions
 * (the federal 08:00-21:00 and any stricter state window), whatever the business chose.
 */
export function legalWindow(regions: string | null | readonly string[]): SendWindow {
  const window = intersect(legalBounds(regions));
  if (window.startMinute >= window.endMinute) {
    throw new Error(`Send-window rules leave no time to send (${window.rule}): fix data/send-window-rules.ts`);
  }
  return window;
}

/**
 * The business window intersected with every enabled rule for all recipients and for each of the
 * given regions. The law wins over the business: when the business window is invalid or lies
 * outside the legal window, the legal window alone is used (and the rule says so).
 */
export function effectiveWindow(
  policy: QuietHoursPolicy,
  regions: string | null | readonly string[],
): SendWindow {
  const legal = legalBounds(regions);
  const legalOnly = legalWindow(regions);
  if (!isValidWindow(policy)) {
    return { ...legalOnly, rule: `${legalOnly.rule} (business window invalid, ignored)` };
  }
  // Business first: when it coincides with a legal edge, the business's own choice is named.
  const combined = intersect([{ ...policy, name: BUSINESS_RULE }, ...legal]);
  if (combined.startMinute >= combined.endMinute) {
    return { ...legalOnly, rule: `${legalOnly.rule} (business window outside it, ignored)` };
  }
  return combined;
}

function zoneOf(timezone: string): IANAZone {
  const zone = IANAZone.create(timezone);
  if (!zone.isValid) throw new RangeError(`Invalid IANA time zone: ${timezone}`);
  return zone;
}

const localWallMs = (zone: IANAZone, t: number) => t + zone.offset(t) * MINUTE_MS;

/**
 * The earliest instant not before `notBefore` whose local wall-clock time on the given local date
 * is `minuteOfDay` or later. Wall-clock arithmetic, not elapsed time: 08:00 stays 08:00 across
 * daylight-saving changes. Inside a repeated hour the first occurrence wins; inside a skipped hour
 * the instant the clocks jump.
 */
function firstInstantAtWallTime(
  zone: IANAZone,
  date: { year: number; month: number; day: number },
  minuteOfDay: number,
  notBefore: number,
): number | null {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minuteOfDay);
  const offsets = new Set([zone.offset(wall - DAY_MS), zone.offset(wall), zone.offset(wall + DAY_MS)]);
  const guesses = [...offsets].map((o) => wall - o * MINUTE_MS);
  const exact = guesses.filter((t) => t >= notBefore && localWallMs(zone, t) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // The wall time does not exist that day (clocks jumped over it): find the jump.
  let lo = Math.max(Math.min(...guesses), notBefore);
  let hi = Math.max(...guesses);
  if (localWallMs(zone, hi) < wall) return null;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (localWallMs(zone, mid) >= wall) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * `at` itself when its local time in `timezone` lies in the window, else the start of the next
 * window (the same day if before it, the next day if after it).
 */
export function nextAllowedInZone(at: Date, timezone: string, window: { startMinute: number; endMinute: number }): Date {
  if (!isValidWindow(window)) throw new RangeError(`Invalid send window ${window.startMinute}..${window.endMinute}`);
  const zone = zoneOf(timezone);
  const local = DateTime.fromMillis(at.getTime(), { zone });
  const minute = local.hour * 60 + local.minute;
  if (minute >= window.startMinute && minute < window.endMinute) return at;
  for (let days = minute < window.startMinute ? 0 : 1; days <= 2; days++) {
    const day = local.plus({ days });
    const t = firstInstantAtWallTime(zone, day, window.startMinute, at.getTime());
    if (t !== null) return new Date(t);
  }
  throw new Error(`No window start found after ${at.toISOString()} in ${timezone}`);
}

/** Every zone the recipient may be in, main zone first, each once. */
export function candidateZones(locale: RecipientLocale): string[] {
  const names = [locale.timezone, ...(locale.otherTimezones ?? [])].map((z) => canonicalTimezone(z) ?? z);
  return [...new Set(names)];
}

/**
 * How far ahead a common window is looked for. Windows recur daily, so a common minute, if there is
 * one, comes within a day plus a daylight-saving shift; two days leave room for both.
 */
const COMMON_WINDOW_HORIZON_MS = 2 * DAY_MS;

/**
 * The earliest instant from `at` on (`at` itself when allowed) that lies inside `window` in every
 * zone, or null when there is none within the horizon. Each round moves to the latest next window
 * start across zones; a zone's next start is its earliest allowed instant (bar the second pass of
 * a repeated hour), so the rounds do not skip a common minute. Only an instant every zone accepted
 * is returned.
 */
function earliestCommonInstant(at: Date, zones: readonly string[], window: { startMinute: number; endMinute: number }): Date | null {
  const limit = at.getTime() + COMMON_WINDOW_HORIZON_MS;
  // Each round lands on a different window start, and each zone has at most 4 in the horizon.
  const maxRounds = 4 * zones.length + 4;
  let t = at;
  for (let round = 0; round <= maxRounds; round++) {
    const next = Math.max(...zones.map((z) => nextAllowedInZone(t, z, window).getTime()));
    if (next === t.getTime()) return t;
    if (next > limit) return null;
    t = new Date(next);
  }
  return null;
}

/**
 * When a touch due at `at` may be sent to this recipient: `at` itself (the same object) when
 * allowed, else the first minute that is inside the window in EVERY zone the recipient may be in:
 *
 * 1. the effective window (the business's window within the legal one);
 * 2. if the zones share no minute of it (a business window narrower than the zones' spread, e.g.
 *    08:00-09:00 for Eastern and Central), the legal window alone: the law still holds everywhere,
 *    the business's preference gives way;
 * 3. if even the legal windows share no minute (impossible for US and Canadian zones, which all
 *    lie within 11.5 hours of each other; only a far-away customer zone next to a North American
 *    number and address), a re-check one day later. That instant is not a send time: the caller
 *    defers to it and asks again, so nothing is ever sent outside the legal window in any zone.
 */
export function nextAllowedTime(at: Date, locale: RecipientLocale, policy: QuietHoursPolicy): Date {
  const regions = locale.ruleRegions ?? locale.region;
  const zones = candidateZones(locale);
  const window = effectiveWindow(policy, regions);
  const inWindow = earliestCommonInstant(at, zones, window);
  if (inWindow) return inWindow;
  const legal = legalWindow(regions);
  if (legal.startMinute !== window.startMinute || legal.endMinute !== window.endMinute) {
    const inLegal = earliestCommonInstant(at, zones, legal);
    if (inLegal) return inLegal;
  }
  return new Date(at.getTime() + DAY_MS);
}
