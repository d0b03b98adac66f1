// The single-machine stand-in for Inngest's host-event function: processes stored webhooks in
// this process. A webhook pokes it right after storing its event, so processing starts within
// milliseconds of the answer; the interval sweep picks up everything else (events stored by a
// process that died before processing them, retries whose backoff has run out, failed pokes).
// Runs never overlap; several processes can run it at once (SKIP LOCKED claims).
import type { Logger } from "~/logger.server";
import { HOST_EVENT_BATCH_SIZE, type HostEventBatchSummary, type HostEventProcessDeps, processDueHostEvents } from "./ingest-process.server";

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
  /** A run stops claiming new batches after this long, leaving the rest to the next one. */
  budgetMs?: number;
}

export function startHostEventWorker(deps: HostEventProcessDeps, opts: HostEventWorkerOptions): HostEventWorker {
  const batchSize = opts.batchSize ?? HOST_EVENT_BATCH_SIZE;
  const budgetMs = opts.budgetMs ?? 30_000;
  let running: Promise<HostEventBatchSummary> | null = null;
  let again = false;
  let stopped = false;

  async function drain(): Promise<HostEventBatchSummary> {
    const total: HostEventBatchSummary = { claimed: 0, processed: 0, retrying: 0, failed: 0 };
    const started = Date.now();
    for (;;) {
      const batch = await processDueHostEvents(deps, { limit: batchSize });
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
