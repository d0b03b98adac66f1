// Per-IP request limits on the public, unauthenticated endpoints (/r, /u, /f and /webhooks/*), so
// nobody can use them to flood the database: a client over PUBLIC_RATE_LIMIT_PER_MINUTE requests
// in a minute gets 429 with Retry-After, answered before any route code (and any query) runs.
//
// Counting: a sliding window over the last minute (the current fixed minute plus the previous one
// weighted by how much of it is still inside the window: Cloudflare's and @upstash/ratelimit's
// approximation). Links and webhooks are counted apart, so a burst of provider callbacks never
// blocks a customer's unsubscribe from the same address, and the other way round.
//
// Storage: in-process by default (one machine); Upstash or Redis when configured (every machine
// shares the count), through the same storage as the send pacing (./rate-limit-store/). When the shared store does
// not answer, the in-process count takes over: limited per machine, never unlimited, never
// refusing everyone.
//
// Which IP: the socket's peer address. Behind Fly's proxy (FLY_APP_NAME is set by Fly on every
// machine) the socket is the proxy, so the client is Fly-Client-IP, which the proxy sets from the
// connection it accepted and which a client cannot choose. X-Forwarded-For is never trusted: its
// leftmost entries are whatever the client sent, so keying on them would let anyone pick a new
// "IP" per request (Fly's docs recommend Fly-Client-IP for this reason).
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";
import { Ratelimit } from "@upstash/ratelimit";
import type { Env } from "~/env.server";
import {
  closeRedisClient,
  createSendRateRedisClient,
  createUpstashScriptRedis,
  ioredisScriptRedis,
  type ScriptRedis,
} from "./rate-limit-store/index.server";
import { systemClock, type Clock } from "~/lib/clock.server";
import type { Logger } from "~/logger.server";
import { canonicalRequestPath, routeGroup } from "./request-path.server";

export const PUBLIC_RATE_WINDOW_MS = 60_000;
const STORE_TIMEOUT_MS = 500;
const SWEEP_EVERY = 4_096;

/** Which budget a path draws on, or null for paths that are not limited here. */
export type PublicRouteGroup = "links" | "webhooks";

/** By the canonical path (app/lib/request-path.server.ts): `/R/<token>` counts as `/r/<token>`. */
export function publicRouteGroup(target: string): PublicRouteGroup | null {
  const canonical = canonicalRequestPath(target);
  if (!canonical.ok) return null;
  const group = routeGroup(canonical.pathname);
  return group === "links" || group === "webhooks" ? group : null;
}

export type PublicRateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export interface PublicRateLimiter {
  readonly storage: "in-process" | "redis" | "upstash";
  take(key: string, now: Date): Promise<PublicRateDecision>;
  close(): Promise<void>;
}

/** Sliding-window counts in this process's memory. */
export class InProcessPublicRateLimiter implements PublicRateLimiter {
  readonly storage = "in-process" as const;
  private readonly windows = new Map<string, { start: number; current: number; previous: number }>();
  private takes = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number = PUBLIC_RATE_WINDOW_MS,
  ) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }

  async take(key: string, now: Date): Promise<PublicRateDecision> {
    return this.takeSync(key, now.getTime());
  }

  takeSync(key: string, t: number): PublicRateDecision {
    if (++this.takes % SWEEP_EVERY === 0) this.sweep(t);
    const start = t - (t % this.windowMs);
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      // A window two or more minutes old no longer weighs anything.
      const previous = w && w.start === start - this.windowMs ? w.current : 0;
      w = { start, current: 0, previous };
      this.windows.set(key, w);
    }
    const weight = 1 - (t - start) / this.windowMs;
    const used = w.previous * weight + w.current;
    if (used + 1 > this.limit) {
      // Room comes back as the previous minute slides out, or at the next minute at the latest.
      const needed = used + 1 - this.limit;
      const slide = w.previous > 0 ? (needed / w.previous) * this.windowMs : Number.POSITIVE_INFINITY;
      const waitMs = Math.min(start + this.windowMs - t, slide);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    w.current += 1;
    return { allowed: true, remaining: Math.max(0, Math.floor(this.limit - used - 1)) };
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private sweep(t: number): void {
    for (const [key, w] of this.windows) if (w.start < t - 2 * this.windowMs) this.windows.delete(key);
  }
}

type RatelimitRedis = ConstructorParameters<typeof Ratelimit>[0]["redis"];

/** The shared store (@upstash/ratelimit's sliding window), with the in-process count as fallback. */
export class SharedPublicRateLimiter implements PublicRateLimiter {
  private readonly ratelimit: Ratelimit;
  private readonly fallback: InProcessPublicRateLimiter;
  private lastWarning = 0;

  constructor(
    redis: ScriptRedis,
    readonly storage: "redis" | "upstash",
    private readonly options: { limit: number; logger: Logger; prefix?: string; timeoutMs?: number; onClose?: () => Promise<void> },
  ) {
    this.fallback = new InProcessPublicRateLimiter(options.limit);
    this.ratelimit = new Ratelimit({
      redis: redis as unknown as RatelimitRedis,
      limiter: Ratelimit.slidingWindow(options.limit, "1 m"),
      prefix: options.prefix ?? "kudos:public-rate",
      // The library's own timeout lets the request through; ours falls back to the local count.
      timeout: 0,
      analytics: false,
      enableProtection: false,
      dynamicLimits: false,
      enableTelemetry: false,
    });
  }

