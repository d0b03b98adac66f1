import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_QUIET_HOURS_POLICY,
  effectiveWindow,
  nextAllowedInZone,
  nextAllowedTime,
  resolveRecipientLocale,
  type QuietHoursPolicy,
  type RecipientLocale,
} from "~/engine/quiet-hours.server";

const NY = "America/New_York";
const LA = "America/Los_Angeles";
const policy = DEFAULT_QUIET_HOURS_POLICY;
const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();
const locale = (timezone: string, region: string | null = null): RecipientLocale => ({
  timezone,
  region,
  timezoneSource: "customer",
});
/** Local wall time of an instant, e.g. "2026-03-08 08:00 EDT". */
const wall = (d: Date, tz: string) => DateTime.fromJSDate(d, { zone: tz }).toFormat("yyyy-MM-dd HH:mm ZZZZ");

describe("resolveRecipientLocale", () => {
  it("uses the customer's own IANA zone first, and its region", () => {
    const l = resolveRecipientLocale(
      { timezone: "America/Denver", phone: "+13055551234", region: "CO", country: "US" },
      NY,
    );
    expect(l).toMatchObject({ timezone: "America/Denver", timezoneSource: "customer", region: "CO", otherTimezones: [] });
    // The Florida area code still brings Florida's rules (a FL area code is presumed a FL resident).
    expect(l.ruleRegions).toEqual(["CO", "FL"]);
  });

  it("ignores invalid or offset-only customer zones and falls back to the phone", () => {
    for (const timezone of ["Mars/Olympus_Mons", "EST", "+05:00", "", "   ", null, undefined]) {
      const l = resolveRecipientLocale({ timezone, phone: "+14155550100" }, NY);
      expect(l, String(timezone)).toMatchObject({ timezone: LA, timezoneSource: "phone", region: "CA" });
    }
  });

  it("infers zone and state from the NANP area code", () => {
    const cases: Array<[string, string, string]> = [
      ["+13055551234", "FL", NY],
      ["+12125550123", "NY", NY],
      ["+14155550100", "CA", LA],
      ["+19075550100", "AK", "America/Anchorage"],
      ["+18085550100", "HI", "Pacific/Honolulu"],
      ["+16025550100", "AZ", "America/Phoenix"],
      ["+14165550100", "ON", "America/Toronto"],
      ["+15145550100", "QC", "America/Toronto"],
      ["+16045550100", "BC", "America/Vancouver"],
      ["+13065550100", "SK", "America/Regina"],
      ["+17875550100", "PR", "America/Puerto_Rico"],
      ["+19155550100", "TX", "America/Denver"],
    ];
    for (const [phone, region, timezone] of cases) {
      expect(resolveRecipientLocale({ phone }, "Europe/Paris"), phone).toMatchObject({
        region,
        timezone,
        timezoneSource: "phone",
        ruleRegions: [region],
      });
    }
  });

  it("reads the usual ways of writing a North American number", () => {
    for (const phone of ["(305) 555-1234", "305-555-1234", "1 305 555 1234", "+1 (305) 555-1234", "305.555.1234 ext. 12"]) {
      expect(resolveRecipientLocale({ phone }, LA), phone).toMatchObject({ region: "FL", timezoneSource: "phone" });
    }
  });

  it("does not read a zone from non-geographic, foreign or malformed numbers", () => {
    for (const phone of ["+18005551234", "+442071234567", "+1305555123", "555-1234", "+1 105 555 1234"]) {
      expect(resolveRecipientLocale({ phone }, LA), phone).toMatchObject({ timezone: LA, timezoneSource: "business", region: null });
    }
    // A 10-digit number without +1 is not North American when the customer lives elsewhere.
    expect(resolveRecipientLocale({ phone: "3055551234", country: "GB" }, LA).timezoneSource).toBe("business");
  });

  it("falls back to the address region, normalising names and codes", () => {
    for (const region of ["FL", "fl", "Florida", " florida ", "US-FL"]) {
      expect(resolveRecipientLocale({ region, country: "US" }, LA), region).toMatchObject({
        timezone: NY,
        timezoneSource: "region",
        region: "FL",
        otherTimezones: ["America/Chicago"],
      });
    }
    expect(resolveRecipientLocale({ region: "Québec", country: "Canada" }, LA)).toMatchObject({ region: "QC", timezone: "America/Toronto" });
    expect(resolveRecipientLocale({ region: "TX" }, LA)).toMatchObject({ region: "TX", timezone: "America/Chicago" });
    // Multi-zone states use the most populous zone.
    expect(resolveRecipientLocale({ region: "Tennessee" }, LA).timezone).toBe("America/Chicago");
    expect(resolveRecipientLocale({ region: "KY" }, LA).timezone).toBe(NY);
  });

  it("ignores a region that does not belong to the customer's country", () => {
    expect(resolveRecipientLocale({ region: "ON", country: "US" }, LA)).toMatchObject({ region: null, timezoneSource: "business" });
    // Baja California, not British Columbia.
    expect(resolveRecipientLocale({ region: "BC", country: "MX" }, LA)).toMatchObject({ region: null, timezoneSource: "business" });
  });

  it("prefers the customer's region as the region, but the phone's zone over the region's zone", () => {
    const l = resolveRecipientLocale({ phone: "+13055551234", region: "GA" }, LA);
    expect(l).toMatchObject({ region: "GA", timezone: NY, timezoneSource: "phone", ruleRegions: ["GA", "FL"] });
  });

  it("uses the business zone last, and a safe default when that is invalid too", () => {
    expect(resolveRecipientLocale({}, "America/Chicago")).toMatchObject({ timezone: "America/Chicago", timezoneSource: "business", region: null, ruleRegions: [] });
    expect(resolveRecipientLocale({ timezone: "nope" }, "also/nope")).toMatchObject({ timezone: NY, timezoneSource: "business" });
  });

  it("lists every zone of an area code that spans zones", () => {
    expect(resolveRecipientLocale({ phone: "+18505550100" }, LA)).toMatchObject({
      region: "FL",
      timezone: "America/Chicago",
      otherTimezones: [NY],
    });
    expect(resolveRecipientLocale({ phone: "+19025550100" }, LA)).toMatchObject({ region: "NS", ruleRegions: ["NS", "PE"] });
  });
});

