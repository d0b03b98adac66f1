// The shared-store limiter: @upstash/ratelimit's sliding window ("1 h") over any client that can
// run its Lua scripts (Upstash REST in production, a local Redis through the ioredis adapter).
import { Ratelimit } from "@upstash/ratelimit";
import type { Clock } from "~/lib/clock.server";
import type { Logger } from "~/logger.server";
import {
  assertHourlyLimit,
  type ManagedSendRateLimiter,
  type SendRateDecision,
  type SendRateKey,
  type SendRateLimiterStorage,
} from "./send-rate-limiter";
import type { ScriptRedis } from "~/lib/rate-limit-store/index.server";

export type { ScriptRedis };

type RatelimitRedis = ConstructorParameters<typeof Ratelimit>[0]["redis"];

export interface RedisSendRateLimiterOptions {
  storage: Exclude<SendRateLimiterStorage, "in-process">;
  clock: Clock;
  logger: Logger;
  /** Key prefix in the store. */
  prefix?: string;
  /** Longest a take may wait for the store before the send is deferred. */
  timeoutMs?: number;
  /** How far a send is deferred when the store cannot answer. */
  unavailableBackoffMs?: number;
  /** Releases the underlying connection. */
  onClose?: () => Promise<void>;
}

export const DEFAULT_SEND_RATE_PREFIX = "kudos:send-rate";
export const DEFAULT_STORE_TIMEOUT_MS = 2_000;
export const DEFAULT_UNAVAILABLE_BACKOFF_MS = 30_000;
/**
 * The library's `reset` is the end of the current fixed bucket; at that exact millisecond the
 * previous bucket still weighs 100 %, so retrying a moment later is what actually finds room.
 */
const AFTER_RESET_MS = 1_000;

class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`rate-limit store did not answer within ${ms} ms`);
    this.name = "StoreTimeoutError";
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(ms)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class RedisSendRateLimiter implements ManagedSendRateLimiter {
  readonly storage: RedisSendRateLimiterOptions["storage"];
  // @upstash/ratelimit fixes the limit per instance, and limits differ per business.
  private readonly byLimit = new Map<number, Ratelimit>();
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;

  constructor(
    private readonly redis: ScriptRedis,
    private readonly options: RedisSendRateLimiterOptions,
  ) {
    this.storage = options.storage;
    this.prefix = options.prefix ?? DEFAULT_SEND_RATE_PREFIX;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    this.backoffMs = options.unavailableBackoffMs ?? DEFAULT_UNAVAILABLE_BACKOFF_MS;
  }

  async take(key: SendRateKey, limitPerHour: number): Promise<SendRateDecision> {
    assertHourlyLimit(limitPerHour);
    const now = this.options.clock.now().getTime();
    try {
      const result = await withTimeout(this.limiterFor(limitPerHour).limit(`${key.businessId}:${key.channel}`), this.timeoutMs);
      if (result.success) return { allowed: true };
      return { allowed: false, retryAt: new Date(Math.max(result.reset, now) + AFTER_RESET_MS) };
    } catch (err) {
      // Fail closed: an unreachable store defers sends, it never lets them through unlimited.
      // The message only: ioredis errors carry the whole Lua script in `command`.
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.options.logger.warn(
        { error, storage: this.storage, businessId: key.businessId, channel: key.channel },
        "send rate limiter unavailable; deferring send",
      );
      return { allowed: false, retryAt: new Date(now + this.backoffMs) };
    }
  }

  async close(): Promise<void> {
    this.byLimit.clear();
    await this.options.onClose?.();
  }

  private limiterFor(limitPerHour: number): Ratelimit {
    let limiter = this.byLimit.get(limitPerHour);
    if (!limiter) {
      limiter = new Ratelimit({
        // The library's type also names get/set (dynamic limits, left off); its core path calls
        // only evalsha/eval, which ScriptRedis provides.
        redis: this.redis as unknown as RatelimitRedis,
        limiter: Ratelimit.slidingWindow(limitPerHour, "1 h"),
        prefix: this.prefix,
        // The library's own timeout ALLOWS the request when it fires; ours defers instead.
        timeout: 0,
        analytics: false,
        enableProtection: false,
        dynamicLimits: false,
        enableTelemetry: false,
      });
      this.byLimit.set(limitPerHour, limiter);
    }
    return limiter;
  }
}
