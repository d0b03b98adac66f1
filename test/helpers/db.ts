// Each test file gets its own database, cloned from the run's migrated template.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { createDatabase, type Database } from "~/db.server";

export interface TestDatabase extends Database {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const { serverUrl, template } = inject("testDb");
  const name = `${template}_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  const db = createDatabase(url, 10);
  return {
    ...db,
    url,
    name,
    async drop() {
      await db.prisma.$disconnect();
      await db.pool.end().catch(() => {});
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
      await a.end();
    },
  };
}

/**
 * Registers beforeAll/afterAll for a per-file database and returns an accessor.
 * Usage: `const db = useTestDatabase();` then `db().prisma` inside tests.
 */
export function useTestDatabase(): () => TestDatabase {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase();
  });
  afterAll(async () => {
    await current?.drop();
  });
  return () => {
    if (!current) throw new Error("test database not ready: call inside a test or hook");
    return current;
  };
}
