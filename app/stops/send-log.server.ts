// Delivery updates to the send log from provider webhooks and our own click tracking. Providers
// deliver events out of order (opened before delivered, a late "sent"), so a status only ever moves
// forward along one order; the per-event timestamps are set once, whatever the order.
import type { Tx } from "~/domain/types";

/**
 * How far a message got. Terminal failures outrank every delivery step, and a complaint outranks
 * everything: the merchant must see it. Statuses not listed (skipped) are never changed by events.
 */
export const SEND_LOG_STATUS_RANK = {
  sending: 0,
  sent: 1,
  delivery_delayed: 2,
  delivered: 3,
  opened: 4,
  clicked: 5,
  undelivered: 6,
  failed: 6,
  bounced: 6,
  complained: 7,
} as const;

export type DeliveryStatus = Exclude<keyof typeof SEND_LOG_STATUS_RANK, "sending">;

function rank(status: string): number {
  return (SEND_LOG_STATUS_RANK as Record<string, number>)[status] ?? Number.POSITIVE_INFINITY;
}

/** The status after an event: the event's when it is further along, the current one otherwise. */
export function advanceStatus(current: string, next: DeliveryStatus): string {
  return rank(current) < rank(next) ? next : current;
}

export interface LockedSendLog {
  id: string;
  businessId: string;
  enrollmentId: string;
  position: number;
  channel: "email" | "sms";
  recipient: string | null;
  status: string;
  providerMessageId: string | null;
  deliveredAt: Date | null;
  openedAt: Date | null;
  clickedAt: Date | null;
}

type Lookup = { providerMessageId: string } | { enrollmentId: string; position: number };

/** Finds and row-locks the send log entry of one message, for the rest of the transaction. */
export async function lockSendLog(tx: Tx, lookup: Lookup): Promise<LockedSendLog | null> {
  const rows =
    "providerMessageId" in lookup
      ? await tx.$queryRaw<LockedSendLog[]>`
          SELECT id::text, business_id::text AS "businessId", enrollment_id::text AS "enrollmentId", position,
                 channel::text, recipient, status, provider_message_id AS "providerMessageId",
                 delivered_at AS "deliveredAt", opened_at AS "openedAt", clicked_at AS "clickedAt"
            FROM send_log WHERE provider_message_id = ${lookup.providerMessageId}
           ORDER BY created_at LIMIT 1 FOR UPDATE`
      : await tx.$queryRaw<LockedSendLog[]>`
          SELECT id::text, business_id::text AS "businessId", enrollment_id::text AS "enrollmentId", position,
                 channel::text, recipient, status, provider_message_id AS "providerMessageId",
                 delivered_at AS "deliveredAt", opened_at AS "openedAt", clicked_at AS "clickedAt"
            FROM send_log WHERE enrollment_id = ${lookup.enrollmentId}::uuid AND position = ${lookup.position}
           FOR UPDATE`;
  return rows[0] ?? null;
}

export interface DeliveryUpdate {
  status: DeliveryStatus;
  /** When the provider says it happened. */
  at: Date;
  now: Date;
  error?: string | null;
  errorCode?: string | null;
  /** Recorded when the row has none yet (an event that outran the processor's own bookkeeping). */
  providerMessageId?: string | null;
}

/**
 * Applies one event to a locked row; returns the resulting status. The first delivery is mirrored
 * onto the touch (enrollment_touch.delivered_at, which analytics count) and marks the enrollment's
 * day of the analytics rollup stale.
 */
export async function applyDeliveryUpdate(tx: Tx, log: LockedSendLog, update: DeliveryUpdate): Promise<string> {
  const status = advanceStatus(log.status, update.status);
  if (update.status === "delivered" && !log.deliveredAt) {
    await tx.$executeRaw`
      WITH touch AS (
        UPDATE enrollment_touch SET delivered_at = ${update.at}
         WHERE enrollment_id = ${log.enrollmentId}::uuid AND position = ${log.position}::int AND delivered_at IS NULL
        RETURNING business_id, enrolled_at
      )
      INSERT INTO analytics_dirty_day (business_id, day)
      SELECT business_id, (enrolled_at AT TIME ZONE 'UTC')::date FROM touch`;
  }
  await tx.sendLog.update({
    where: { id: log.id },
    data: {
      status,
      updatedAt: update.now,
      ...(update.status === "delivered" && !log.deliveredAt ? { deliveredAt: update.at } : {}),
      ...(update.status === "opened" && !log.openedAt ? { openedAt: update.at } : {}),
      ...(update.status === "clicked" && !log.clickedAt ? { clickedAt: update.at } : {}),
      ...(update.error ? { error: update.error.slice(0, 500) } : {}),
      ...(update.errorCode ? { errorCode: update.errorCode.slice(0, 40) } : {}),
      ...(update.providerMessageId && !log.providerMessageId ? { providerMessageId: update.providerMessageId } : {}),
    },
  });
  return status;
}

/**
 * Records that a provider event was seen, in the transaction that applies it. False when it was
 * seen before: the caller then changes nothing (a replay is harmless).
 */
export async function firstSighting(tx: Tx, id: string, provider: string, now: Date): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO provider_event (id, provider, received_at) VALUES (${id}, ${provider}, ${now})
    ON CONFLICT (id) DO NOTHING RETURNING id`;
  return rows.length > 0;
}
