// The storage both rate limiters (the send pacing in app/engine/rate-limit/ and the public
// endpoints' per-IP budgets in app/lib/public-rate-limit.server.ts) keep their counts in: Upstash
// over REST, or a Redis server through ioredis (./ioredis.server.ts), both seen through the two
// calls @upstash/ratelimit makes.
import { Redis as UpstashRedis } from "@upstash/redis";

/**
 * The two calls @upstash/ratelimit's core path makes (dist/index.mjs `safeEval`): `evalsha`, and
 * `eval` when the error text contains NOSCRIPT. Results are the script's reply as Redis gives it.
 */
export interface ScriptRedis {
  evalsha(sha: string, keys: string[], args: unknown[]): Promise<unknown>;
  eval(script: string, keys: string[], args: unknown[]): Promise<unknown>;
}

/** An Upstash REST client whose requests are bounded in time and retried at most once. */
export function createUpstashScriptRedis(url: string, token: string, timeoutMs: number): ScriptRedis {
  return new UpstashRedis({
    url,
    token,
    retry: { retries: 1, backoff: () => 100 },
    // A function, so each request gets a fresh deadline and an abort surfaces as an error.
    signal: () => AbortSignal.timeout(timeoutMs),
    enableTelemetry: false,
  });
}