describe("effectiveWindow", () => {
  it("is the business window when no stricter rule applies", () => {
    expect(effectiveWindow(policy, null)).toEqual({ startMinute: 480, endMinute: 1260, rule: "business window" });
    expect(effectiveWindow({ startMinute: 540, endMinute: 1080 }, "NY")).toMatchObject({ startMinute: 540, endMinute: 1080 });
  });

  it("intersects with Florida's 08:00-20:00", () => {
    const w = effectiveWindow(policy, "FL");
    expect(w).toMatchObject({ startMinute: 480, endMinute: 1200 });
    expect(w.rule).toContain("501.616");
    expect(effectiveWindow(policy, ["GA", "FL"])).toMatchObject({ startMinute: 480, endMinute: 1200 });
  });

  it("never lets the business widen the federal window", () => {
    const w = effectiveWindow({ startMinute: 6 * 60, endMinute: 23 * 60 }, null);
    expect(w).toMatchObject({ startMinute: 480, endMinute: 1260 });
    expect(w.rule).toContain("TCPA");
  });

  it("uses the legal window when the business window is invalid or outside it", () => {
    expect(effectiveWindow({ startMinute: 1200, endMinute: 600 }, null)).toMatchObject({ startMinute: 480, endMinute: 1260 });
    const w = effectiveWindow({ startMinute: 1230, endMinute: 1260 }, "FL");
    expect(w).toMatchObject({ startMinute: 480, endMinute: 1200 });
    expect(w.rule).toContain("ignored");
  });

  it("does not enable rules that are only listed as unconfirmed", () => {
    expect(effectiveWindow(policy, ["MD", "WA", "TX", "OK"])).toMatchObject({ startMinute: 480, endMinute: 1260 });
  });
});

