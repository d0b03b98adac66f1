// The app's Inngest functions, wired to the process's services.
import { processBatch } from "~/engine/processor.server";
import { getServices } from "~/services.server";
import { createDrainFunction } from "./drain-due-touches";
import { hostEventFunctions } from "./process-host-event";

export const DRAIN_BATCH_SIZE = 500;

export const drainDueTouches = createDrainFunction(async () => {
  const services = getServices();
  return {
    batch: () => processBatch(services.processor, { batchSize: DRAIN_BATCH_SIZE }),
    nowMs: () => services.domain.clock.now().getTime(),
    batchSize: DRAIN_BATCH_SIZE,
  };
});

export const functions = [drainDueTouches, ...hostEventFunctions];
