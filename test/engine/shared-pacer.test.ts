// Resend's request rate is per team, not per process: the email pacer keeps its count in the
// rate-limit store, so pacers of different processes (here: different Redis connections on the
// real Redis at 127.0.0.1:6379, as test/engine/rate-limit-redis.test.ts uses it) share one pace.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { setupServer } from "msw/node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "~/env.server";
import { createEmailPacer, createPacer, SharedPacer, type Pacer } from "~/engine/transports/index.server";
import { createUpstashScriptRedis, ioredisScriptRedis } from "~/engine/rate-limit/index.server";
import { createLogger, type Logger } from "~/logger.server";
import { createUpstashMock } from "../mocks/upstash";

const REDIS_URL = "redis://127.0.0.1:6379";
const runPrefix = `test:email-pace:${randomUUID()}`;
const silent = createLogger("silent");
const clients: Redis[] = [];

/** A pacer as one process would have it: its own connection, the shared prefix. */
function processPacer(prefix: string, ratePerSecond: number, now: () => number = Date.now, logger: Logger = silent) {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  clients.push(client);
  return new SharedPacer(ioredisScriptRedis(client), { storage: "redis", ratePerSecond, logger, prefix, now });
}

/** The most admissions found in any one-second window [t, t + 1000) of these times. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! < sorted[i]! - 999) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/**
 * Takes `count` turns from each pacer concurrently (one caller per process, like a transport's
 * sequential requests) and returns the moment each was granted, on the pacers' shared timeline.
 */
async function admissions(pacers: ((now: () => number) => Pacer)[], count: number): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(
    pacers.map(async (make) => {
      // The pacer reads the clock once per ask; the last read before a grant is the admission time.
      let last = 0;
      const pacer = make(() => (last = Date.now()));
      for (let i = 0; i < count; i++) {
        const turn = await pacer.take();
        expect(turn).toEqual({ ok: true });
        times.push(last);
      }
    }),
  );
  return times;
}

const UPSTASH_URL = "https://kudos-pace.upstash.io";
const UPSTASH_TOKEN = "upstash-pace-token";
const upstashRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
const upstash = createUpstashMock({ url: UPSTASH_URL, token: UPSTASH_TOKEN, redis: upstashRedis });
const server = setupServer(...upstash.handlers);

beforeAll(async () => {
  const probe = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await probe.ping();
  clients.push(probe);
  await upstashRedis.connect();
  clients.push(upstashRedis);
  server.listen({ onUnhandledRequest: "error" });
});

afterAll(async () => {
  server.close();
  const [probe] = clients;
  const keys = await probe!.keys(`${runPrefix}*`);
  if (keys.length > 0) await probe!.del(...keys);
  await Promise.all(clients.map((c) => c.quit()));
});

