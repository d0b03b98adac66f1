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

  it("lists every zone of an area code that crosses a zone line, however few live beyond it", () => {
    const crossing: Record<number, string[]> = {
      907: ["America/Anchorage", "America/Adak"], // Aleutians
      574: ["America/Indiana/Indianapolis", "America/Chicago"], // Starke County
      620: ["America/Chicago", "America/Denver"], // Greeley, Hamilton
      785: ["America/Chicago", "America/Denver"], // Sherman, Wallace
      606: ["America/New_York", "America/Chicago"], // Clinton County
      775: ["America/Los_Angeles", "America/Denver"], // West Wendover
      541: ["America/Los_Angeles", "America/Boise"], // Malheur County
      458: ["America/Los_Angeles", "America/Boise"],
      423: ["America/New_York", "America/Chicago"], // Bledsoe, Marion, Sequatchie
      250: ["America/Vancouver", "America/Edmonton"], // East Kootenay
      778: ["America/Vancouver", "America/Edmonton"],
      418: ["America/Toronto", "America/Halifax"], // Magdalen Islands
      709: ["America/St_Johns", "America/Goose_Bay"], // Labrador
    };
    for (const [code, zones] of Object.entries(crossing)) {
      const info = lookupAreaCode(Number(code));
      expect(info && [info.timezone, ...info.otherTimezones], code).toEqual(zones);
    }
    // Codes wholly inside one zone keep one.
    for (const code of [604, 512, 503, 702, 502, 316]) expect(lookupAreaCode(code)?.otherTimezones, String(code)).toEqual([]);
  });
});

describe("regions table", () => {
  it("lists every zone in which part of a state or province officially keeps time", () => {
    // Zones whose clocks always equal one listed are not repeated (Creston BC, Atikokan ON,
    // Blanc-Sablon QC, Coral Harbour NU); see data/regions.ts.
    const multiZone: Record<string, string[]> = {
      AK: ["America/Anchorage", "America/Adak"],
      AZ: ["America/Phoenix", "America/Denver"],
      FL: ["America/New_York", "America/Chicago"],
      ID: ["America/Boise", "America/Los_Angeles"],
      IN: ["America/Indiana/Indianapolis", "America/Chicago"],
      KS: ["America/Chicago", "America/Denver"],
      KY: ["America/New_York", "America/Chicago"],
      MI: ["America/Detroit", "America/Menominee"],
      NE: ["America/Chicago", "America/Denver"],
      NV: ["America/Los_Angeles", "America/Denver"],
      ND: ["America/Chicago", "America/Denver"],
      OR: ["America/Los_Angeles", "America/Boise"],
      SD: ["America/Chicago", "America/Denver"],
      TN: ["America/Chicago", "America/New_York"],
      TX: ["America/Chicago", "America/Denver"],
      BC: ["America/Vancouver", "America/Edmonton"],
      NL: ["America/St_Johns", "America/Goose_Bay"],
      NU: ["America/Iqaluit", "America/Rankin_Inlet", "America/Cambridge_Bay"],
      ON: ["America/Toronto", "America/Winnipeg"],
      QC: ["America/Toronto", "America/Halifax"],
      SK: ["America/Regina", "America/Edmonton"],
    };
    for (const [code, info] of Object.entries(REGIONS)) {
      expect([info.timezone, ...(info.otherTimezones ?? [])], code).toEqual(multiZone[code] ?? [info.timezone]);
    }
  });

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
