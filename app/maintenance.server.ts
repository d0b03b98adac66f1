// Periodic upkeep next to the touch drain: sends the due feedback notifications (recorded with the
// feedback, app/stops/feedback-notify.server.ts) and deletes the customer data exports past their
// 30 days (app/hosts/data-exports.server.ts). Run by the in-process loop below (no Inngest), by
// Inngest's cron (inngest/functions/maintenance.ts) and by `kudos tick`. Each part is independent:
// one failing is logged and does not stop the other; the next run tries again.
import { deleteExpiredDataExports } from "~/hosts/data-exports.server";
import type { Clock } from "~/lib/clock.server";
import type { Logger } from "~/logger.server";
import type { Services } from "~/services.server";
import { sendDueFeedbackNotifications, type FeedbackNotifyDeps, type FeedbackNotifySummary } from "~/stops/feedback-notify.server";

export type MaintenanceDeps = FeedbackNotifyDeps;

export interface MaintenanceSummary {
  feedbackNotifications: FeedbackNotifySummary | null;
  expiredDataExports: number | null;
}

/** The maintenance's dependencies from the process's services (a clock of its own for `kudos tick --now`). */
export function maintenanceDeps(services: Pick<Services, "processor">, clock: Clock = services.processor.clock): MaintenanceDeps {
  const { processor } = services;
  return {
    db: processor.db,
    clock,
    logger: processor.logger,
    emailFrom: processor.emailFrom,
    // The same choice as the touch processor: the sandbox's pretend businesses get the outbox.
    emailTransport: (host) => processor.hostTransports?.[host]?.email ?? processor.email,
  };
}

export async function runMaintenance(deps: MaintenanceDeps): Promise<MaintenanceSummary> {
  const summary: MaintenanceSummary = { feedbackNotifications: null, expiredDataExports: null };
  try {
    summary.feedbackNotifications = await sendDueFeedbackNotifications(deps);
  } catch (err) {
    deps.logger.error({ err }, "feedback notifications failed; retrying on the next run");
  }
  try {
    summary.expiredDataExports = await deleteExpiredDataExports(deps.db, deps.clock.now());
  } catch (err) {
    deps.logger.error({ err }, "deleting expired data exports failed; retrying on the next run");
  }
  return summary;
}

export interface MaintenanceLoop {
  stop(): Promise<void>;
}

/** Runs the maintenance every `intervalMs` in this process; runs never overlap. */
export function startMaintenance(deps: MaintenanceDeps, opts: { intervalMs: number; logger: Logger }): MaintenanceLoop {
  let running: Promise<void> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped || running) return;
    running = runMaintenance(deps)
      .then((s) => {
        const n = s.feedbackNotifications;
        if ((n && n.sent + n.retrying + n.failed + n.dropped > 0) || (s.expiredDataExports ?? 0) > 0) opts.logger.info({ maintenance: s }, "maintenance");
      })
      .finally(() => {
        running = null;
      });
  }, opts.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