  async take(key: string, now: Date): Promise<PublicRateDecision> {
    const timeoutMs = this.options.timeoutMs ?? STORE_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        this.ratelimit.limit(key),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`rate-limit store did not answer within ${timeoutMs} ms`)), timeoutMs);
          timer.unref();
        }),
      ]);
      // Keep the local count warm, so a store outage does not start from zero.
      this.fallback.takeSync(key, now.getTime());
      if (result.success) return { allowed: true, remaining: result.remaining };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((result.reset - now.getTime()) / 1000)) };
    } catch (err) {
      if (now.getTime() - this.lastWarning > PUBLIC_RATE_WINDOW_MS) {
        this.lastWarning = now.getTime();
        // The message only: ioredis errors carry the whole Lua script.
        this.options.logger.warn({ error: err instanceof Error ? err.message : String(err), storage: this.storage }, "public rate-limit store unavailable; counting in-process");
      }
      return this.fallback.takeSync(key, now.getTime());
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
    await this.options.onClose?.();
  }
}

export type PublicRateLimitEnv = Pick<Env, "PUBLIC_RATE_LIMIT_PER_MINUTE" | "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN" | "REDIS_URL">;

export function createPublicRateLimiter(
  env: PublicRateLimitEnv,
  deps: { logger: Logger; prefix?: string },
  limit: number = env.PUBLIC_RATE_LIMIT_PER_MINUTE,
): PublicRateLimiter {
  if (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN) {
    const redis = createUpstashScriptRedis(env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN, STORE_TIMEOUT_MS);
    return new SharedPublicRateLimiter(redis, "upstash", { limit, logger: deps.logger });
  }
  if (env.REDIS_URL) {
    const client = createSendRateRedisClient(env.REDIS_URL, { timeoutMs: STORE_TIMEOUT_MS, logger: deps.logger });
    return new SharedPublicRateLimiter(ioredisScriptRedis(client), "redis", {
      limit,
      logger: deps.logger,
      onClose: () => closeRedisClient(client),
    });
  }
  return new InProcessPublicRateLimiter(limit);
}

export interface ClientIpOptions {
  /** Take the client from Fly-Client-IP (only ever true when Fly's proxy is in front). */
  behindFlyProxy: boolean;
}

/** True on a Fly machine: Fly sets FLY_APP_NAME in every machine's environment. */
export function isBehindFlyProxy(environment: Record<string, string | undefined> = process.env): boolean {
  return Boolean(environment.FLY_APP_NAME);
}

const IP_LIKE = /^[0-9a-fA-F:.]{2,45}$/;

/** The client's address as this server can trust it (see the top of this file). */
export function clientIp(
  request: { headers: Record<string, string | string[] | undefined>; socket: { remoteAddress?: string | undefined } },
  options: ClientIpOptions,
): string {
  if (options.behindFlyProxy) {
    const fly = request.headers["fly-client-ip"];
    const value = (Array.isArray(fly) ? fly[0] : fly)?.trim();
    if (value && IP_LIKE.test(value)) return value;
  }
  // IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d.
  return (request.socket.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
}

export interface PublicRateLimitOptions extends ClientIpOptions {
  limiter: PublicRateLimiter;
  /**
   * Webhooks come from a platform's few servers, not from people: they get their own, larger
   * per-IP budget (WEBHOOK_RATE_LIMIT_PER_MINUTE) so a busy host is not throttled like a browser.
   */
  webhookLimiter?: PublicRateLimiter;
  logger: Logger;
  clock?: Clock;
}

/**
 * Express middleware: counts public requests per client IP and answers 429 (with Retry-After)
 * once a client is over its budget, before the request reaches Remix. Other paths pass through.
 */
export function publicRateLimit(options: PublicRateLimitOptions) {
  const clock = options.clock ?? systemClock;
  return (req: ExpressRequest, res: ExpressResponse, next: NextFunction): void => {
    const group = publicRouteGroup(req.originalUrl);
    if (!group) return next();
    const ip = clientIp(req, options);
    const limiter = group === "webhooks" && options.webhookLimiter ? options.webhookLimiter : options.limiter;
    limiter
      .take(`${group}:${ip}`, clock.now())
      .then((decision) => {
        if (decision.allowed) return next();
        res
          .status(429)
          .set({ "Retry-After": String(decision.retryAfterSeconds), "Cache-Control": "no-store", "Content-Type": "text/plain; charset=utf-8" })
          .send(`Too many requests: try again in ${decision.retryAfterSeconds} s`);
      })
      .catch((err: unknown) => {
        // Limiters never throw; if one does, serving the request beats refusing everyone.
        options.logger.error({ err }, "public rate limit failed");
        next();
      });
  };
}
