import { describe, expect, it } from "vitest";
import {
  createSendRateLimiter,
  hourlySendLimit,
  InProcessSendRateLimiter,
  type SendRateKey,
} from "~/engine/rate-limit/index.server";
import { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";

const HOUR = 3_600_000;
const acme = (channel: SendRateKey["channel"] = "email"): SendRateKey => ({ businessId: "biz_acme", channel });

describe("in-process send rate limiter", () => {
  it("allows the limit, then defers to when the oldest send leaves the hour", async () => {
    const clock = new ManualClock("2026-01-05T15:00:00Z");
    const limiter = new InProcessSendRateLimiter(clock);
    expect(await limiter.take(acme(), 3)).toEqual({ allowed: true }); // 15:00
    clock.advance(10 * 60_000);
    expect(await limiter.take(acme(), 3)).toEqual({ allowed: true }); // 15:10
    clock.advance(10 * 60_000);
    expect(await limiter.take(acme(), 3)).toEqual({ allowed: true }); // 15:20
    clock.advance(5 * 60_000);
    expect(await limiter.take(acme(), 3)).toEqual({ allowed: false, retryAt: new Date("2026-01-05T16:00:00Z") });
    // A denied take does not use up budget: still the same answer later on.
    clock.set("2026-01-05T15:59:59.999Z");
    expect(await limiter.take(acme(), 3)).toEqual({ allowed: false, retryAt: new Date("2026-01-05T16:00:00Z") });
    clock.set("2026-01-05T16:00:00Z");
    expect(await limiter.take(acme(), 3)).toEqual({ allowed: true });
    // Full again: the next slot frees when the 15:10 send turns an hour old.
    expect(await limiter.take(acme(), 3)).toEqual({ allowed: false, retryAt: new Date("2026-01-05T16:10:00Z") });
  });

  it("keeps separate budgets per business and per channel", async () => {
    const clock = new ManualClock();
    const limiter = new InProcessSendRateLimiter(clock);
    for (let i = 0; i < 2; i++) expect((await limiter.take(acme("email"), 2)).allowed).toBe(true);
    expect((await limiter.take(acme("email"), 2)).allowed).toBe(false);
    expect((await limiter.take(acme("sms"), 2)).allowed).toBe(true);
    expect((await limiter.take({ businessId: "biz_other", channel: "email" }, 2)).allowed).toBe(true);
  });

  it("follows a changed limit: lowering it defers until enough old sends expire", async () => {
    const clock = new ManualClock("2026-01-05T15:00:00Z");
    const limiter = new InProcessSendRateLimiter(clock);
    for (let i = 0; i < 4; i++) {
      expect((await limiter.take(acme(), 10)).allowed).toBe(true);
      clock.advance(60_000);
    }
    // Sends at 15:00, 15:01, 15:02, 15:03; to get below a limit of 2, three must expire: 15:02 last.
    expect(await limiter.take(acme(), 2)).toEqual({ allowed: false, retryAt: new Date("2026-01-05T16:02:00Z") });
    expect((await limiter.take(acme(), 5)).allowed).toBe(true);
  });

  it("allows exactly the limit in any rolling hour under steady pressure", async () => {
    const clock = new ManualClock("2026-01-05T00:00:00Z");
    const limiter = new InProcessSendRateLimiter(clock);
    const sent: number[] = [];
    for (let minute = 0; minute < 6 * 60; minute++) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const d = await limiter.take(acme(), 50);
        if (d.allowed) sent.push(clock.now().getTime());
        else expect(d.retryAt.getTime()).toBeGreaterThan(clock.now().getTime());
      }
      clock.advance(60_000);
    }
    for (const t of sent) expect(sent.filter((s) => s >= t && s < t + HOUR).length).toBeLessThanOrEqual(50);
    expect(sent.length).toBe(6 * 50);
  });

  it("rejects a limit that is not a positive integer", async () => {
    const limiter = new InProcessSendRateLimiter(new ManualClock());
    for (const bad of [0, -1, 1.5, Number.NaN]) await expect(limiter.take(acme(), bad)).rejects.toThrow(RangeError);
  });
});

describe("createSendRateLimiter", () => {
  const deps = { clock: new ManualClock(), logger: createLogger("silent") };

  it("chooses Upstash, then Redis, then in-process", async () => {
    const upstash = createSendRateLimiter(
      { UPSTASH_REDIS_REST_URL: "https://example.upstash.io", UPSTASH_REDIS_REST_TOKEN: "t", REDIS_URL: "redis://127.0.0.1:6379" },
      deps,
    );
    const redis = createSendRateLimiter({ UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined, REDIS_URL: "redis://127.0.0.1:6379" }, deps);
    const local = createSendRateLimiter({ UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined, REDIS_URL: undefined }, deps);
    expect([upstash.storage, redis.storage, local.storage]).toEqual(["upstash", "redis", "in-process"]);
    await Promise.all([upstash.close(), redis.close(), local.close()]);
  });
});

describe("hourlySendLimit", () => {
  it("reads the business's channel limit, defaulting to 100", () => {
    expect(hourlySendLimit({ emailHourlyLimit: 40, smsHourlyLimit: 7 }, "email")).toBe(40);
    expect(hourlySendLimit({ emailHourlyLimit: 40, smsHourlyLimit: 7 }, "sms")).toBe(7);
    expect(hourlySendLimit({}, "sms")).toBe(100);
  });
});
