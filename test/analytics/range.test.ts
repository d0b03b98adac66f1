// The analytics date range: presets are whole local days up to today in the business's timezone,
// custom dates are [from, to) local days, and bad input names its field.
import { describe, expect, it } from "vitest";
import { parseDateRange } from "~/analytics/range.server";
import { ValidationError } from "~/lib/errors.server";

const NY = "America/New_York";
const parse = (query: string, now = "2026-01-20T16:00:00Z", timezone = NY) =>
  parseDateRange(new URLSearchParams(query), { timezone, now: new Date(now) });

function fieldErrors(query: string): Record<string, string> {
  try {
    parse(query);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).fieldErrors;
  }
  throw new Error(`${query} was accepted`);
}

describe("parseDateRange", () => {
  it("defaults to the last 30 local days, today included", () => {
    expect(parse("")).toEqual({
      key: "30d",
      from: "2025-12-22",
      to: "2026-01-21",
      start: new Date("2025-12-22T05:00:00Z"),
      end: new Date("2026-01-21T05:00:00Z"),
      label: "Last 30 days",
    });
  });

  it("counts days in the business's timezone, whatever the UTC date", () => {
    // 03:00 UTC on Jan 5 is still Jan 4 in New York, already Jan 5 in Berlin.
    expect(parse("range=7d", "2026-01-05T03:00:00Z")).toMatchObject({ from: "2025-12-29", to: "2026-01-05" });
    expect(parse("range=7d", "2026-01-05T03:00:00Z", "Europe/Berlin")).toMatchObject({
      from: "2025-12-30",
      to: "2026-01-06",
      start: new Date("2025-12-29T23:00:00Z"),
    });
  });

  it("uses each day's own offset across a daylight-saving change", () => {
    // DST starts on Mar 8, 2026 in New York: the first day is EST (-5), the end EDT (-4).
    const r = parse("range=7d", "2026-03-10T12:00:00Z");
    expect(r).toMatchObject({ from: "2026-03-04", to: "2026-03-11" });
    expect(r.start).toEqual(new Date("2026-03-04T05:00:00Z"));
    expect(r.end).toEqual(new Date("2026-03-11T04:00:00Z"));
  });

  it("reads the other presets and all time", () => {
    expect(parse("range=90d")).toMatchObject({ key: "90d", from: "2025-10-23", to: "2026-01-21", label: "Last 90 days" });
    expect(parse("range=all")).toEqual({ key: "all", from: null, to: null, start: null, end: null, label: "All time" });
  });

  it("reads custom dates as [from, to) local days", () => {
    expect(parse("from=2026-01-04&to=2026-01-11")).toEqual({
      key: "custom",
      from: "2026-01-04",
      to: "2026-01-11",
      start: new Date("2026-01-04T05:00:00Z"),
      end: new Date("2026-01-11T05:00:00Z"),
      label: "Jan 4, 2026 – Jan 10, 2026",
    });
    expect(parse("from=2026-01-04&to=2026-01-05").label).toBe("Jan 4, 2026");
  });

  it("falls back to UTC for a timezone it does not know", () => {
    expect(parse("from=2026-01-04&to=2026-01-05", undefined, "Mars/Olympus").start).toEqual(new Date("2026-01-04T00:00:00Z"));
  });

  it("ignores unrelated parameters and empty values", () => {
    expect(parse("id_token=abc&range=&from=").key).toBe("30d");
  });

  it("rejects bad input, naming the field", () => {
    expect(fieldErrors("range=14d")).toEqual({ range: "must be one of 7d, 30d, 90d, all" });
    expect(fieldErrors("from=2026-1-4&to=2026-01-05")).toEqual({ from: "must be a date like 2026-01-31" });
    expect(fieldErrors("from=2026-02-30&to=2026-03-05")).toEqual({ from: "is not a valid date" });
    expect(fieldErrors("from=1999-12-31&to=2026-03-05")).toEqual({ from: "must be between 2000-01-01 and 2100-12-31" });
    expect(fieldErrors("from=2026-01-04")).toEqual({ to: "is required with from" });
    expect(fieldErrors("to=2026-01-04")).toEqual({ from: "is required with to" });
    expect(fieldErrors("from=2026-01-04&to=2026-01-04")).toEqual({ to: "must be after from (to is exclusive)" });
    expect(fieldErrors("range=7d&from=2026-01-04&to=2026-01-05")).toEqual({ range: "give either range or from/to, not both" });
  });
});
