// A clock at real speed from a fixed weekday morning: leases expire in real time while quiet hours
// never defer the backlog, whatever the hour the suite runs. Shared by child processes.
import type { Clock } from "~/lib/clock.server";

/** 11:00 in New York on a Monday: inside every send window for a NANP recipient. */
export const VIRTUAL_ORIGIN = Date.parse("2026-01-05T16:00:00Z");

/**
 * A clock at real speed from `virtualOrigin`, shared by every process given the same two origins:
 * leases written by one process expire for the others as time really passes.
 */
export class RealtimeClock implements Clock {
  constructor(
    readonly virtualOrigin: number = VIRTUAL_ORIGIN,
    readonly realOrigin: number = Date.now(),
  ) {}
  now(): Date {
    return new Date(this.virtualOrigin + (Date.now() - this.realOrigin));
  }
  /** What to hand a child process so it shares this clock. */
  args(): string[] {
    return [String(this.virtualOrigin), String(this.realOrigin)];
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

