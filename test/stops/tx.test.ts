import { describe, expect, it } from "vitest";
import type { Db } from "~/db.server";
import { containsNul, inTransaction, isRetryableTransactionError } from "~/stops/tx.server";

/** A stand-in whose $transaction fails with the given errors first, then runs the callback. */
function flakyDb(failures: unknown[]) {
  let calls = 0;
  const db = {
    async $transaction(fn: (tx: unknown) => Promise<unknown>) {
      calls += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      return fn({});
    },
  };
  return { db: db as unknown as Db, calls: () => calls };
}

describe("stop transactions", () => {
  it("are run again after a deadlock or serialization failure, up to the attempt limit", async () => {
    const deadlock = new Error("Raw query failed. Code: `40P01`. Message: `deadlock detected`");
    const { db, calls } = flakyDb([deadlock]);
    expect(await inTransaction(db, async () => "stopped")).toBe("stopped");
    expect(calls()).toBe(2);

    const always = flakyDb([deadlock, deadlock, deadlock]);
    await expect(inTransaction(always.db, async () => "stopped")).rejects.toThrow("deadlock");
    expect(always.calls()).toBe(3);
  });

  it("are not retried for other errors", async () => {
    const { db, calls } = flakyDb([new Error("unique constraint violated")]);
    await expect(inTransaction(db, async () => "x")).rejects.toThrow("unique");
    expect(calls()).toBe(1);
    expect(isRetryableTransactionError(Object.assign(new Error("write conflict"), { code: "P2034" }))).toBe(true);
    expect(isRetryableTransactionError(new Error("could not serialize access due to concurrent update"))).toBe(true);
  });

  it("finds NUL characters anywhere in parsed input", () => {
    expect(containsNul({ a: [1, { b: "x\u0000" }] })).toBe(true);
    expect(containsNul({ "k\u0000": 1 })).toBe(true);
    expect(containsNul({ a: ["fine", 2, null] })).toBe(false);
  });
});
