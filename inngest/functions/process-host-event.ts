// Host webhooks under Inngest: the webhook request stores the event and sends
// kudos/host.event.received with its host_event id; this function claims and processes that row.
// Retries are the table's own (attempts, last_error, run_after with backoff), so failures stay
// visible in the admin; a sweep every minute processes whatever is due: events whose Inngest
// hand-off failed, events stored by a process that died, and retries whose backoff has passed.
import {
  HOST_EVENT_BATCH_SIZE,
  type HostEventBatchSummary,
  type HostEventProcessDeps,
  processDueHostEvents,
  processHostEventById,
} from "~/hosts/ingest/process.server";
import { getHostEventProcessDeps, HOST_EVENT_RECEIVED } from "~/hosts/ingest/runtime.server";
import { inngest } from "../client";

export const SWEEP_MAX_BATCHES = 50;

export type HostEventDepsFactory = () => Promise<HostEventProcessDeps> | HostEventProcessDeps;

export function createProcessHostEventFunction(getDeps: HostEventDepsFactory) {
  return inngest.createFunction(
    {
      id: "process-host-event",
      name: "Process a host webhook",
      // The row's own backoff retries; an Inngest retry would only find it leased.
      retries: 0,
      triggers: [{ event: HOST_EVENT_RECEIVED }],
    },
    async ({ event, step }) => {
      const hostEventId = String((event.data as { hostEventId?: unknown }).hostEventId ?? "");
      return step.run("process", async () => {
        const outcome = await processHostEventById(await getDeps(), hostEventId);
        // Null: already processed, or another worker holds it: nothing to do here.
        return outcome ? { hostEventId, ...outcome } : { hostEventId, status: "skipped" as const };
      });
    },
  );
}

export function createSweepHostEventsFunction(getDeps: HostEventDepsFactory) {
  return inngest.createFunction(
    {
      id: "sweep-host-events",
      name: "Process due host webhooks (missed hand-offs and retries)",
      singleton: { mode: "skip" },
      retries: 2,
      triggers: [{ cron: "* * * * *" }],
    },
    async ({ step }) => {
      const total: HostEventBatchSummary & { batches: number } = { claimed: 0, processed: 0, retrying: 0, failed: 0, batches: 0 };
      for (let i = 0; i < SWEEP_MAX_BATCHES; i++) {
        const batch = await step.run(`batch-${i}`, async () => processDueHostEvents(await getDeps(), { limit: HOST_EVENT_BATCH_SIZE }));
        total.batches += 1;
        for (const key of ["claimed", "processed", "retrying", "failed"] as const) total[key] += batch[key];
        if (batch.claimed < HOST_EVENT_BATCH_SIZE) break;
      }
      return total;
    },
  );
}

export const processHostEvent = createProcessHostEventFunction(() => getHostEventProcessDeps());
export const sweepHostEvents = createSweepHostEventsFunction(() => getHostEventProcessDeps());

export const hostEventFunctions = [processHostEvent, sweepHostEvents];
