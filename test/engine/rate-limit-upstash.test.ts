// The production path: @upstash/ratelimit over @upstash/redis (REST), against an msw Upstash that
// runs the commands on the real local Redis.
import { randomUUID } from "node:crypto";
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis } from "ioredis";
import { setupServer } from "msw/node";
import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createSendRateLimiter, type SendRateKey } from "~/engine/rate-limit/index.server";
import { ManualClock } from "~/lib/clock.server";
import { createUpstashMock, upstashOutage } from "../mocks/upstash";

const UPSTASH_URL = "https://kudos-test.upstash.io";
const TOKEN = "upstash-test-token";
const runPrefix = `test:send-rate-upstash:${randomUUID()}`;
const key = (businessId: string, channel: SendRateKey["channel"] = "email"): SendRateKey => ({ businessId, channel });

const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1, lazyConnect: true });
const upstash = createUpstashMock({ url: UPSTASH_URL, token: TOKEN, redis });
const server = setupServer(...upstash.handlers);

function recordingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

function makeLimiter(options: { token?: string; timeoutMs?: number } = {}) {
  const { logger, lines } = recordingLogger();
  const limiter = createSendRateLimiter(
    { UPSTASH_REDIS_REST_URL: UPSTASH_URL, UPSTASH_REDIS_REST_TOKEN: options.token ?? TOKEN, REDIS_URL: undefined },
    {
      clock: new ManualClock("2026-01-05T15:10:00Z"),
      logger,
      prefix: `${runPrefix}:${randomUUID()}`,
      timeoutMs: options.timeoutMs,
      unavailableBackoffMs: 60_000,
    },
  );
  return { limiter, lines };
}

beforeAll(async () => {
  await redis.connect();
  server.listen({ onUnhandledRequest: "error" });
});

afterAll(async () => {
  server.close();
  const keys = await redis.keys(`${runPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

beforeEach(() => {
  // The library reads Date.now(); pinning it makes the sliding window's buckets deterministic.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-01-05T15:10:00Z"));
  upstash.requests.length = 0;
});

afterEach(() => {
  vi.useRealTimers();
  server.resetHandlers();
});

describe("Upstash REST send rate limiter", () => {
  it("allows the limit, then defers to just after the window's reset, per business and channel", async () => {
    const { limiter } = makeLimiter();
    expect(limiter.storage).toBe("upstash");
    for (let i = 0; i < 3; i++) expect(await limiter.take(key("biz_a"), 3)).toEqual({ allowed: true });
    expect(await limiter.take(key("biz_a"), 3)).toEqual({ allowed: false, retryAt: new Date("2026-01-05T16:00:01Z") });
    expect(await limiter.take(key("biz_a", "sms"), 3)).toEqual({ allowed: true });
    expect(await limiter.take(key("biz_b"), 3)).toEqual({ allowed: true });
    vi.setSystemTime(new Date("2026-01-05T16:00:01Z"));
    expect(await limiter.take(key("biz_a"), 3)).toEqual({ allowed: true });

    // It spoke the REST protocol: bearer token, base64 replies, scripts by SHA.
    expect(upstash.requests.length).toBeGreaterThan(0);
    expect(upstash.requests.every((r) => r.authorized && r.base64)).toBe(true);
    const verbs = upstash.requests.flatMap((r) => r.commands.map((c) => c[0]?.toLowerCase()));
    expect(verbs).toContain("evalsha");
    expect(verbs.every((v) => v === "evalsha" || v === "eval")).toBe(true);
  });

  it("falls back to EVAL when the script cache was flushed", async () => {
    const { limiter } = makeLimiter();
    expect((await limiter.take(key("biz_c"), 10)).allowed).toBe(true);
    // Other test files share this Redis and may cache the script again between FLUSH and the
    // take; retry until the fallback is observed.
    let verbs: Array<string | undefined> = [];
    let takes = 1;
    for (let attempt = 0; attempt < 5 && !verbs.includes("eval"); attempt++) {
      await redis.script("FLUSH");
      upstash.requests.length = 0;
      expect((await limiter.take(key("biz_c"), 10)).allowed).toBe(true);
      takes++;
      verbs = upstash.requests.flatMap((r) => r.commands.map((c) => c[0]?.toLowerCase()));
    }
    expect(verbs).toEqual(["evalsha", "eval"]);
    // Every send was counted once, in the same window.
    const counters = await redis.keys(`${runPrefix}*:biz_c:email:*`);
    expect(counters).toHaveLength(1);
    expect(await redis.get(counters[0] ?? "")).toBe(String(takes));
  });

  it("defers, never allows, when Upstash answers 5xx", async () => {
    server.use(...upstashOutage(UPSTASH_URL, { status: 503 }));
    const { limiter, lines } = makeLimiter();
    expect(await limiter.take(key("biz_d"), 100)).toEqual({ allowed: false, retryAt: new Date("2026-01-05T15:11:00Z") });
    expect(lines.map((l) => l.msg)).toContain("send rate limiter unavailable; deferring send");
  });

  it("defers when Upstash does not answer in time", async () => {
    server.use(...upstashOutage(UPSTASH_URL, "hang"));
    const { limiter, lines } = makeLimiter({ timeoutMs: 300 });
    expect(await limiter.take(key("biz_e"), 100)).toEqual({ allowed: false, retryAt: new Date("2026-01-05T15:11:00Z") });
    expect(lines.map((l) => l.msg)).toContain("send rate limiter unavailable; deferring send");
  });

  it("defers when the token is refused", async () => {
    const { limiter } = makeLimiter({ token: "wrong-token" });
    expect(await limiter.take(key("biz_f"), 100)).toEqual({ allowed: false, retryAt: new Date("2026-01-05T15:11:00Z") });
    expect(upstash.requests.some((r) => !r.authorized)).toBe(true);
  });
});

describe("the Upstash mock", () => {
  it("also answers single commands (no auto-pipelining), with Upstash's error shape", async () => {
    const client = new UpstashRedis({ url: UPSTASH_URL, token: TOKEN, enableAutoPipelining: false, enableTelemetry: false });
    const k = `${runPrefix}:single`;
    expect(await client.set(k, "héllo")).toBe("OK");
    expect(await client.get(k)).toBe("héllo");
    expect(await client.eval("return {KEYS[1], tonumber(ARGV[1])}", [k], [7])).toEqual([k, 7]);
    await expect(client.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
    expect(upstash.requests.map((r) => r.path)).toEqual(["/", "/", "/", "/"]);
  });
});
