// Suppression from the stop paths: the writes themselves live with the engine's SQL
// (app/engine/sql/suppression.sql.ts: the processor suppresses numbers too); here is what the stop
// paths add: stopping whatever is already running for those contacts, and finding every contact
// point of the person a stop names, always inside the caller's transaction.
import { Prisma, type Channel, type StopReason } from "~/generated/prisma/client";
import { stopEnrollments } from "~/domain/stops.server";
import type { Tx } from "~/domain/types";

export {
  suppressAddresses,
  unsuppressAddresses,
  recordOptOuts,
  removeOptOuts,
  SMS_RESUBSCRIBABLE,
  type SuppressionReason,
} from "~/engine/sql/suppression.sql";

export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * The business's other contact points of the person reached at these addresses: the phones of its
 * customer records with one of these emails, or the emails of those with one of these phones.
 * Index use: customer (business_id, email) and (business_id, phone).
 */
export async function linkedContacts(tx: Tx, businessId: string, channel: Channel, addresses: string[]): Promise<string[]> {
  if (addresses.length === 0) return [];
  const rows =
    channel === "email"
      ? await tx.$queryRaw<{ a: string }[]>`
          SELECT DISTINCT phone AS a FROM customer
           WHERE business_id = ${businessId}::uuid AND email = ANY(${addresses}::text[]) AND phone IS NOT NULL`
      : await tx.$queryRaw<{ a: string }[]>`
          SELECT DISTINCT email AS a FROM customer
           WHERE business_id = ${businessId}::uuid AND phone = ANY(${addresses}::text[]) AND email IS NOT NULL`;
  return rows.map((r) => r.a);
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
