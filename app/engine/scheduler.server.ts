// The single-machine stand-in for Inngest's cron: drains due touches every few seconds in this
// process. Runs never overlap; an error is logged and the next tick tries again.
import type { Logger } from "~/logger.server";
import { drain, type DrainSummary, type ProcessorDeps } from "./processor.server";

export interface Scheduler {
  stop(): Promise<void>;
  /** Runs one drain now (waits for a running one first). */
  tick(): Promise<DrainSummary | null>;
}

export function startScheduler(deps: ProcessorDeps, opts: { intervalMs: number; logger: Logger; budgetMs?: number }): Scheduler {
  let running: Promise<DrainSummary | null> | null = null;
  let stopped = false;
  const run = () => {
    running ??= drain(deps, { budgetMs: opts.budgetMs ?? 50_000 })
      .then((summary) => {
        if (summary.claimed > 0) opts.logger.info({ drain: summary }, "drained due touches");
        return summary;
      })
      .catch((err: unknown) => {
        opts.logger.error({ err }, "drain failed; retrying on the next tick");
        return null;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped && !running) void run();
  }, opts.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    async tick() {
      if (running) await running;
      return run();
    },
  };
}
