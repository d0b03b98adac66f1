import { describe, expect, it } from "vitest";
import {
  normalizeCountry,
  normalizeCustomer,
  normalizeEmail,
  normalizePhone,
  normalizeRegion,
  normalizeTimezone,
} from "~/hosts/events";

describe("contact normalisation", () => {
  it("lower-cases emails and drops unusable ones", () => {
    expect(normalizeEmail("  Dana.Whitfield@Example.COM ")).toBe("dana.whitfield@example.com");
    for (const junk of ["", "n/a", "dana@", "@example.com", "dana example.com", "dana@example", null, undefined]) {
      expect(normalizeEmail(junk)).toBeUndefined();
    }
  });

  it("turns NANP and international numbers into E.164", () => {
    expect(normalizePhone("(305) 555-0142")).toBe("+13055550142");
    expect(normalizePhone("305.555.0142")).toBe("+13055550142");
    expect(normalizePhone("1-305-555-0142")).toBe("+13055550142");
    expect(normalizePhone("+1 305 555 0142")).toBe("+13055550142");
    expect(normalizePhone("305-555-0142 ext. 12")).toBe("+13055550142");
    expect(normalizePhone("305-555-0142 x12")).toBe("+13055550142");
    expect(normalizePhone("+44 20 7946 0958")).toBe("+442079460958");
    expect(normalizePhone("0044 20 7946 0958")).toBe("+442079460958");
    expect(normalizePhone("416-555-0199", "CA")).toBe("+14165550199");
  });

  it("drops numbers it cannot place rather than storing junk", () => {
    for (const junk of ["555-0142", "(055) 555-0142", "305-155-0142", "1-800-FLOWERS", "call me", "+1 305 555", "0"]) {
      expect(normalizePhone(junk), junk).toBeUndefined();
    }
    // A national UK number has no country code to infer.
    expect(normalizePhone("020 7946 0958", "GB")).toBeUndefined();
  });

  it("maps regions, countries and time zones to codes, or drops them", () => {
    expect(normalizeRegion("Florida")).toBe("FL");
    expect(normalizeRegion("fl")).toBe("FL");
    expect(normalizeRegion("British  Columbia")).toBe("BC");
    expect(normalizeRegion("Atlantis")).toBeUndefined();
    expect(normalizeCountry("United States")).toBe("US");
    expect(normalizeCountry("ca")).toBe("CA");
    expect(normalizeCountry("Narnia")).toBeUndefined();
    expect(normalizeTimezone("America/Chicago")).toBe("America/Chicago");
    expect(normalizeTimezone("Mars/Olympus")).toBeUndefined();
  });

  it("normalizeCustomer reads national numbers as NANP only for NANP or unknown countries", () => {
    expect(normalizeCustomer({ hostCustomerId: "c", phones: ["3055550142"] }).phone).toBe("+13055550142");
    expect(normalizeCustomer({ hostCustomerId: "c", phones: ["3055550142"], country: "Canada" }).phone).toBe("+13055550142");
    expect(normalizeCustomer({ hostCustomerId: "c", phones: ["5512345678"], country: "Mexico" }).phone).toBeUndefined();
    expect(normalizeCustomer({ hostCustomerId: "c", phones: ["+52 55 1234 5678"], country: "Mexico" }).phone).toBe("+525512345678");
  });

  it("normalizeCustomer keeps the first usable email and phone and omits the rest", () => {
    expect(
      normalizeCustomer({
        hostCustomerId: "c1",
        firstName: "  Dana ",
        lastName: "",
        emails: ["not-an-email", "DANA@EXAMPLE.COM"],
        phones: ["n/a", "3055550142"],
        timezone: "America/New_York",
        region: "Florida",
        country: "USA",
      }),
    ).toEqual({
      hostCustomerId: "c1",
      firstName: "Dana",
      email: "dana@example.com",
      phone: "+13055550142",
      timezone: "America/New_York",
      region: "FL",
      country: "US",
    });
  });
});
