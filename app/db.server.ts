// The one Prisma client (and the pg pool under it) for the whole process.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "~/generated/prisma/client";
import { getEnv } from "~/env.server";

export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  /** The same pool Prisma uses, for the few hot-path statements written in SQL. */
  pool: pg.Pool;
}

export function createDatabase(connectionString: string, max = 10): Database {
  const pool = new pg.Pool({
    connectionString,
    max,
    // Fail fast when the server is away, so /healthz can answer 503 instead of hanging.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // A connection lost to a server restart or pg_terminate_backend must not crash the process:
  // idle clients report to the pool, and a checked-out client between queries (inside an
  // interactive transaction) would otherwise emit an unhandled 'error'. The failing query
  // still rejects, and the pool discards a client that is no longer queryable.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return { prisma, pool };
}

const globalForDb = globalThis as unknown as { __kudosDb?: Database };

function processDatabase(): Database {
  if (!globalForDb.__kudosDb) {
    const env = getEnv();
    if (!env.DATABASE_URL) {
      throw new Error("DATABASE_URL is not set: the server bootstrap sets it before the app loads");
    }
    globalForDb.__kudosDb = createDatabase(env.DATABASE_URL, env.DATABASE_POOL_SIZE);
  }
  return globalForDb.__kudosDb;
}

/** Created on first use, after the bootstrap has chosen the database. */
export function getDatabase(): Database {
  return processDatabase();
}

export async function closeDatabase(): Promise<void> {
  const current = globalForDb.__kudosDb;
  globalForDb.__kudosDb = undefined;
  if (current) {
    await current.prisma.$disconnect();
    await current.pool.end().catch(() => {});
  }
}
