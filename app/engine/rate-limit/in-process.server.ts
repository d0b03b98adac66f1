// The embedded default's store: one process, so the budget lives in memory. A sliding log (the
// timestamps of the sends in the last hour) gives the exact rolling-hour limit and the exact
// moment capacity frees; a business's log never holds more than its limit, so memory stays small.
import type { Clock } from "~/lib/clock.server";
import {
  assertHourlyLimit,
  SEND_RATE_WINDOW_MS,
  type ManagedSendRateLimiter,
  type SendRateDecision,
  type SendRateKey,
} from "./send-rate-limiter";

const SWEEP_EVERY_TAKES = 1024;

export class InProcessSendRateLimiter implements ManagedSendRateLimiter {
  readonly storage = "in-process" as const;
  private readonly logs = new Map<string, number[]>();
  private takesSinceSweep = 0;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number = SEND_RATE_WINDOW_MS,
  ) {}

  async take(key: SendRateKey, limitPerHour: number): Promise<SendRateDecision> {
    assertHourlyLimit(limitPerHour);
    const now = this.clock.now().getTime();
    this.maybeSweep(now);
    const id = `${key.businessId}:${key.channel}`;
    const log = this.prune(this.logs.get(id) ?? [], now);
    if (log.length < limitPerHour) {
      log.push(now);
      this.logs.set(id, log);
      return { allowed: true };
    }
    this.logs.set(id, log);
    // Capacity frees when enough of the oldest sends leave the window to get below the limit
    // (more than one when the limit was lowered since they were sent).
    const mustExpire = log[log.length - limitPerHour] ?? now;
    return { allowed: false, retryAt: new Date(mustExpire + this.windowMs) };
  }

  async close(): Promise<void> {
    this.logs.clear();
  }

  /** A send at t counts while now < t + window. */
  private prune(log: number[], now: number): number[] {
    const firstLive = log.findIndex((t) => t + this.windowMs > now);
    return firstLive === -1 ? [] : firstLive === 0 ? log : log.slice(firstLive);
  }

  /** Drops logs of keys that have gone quiet, so businesses that stop sending cost nothing. */
  private maybeSweep(now: number): void {
    if (++this.takesSinceSweep < SWEEP_EVERY_TAKES) return;
    this.takesSinceSweep = 0;
    for (const [id, log] of this.logs) {
      const newest = log[log.length - 1];
      if (newest === undefined || newest + this.windowMs <= now) this.logs.delete(id);
    }
  }
}
