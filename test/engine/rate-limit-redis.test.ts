// The ioredis adapter and the shared-store limiter against the real Redis on 127.0.0.1:6379.
import { createHash, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createSendRateLimiter,
  ioredisScriptRedis,
  RedisSendRateLimiter,
  scriptForStockRedis,
  type SendRateKey,
} from "~/engine/rate-limit/index.server";
import { ManualClock } from "~/lib/clock.server";

const REDIS_URL = "redis://127.0.0.1:6379";
const runPrefix = `test:send-rate:${randomUUID()}`;
const key = (businessId: string, channel: SendRateKey["channel"] = "email"): SendRateKey => ({ businessId, channel });

function recordingLogger() {
  const lines: Array<{ level: number; msg: string; [field: string]: unknown }> = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

let client: Redis;

beforeAll(async () => {
  client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await client.ping();
});

afterAll(async () => {
  const keys = await client.keys(`${runPrefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await client.quit();
});

describe("ioredisScriptRedis", () => {
  it("maps keys[] and args[] onto ioredis's numKeys form and returns the script's reply", async () => {
    const redis = ioredisScriptRedis(client);
    const reply = await redis.eval("return {KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]) + 1}", ["k1", "k2"], ["a", 41]);
    expect(reply).toEqual(["k1", "k2", "a", 42]);
    const sha = (await client.script("LOAD", "return ARGV[1]")) as string;
    expect(await redis.evalsha(sha, [], ["hi"])).toBe("hi");
  });

  it("runs the library's Upstash-flagged scripts on stock Redis, by rewriting them", async () => {
    expect(scriptForStockRedis("#!lua flags=allow-key-locking\n  return 1\n")).toBe("  return 1\n");
    expect(scriptForStockRedis("#!lua flags=allow-key-locking,no-writes\nreturn 1")).toBe("#!lua flags=no-writes\nreturn 1");
    expect(scriptForStockRedis("#!lua flags=no-writes\nreturn 1")).toBe("#!lua flags=no-writes\nreturn 1");
    expect(scriptForStockRedis("return 1")).toBe("return 1");

    const redis = ioredisScriptRedis(client);
    const script = "#!lua flags=allow-key-locking\nreturn ARGV[1]";
    const librarySha = createHash("sha1").update(script).digest("hex");
    // EVALSHA under the library's SHA answers NOSCRIPT until the script has been sent once...
    expect(`${await redis.evalsha(librarySha, [], ["x"]).catch((e: unknown) => e)}`).toContain("NOSCRIPT");
    expect(await redis.eval(script, [], ["first"])).toBe("first");
    // ...then runs the rewritten script cached under its own SHA.
    expect(await redis.evalsha(librarySha, [], ["again"])).toBe("again");
  });

  it("keeps the NOSCRIPT error text the library falls back on", async () => {
    const error = await ioredisScriptRedis(client).evalsha("0".repeat(40), [], []).catch((e: unknown) => e);
    expect(`${error}`).toContain("NOSCRIPT");
  });
});

describe("RedisSendRateLimiter over ioredis", () => {
  // The library reads Date.now(); pinning it makes the sliding window's buckets deterministic.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-05T15:10:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = (prefix = `${runPrefix}:${randomUUID()}`) =>
    new RedisSendRateLimiter(ioredisScriptRedis(client), {
      storage: "redis",
      clock: new ManualClock("2026-01-05T15:10:00Z"),
      logger: recordingLogger().logger,
      prefix,
    });

  it("allows the limit, then defers to just after the window's reset, per business and channel", async () => {
    const limiter = make();
    for (let i = 0; i < 3; i++) expect(await limiter.take(key("biz_a"), 3)).toEqual({ allowed: true });
    // The library's sliding window resets at the end of the current hour bucket.
    expect(await limiter.take(key("biz_a"), 3)).toEqual({ allowed: false, retryAt: new Date("2026-01-05T16:00:01Z") });
    expect(await limiter.take(key("biz_a", "sms"), 3)).toEqual({ allowed: true });
    expect(await limiter.take(key("biz_b"), 3)).toEqual({ allowed: true });

    vi.setSystemTime(new Date("2026-01-05T16:00:01Z"));
    expect(await limiter.take(key("biz_a"), 3)).toEqual({ allowed: true });
  });

  it("counts one budget across limit values (one Ratelimit instance per limit, same keys)", async () => {
    const limiter = make();
    for (let i = 0; i < 2; i++) expect((await limiter.take(key("biz_c"), 2)).allowed).toBe(true);
    expect((await limiter.take(key("biz_c"), 2)).allowed).toBe(false);
    expect((await limiter.take(key("biz_c"), 3)).allowed).toBe(true);
    expect((await limiter.take(key("biz_c"), 3)).allowed).toBe(false);
  });

  it("falls back to EVAL after SCRIPT FLUSH (NOSCRIPT) and keeps counting", async () => {
    const limiter = make();
    const limit = 6;
    let allowed = 0;
    const take = async () => {
      const decision = await limiter.take(key("biz_d"), limit);
      if (decision.allowed) allowed++;
      return decision;
    };
    expect((await take()).allowed).toBe(true);
    const evalSpy = vi.spyOn(client, "eval");
    const evalshaSpy = vi.spyOn(client, "evalsha");
    try {
      // Other test files share this Redis and may cache the script again between FLUSH and the
      // take; retry until the fallback is observed.
      for (let attempt = 0; attempt < 3 && evalSpy.mock.calls.length === 0; attempt++) {
        evalshaSpy.mockClear();
        await client.script("FLUSH");
        expect((await take()).allowed).toBe(true);
      }
      expect(evalshaSpy).toHaveBeenCalledTimes(1);
      expect(evalSpy).toHaveBeenCalledTimes(1);
    } finally {
      evalSpy.mockRestore();
      evalshaSpy.mockRestore();
    }
    // Every send before and after the flush was counted once.
    while (allowed < limit) expect((await take()).allowed).toBe(true);
    expect((await take()).allowed).toBe(false);
  });
});

describe("createSendRateLimiter with REDIS_URL", () => {
  it("limits through a client of its own, and closes it", async () => {
    const limiter = createSendRateLimiter(
      { UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined, REDIS_URL },
      { clock: new ManualClock(), logger: recordingLogger().logger, prefix: `${runPrefix}:${randomUUID()}` },
    );
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-05T15:10:00Z"));
    try {
      expect(limiter.storage).toBe("redis");
      expect(await limiter.take(key("biz_f"), 1)).toEqual({ allowed: true });
      expect(await limiter.take(key("biz_f"), 1)).toEqual({ allowed: false, retryAt: new Date("2026-01-05T16:00:01Z") });
    } finally {
      vi.useRealTimers();
      await limiter.close();
    }
  });
});

describe("when Redis is unreachable", () => {
  it("defers the send by the backoff instead of allowing it, and warns", async () => {
    const clock = new ManualClock("2026-01-05T15:10:00Z");
    const { logger, lines } = recordingLogger();
    const limiter = createSendRateLimiter(
      { UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined, REDIS_URL: "redis://127.0.0.1:1" },
      { clock, logger, timeoutMs: 500, unavailableBackoffMs: 45_000, prefix: runPrefix },
    );
    try {
      expect(limiter.storage).toBe("redis");
      for (const channel of ["email", "sms"] as const) {
        expect(await limiter.take(key("biz_down", channel), 100)).toEqual({
          allowed: false,
          retryAt: new Date("2026-01-05T15:10:45Z"),
        });
      }
      const warning = lines.find((l) => l.msg === "send rate limiter unavailable; deferring send");
      expect(warning).toMatchObject({ storage: "redis", businessId: "biz_down" });
    } finally {
      await limiter.close();
    }
  });
});
