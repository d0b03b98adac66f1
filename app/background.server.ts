// Process-wide background work started by the server once the database is migrated: seeding the
// presets and, without Inngest keys, the in-process scheduler that drains due touches.
import { closeDatabase } from "~/db.server";
import { seedPresets } from "~/domain/campaigns.server";
import { startScheduler, type Scheduler } from "~/engine/scheduler.server";
import { startHostEventWorkerForProcess, stopHostEventWorkerForProcess } from "~/hosts/ingest-runtime.server";
import { logger } from "~/logger.server";
import { closeServices, getServices } from "~/services.server";

let scheduler: Scheduler | undefined;
let started = false;

export function usesInngestCloud(env: { INNGEST_SIGNING_KEY?: string; INNGEST_EVENT_KEY?: string; INNGEST_DEV?: string }): boolean {
  return Boolean(env.INNGEST_SIGNING_KEY || env.INNGEST_EVENT_KEY || env.INNGEST_DEV);
}

export async function startBackground(): Promise<void> {
  if (started) return;
  started = true;
  const services = getServices();
  const seeded = await seedPresets(services.database.prisma);
  logger.info(seeded, "presets seeded");
  if (usesInngestCloud(services.env)) {
    logger.info("scheduling through Inngest (cron every minute at /api/inngest)");
  } else {
    scheduler = startScheduler(services.processor, { intervalMs: services.env.SCHEDULER_INTERVAL_MS, logger });
    logger.info({ intervalMs: services.env.SCHEDULER_INTERVAL_MS }, "in-process scheduler started");
    // Host webhooks are stored by the request and processed by this worker (with Inngest: by
    // inngest/functions/process-host-event.ts instead).
    startHostEventWorkerForProcess(services);
  }
}

export async function stopBackground(): Promise<void> {
  started = false;
  await scheduler?.stop();
  scheduler = undefined;
  await stopHostEventWorkerForProcess();
  await closeServices();
  await closeDatabase();
}
