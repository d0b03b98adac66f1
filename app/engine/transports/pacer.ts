// Pacing of requests to a provider with a request-rate limit (Resend: per team), so draining a
// backlog does not turn into a stream of 429s. The interface is the same in-process (this token
// bucket, the embedded default) and across processes (./shared-pacer.server.ts, in the
// rate-limit store). Here callers reserve a slot synchronously, so concurrent callers queue in
// arrival order.
import { realSleep, type Sleep } from "./types";

/** A request slot, or, while the pacer is held past its longest wait, how long the hold has left. */
export type PacerTurn = { ok: true } | { ok: false; heldForMs: number };

export interface Pacer {
  /**
   * Resolves when the caller may make its request. While the pacer is held for longer than it
   * waits (a quota until its reset), resolves at once with the time left: the caller defers its
   * send instead of making it.
   */
  take(): Promise<PacerTurn>;
  /** The provider asked us to back off: no slot is granted for this long (everywhere the pacer is shared). */
  holdFor(ms: number): Promise<void>;
}

/** Holds up to this long are waited through; longer ones turn takes into deferrals (as withRetries' maxDelayMs). */
export const DEFAULT_PACER_MAX_WAIT_MS = 30_000;

export interface PacerOptions {
  ratePerSecond: number;
  /** Calls allowed back to back after an idle period. 1 keeps any one-second window within the rate. */
  burst?: number;
  /** Monotonic milliseconds. */
  now?: () => number;
  sleep?: Sleep;
  /** Longest hold a take waits through (default DEFAULT_PACER_MAX_WAIT_MS). */
  maxWaitMs?: number;
}

export function createPacer({
  ratePerSecond,
  burst = 1,
  now = () => performance.now(),
  sleep = realSleep,
  maxWaitMs = DEFAULT_PACER_MAX_WAIT_MS,
}: PacerOptions): Pacer {
  if (!(ratePerSecond > 0)) throw new Error("ratePerSecond must be positive");
  const msPerToken = 1000 / ratePerSecond;
  let tokens = burst;
  let last = now();
  let heldUntil = Number.NEGATIVE_INFINITY;

  const refill = () => {
    const t = now();
    tokens = Math.min(burst, tokens + (t - last) / msPerToken);
    last = t;
  };

  return {
    async take() {
      const held = heldUntil - now();
      if (held > maxWaitMs) return { ok: false, heldForMs: Math.ceil(held) };
      refill();
      tokens -= 1;
      // A negative balance is the queue of callers ahead of us (and any hold): wait until it is paid back.
      if (tokens < 0) await sleep(Math.ceil(-tokens * msPerToken));
      return { ok: true };
    },
    async holdFor(ms) {
      refill();
      // The next take() then waits `ms`, or, for a long hold, defers until little of it is left.
      tokens = Math.min(tokens, 1 - ms / msPerToken);
      heldUntil = Math.max(heldUntil, now() + ms);
    },
  };
}
