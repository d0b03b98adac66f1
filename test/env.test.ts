import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "~/env.server";

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
});
