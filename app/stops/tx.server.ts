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

/**
 * Postgres text cannot hold NUL: input carrying one is malformed, not a server error. Walks the
 * value with an explicit stack: untrusted JSON may be nested deeper than the call stack allows.
 */
export function containsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === "string") {
      if (v.includes("\u0000")) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) pending.push(item);
    } else if (v && typeof v === "object") {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes("\u0000")) return true;
        pending.push(item);
      }
    }
  }
  return false;
}
