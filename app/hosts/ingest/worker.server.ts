// The single-machine stand-in for Inngest's host-event function: processes stored webhooks in
// this process. A webhook pokes it right after storing its event, so processing starts within
// milliseconds of the answer; the interval sweep picks up everything else (events stored by a
// process that died before processing them, retries whose backoff has run out, failed pokes).
// Runs never overlap; several processes can run it at once (SKIP LOCKED claims).
//
// It shares the process with the web server, and the requests come first: receiving a webhook
// costs well under a millisecond of CPU, processing one costs ten or more (customer and job
// upserts, the enrollment). So the worker claims a batch and processes a few events at once, and
// before each event it yields to pending I/O and checks how busy the event loop has been lately
// (loopPacer): while it is saturated and webhooks keep arriving, events start at most every `busyGapMs`, one at a time,
// leaving the CPU to the requests; the backlog (safe in host_event) is worked off when the load
// drops. Processing never stops entirely, so an uninstall still takes effect under load.
import { performance } from "node:perf_hooks";
import { setImmediate as yieldToIo, setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "~/logger.server";
import { HOST_EVENT_BATCH_SIZE, type HostEventBatchSummary, type HostEventProcessDeps, processDueHostEvents } from "./process.server";

export interface HostEventWorker {
  /** Asks for a run as soon as possible (coalesced with a running one). */
  poke(): void;
  /** Runs until no due event is left (or the budget is spent); waits for a running one first. */
  tick(): Promise<HostEventBatchSummary>;
  stop(): Promise<void>;
}

export interface HostEventWorkerOptions {
  intervalMs: number;
  logger: Logger;
  batchSize?: number;
  /** Events processed at once while the process is not busy. */
  concurrency?: number;
  /** A run stops claiming new batches after this long, leaving the rest to the next one. */
  budgetMs?: number;
  /** Awaited before each event; default: a loopPacer. Tests pass one that never waits. */
  pace?: () => Promise<void>;
}

export const HOST_EVENT_CONCURRENCY = 4;

export interface LoopPacerOptions {
  /** Event-loop utilization (0..1) above which the loop counts as busy. */
  busyAbove?: number;
  /** Utilization is measured over windows of this length. */
  windowMs?: number;
  /** While busy, at most one event starts per this many milliseconds. */
  busyGapMs?: number;
  /**
   * Whether requests are coming in (webhooks poke the worker): without them a busy loop is the
   * worker's own doing, and it runs at full speed.
   */
  requestsArriving?: () => boolean;
}

/**
 * Paces background work against the event loop's recent utilization (the share of time it spent
 * running callbacks rather than waiting): free while the loop is mostly idle, a trickle while it
 * is saturated, so requests keep their latency. Shared by all of a worker's concurrent lanes.
 */
export function loopPacer(opts: LoopPacerOptions = {}): () => Promise<void> {
  const busyAbove = opts.busyAbove ?? 0.8;
  const windowMs = opts.windowMs ?? 200;
  const busyGapMs = opts.busyGapMs ?? 200;
  const requestsArriving = opts.requestsArriving ?? (() => true);
  let mark = performance.eventLoopUtilization();
  let markAt = performance.now();
  let busy = false;
  let nextStart = 0;
  const measure = () => {
    const now = performance.now();
    if (now - markAt >= windowMs) {
      const current = performance.eventLoopUtilization();
      busy = performance.eventLoopUtilization(current, mark).utilization > busyAbove && requestsArriving();
      mark = current;
      markAt = now;
    }
    return now;
  };
  return async () => {
    // Whatever I/O is ready (requests' bodies, their queries' results) runs before the next event.
    await yieldToIo();
    for (;;) {
      const now = measure();
      if (!busy) return;
      if (now >= nextStart) {
        nextStart = now + busyGapMs;
        return;
      }
      await sleep(Math.min(nextStart - now, windowMs));
    }
  };
}

export function startHostEventWorker(deps: HostEventProcessDeps, opts: HostEventWorkerOptions): HostEventWorker {
  const batchSize = opts.batchSize ?? HOST_EVENT_BATCH_SIZE;
  const concurrency = opts.concurrency ?? HOST_EVENT_CONCURRENCY;
  const budgetMs = opts.budgetMs ?? 30_000;
  let lastPoke = -Infinity;
  const pace = opts.pace ?? loopPacer({ requestsArriving: () => performance.now() - lastPoke < 1_000 });
  let running: Promise<HostEventBatchSummary> | null = null;
  let again = false;
  let stopped = false;

  async function drain(): Promise<HostEventBatchSummary> {
    const total: HostEventBatchSummary = { claimed: 0, processed: 0, retrying: 0, failed: 0 };
    const started = Date.now();
    for (;;) {
      const batch = await processDueHostEvents(deps, { limit: batchSize, concurrency, pace, stopping: () => stopped });
      for (const key of Object.keys(total) as (keyof HostEventBatchSummary)[]) total[key] += batch[key];
      if (batch.claimed < batchSize || stopped || Date.now() - started > budgetMs) return total;
    }
  }

  const run = (): Promise<HostEventBatchSummary> => {
    running ??= drain()
      .then((summary) => {
        if (summary.claimed > 0) opts.logger.info({ hostEvents: summary }, "processed host events");
        return summary;
      })
      .catch((err: unknown) => {
        opts.logger.error({ err }, "host event run failed; retrying on the next tick");
        return { claimed: 0, processed: 0, retrying: 0, failed: 0 };
      })
      .finally(() => {
        running = null;
        // A poke that came in while this run was past its last claim.
        if (again && !stopped) {
          again = false;
          void run();
        }
      });
    return running;
  };

  const timer = setInterval(() => {
    if (!stopped && !running) void run();
  }, opts.intervalMs);
  timer.unref();

  return {
    poke() {
      if (stopped) return;
      lastPoke = performance.now();
      if (running) again = true;
      else void run();
    },
    async tick() {
      if (running) await running;
      return run();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