describe("the shared email pacer", () => {
  it("two processes sharing one store never exceed the rate in any one-second window", async () => {
    const prefix = `${runPrefix}:${randomUUID()}`;
    const started = Date.now();
    const times = await admissions([(now) => processPacer(prefix, 10, now), (now) => processPacer(prefix, 10, now)], 12);
    expect(times).toHaveLength(24);
    expect(busiestSecond(times)).toBe(10);
    // And the rate is used, not starved: 24 requests at 10/s take a little over two seconds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("runs the same scripts over Upstash REST (production), shared with the same limits", async () => {
    const prefix = `${runPrefix}:${randomUUID()}`;
    const upstashPacer = (now: () => number) =>
      new SharedPacer(createUpstashScriptRedis(UPSTASH_URL, UPSTASH_TOKEN, 2_000), { storage: "upstash", ratePerSecond: 10, logger: silent, prefix, now });
    const times = await admissions([upstashPacer, upstashPacer], 8);
    expect(busiestSecond(times)).toBe(10);
    // Every turn went through the REST API (EVALSHA, or EVAL while the script was not cached).
    expect(upstash.requests.filter((r) => r.commands.some((c) => /^EVAL(SHA)?$/i.test(c[0] ?? ""))).length).toBeGreaterThanOrEqual(16);
  });

  it("(why) two per-process pacers at the same rate together make twice it", async () => {
    const times = await admissions(
      [(now) => createPacer({ ratePerSecond: 10, now }), (now) => createPacer({ ratePerSecond: 10, now })],
      12,
    );
    expect(busiestSecond(times)).toBeGreaterThan(10);
  });

  it("a hold set by one process holds every process: deferred when long, waited through when short", async () => {
    const prefix = `${runPrefix}:${randomUUID()}`;
    const a = processPacer(prefix, 10);
    const b = processPacer(prefix, 10);
    await a.holdFor(8 * 3_600_000);
    const turn = await b.take();
    expect(turn.ok).toBe(false);
    expect(turn.ok ? 0 : turn.heldForMs).toBeGreaterThan(8 * 3_600_000 - 5_000);
    // A hold never shortens: a later, shorter Retry-After leaves the quota's hold in place.
    await b.holdFor(1_000);
    expect((await a.take()).ok).toBe(false);

    const other = `${runPrefix}:${randomUUID()}`;
    await processPacer(other, 10).holdFor(400);
    const before = Date.now();
    expect(await processPacer(other, 10).take()).toEqual({ ok: true });
    expect(Date.now() - before).toBeGreaterThanOrEqual(350);
  });

  it("paces in-process when the store does not answer, and says so", async () => {
    const lines: { msg: string; storage?: string }[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line)) }) as unknown as Logger;
    const down = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 0, lazyConnect: true, connectTimeout: 200, retryStrategy: () => null });
    down.on("error", () => {});
    const pacer = new SharedPacer(ioredisScriptRedis(down), { storage: "redis", ratePerSecond: 5, logger, prefix: `${runPrefix}:down`, timeoutMs: 500 });
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect(await pacer.take()).toEqual({ ok: true });
    // The fallback still paces (5/s, one at a time): the 3rd turn comes ≥ 2 × 200 ms after the 1st.
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(lines.map((l) => [l.msg, l.storage])).toEqual([["email pace store unavailable; pacing in-process", "redis"]]);
    // Its holds still apply in this process.
    await pacer.holdFor(3_600_000);
    expect((await pacer.take()).ok).toBe(false);
    down.disconnect();
  });
});

describe("createEmailPacer and RESEND_REQUESTS_PER_SECOND", () => {
  const env = (over: Record<string, string> = {}) => parseEnv({ NODE_ENV: "test", ...over });

  it("defaults to Resend's documented 10 requests per second, and refuses a bad value by name", () => {
    expect(env().RESEND_REQUESTS_PER_SECOND).toBe(10);
    expect(env({ RESEND_REQUESTS_PER_SECOND: "4" }).RESEND_REQUESTS_PER_SECOND).toBe(4);
    for (const bad of ["0", "-1", "2.5", "ten"]) {
      expect(() => env({ RESEND_REQUESTS_PER_SECOND: bad })).toThrow(/RESEND_REQUESTS_PER_SECOND/);
    }
  });

  it("uses the send pacing's store: Upstash, else REDIS_URL, else in-process", async () => {
    const upstash = createEmailPacer(
      env({ UPSTASH_REDIS_REST_URL: "https://example.upstash.io", UPSTASH_REDIS_REST_TOKEN: "token", REDIS_URL: REDIS_URL }),
      { logger: silent },
    );
    const redis = createEmailPacer(env({ REDIS_URL }), { logger: silent, prefix: `${runPrefix}:factory` });
    const local = createEmailPacer(env(), { logger: silent });
    expect([upstash.storage, redis.storage, local.storage]).toEqual(["upstash", "redis", "in-process"]);
    expect(await redis.take()).toEqual({ ok: true });
    expect(await local.take()).toEqual({ ok: true });
    await Promise.all([upstash.close(), redis.close(), local.close()]);
  });
});
