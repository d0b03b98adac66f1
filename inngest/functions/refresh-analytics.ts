// Every minute, the analytics rollup's refresh (app/analytics/rollup.server.ts): recomputes the
// days marked dirty since the last run, in bounded batches. Each batch is one step (it returns
// only a count), so a retried run resumes after the batches already done. Overlapping runs are
// skipped (singleton); two at once would be safe anyway (the refresh takes an advisory lock).
import { inngest } from "../client";

export const REFRESH_STEP_LIMIT = 100;

export interface RollupRunner {
  /** Recomputes one batch of dirty days; `more` when a full batch was done (others may wait). */
  batch(): Promise<{ days: number; more: boolean }>;
}

export function createRefreshAnalyticsFunction(runner: () => Promise<RollupRunner> | RollupRunner) {
  return inngest.createFunction(
    {
      id: "refresh-analytics-rollup",
      name: "Refresh the analytics rollup's dirty days",
      singleton: { mode: "skip" },
      retries: 2,
      triggers: [{ cron: "* * * * *" }],
    },
    async ({ step }) => {
      const run = await runner();
      let days = 0;
      let batches = 0;
      for (let i = 0; i < REFRESH_STEP_LIMIT; i++) {
        const batch = await step.run(`batch-${i}`, () => run.batch());
        batches += 1;
        days += batch.days;
        if (!batch.more) break;
      }
      return { days, batches };
    },
  );
}
