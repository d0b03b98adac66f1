// Every minute (Inngest's finest cron), drain due touches in bounded batches. Each batch is one
// step, so a run stays far inside Inngest's limits (1,000 steps, 4 MiB per step result: a step
// returns only counts) and a retried run resumes after the batches already done. Overlapping
// runs are skipped (singleton); running two at once would be safe anyway (SKIP LOCKED claims).
import type { BatchSummary } from "~/engine/processor.server";
import { inngest } from "../client";

export const DRAIN_STEP_LIMIT = 500;
export const DRAIN_BUDGET_MS = 50_000;

export interface DrainRunner {
  batch(): Promise<BatchSummary>;
  /** Wall-clock milliseconds, for the run's time budget. */
  nowMs(): number;
  batchSize: number;
}

export type DrainRunnerFactory = () => Promise<DrainRunner>;

export function createDrainFunction(runner: DrainRunnerFactory) {
  return inngest.createFunction(
    {
      id: "drain-due-touches",
      name: "Send due review-request touches",
      singleton: { mode: "skip" },
      retries: 2,
      triggers: [{ cron: "* * * * *" }],
    },
    async ({ step }) => {
      const run = await runner();
      // Memoised: every re-invocation of this run measures the budget from the same start.
      const startedAt = await step.run("start", () => run.nowMs());
      const total: BatchSummary & { batches: number } = { claimed: 0, sent: 0, deferred: 0, skipped: 0, failed: 0, completed: 0, batches: 0 };
      for (let i = 0; i < DRAIN_STEP_LIMIT && run.nowMs() - startedAt < DRAIN_BUDGET_MS; i++) {
        const batch = await step.run(`batch-${i}`, () => run.batch());
        total.batches += 1;
        for (const k of Object.keys(batch) as (keyof BatchSummary)[]) total[k] += batch[k];
        if (batch.claimed < run.batchSize) break;
      }
      return total;
    },
  );
}
