// Suppression: a business's list of contact points (lower-cased email, E.164 phone) that must not
// be messaged on a channel. The processor checks it at send time for every touch of every
// campaign; the functions here add to it and stop whatever is already running for those contacts,
// always inside the caller's transaction, together with the write that records the cause.
import { Prisma, type Channel, type StopReason } from "~/generated/prisma/client";
import { stopEnrollments } from "~/domain/stops.server";
import type { Tx } from "~/domain/types";

export type SuppressionReason = "opted_out" | "bounced" | "complained" | "provider_unsubscribed";

export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

/** Adds the addresses to the business's list; returns those that were not on it yet. */
export async function suppressAddresses(
  tx: Tx,
  businessId: string,
  channel: Channel,
  addresses: string[],
  reason: SuppressionReason,
  now: Date,
): Promise<string[]> {
  const unique = [...new Set(addresses.filter(Boolean))];
  if (unique.length === 0) return [];
  // One statement: concurrent opt-outs of one address insert once, and only that one reports "new".
  const rows = await tx.$queryRaw<{ address: string }[]>`
    INSERT INTO suppression (business_id, channel, address, reason, created_at)
    SELECT ${businessId}::uuid, ${channel}::"Channel", a, ${reason}, ${now}
      FROM unnest(${unique}::text[]) AS a
    ON CONFLICT (business_id, channel, address) DO NOTHING
    RETURNING address`;
  return rows.map((r) => r.address);
}

/** Removes the addresses from the list (a texted START); returns those that were on it. */
export async function unsuppressAddresses(
  tx: Tx,
  businessId: string,
  channel: Channel,
  addresses: string[],
  reasons: SuppressionReason[],
): Promise<string[]> {
  if (addresses.length === 0) return [];
  const rows = await tx.$queryRaw<{ address: string }[]>`
    DELETE FROM suppression
     WHERE business_id = ${businessId}::uuid AND channel = ${channel}::"Channel"
       AND address = ANY(${addresses}::text[]) AND reason = ANY(${reasons}::text[])
    RETURNING address`;
  return rows.map((r) => r.address);
}

/**
 * Stops the business's active enrollments of every customer reachable at these addresses on the
 * channel (plus `customerIds`, e.g. the customer of the enrollment a link belongs to).
 */
export async function stopEnrollmentsForAddresses(
  tx: Tx,
  businessId: string,
  channel: Channel,
  addresses: string[],
  reason: StopReason,
  now: Date,
  customerIds: string[] = [],
): Promise<string[]> {
  const column = channel === "email" ? Prisma.sql`email` : Prisma.sql`phone`;
  const found = addresses.length
    ? await tx.$queryRaw<{ id: string }[]>`
        SELECT id::text FROM customer
         WHERE business_id = ${businessId}::uuid AND ${column} = ANY(${addresses}::text[])`
    : [];
  const ids = [...new Set([...found.map((r) => r.id), ...customerIds])];
  if (ids.length === 0) return [];
  return stopEnrollments(tx, businessId, { customerIds: ids }, reason, now);
}
