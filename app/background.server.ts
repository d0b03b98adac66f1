// Process-wide background work started by the server once the database is migrated.
import { logger } from "~/logger.server";
import { closeDatabase } from "~/db.server";

let started = false;

export async function startBackground(): Promise<void> {
  if (started) return;
  started = true;
  logger.debug("background services started");
}

export async function stopBackground(): Promise<void> {
  started = false;
  await closeDatabase();
}
