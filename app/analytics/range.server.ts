// The analytics date range: a preset (?range=7d|30d|90d|all) or custom local dates
// (?from=YYYY-MM-DD&to=YYYY-MM-DD), meaning enrollments enrolled within [from, to) in the
// business's timezone. Bad input is a 400 naming the field.
import { DateTime } from "luxon";
import { z } from "zod";
import { ValidationError, zodFieldErrors } from "~/lib/errors.server";

export const RANGE_PRESETS = {
  "7d": { days: 7, label: "Last 7 days" },
  "30d": { days: 30, label: "Last 30 days" },
  "90d": { days: 90, label: "Last 90 days" },
  all: { days: null, label: "All time" },
} as const;

export type RangePreset = keyof typeof RANGE_PRESETS;
export const DEFAULT_RANGE: RangePreset = "30d";

export interface DateRange {
  /** The preset, or "custom" for from/to. */
  key: RangePreset | "custom";
  /** First local day included (YYYY-MM-DD); null for all time. */
  from: string | null;
  /** First local day NOT included (YYYY-MM-DD); null for all time. */
  to: string | null;
  /** The same bounds as instants (start inclusive, end exclusive); null = unbounded. */
  start: Date | null;
  end: Date | null;
  label: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const localDate = z
  .string()
  .regex(ISO_DATE, "must be a date like 2026-01-31")
  .refine((v) => DateTime.fromISO(v, { zone: "UTC" }).isValid, "is not a valid date")
  .refine((v) => v >= "2000-01-01" && v <= "2100-12-31", "must be between 2000-01-01 and 2100-12-31");

const rangeQuerySchema = z.object({
  range: z.enum(["7d", "30d", "90d", "all"], { error: "must be one of 7d, 30d, 90d, all" }).optional(),
  from: localDate.optional(),
  to: localDate.optional(),
});

/** Rules across fields, checked once each field is valid on its own. */
function crossFieldErrors(v: z.output<typeof rangeQuerySchema>): Record<string, string> {
  if (v.range && (v.from || v.to)) return { range: "give either range or from/to, not both" };
  if (v.from && !v.to) return { to: "is required with from" };
  if (v.to && !v.from) return { from: "is required with to" };
  if (v.from && v.to && v.to <= v.from) return { to: "must be after from (to is exclusive)" };
  return {};
}

function zoneOf(timezone: string): string {
  return DateTime.now().setZone(timezone).isValid ? timezone : "UTC";
}

/** Local midnight starting `day` in `zone`, as an instant (DST-safe). */
function startOfLocalDay(day: string, zone: string): Date {
  return DateTime.fromISO(day, { zone }).startOf("day").toJSDate();
}

function formatDay(day: string, zone: string): string {
  return DateTime.fromISO(day, { zone }).toFormat("LLL d, yyyy");
}

/**
 * Reads the range from a request's query string. "Last N days" are the N local days up to and
 * including today; `now` comes from the caller's clock.
 */
export function parseDateRange(params: URLSearchParams, opts: { timezone: string; now: Date }): DateRange {
  const raw = Object.fromEntries(
    (["range", "from", "to"] as const).flatMap((k) => {
      const v = params.get(k);
      return v === null || v === "" ? [] : [[k, v]];
    }),
  );
  const parsed = rangeQuerySchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  const crossErrors = crossFieldErrors(parsed.data);
  if (Object.keys(crossErrors).length) throw new ValidationError(crossErrors);
  const zone = zoneOf(opts.timezone);
  const { range, from, to } = parsed.data;

  if (from && to) {
    const lastDay = DateTime.fromISO(to, { zone }).minus({ days: 1 }).toISODate()!;
    return {
      key: "custom",
      from,
      to,
      start: startOfLocalDay(from, zone),
      end: startOfLocalDay(to, zone),
      label: from === lastDay ? formatDay(from, zone) : `${formatDay(from, zone)} – ${formatDay(lastDay, zone)}`,
    };
  }
  const key = range ?? DEFAULT_RANGE;
  const preset = RANGE_PRESETS[key];
  if (preset.days === null) return { key, from: null, to: null, start: null, end: null, label: preset.label };
  const today = DateTime.fromJSDate(opts.now, { zone }).startOf("day");
  const presetFrom = today.minus({ days: preset.days - 1 }).toISODate()!;
  const presetTo = today.plus({ days: 1 }).toISODate()!;
  return {
    key,
    from: presetFrom,
    to: presetTo,
    start: startOfLocalDay(presetFrom, zone),
    end: startOfLocalDay(presetTo, zone),
    label: preset.label,
  };
}
