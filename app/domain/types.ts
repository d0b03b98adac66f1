import type { PrismaClient } from "~/generated/prisma/client";
import type { Clock } from "~/lib/clock.server";
import type { OptOutContext } from "~/lib/opt-out-key.server";

/** What every domain operation needs: the database and the time. */
export interface DomainDeps {
  db: PrismaClient;
  clock: Clock;
  /**
   * Durable opt-outs (the key, and the SMS senders in use), checked at enrollment when given; the
   * send-time check always applies them. Production wiring (services.server.ts) always gives it.
   */
  optOuts?: OptOutContext;
}

/** A Prisma client or the client inside an interactive transaction. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
