// The email request pace shared by every process: Resend limits requests per team, not per
// process, so N web machines each pacing itself at the limit would together make N times it. The
// count lives in the rate-limit store the send pacing uses (Upstash REST or a Redis server,
// app/lib/rate-limit-store/), driven by two small Lua scripts over the same two calls
// @upstash/ratelimit makes (EVALSHA, EVAL on NOSCRIPT), so both stores run them unchanged.
//
// Counting: a sliding log of admissions (a sorted set of start times). A request is admitted only
// when fewer than `ratePerSecond` were admitted in the last second, at the moment it is admitted,
// so no one-second window ever holds more, whichever process each came from. A hold (a quota
// spent until midnight UTC, a Retry-After) is a key every process reads before being admitted.
//
// When the store does not answer, this process paces itself in memory (the embedded default's
// pacer) until it does: limited per process, never unlimited, never blocking email.
import { createHash, randomUUID } from "node:crypto";
import type { Env } from "~/env.server";
import {
  closeRedisClient,
  createSendRateRedisClient,
  createUpstashScriptRedis,
  ioredisScriptRedis,
  type ScriptRedis,
} from "~/lib/rate-limit-store/index.server";
import type { Logger } from "~/logger.server";
import { createPacer, DEFAULT_PACER_MAX_WAIT_MS, type Pacer, type PacerTurn } from "./pacer";
import { realSleep, type Sleep } from "./types";

export const DEFAULT_EMAIL_PACE_PREFIX = "kudos:email-pace";
const STORE_TIMEOUT_MS = 2_000;
const WINDOW_MS = 1_000;

/**
 * KEYS: admissions (sorted set), hold (ms timestamp). ARGV: now, window, limit, max wait, member.
 * Returns {1, 0}: admitted now; {0, ms}: wait this long and ask again; {2, ms}: held this long
 * (longer than the caller waits).
 */
const TAKE_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local held = tonumber(redis.call('GET', KEYS[2]) or '0') - now
if held > tonumber(ARGV[4]) then return {2, held} end
if held > 0 then return {0, held} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
-- Room comes back when the admission that keeps the window full leaves it.
local blocking = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return {0, math.max(1, tonumber(blocking[2]) + window - now)}`;

/** KEYS: hold. ARGV: now, ms. Extends the hold to now + ms (never shortens it). */
const HOLD_SCRIPT = `
local untilMs = tonumber(ARGV[1]) + tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then redis.call('SET', KEYS[1], untilMs, 'PX', tonumber(ARGV[2])) end
return 1`;

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const SCRIPTS = { take: { text: TAKE_SCRIPT, sha: sha1(TAKE_SCRIPT) }, hold: { text: HOLD_SCRIPT, sha: sha1(HOLD_SCRIPT) } };

/** EVALSHA, then EVAL when the store has not cached the script (as @upstash/ratelimit does). */
async function run(redis: ScriptRedis, script: { text: string; sha: string }, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys, args);
  } catch (err) {
    if (!String(err instanceof Error ? err.message : err).includes("NOSCRIPT")) throw err;
    return redis.eval(script.text, keys, args);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`rate-limit store did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface ManagedPacer extends Pacer {
  readonly storage: "upstash" | "redis" | "in-process";
  close(): Promise<void>;
}

export interface SharedPacerOptions {
  storage: "upstash" | "redis";
  ratePerSecond: number;
  logger: Logger;
  /** Key prefix in the store: every process with the same prefix shares one pace. */
  prefix?: string;
  /** Wall-clock milliseconds: one timeline for every process (Date.now by default). */
  now?: () => number;
  sleep?: Sleep;
  maxWaitMs?: number;
  timeoutMs?: number;
  onClose?: () => Promise<void>;
}

