// Answers to customers.data_request, kept for the merchant: the export of everything Kudos held
// about the customer when asked (exportCustomerData), stored encrypted at rest (AES-256-GCM with
// ENCRYPTION_KEY, the row's id and business as associated data, so a ciphertext moved to another
// row does not decrypt) and kept DATA_EXPORT_TTL_DAYS. The merchant downloads the JSON from the
// admin's Data requests page, which marks it delivered. Expired exports are deleted by the
// periodic maintenance (app/maintenance.server.ts) and, should it lag, whenever they are read.
// account.redact deletes them with the business (foreign-key cascade); customers.redact deletes
// the customer's (app/hosts/privacy.server.ts).
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "~/generated/prisma/client";
import type { Tx } from "~/domain/types";
import type { Clock } from "~/lib/clock.server";
import { decryptSecret, encryptSecret } from "~/lib/crypto.server";
import { exportCustomerData, type CustomerDataExport } from "./privacy.server";

export const DATA_EXPORT_TTL_DAYS = 30;
const DAY_MS = 86_400_000;

export interface DataExportDeps {
  db: PrismaClient;
  clock: Clock;
  encryptionKey: Buffer;
}

/** What is stored when Kudos holds nothing about the customer: the answer is still "nothing". */
export interface EmptyCustomerDataExport {
  exportedAt: string;
  business: CustomerDataExport["business"];
  customer: null;
  hostCustomerId: string;
  note: string;
}

export type StoredCustomerDataExport = CustomerDataExport | EmptyCustomerDataExport;

const associatedData = (id: string, businessId: string) => `customer_data_export:${id}:${businessId}`;

export interface StoreResult {
  id: string;
  found: boolean;
  /** False when this host event's export was stored before (the event was processed again). */
  created: boolean;
  counts: { jobs: number; enrollments: number; messages: number };
}

/**
 * Computes the customer's export and stores it, encrypted, for DATA_EXPORT_TTL_DAYS. One export
 * per host event: processing the same event again returns the stored one.
 */
export async function storeCustomerDataExport(
  deps: DataExportDeps,
  businessId: string,
  hostCustomerId: string,
  opts: { hostEventId?: string } = {},
): Promise<StoreResult> {
  const now = deps.clock.now();
  const existing = () =>
    opts.hostEventId ? deps.db.customerDataExport.findUnique({ where: { hostEventId: opts.hostEventId }, select: { id: true, found: true } }) : null;
  const before = await existing();
  if (before) return { id: before.id, found: before.found, created: false, counts: { jobs: 0, enrollments: 0, messages: 0 } };
  // Not in a transaction: exportCustomerData reads in parallel, which one transaction's single
  // connection cannot. The unique host_event_id still stores one export per event.
  const data = await exportCustomerData(deps.db, businessId, hostCustomerId, now);
  const payload: StoredCustomerDataExport = data ?? (await emptyExport(deps.db, businessId, hostCustomerId, now));
  const id = randomUUID();
  try {
    await deps.db.customerDataExport.create({
      data: {
        id,
        businessId,
        hostCustomerId,
        hostEventId: opts.hostEventId ?? null,
        found: data !== null,
        payloadEnc: encryptSecret(deps.encryptionKey, JSON.stringify(payload), associatedData(id, businessId)),
        requestedAt: now,
        expiresAt: new Date(now.getTime() + DATA_EXPORT_TTL_DAYS * DAY_MS),
      },
    });
  } catch (err) {
    // Another worker stored this event's export meanwhile.
    const raced = (err as { code?: unknown }).code === "P2002" ? await existing() : null;
    if (raced) return { id: raced.id, found: raced.found, created: false, counts: { jobs: 0, enrollments: 0, messages: 0 } };
    throw err;
  }
  return {
    id,
    found: data !== null,
    created: true,
    counts: { jobs: data?.jobs.length ?? 0, enrollments: data?.enrollments.length ?? 0, messages: data?.sendLog.length ?? 0 },
  };
}

