// Process-wide background work started by the server once the database is migrated.
import { logger } from "~/logger.server";
import { closeDatabase, getDatabase } from "~/db.server";
import { seedPresets } from "~/domain/campaigns.server";

let started = false;

export async function startBackground(): Promise<void> {
  if (started) return;
  started = true;
  const { prisma } = getDatabase();
  const seeded = await seedPresets(prisma);
  logger.info(seeded, "presets seeded");
}

export async function stopBackground(): Promise<void> {
  started = false;
  await closeDatabase();
}
