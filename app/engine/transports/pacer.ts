// A token bucket that spaces out calls to a provider with a request-rate limit (Resend: 2/s per
// team by default), so draining a backlog does not turn into a stream of 429s. Callers reserve a
// slot synchronously, so concurrent callers queue in arrival order.
import { realSleep, type Sleep } from "./types";

export interface Pacer {
  /** Resolves when the caller may make its request. */
  take(): Promise<void>;
  /** The provider asked us to back off: no slot is granted for this long. */
  holdFor(ms: number): void;
}

export interface PacerOptions {
  ratePerSecond: number;
  /** Calls allowed back to back after an idle period. 1 keeps any one-second window within the rate. */
  burst?: number;
  /** Monotonic milliseconds. */
  now?: () => number;
  sleep?: Sleep;
}

export function createPacer({ ratePerSecond, burst = 1, now = () => performance.now(), sleep = realSleep }: PacerOptions): Pacer {
  if (!(ratePerSecond > 0)) throw new Error("ratePerSecond must be positive");
  const msPerToken = 1000 / ratePerSecond;
  let tokens = burst;
  let last = now();

  const refill = () => {
    const t = now();
    tokens = Math.min(burst, tokens + (t - last) / msPerToken);
    last = t;
  };

  return {
    async take() {
      refill();
      tokens -= 1;
      // A negative balance is the queue of callers ahead of us: wait until it is paid back.
      if (tokens < 0) await sleep(Math.ceil(-tokens * msPerToken));
    },
    holdFor(ms) {
      refill();
      // The next take() then waits `ms`.
      tokens = Math.min(tokens, 1 - ms / msPerToken);
    },
  };
}