async function emptyExport(tx: Tx, businessId: string, hostCustomerId: string, now: Date): Promise<EmptyCustomerDataExport> {
  const b = await tx.business.findUniqueOrThrow({ where: { id: businessId }, select: { id: true, name: true, host: true, externalAccountId: true } });
  return {
    exportedAt: now.toISOString(),
    business: { id: b.id, name: b.name, host: b.host, externalAccountId: b.externalAccountId },
    customer: null,
    hostCustomerId,
    note: "Kudos holds no data about this customer.",
  };
}

export interface DataRequestView {
  id: string;
  hostCustomerId: string;
  /** The customer's current name in Kudos, when it still has one (not erased). */
  customerName: string | null;
  found: boolean;
  requestedAt: Date;
  expiresAt: Date;
  deliveredAt: Date | null;
}

/** The business's stored exports that have not expired, newest first (expired ones are deleted first). */
export async function listDataRequests(deps: Pick<DataExportDeps, "db" | "clock">, businessId: string): Promise<DataRequestView[]> {
  const now = deps.clock.now();
  await deps.db.customerDataExport.deleteMany({ where: { businessId, expiresAt: { lte: now } } });
  const rows = await deps.db.customerDataExport.findMany({
    where: { businessId, expiresAt: { gt: now } },
    orderBy: [{ requestedAt: "desc" }, { id: "desc" }],
    select: { id: true, hostCustomerId: true, found: true, requestedAt: true, expiresAt: true, deliveredAt: true },
  });
  const customers = rows.length
    ? await deps.db.customer.findMany({
        where: { businessId, hostCustomerId: { in: [...new Set(rows.map((r) => r.hostCustomerId))] }, redactedAt: null },
        select: { hostCustomerId: true, firstName: true, lastName: true },
      })
    : [];
  const names = new Map(customers.map((c) => [c.hostCustomerId, [c.firstName, c.lastName].filter(Boolean).join(" ") || null]));
  return rows.map((r) => ({ ...r, customerName: names.get(r.hostCustomerId) ?? null }));
}

/** Requests not downloaded yet (the home page's reminder). */
export function countPendingDataRequests(deps: Pick<DataExportDeps, "db" | "clock">, businessId: string): Promise<number> {
  return deps.db.customerDataExport.count({ where: { businessId, deliveredAt: null, expiresAt: { gt: deps.clock.now() } } });
}

export interface DataExportDownload {
  filename: string;
  /** The export, as pretty-printed JSON. */
  json: string;
  deliveredAt: Date;
}

/**
 * The decrypted export for the merchant's download, which marks it delivered (the first time).
 * Null when it is not this business's, or has expired (then it is deleted now).
 */
export async function downloadDataExport(deps: DataExportDeps, businessId: string, id: string): Promise<DataExportDownload | null> {
  const now = deps.clock.now();
  const row = await deps.db.customerDataExport.findFirst({ where: { id, businessId } });
  if (!row) return null;
  if (row.expiresAt.getTime() <= now.getTime()) {
    await deps.db.customerDataExport.deleteMany({ where: { id, businessId } });
    return null;
  }
  const payload = decryptSecret(deps.encryptionKey, row.payloadEnc, associatedData(row.id, row.businessId));
  const deliveredAt = row.deliveredAt ?? now;
  if (!row.deliveredAt) await deps.db.customerDataExport.updateMany({ where: { id, businessId, deliveredAt: null }, data: { deliveredAt } });
  const safeCustomer = row.hostCustomerId.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 60) || "customer";
  return {
    filename: `kudos-data-request-${safeCustomer}-${row.requestedAt.toISOString().slice(0, 10)}.json`,
    json: `${JSON.stringify(JSON.parse(payload), null, 2)}\n`,
    deliveredAt,
  };
}

/** Deletes every expired export (all businesses; customer_data_export_expires_at_idx). */
export async function deleteExpiredDataExports(db: PrismaClient, now: Date): Promise<number> {
  const { count } = await db.customerDataExport.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}

