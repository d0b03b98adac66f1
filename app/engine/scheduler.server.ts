// The single-machine stand-in for Inngest's cron: drains due touches every few seconds in this
// process, then refreshes the analytics rollup's dirty days (app/analytics/rollup.server.ts).
// Runs never overlap; an error is logged and the next tick tries again.
import { refreshAnalyticsRollup } from "~/analytics/rollup.server";
import type { Logger } from "~/logger.server";
import { drain, type DrainSummary, type ProcessorDeps } from "./processor.server";

/** A refresh's share of a tick: the rest of the dirty days wait for the next one. */
const ROLLUP_BUDGET_MS = 5_000;

export interface Scheduler {
  stop(): Promise<void>;
  /** Runs one drain (and rollup refresh) now (waits for a running one first). */
  tick(): Promise<DrainSummary | null>;
}

export function startScheduler(deps: ProcessorDeps, opts: { intervalMs: number; logger: Logger; budgetMs?: number }): Scheduler {
  let running: Promise<DrainSummary | null> | null = null;
  let stopped = false;
  const refreshRollup = () =>
    refreshAnalyticsRollup(deps.pool, { budgetMs: ROLLUP_BUDGET_MS }).catch((err: unknown) => {
      opts.logger.error({ err }, "analytics rollup refresh failed; retrying on the next tick");
    });
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
      .then(async (summary) => {
        await refreshRollup();
        return summary;
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
