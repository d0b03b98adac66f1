import { describe, expect, it } from "vitest";
import { EnvError, inngestMode, parseEnv } from "~/env.server";

/** The problems a source is refused with ([] when it parses). */
function problems(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
    return [];
  } catch (e) {
    if (e instanceof EnvError) return e.problems;
    throw e;
  }
}

const PRODUCTION = { NODE_ENV: "production", ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"), LINK_SECRET: "x".repeat(40), APP_URL: "https://kudos.example.com" };
const RESEND = { RESEND_API_KEY: "re_live_0123456789", EMAIL_FROM: "reviews@mail.example.com" };
const TWILIO = { TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`, TWILIO_AUTH_TOKEN: "token", TWILIO_FROM_NUMBER: "+15550001111" };

describe("configuration", () => {
  it("has working defaults with nothing set (the embedded default)", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.SANDBOX_HOST).toBe(true);
  });

  it("names every bad variable in one error", () => {
    let error: unknown;
    try {
      parseEnv({ PORT: "eighty", DATABASE_URL: "mysql://x", TWILIO_ACCOUNT_SID: "AC" + "0".repeat(32) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as EnvError).message;
    expect(message).toContain("PORT");
    expect(message).toContain("DATABASE_URL");
    expect(message).toContain("TWILIO_AUTH_TOKEN");
  });

  it("requires secrets in production and turns the sandbox off there", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/ENCRYPTION_KEY[\s\S]*LINK_SECRET[\s\S]*APP_URL/);
    const env = parseEnv({
      NODE_ENV: "production",
      ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
      LINK_SECRET: "x".repeat(40),
      APP_URL: "https://kudos.example.com/",
    });
    expect(env.SANDBOX_HOST).toBe(false);
    expect(env.APP_URL).toBe("https://kudos.example.com");
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it("refuses an open sandbox next to real transports or in production, in one message saying what to do", () => {
    const cases: Array<[Record<string, string>, string]> = [
      [RESEND, "RESEND_API_KEY"],
      [TWILIO, "TWILIO_ACCOUNT_SID"],
      [{ ...RESEND, ...TWILIO, HOST: "0.0.0.0" }, "RESEND_API_KEY and TWILIO_ACCOUNT_SID"],
      [{ ...PRODUCTION, SANDBOX_HOST: "1" }, "NODE_ENV=production"],
      [{ ...PRODUCTION, ...RESEND, SANDBOX_HOST: "yes", HOST: "::" }, "NODE_ENV=production and RESEND_API_KEY"],
    ];
    for (const [source, cause] of cases) {
      const found = problems(source);
      expect(found, JSON.stringify(source)).toHaveLength(1);
      expect(found[0]).toMatch(/^SANDBOX_HOST: /);
      expect(found[0]).toContain(cause);
      expect(found[0]).toContain(source.NODE_ENV === "production" ? "unset SANDBOX_HOST" : "set SANDBOX_HOST=0");
      for (const fix of ["bind HOST=127.0.0.1", "set SANDBOX_SECRET"]) expect(found[0]).toContain(fix);
    }
  });

  it("allows the sandbox with real transports on loopback or behind SANDBOX_SECRET (16+ characters)", () => {
    for (const HOST of ["127.0.0.1", "127.0.1.1", "::1", "localhost"]) expect(problems({ ...RESEND, ...TWILIO, HOST }), HOST).toEqual([]);
    const secret = "s".repeat(16);
    expect(parseEnv({ ...PRODUCTION, ...RESEND, SANDBOX_HOST: "1", SANDBOX_SECRET: secret })).toMatchObject({ SANDBOX_HOST: true, SANDBOX_SECRET: secret });
    expect(problems({ ...RESEND, SANDBOX_SECRET: "s".repeat(15) })).toEqual(["SANDBOX_SECRET: must be at least 16 characters"]);
    // Off is off: production's default, or SANDBOX_HOST=0 next to real transports.
    expect(parseEnv({ ...PRODUCTION, ...RESEND, ...TWILIO }).SANDBOX_HOST).toBe(false);
    expect(parseEnv({ ...RESEND, ...TWILIO, SANDBOX_HOST: "0" }).SANDBOX_HOST).toBe(false);
    // With only the outbox, the default sandbox stays on wherever it listens.
    expect(parseEnv({ HOST: "0.0.0.0" }).SANDBOX_HOST).toBe(true);
  });

  it("reads INNGEST_DEV as the Inngest SDK does: a boolean or the dev server's URL, anything else refused", () => {
    expect(["1", "true", "TRUE", " True "].map((v) => parseEnv({ INNGEST_DEV: v }).INNGEST_DEV)).toEqual([true, true, true, true]);
    expect(["0", "false", "FALSE"].map((v) => parseEnv({ INNGEST_DEV: v }).INNGEST_DEV)).toEqual([false, false, false]);
    expect(parseEnv({ INNGEST_DEV: "http://localhost:8288" }).INNGEST_DEV).toBe("http://localhost:8288/");
    // The SDK would take these for host names (http://yes/): refused, naming the variable.
    for (const bad of ["yes", "off", "maybe", "localhost:8288", "ftp://inngest.local"]) {
      expect(problems({ INNGEST_DEV: bad }), bad).toEqual([expect.stringMatching(/^INNGEST_DEV: must be 1, true, 0, false or the dev server's URL/)]);
    }
  });

  it("refuses half-configured Inngest cloud, naming the missing key", () => {
    expect(problems({ INNGEST_EVENT_KEY: "event-key" })).toEqual([expect.stringMatching(/^INNGEST_SIGNING_KEY: must be set together with INNGEST_EVENT_KEY/)]);
    expect(problems({ INNGEST_EVENT_KEY: "event-key", INNGEST_DEV: "0" })).toEqual([expect.stringMatching(/^INNGEST_SIGNING_KEY: /)]);
    expect(problems({ INNGEST_SIGNING_KEY: "signkey-prod-0123" })).toEqual([expect.stringMatching(/^INNGEST_EVENT_KEY: must be set together with INNGEST_SIGNING_KEY/)]);
    // A dev server needs no keys.
    expect(problems({ INNGEST_EVENT_KEY: "event-key", INNGEST_DEV: "1" })).toEqual([]);
  });

  it("schedules through Inngest only when the parsed values say so", () => {
    const keys = { INNGEST_EVENT_KEY: "event-key", INNGEST_SIGNING_KEY: "signkey-prod-0123" };
    const mode = (source: Record<string, string>) => inngestMode(parseEnv(source));
    expect([mode({}), mode({ INNGEST_DEV: "0" }), mode({ INNGEST_DEV: "false" })]).toEqual(["off", "off", "off"]);
    expect([mode({ INNGEST_DEV: "1" }), mode({ INNGEST_DEV: "http://127.0.0.1:8288" }), mode({ ...keys, INNGEST_DEV: "true" })]).toEqual(["dev", "dev", "dev"]);
    expect([mode(keys), mode({ ...keys, INNGEST_DEV: "0" })]).toEqual(["cloud", "cloud"]);
  });
});
