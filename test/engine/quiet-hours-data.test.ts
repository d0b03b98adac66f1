// Sanity of the regulatory and geographic data tables behind quiet hours.
import { IANAZone } from "luxon";
import { describe, expect, it } from "vitest";
import { AREA_CODE_GROUPS } from "~/engine/data/nanp-area-codes";
import { REGIONS } from "~/engine/data/regions";
import { SEND_WINDOW_RULES } from "~/engine/data/send-window-rules";
import { lookupAreaCode } from "~/engine/recipient-region";

const US_STATES_AND_DC = [
  "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
  "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
  "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
];
const PROVINCES = ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"];

describe("NANP area-code table", () => {
  const all = AREA_CODE_GROUPS.flatMap((g) => g.codes);

  it("lists each code once, and only geographic codes", () => {
    expect(new Set(all).size).toBe(all.length);
    for (const code of all) {
      expect(code, String(code)).toBeGreaterThanOrEqual(200);
      expect(code).toBeLessThanOrEqual(999);
      expect(code % 100 === 11, `${code} is an N11 service code`).toBe(false);
      expect([500, 521, 522, 533, 544, 566, 577, 588, 600, 622, 700, 800, 833, 844, 855, 866, 877, 888, 900]).not.toContain(code);
    }
    expect(all.length).toBeGreaterThan(380);
  });

  it("covers every US state, DC and Canadian province/territory", () => {
    const covered = new Set(AREA_CODE_GROUPS.flatMap((g) => g.regions));
    for (const region of [...US_STATES_AND_DC, ...PROVINCES]) expect(covered.has(region), region).toBe(true);
  });

  it("names only known regions and valid zones", () => {
    for (const g of AREA_CODE_GROUPS) {
      for (const r of g.regions) expect(REGIONS[r], r).toBeDefined();
      for (const tz of [g.timezone, ...(g.otherTimezones ?? [])]) expect(IANAZone.isValidZone(tz), tz).toBe(true);
      expect(g.otherTimezones ?? []).not.toContain(g.timezone);
    }
  });

  it("maps well-known codes right", () => {
    const expected: Record<number, [string, string]> = {
      305: ["FL", "America/New_York"],
      212: ["NY", "America/New_York"],
      415: ["CA", "America/Los_Angeles"],
      907: ["AK", "America/Anchorage"],
      808: ["HI", "Pacific/Honolulu"],
      602: ["AZ", "America/Phoenix"],
      416: ["ON", "America/Toronto"],
      312: ["IL", "America/Chicago"],
      303: ["CO", "America/Denver"],
      206: ["WA", "America/Los_Angeles"],
      702: ["NV", "America/Los_Angeles"],
      801: ["UT", "America/Denver"],
      317: ["IN", "America/Indiana/Indianapolis"],
      313: ["MI", "America/Detroit"],
      403: ["AB", "America/Edmonton"],
      204: ["MB", "America/Winnipeg"],
      709: ["NL", "America/St_Johns"],
      506: ["NB", "America/Moncton"],
    };
    for (const [code, [region, tz]] of Object.entries(expected)) {
      expect(lookupAreaCode(Number(code)), code).toMatchObject({ regions: [region], timezone: tz });
    }
    expect(lookupAreaCode(800)).toBeNull();
  });
});

describe("regions table", () => {
  it("has every state and province with valid zones", () => {
    for (const r of US_STATES_AND_DC) expect(REGIONS[r]?.country, r).toBe("US");
    for (const r of PROVINCES) expect(REGIONS[r]?.country, r).toBe("CA");
    for (const [code, info] of Object.entries(REGIONS)) {
      for (const tz of [info.timezone, ...(info.otherTimezones ?? [])]) expect(IANAZone.isValidZone(tz), `${code} ${tz}`).toBe(true);
    }
  });
});

describe("send-window rules", () => {
  it("enables only confirmed rules, for known regions, with sane minutes", () => {
    for (const rule of SEND_WINDOW_RULES) {
      if (rule.enabled) expect(rule.confirmed, rule.citation).toBe(true);
      expect(rule.appliesTo === "*" || REGIONS[rule.appliesTo] !== undefined, rule.appliesTo).toBe(true);
      expect(rule.startMinute).toBeGreaterThanOrEqual(0);
      expect(rule.endMinute).toBeLessThanOrEqual(1440);
      expect(rule.startMinute).toBeLessThan(rule.endMinute);
    }
  });

  it("keeps the confirmed facts: federal 08:00-21:00 for everyone, Florida 08:00-20:00", () => {
    const enabled = SEND_WINDOW_RULES.filter((r) => r.enabled).map((r) => [r.appliesTo, r.startMinute, r.endMinute]);
    expect(enabled).toEqual([
      ["*", 480, 1260],
      ["FL", 480, 1200],
    ]);
  });
});
