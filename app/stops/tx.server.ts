// Transactions of the stop paths. A stop locks the enrollment and then its pending touches, while
// a processor recording a send locks the touch and then the enrollment: rarely, the two deadlock
// and Postgres aborts one. A stop must not be lost to that, so it is simply run again.
import type { Db } from "~/db.server";
import type { Tx } from "~/domain/types";

const RETRYABLE = /40P01|40001|deadlock detected|could not serialize access/i;

export function isRetryableTransactionError(err: unknown): boolean {
  if ((err as { code?: unknown } | null)?.code === "P2034") return true;
  return RETRYABLE.test(err instanceof Error ? err.message : String(err));
}

export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction((tx) => fn(tx));
    } catch (err) {
      if (attempt >= attempts || !isRetryableTransactionError(err)) throw err;
    }
  }
}

/** Postgres text cannot hold NUL: input carrying one is malformed, not a server error. */
export function containsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === "object") return Object.entries(value).some(([k, v]) => k.includes("\u0000") || containsNul(v));
  return false;
}