export class SharedPacer implements ManagedPacer {
  readonly storage: "upstash" | "redis";
  private readonly keys: [admissions: string, hold: string];
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly maxWaitMs: number;
  private readonly timeoutMs: number;
  /** This process's own pace (and holds) while the store is unreachable. */
  private readonly fallback: Pacer;
  private lastWarning = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly redis: ScriptRedis,
    private readonly options: SharedPacerOptions,
  ) {
    if (!Number.isSafeInteger(options.ratePerSecond) || options.ratePerSecond < 1) {
      throw new RangeError(`ratePerSecond must be a positive integer, got ${options.ratePerSecond}`);
    }
    this.storage = options.storage;
    const prefix = options.prefix ?? DEFAULT_EMAIL_PACE_PREFIX;
    this.keys = [`${prefix}:admissions`, `${prefix}:hold`];
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_PACER_MAX_WAIT_MS;
    this.timeoutMs = options.timeoutMs ?? STORE_TIMEOUT_MS;
    this.fallback = createPacer({ ratePerSecond: options.ratePerSecond, sleep: this.sleep, maxWaitMs: this.maxWaitMs });
  }

  async take(): Promise<PacerTurn> {
    for (;;) {
      let reply: [number, number];
      try {
        const args = [this.now(), WINDOW_MS, this.options.ratePerSecond, this.maxWaitMs, randomUUID()];
        reply = parseReply(await withTimeout(run(this.redis, SCRIPTS.take, this.keys, args), this.timeoutMs));
      } catch (err) {
        this.warn(err);
        return this.fallback.take();
      }
      const [verdict, ms] = reply;
      if (verdict === 1) return { ok: true };
      if (verdict === 2) return { ok: false, heldForMs: ms };
      await this.sleep(ms);
    }
  }

  async holdFor(ms: number): Promise<void> {
    const wait = Math.max(1, Math.ceil(ms));
    // Held here too: this process keeps to it even if the store stops answering.
    await this.fallback.holdFor(wait);
    try {
      await withTimeout(run(this.redis, SCRIPTS.hold, [this.keys[1]], [this.now(), wait]), this.timeoutMs);
    } catch (err) {
      this.warn(err);
    }
  }

  async close(): Promise<void> {
    await this.options.onClose?.();
  }

  private warn(err: unknown): void {
    const t = this.now();
    if (t - this.lastWarning < 60_000) return;
    this.lastWarning = t;
    // The message only: ioredis errors carry the whole Lua script in `command`.
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.options.logger.warn({ error, storage: this.storage }, "email pace store unavailable; pacing in-process");
  }
}

function parseReply(reply: unknown): [number, number] {
  if (Array.isArray(reply) && reply.length === 2 && reply.every((v) => typeof v === "number" || typeof v === "string")) {
    const [verdict, ms] = reply.map(Number) as [number, number];
    if (Number.isFinite(verdict) && Number.isFinite(ms)) return [verdict, ms];
  }
  throw new Error(`unexpected reply from the pace script: ${JSON.stringify(reply)}`);
}

export type EmailPacerEnv = Pick<Env, "RESEND_REQUESTS_PER_SECOND" | "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN" | "REDIS_URL">;

/**
 * The Resend request pacer from configuration, in the same store as the send pacing
 * (app/engine/rate-limit/index.server.ts): Upstash when set, else REDIS_URL, else in-process.
 */
export function createEmailPacer(env: EmailPacerEnv, deps: { logger: Logger; prefix?: string }): ManagedPacer {
  const ratePerSecond = env.RESEND_REQUESTS_PER_SECOND;
  const common = { ratePerSecond, logger: deps.logger, prefix: deps.prefix, timeoutMs: STORE_TIMEOUT_MS };
  if (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN) {
    const redis = createUpstashScriptRedis(env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN, STORE_TIMEOUT_MS);
    return new SharedPacer(redis, { ...common, storage: "upstash" });
  }
  if (env.REDIS_URL) {
    const client = createSendRateRedisClient(env.REDIS_URL, { timeoutMs: STORE_TIMEOUT_MS, logger: deps.logger });
    return new SharedPacer(ioredisScriptRedis(client), { ...common, storage: "redis", onClose: () => closeRedisClient(client) });
  }
  const local = createPacer({ ratePerSecond });
  return { storage: "in-process", take: () => local.take(), holdFor: (ms) => local.holdFor(ms), close: async () => {} };
}
