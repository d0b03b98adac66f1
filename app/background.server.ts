// Process-wide background work started by the server once the database is migrated: seeding the
// presets and, without Inngest keys, the in-process scheduler that drains due touches.
import { closeDatabase } from "~/db.server";
import { seedPresets } from "~/domain/campaigns.server";
import { inngestMode, type Env } from "~/env.server";
import { startScheduler, type Scheduler } from "~/engine/scheduler.server";
import { startHostEventWorkerForProcess, stopHostEventWorkerForProcess } from "~/hosts/ingest/runtime.server";
import { logger } from "~/logger.server";
import { maintenanceDeps, startMaintenance, type MaintenanceLoop } from "~/maintenance.server";
import { closeServices, getServices } from "~/services.server";

let scheduler: Scheduler | undefined;
let maintenance: MaintenanceLoop | undefined;
let started = false;

/**
 * Inngest (cloud, or a local dev server) runs the scheduled work instead of this process. Follows
 * the parsed INNGEST_DEV, as the Inngest client does (inngest/client.ts): INNGEST_DEV=0 with no
 * keys is the in-process scheduler.
 */
export function usesInngestCloud(env: Pick<Env, "INNGEST_DEV" | "INNGEST_EVENT_KEY" | "INNGEST_SIGNING_KEY">): boolean {
  return inngestMode(env) !== "off";
}

export async function startBackground(): Promise<void> {
  if (started) return;
  started = true;
  const services = getServices();
  const seeded = await seedPresets(services.database.prisma);
  logger.info(seeded, "presets seeded");
  if (usesInngestCloud(services.env)) {
    logger.info({ inngest: inngestMode(services.env) }, "scheduling through Inngest (cron every minute at /api/inngest)");
  } else {
    scheduler = startScheduler(services.processor, { intervalMs: services.env.SCHEDULER_INTERVAL_MS, logger });
    logger.info({ intervalMs: services.env.SCHEDULER_INTERVAL_MS }, "in-process scheduler started");
    // Feedback notifications and expired data exports (with Inngest: inngest/functions/maintenance.ts).
    maintenance = startMaintenance(maintenanceDeps(services), { intervalMs: services.env.SCHEDULER_INTERVAL_MS, logger });
    // Host webhooks are stored by the request and processed by this worker (with Inngest: by
    // inngest/functions/process-host-event.ts instead).
    startHostEventWorkerForProcess(services);
  }
}

export async function stopBackground(): Promise<void> {
  started = false;
  await scheduler?.stop();
  scheduler = undefined;
  await maintenance?.stop();
  maintenance = undefined;
  await stopHostEventWorkerForProcess();
  await closeServices();
  await closeDatabase();
}