describe("nextAllowedTime", () => {
  it("returns `at` itself when allowed", () => {
    const t = at("2026-01-15T15:00:00Z"); // 10:00 EST
    expect(nextAllowedTime(t, locale(NY), policy)).toBe(t);
  });

  it("has an inclusive start and an exclusive end", () => {
    const l = locale(NY);
    expect(iso(nextAllowedTime(at("2026-01-15T13:00:00Z"), l, policy))).toBe("2026-01-15T13:00:00.000Z"); // 08:00
    expect(iso(nextAllowedTime(at("2026-01-15T12:59:00Z"), l, policy))).toBe("2026-01-15T13:00:00.000Z"); // 07:59
    expect(iso(nextAllowedTime(at("2026-01-16T01:59:59Z"), l, policy))).toBe("2026-01-16T01:59:59.000Z"); // 20:59:59
    expect(iso(nextAllowedTime(at("2026-01-16T02:00:00Z"), l, policy))).toBe("2026-01-16T13:00:00.000Z"); // 21:00
    expect(iso(nextAllowedTime(at("2026-01-15T05:00:00Z"), l, policy))).toBe("2026-01-15T13:00:00.000Z"); // 00:00
  });

  it("applies Florida's window: 19:59 goes, 20:00 waits for 08:00 the next day", () => {
    const fl = resolveRecipientLocale({ phone: "+13055551234" }, LA);
    const ok = at("2026-01-16T00:59:00Z"); // 19:59 EST
    expect(nextAllowedTime(ok, fl, policy)).toBe(ok);
    const late = nextAllowedTime(at("2026-01-16T01:00:00Z"), fl, policy); // 20:00 EST
    expect(wall(late, NY)).toBe("2026-01-16 08:00 EST");
    // The same instant is fine for a New Yorker.
    expect(nextAllowedTime(at("2026-01-16T01:00:00Z"), locale(NY, "NY"), policy).toISOString()).toBe("2026-01-16T01:00:00.000Z");
  });

  it("finds 08:00 on the spring-forward day (2026-03-08) in New York", () => {
    // 01:30 EST, before the clocks jump from 02:00 to 03:00: 08:00 EDT is 5.5 hours later, not 6.5.
    const next = nextAllowedTime(at("2026-03-08T06:30:00Z"), locale(NY), policy);
    expect(iso(next)).toBe("2026-03-08T12:00:00.000Z");
    expect(wall(next, NY)).toBe("2026-03-08 08:00 EDT");
    // From the evening before (22:00 EST).
    expect(iso(nextAllowedTime(at("2026-03-08T03:00:00Z"), locale(NY), policy))).toBe("2026-03-08T12:00:00.000Z");
  });

  it("finds 08:00 on the fall-back day (2026-11-01) in New York, from either pass of the repeated hour", () => {
    for (const t of ["2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01T01:30:00Z"]) {
      // 01:30 EDT, 01:30 EST, and 21:30 EDT the evening before.
      const next = nextAllowedTime(at(t), locale(NY), policy);
      expect(iso(next), t).toBe("2026-11-01T13:00:00.000Z");
      expect(wall(next, NY)).toBe("2026-11-01 08:00 EST");
    }
  });

  it("uses the recipient's zone, not the business's, across both changes (Los Angeles)", () => {
    const la = resolveRecipientLocale({ timezone: LA }, NY);
    // 09:00 EDT in New York is 06:00 PDT in Los Angeles.
    expect(iso(nextAllowedTime(at("2026-03-08T13:00:00Z"), la, policy))).toBe("2026-03-08T15:00:00.000Z");
    expect(wall(nextAllowedTime(at("2026-03-08T09:30:00Z"), la, policy), LA)).toBe("2026-03-08 08:00 PDT");
    expect(iso(nextAllowedTime(at("2026-11-01T09:30:00Z"), la, policy))).toBe("2026-11-01T16:00:00.000Z"); // 01:30 PST
    expect(wall(nextAllowedTime(at("2026-11-01T08:30:00Z"), la, policy), LA)).toBe("2026-11-01 08:00 PST"); // 01:30 PDT
  });

  it("lands on the jump when the window would start inside a skipped hour, and on the first pass of a repeated one", () => {
    expect(iso(nextAllowedInZone(at("2026-03-08T06:00:00Z"), NY, { startMinute: 150, endMinute: 1260 }))).toBe(
      "2026-03-08T07:00:00.000Z", // 03:00 EDT: 02:30 never happens
    );
    expect(iso(nextAllowedInZone(at("2026-11-01T04:30:00Z"), NY, { startMinute: 90, endMinute: 1260 }))).toBe(
      "2026-11-01T05:30:00.000Z", // 01:30 EDT
    );
    expect(iso(nextAllowedInZone(at("2026-11-01T06:10:00Z"), NY, { startMinute: 90, endMinute: 1260 }))).toBe(
      "2026-11-01T06:30:00.000Z", // 01:10 EST (second pass) waits for 01:30 EST
    );
  });

  it("holds the window in every zone of an area code that spans zones (850: Central and Eastern)", () => {
    const panhandle = resolveRecipientLocale({ phone: "+18505550100" }, LA);
    // 08:30 EST is 07:30 CST: wait for 08:00 CST.
    expect(iso(nextAllowedTime(at("2026-01-15T13:30:00Z"), panhandle, policy))).toBe("2026-01-15T14:00:00.000Z");
    // 20:00 EST (Florida's end) is 19:00 CST: wait for 08:00 CST next day.
    expect(iso(nextAllowedTime(at("2026-01-16T01:00:00Z"), panhandle, policy))).toBe("2026-01-16T14:00:00.000Z");
    const ok = at("2026-01-16T00:30:00Z");
    expect(nextAllowedTime(ok, panhandle, policy)).toBe(ok);
  });

  it("rejects an invalid zone in a hand-built locale", () => {
    expect(() => nextAllowedTime(at("2026-01-15T15:00:00Z"), locale("Nowhere/Land"), policy)).toThrow(RangeError);
  });
});

