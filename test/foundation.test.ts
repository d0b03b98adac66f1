import { describe, expect, it } from "vitest";
import { createTestDatabase, useTestDatabase } from "./helpers/db";
import { checkDatabase } from "~/lib/health.server";

describe("per-file test databases", () => {
  const db = useTestDatabase();

  it("is migrated: the schema's tables exist and migrations are recorded like prisma migrate deploy", async () => {
    const { rows } = await db().pool.query<{ migration_name: string; finished_at: Date | null }>(
      "SELECT migration_name, finished_at FROM _prisma_migrations",
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
    const tables = await db().pool.query("SELECT to_regclass('public.enrollment') AS t");
    expect(tables.rows[0].t).toBe("enrollment");
  });

  it("is isolated: a write in one clone is invisible in another", async () => {
    await db().prisma.business.create({
      data: { host: "sandbox", externalAccountId: "iso-1", name: "Isolated Plumbing" },
    });
    const other = await createTestDatabase();
    try {
      expect(other.name).not.toBe(db().name);
      expect(await other.prisma.business.count()).toBe(0);
      expect(await db().prisma.business.count()).toBe(1);
    } finally {
      await other.drop();
    }
  });

  it("health check answers ok against a live database and down against a dead one", async () => {
    expect((await checkDatabase(db().pool)).body).toEqual({ status: "ok", db: "ok" });
    const dead = new (await import("pg")).default.Pool({
      connectionString: "postgresql://postgres@127.0.0.1:1/none",
      connectionTimeoutMillis: 500,
    });
    const down = await checkDatabase(dead);
    expect(down.ok).toBe(false);
    expect(down.body.db).toBe("down");
    await dead.end();
  });
});
