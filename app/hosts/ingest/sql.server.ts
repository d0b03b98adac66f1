// The webhook request's statements, in plain SQL on the pg pool: they run on every webhook, where
// Prisma's per-query cost (query compilation and result mapping, a few hundred µs of CPU each)
// showed in the profile, and one round trip is all the request needs.
//
// STORE_HOST_EVENT_SQL looks the business up and stores the event in one statement:
//   - business (host, external_account_id) has its unique index (business_host_external_account_id_key),
//     so the SELECT is one index probe; no row (no installation) inserts nothing;
//   - ON CONFLICT (host, event_id) uses the unique index host_event_host_event_id_key: a
//     redelivery inserts nothing and waits on nobody but a concurrent insert of the same event;
//   - the new row is due at once (run_after = received_at), so it enters the partial index
//     host_event_pending_idx (run_after WHERE processed_at IS NULL) that the worker claims from.
// No row back means "unknown account" or "duplicate": HOST_EVENT_AFTER_CONFLICT_SQL tells them
// apart (both by the same two unique indexes). That second round trip only happens for
// redeliveries and unknown accounts, never for a new event.
import type pg from "pg";

export const STORE_HOST_EVENT_SQL = `
INSERT INTO host_event (host, event_id, topic, account_id, business_id, payload, occurred_at, received_at, run_after)
SELECT $1, $2, $3, $4, b.id, $5::jsonb, $6::timestamptz, $7::timestamptz, $7::timestamptz
  FROM business b
 WHERE b.host = $1 AND b.external_account_id = $4
ON CONFLICT (host, event_id) DO NOTHING
RETURNING id::text`;

export const HOST_EVENT_AFTER_CONFLICT_SQL = `
SELECT EXISTS (SELECT 1 FROM business WHERE host = $1 AND external_account_id = $3) AS known,
       (SELECT id::text FROM host_event WHERE host = $1 AND event_id = $2) AS id`;

export interface StoreHostEventArgs {
  host: string;
  eventId: string;
  topic: string;
  accountId: string;
  /** The payload as JSON text (already checked for NUL characters). */
  payloadJson: string;
  occurredAt: Date | null;
  receivedAt: Date;
}

export type StoreHostEventResult =
  | { status: "stored"; hostEventId: string }
  | { status: "duplicate"; hostEventId: string | null }
  | { status: "ignored"; reason: "unknown_account" };

// Named statements: each pooled connection parses and plans them once.
export async function storeHostEventRow(pool: Pick<pg.Pool, "query">, a: StoreHostEventArgs): Promise<StoreHostEventResult> {
  const { rows: stored } = await pool.query<{ id: string }>({
    name: "kudos_store_host_event",
    text: STORE_HOST_EVENT_SQL,
    values: [a.host, a.eventId, a.topic, a.accountId, a.payloadJson, a.occurredAt, a.receivedAt],
  });
  if (stored[0]) return { status: "stored", hostEventId: stored[0].id };
  const {
    rows: [row],
  } = await pool.query<{ known: boolean; id: string | null }>({
    name: "kudos_host_event_after_conflict",
    text: HOST_EVENT_AFTER_CONFLICT_SQL,
    values: [a.host, a.eventId, a.accountId],
  });
  if (!row?.known) return { status: "ignored", reason: "unknown_account" };
  return { status: "duplicate", hostEventId: row.id };
}