describe("nextAllowedTime properties", () => {
  const zones = [
    NY, LA, "America/Chicago", "America/Phoenix", "Pacific/Honolulu", "America/St_Johns",
    "America/Anchorage", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "America/Havana",
  ];
  const instant = fc.date({ min: new Date("2025-12-01T00:00:00Z"), max: new Date("2027-12-31T00:00:00Z"), noInvalidDate: true });
  const businessPolicy: fc.Arbitrary<QuietHoursPolicy> = fc
    .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1440 }))
    .map(([a, b]) => ({ startMinute: Math.min(a, b), endMinute: Math.max(a, b) }));
  const inWindow = (d: Date, tz: string, w: { startMinute: number; endMinute: number }) => {
    const l = DateTime.fromJSDate(d, { zone: tz });
    const m = l.hour * 60 + l.minute;
    return m >= w.startMinute && m < w.endMinute;
  };

  it("is never before `at`, always inside the window, and within 25 hours", () => {
    // Instants are built from a local day and minute, biased towards the window edges.
    const edgeMinute = fc.constantFrom(0, 479, 480, 1199, 1200, 1259, 1260, 1439);
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 730 }),
        businessPolicy,
        fc.oneof(fc.integer({ min: 0, max: 1439 }), edgeMinute, fc.constant("start" as const), fc.constant("end" as const)),
        fc.integer({ min: 0, max: 59_999 }),
        fc.constantFrom(null, "FL"),
        (tz, day, p, minuteChoice, ms, region) => {
          const minute = minuteChoice === "start" ? p.startMinute : minuteChoice === "end" ? p.endMinute % 1440 : minuteChoice;
          const t = DateTime.fromObject({ year: 2026, month: 1, day: 1 }, { zone: tz })
            .plus({ days: day })
            .set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 })
            .plus({ milliseconds: ms })
            .toJSDate();
          const result = nextAllowedTime(t, locale(tz, region), p);
          const w = effectiveWindow(p, region);
          expect(result.getTime()).toBeGreaterThanOrEqual(t.getTime());
          expect(inWindow(result, tz, w)).toBe(true);
          expect(result.getTime() - t.getTime()).toBeLessThanOrEqual(25 * 3_600_000);
          // Allowed times are returned unchanged, so a deferred touch is not deferred again.
          expect(nextAllowedTime(result, locale(tz, region), p).getTime()).toBe(result.getTime());
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("also holds for arbitrary instants", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...zones), businessPolicy, (t, tz, p) => {
        const result = nextAllowedTime(t, locale(tz), p);
        expect(result.getTime()).toBeGreaterThanOrEqual(t.getTime());
        expect(inWindow(result, tz, effectiveWindow(p, null))).toBe(true);
        expect(result.getTime() - t.getTime()).toBeLessThanOrEqual(25 * 3_600_000);
      }),
      { numRuns: 1000 },
    );
  });

  it("holds in every zone of a multi-zone recipient whenever they share a window", () => {
    const phones = ["+18505550100", "+12085550100", "+18125550100", "+19065550100", "+18675550100", "+16055550100"];
    fc.assert(
      fc.property(instant, fc.constantFrom(...phones), (t, phone) => {
        const l = resolveRecipientLocale({ phone }, NY);
        const result = nextAllowedTime(t, l, policy);
        const w = effectiveWindow(policy, l.ruleRegions);
        expect(result.getTime()).toBeGreaterThanOrEqual(t.getTime());
        for (const tz of [l.timezone, ...l.otherTimezones]) expect(inWindow(result, tz, w), tz).toBe(true);
        expect(result.getTime() - t.getTime()).toBeLessThanOrEqual(28 * 3_600_000);
      }),
      { numRuns: 1000 },
    );
  });
});
