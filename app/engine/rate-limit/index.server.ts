// Picks the send-rate store from configuration: Upstash REST when its URL and token are set, else
// a Redis URL, else the in-process store of the single-process embedded default.
import type { Env } from "~/env.server";
import type { Clock } from "~/lib/clock.server";
import { logger as processLogger, type Logger } from "~/logger.server";
import { InProcessSendRateLimiter } from "./in-process.server";
import {
  closeRedisClient,
  createSendRateRedisClient,
  createUpstashScriptRedis,
  ioredisScriptRedis,
} from "~/lib/rate-limit-store/index.server";
import { DEFAULT_STORE_TIMEOUT_MS, RedisSendRateLimiter } from "./redis-send-rate-limiter.server";
import type { ManagedSendRateLimiter } from "./send-rate-limiter";

export * from "./send-rate-limiter";
export { InProcessSendRateLimiter } from "./in-process.server";
export {
  closeRedisClient,
  createSendRateRedisClient,
  createUpstashScriptRedis,
  ioredisScriptRedis,
  scriptForStockRedis,
} from "~/lib/rate-limit-store/index.server";
export {
  DEFAULT_SEND_RATE_PREFIX,
  DEFAULT_STORE_TIMEOUT_MS,
  DEFAULT_UNAVAILABLE_BACKOFF_MS,
  RedisSendRateLimiter,
  type RedisSendRateLimiterOptions,
  type ScriptRedis,
} from "./redis-send-rate-limiter.server";

export type SendRateLimiterEnv = Pick<Env, "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN" | "REDIS_URL">;

export interface SendRateLimiterDeps {
  clock: Clock;
  logger?: Logger;
  prefix?: string;
  timeoutMs?: number;
  unavailableBackoffMs?: number;
}

export function createSendRateLimiter(env: SendRateLimiterEnv, deps: SendRateLimiterDeps): ManagedSendRateLimiter {
  const log = deps.logger ?? processLogger;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  const common = {
    clock: deps.clock,
    logger: log,
    prefix: deps.prefix,
    timeoutMs,
    unavailableBackoffMs: deps.unavailableBackoffMs,
  };
  if (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN) {
    const redis = createUpstashScriptRedis(env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN, timeoutMs);
    return new RedisSendRateLimiter(redis, { ...common, storage: "upstash" });
  }
  if (env.REDIS_URL) {
    const client = createSendRateRedisClient(env.REDIS_URL, { timeoutMs, logger: log });
    return new RedisSendRateLimiter(ioredisScriptRedis(client), {
      ...common,
      storage: "redis",
      onClose: () => closeRedisClient(client),
    });
  }
  return new InProcessSendRateLimiter(deps.clock);
}
