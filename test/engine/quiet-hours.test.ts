import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { AREA_CODE_GROUPS } from "~/engine/data/nanp-area-codes";
import { REGIONS } from "~/engine/data/regions";
import { SEND_WINDOW_RULES } from "~/engine/data/send-window-rules";
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
  it("uses the customer's own IANA zone first, and its region; the phone's zone joins it", () => {
    const l = resolveRecipientLocale(
      { timezone: "America/Denver", phone: "+13055551234", region: "CO", country: "US" },
      NY,
    );
    // Colorado's zone is the customer's own; the Florida number may still be in Florida.
    expect(l).toMatchObject({ timezone: "America/Denver", timezoneSource: "customer", region: "CO", otherTimezones: [NY] });
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

// Issue 14: the window must hold in every zone the recipient may be in. Each expectation below is a
// literal instant worked out by hand; the comments give the local times.
describe("every zone the recipient may be in", () => {
  const CT = "America/Chicago";
  const MT = "America/Denver";

  it("joins the address region's zones to the phone's: a Florida address with a 415 number", () => {
    const l = resolveRecipientLocale({ region: "FL", phone: "+14155550142" }, NY);
    // 19:30 PST is 22:30 EST at the Florida address: wait for 08:00 PST (11:00 EST, 10:00 CST).
    expect(iso(nextAllowedTime(at("2026-01-07T03:30:00Z"), l, policy))).toBe("2026-01-07T16:00:00.000Z");
    expect(l).toMatchObject({ timezone: LA, timezoneSource: "phone", region: "FL", ruleRegions: ["FL", "CA"] });
    expect([...l.otherTimezones].sort()).toEqual([CT, NY]);
  });

  it("joins the address region's zones to the phone's: a California address with a 305 number", () => {
    const l = resolveRecipientLocale({ region: "CA", phone: "+13055550142" }, NY);
    // 08:00 EST is 05:00 PST at the California address: wait for 08:00 PST.
    expect(iso(nextAllowedTime(at("2026-01-06T13:00:00Z"), l, policy))).toBe("2026-01-06T16:00:00.000Z");
    expect(l).toMatchObject({ timezone: NY, otherTimezones: [LA], ruleRegions: ["CA", "FL"] });
  });

  it("keeps the phone's and address's zones next to the customer's own zone", () => {
    const l = resolveRecipientLocale({ timezone: MT, phone: "+13055551234", region: "CO" }, LA);
    // 18:30 MST is 20:30 EST for the Florida number, past Florida's 20:00: wait for 08:00 MST (10:00 EST).
    expect(iso(nextAllowedTime(at("2026-01-16T01:30:00Z"), l, policy))).toBe("2026-01-16T15:00:00.000Z");
  });

  it("falls back to the legal window in every zone when the business window leaves no common time", () => {
    const l = resolveRecipientLocale({ region: "FL" }, LA);
    // 08:00-09:00 Eastern and 08:00-09:00 Central never overlap. At 07:00 EST / 06:00 CST, the first
    // minute legal in both (Florida 08:00-20:00) is 08:00 CST = 09:00 EST; not 08:00 EST = 07:00 CST.
    const next = nextAllowedTime(at("2026-01-07T12:00:00Z"), l, { startMinute: 8 * 60, endMinute: 9 * 60 });
    expect(iso(next)).toBe("2026-01-07T14:00:00.000Z");
    expect([wall(next, NY), wall(next, CT)]).toEqual(["2026-01-07 09:00 EST", "2026-01-07 08:00 CST"]);
    // Inside the legal window already in both zones: sent at once.
    const ok = at("2026-01-07T18:00:00Z");
    expect(nextAllowedTime(ok, l, { startMinute: 8 * 60, endMinute: 9 * 60 })).toBe(ok);
  });

  it("defers a day, sending nothing, when even the legal windows share no minute", () => {
    // Only a far-away customer zone can do this: Kolkata (+05:30), Honolulu (-10:00) and
    // St. John's (-03:30) are spread over 15 of the 24 hours, more than the 13-hour federal window.
    const l = resolveRecipientLocale({ timezone: "Asia/Kolkata", phone: "+18085550142", region: "NL" }, NY);
    const zones = ["Asia/Kolkata", "Pacific/Honolulu", "America/St_Johns", "America/Goose_Bay"];
    const t = at("2026-01-07T12:00:00Z"); // 17:30 in Kolkata, 02:00 in Honolulu
    expect(iso(nextAllowedTime(t, l, policy))).toBe("2026-01-08T12:00:00.000Z");
    expect(l).toMatchObject({ timezoneSource: "customer", otherTimezones: zones.slice(1) });
    // Checked minute by minute: no instant of the next two days is 08:00-21:00 in all of them.
    for (let m = 0; m < 2 * 1440; m++) {
      const d = new Date(t.getTime() + m * 60_000);
      expect(zones.every((z) => inLegal(d, z, { startMinute: 480, endMinute: 1260 })), iso(d)).toBe(false);
    }
  });

  it("times a Texas address with no phone in Central and Mountain time (El Paso)", () => {
    const l = resolveRecipientLocale({ region: "TX" }, NY);
    // 08:00 CST is 07:00 MST in El Paso: wait for 08:00 MST.
    expect(iso(nextAllowedTime(at("2026-01-07T14:00:00Z"), l, policy))).toBe("2026-01-07T15:00:00.000Z");
    expect(l).toMatchObject({ timezone: CT, otherTimezones: [MT], timezoneSource: "region" });
  });
});

function inLegal(d: Date, tz: string, w: { startMinute: number; endMinute: number }): boolean {
  const l = DateTime.fromJSDate(d, { zone: tz });
  const m = l.hour * 60 + l.minute;
  return m >= w.startMinute && m < w.endMinute;
}

describe("nextAllowedTime never sends outside the legal window in any zone the recipient may be in", () => {
  // The oracle is built from the data tables, not from resolveRecipientLocale: the customer's own
  // zone, every zone of the area code and every zone of the address region.
  const groupOf = new Map(AREA_CODE_GROUPS.flatMap((g) => g.codes.map((c) => [c, g] as const)));
  const areaCodes = [...groupOf.keys()];
  const dataZones = [
    ...new Set([
      ...AREA_CODE_GROUPS.flatMap((g) => [g.timezone, ...(g.otherTimezones ?? [])]),
      ...Object.values(REGIONS).flatMap((r) => [r.timezone, ...(r.otherTimezones ?? [])]),
    ]),
  ];
  const legalFor = (regions: readonly string[]) => {
    const rules = SEND_WINDOW_RULES.filter((r) => r.enabled && (r.appliesTo === "*" || regions.includes(r.appliesTo)));
    return { startMinute: Math.max(...rules.map((r) => r.startMinute)), endMinute: Math.min(...rules.map((r) => r.endMinute)) };
  };
  const mayBeIn = (customerZone: string | null, areaCode: number | null, region: string | null) => {
    const group = areaCode === null ? undefined : groupOf.get(areaCode);
    const info = region === null ? undefined : REGIONS[region];
    return {
      zones: [
        ...(customerZone ? [customerZone] : []),
        ...(group ? [group.timezone, ...(group.otherTimezones ?? [])] : []),
        ...(info ? [info.timezone, ...(info.otherTimezones ?? [])] : []),
      ],
      regions: [...(region ? [region] : []), ...(group?.regions ?? [])],
    };
  };
  const instant = fc.date({ min: new Date("2025-12-01T00:00:00Z"), max: new Date("2027-12-31T00:00:00Z"), noInvalidDate: true });
  // Any business window, narrow ones and invalid ones included.
  const businessWindow: fc.Arbitrary<QuietHoursPolicy> = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 120 })).map(([s, len]) => ({ startMinute: s, endMinute: Math.min(1440, s + len) })),
    fc.tuple(fc.integer({ min: 0, max: 1440 }), fc.integer({ min: 0, max: 1440 })).map(([startMinute, endMinute]) => ({ startMinute, endMinute })),
  );

  const phoneOf = (areaCode: number | null) => (areaCode === null ? null : `+1${areaCode}5550142`);

  it("for North American recipients: always inside the legal window in every zone, within two days", () => {
    fc.assert(
      fc.property(
        instant,
        fc.option(fc.constantFrom(...dataZones), { nil: null }),
        fc.option(fc.constantFrom(...areaCodes), { nil: null }),
        fc.option(fc.constantFrom(...Object.keys(REGIONS)), { nil: null }),
        businessWindow,
        (t, customerZone, areaCode, region, business) => {
          const l = resolveRecipientLocale({ timezone: customerZone, phone: phoneOf(areaCode), region }, "America/Chicago");
          const oracle = mayBeIn(customerZone, areaCode, region);
          const zones = oracle.zones.length > 0 ? oracle.zones : ["America/Chicago"];
          const legal = legalFor(oracle.regions);
          const result = nextAllowedTime(t, l, business);
          expect(result.getTime()).toBeGreaterThanOrEqual(t.getTime());
          for (const z of zones) expect(inLegal(result, z, legal), `${z} at ${iso(result)}`).toBe(true);
          expect(result.getTime() - t.getTime()).toBeLessThanOrEqual(2 * 86_400_000);
          // What it returns it accepts later on too (or defers further, still legal): never earlier.
          expect(nextAllowedTime(result, l, business).getTime()).toBeGreaterThanOrEqual(result.getTime());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("for any customer zone: a legal instant in every zone, or, when they share no legal minute, a re-check a day later", () => {
    const anywhere = ["Asia/Kolkata", "Europe/London", "Asia/Tokyo", "Australia/Lord_Howe", "Pacific/Kiritimati", "Pacific/Chatham"];
    fc.assert(
      fc.property(
        instant,
        fc.constantFrom(...anywhere, ...dataZones),
        fc.option(fc.constantFrom(...areaCodes), { nil: null }),
        fc.option(fc.constantFrom(...Object.keys(REGIONS)), { nil: null }),
        businessWindow,
        (t, customerZone, areaCode, region, business) => {
          const l = resolveRecipientLocale({ timezone: customerZone, phone: phoneOf(areaCode), region }, "America/Chicago");
          const { zones, regions } = mayBeIn(customerZone, areaCode, region);
          const legal = legalFor(regions);
          const result = nextAllowedTime(t, l, business);
          if (zones.every((z) => inLegal(result, z, legal))) {
            expect(result.getTime()).toBeGreaterThanOrEqual(t.getTime());
            expect(result.getTime() - t.getTime()).toBeLessThanOrEqual(2 * 86_400_000);
            return;
          }
          expect(iso(result)).toBe(iso(new Date(t.getTime() + 86_400_000)));
          for (let m = 0; m < 2 * 1440; m += 1) {
            const d = new Date(t.getTime() + m * 60_000);
            expect(zones.every((z) => inLegal(d, z, legal)), iso(d)).toBe(false);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
