import type pg from "pg";

export interface Health {
  ok: boolean;
  body: { status: "ok" | "error"; db: "ok" | "down"; error?: string };
}

/** A real round trip to Postgres, bounded so a hung server cannot hang the probe. */
export async function checkDatabase(pool: pg.Pool, timeoutMs = 2_000): Promise<Health> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      pool.query("SELECT 1"),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, body: { status: "ok", db: "ok" } };
  } catch (err) {
    return {
      ok: false,
      body: { status: "error", db: "down", error: err instanceof Error ? err.message : String(err) },
    };
  } finally {
    clearTimeout(timer);
  }
}
