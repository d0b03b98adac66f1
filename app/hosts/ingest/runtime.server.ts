// Host ingestion wired to the process's services: what the webhook route, the Inngest function and
// the server's background start-up use. With Inngest configured a stored event is handed over as
// an Inngest event (kudos/host.event.received); without, the in-process worker started by
// startBackground is poked.
import { inngestMode } from "~/env.server";
import { logger } from "~/logger.server";
import { getServices, type Services } from "~/services.server";
import { inngest } from "../../../inngest/client";
import type { IngestDeps } from "./receive.server";
import type { HostEventProcessDeps } from "./process.server";
import { startHostEventWorker, type HostEventWorker } from "./worker.server";

export const HOST_EVENT_RECEIVED = "kudos/host.event.received";

const globalForWorker = globalThis as unknown as { __kudosHostEventWorker?: HostEventWorker };

export function getHostEventProcessDeps(services: Services = getServices()): HostEventProcessDeps {
  return {
    db: services.database.prisma,
    pool: services.database.pool,
    clock: services.domain.clock,
    hosts: services.hosts,
    logger,
    encryptionKey: services.secrets.encryptionKey,
    optOuts: services.domain.optOuts,
  };
}

const ingestDepsCache = new WeakMap<Services, IngestDeps>();

/** One per services (built once: the webhook route asks on every request). */
export function getIngestDeps(services: Services = getServices()): IngestDeps {
  let deps = ingestDepsCache.get(services);
  if (!deps) {
    deps = createIngestDeps(services);
    ingestDepsCache.set(services, deps);
  }
  return deps;
}

function createIngestDeps(services: Services): IngestDeps {
  const viaInngest = inngestMode(services.env) !== "off";
  return {
    db: services.database.prisma,
    pool: services.database.pool,
    clock: services.domain.clock,
    hosts: services.hosts,
    logger,
    async enqueue(hostEventId) {
      if (viaInngest) await inngest.send({ name: HOST_EVENT_RECEIVED, data: { hostEventId } });
      else globalForWorker.__kudosHostEventWorker?.poke();
    },
  };
}

/** Started by startBackground when Inngest is not configured; one per process. */
export function startHostEventWorkerForProcess(services: Services = getServices()): HostEventWorker {
  globalForWorker.__kudosHostEventWorker ??= startHostEventWorker(getHostEventProcessDeps(services), {
    intervalMs: services.env.SCHEDULER_INTERVAL_MS,
    logger,
  });
  return globalForWorker.__kudosHostEventWorker;
}

export async function stopHostEventWorkerForProcess(): Promise<void> {
  const worker = globalForWorker.__kudosHostEventWorker;
  globalForWorker.__kudosHostEventWorker = undefined;
  await worker?.stop();
}

/** The running in-process worker, if any (tests drive it with tick()). */
export function currentHostEventWorker(): HostEventWorker | undefined {
  return globalForWorker.__kudosHostEventWorker;
}
