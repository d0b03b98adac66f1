// Every minute, the periodic upkeep (app/maintenance.server.ts): due feedback notifications and
// expired customer data exports. One step (it returns only counts). Overlapping runs are skipped;
// two at once would be safe anyway (notifications are claimed with SKIP LOCKED and sent with an
// idempotency key, and deleting expired rows twice deletes nothing more).
import type { MaintenanceSummary } from "~/maintenance.server";
import { inngest } from "../client";

export function createMaintenanceFunction(run: () => Promise<MaintenanceSummary>) {
  return inngest.createFunction(
    {
      id: "maintenance",
      name: "Feedback notifications and expired data exports",
      singleton: { mode: "skip" },
      retries: 2,
      triggers: [{ cron: "* * * * *" }],
    },
    async ({ step }) => step.run("run", () => run()),
  );
}
