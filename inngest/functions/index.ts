// The app's Inngest functions, wired to the process's services.
import { refreshAnalyticsRollup } from "~/analytics/rollup.server";
import { processBatch } from "~/engine/processor.server";
import { maintenanceDeps, runMaintenance } from "~/maintenance.server";
import { getServices } from "~/services.server";
import { createDrainFunction } from "./drain-due-touches";
import { createMaintenanceFunction } from "./maintenance";
import { hostEventFunctions } from "./process-host-event";
import { createRefreshAnalyticsFunction } from "./refresh-analytics";

export const DRAIN_BATCH_SIZE = 500;

export const drainDueTouches = createDrainFunction(async () => {
  const services = getServices();
  return {
    batch: () => processBatch(services.processor, { batchSize: DRAIN_BATCH_SIZE }),
    nowMs: () => services.domain.clock.now().getTime(),
    batchSize: DRAIN_BATCH_SIZE,
  };
});

export const refreshAnalytics = createRefreshAnalyticsFunction(() => {
  const services = getServices();
  return {
    async batch() {
      const { days, more } = await refreshAnalyticsRollup(services.database.pool, { maxBatches: 1 });
      return { days, more };
    },
  };
});

export const maintenance = createMaintenanceFunction(() => runMaintenance(maintenanceDeps(getServices())));

export const functions = [drainDueTouches, refreshAnalytics, maintenance, ...hostEventFunctions];
