// Chooses the database: DATABASE_URL when set, else the embedded PostgreSQL under DATA_DIR.
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import type { Env } from "~/env.server";
import type { Logger } from "~/logger.server";
import {
  ensureDatabase,
  prepareEmbeddedPostgres,
  startEmbeddedPostgres,
  type EmbeddedPostgresPlacement,
} from "./embedded-postgres.server";

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  /** Stops the embedded server if this process started it; a no-op otherwise. */
  stop(): Promise<void>;
}

const APP_DATABASE = "kudos";

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** `placement`: where the embedded server's binaries and data go when run as root (see there). */
export async function resolveDatabase(
  env: Env,
  log: Logger,
  placement: EmbeddedPostgresPlacement = {},
): Promise<ResolvedDatabase> {
  if (env.DATABASE_URL) {
    return { url: env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const layout = await prepareEmbeddedPostgres({ ...placement, dataDir: path.resolve(env.DATA_DIR, "postgres") });
  const { dataDir } = layout;
  if (layout.relocated.length) {
    const where = [
      layout.relocated.includes("data") ? `data in ${dataDir}` : "",
      layout.relocated.includes("binaries") ? `binaries in ${layout.binariesDir}` : "",
    ].filter(Boolean);
    log.info(
      { dataDir, requestedDataDir: layout.requestedDataDir, binariesDir: layout.binariesDir },
      `embedded PostgreSQL runs as the postgres user, who cannot reach this checkout: ${where.join(", ")}`,
    );
  }
  const port = env.EMBEDDED_POSTGRES_PORT;
  const serverUrl = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  // A second process (the CLI next to a running server) shares the running embedded server.
  if (existsSync(path.join(dataDir, "postmaster.pid")) && (await reachable(serverUrl))) {
    await ensureDatabase(serverUrl, APP_DATABASE);
    log.info({ port }, "using the embedded PostgreSQL another process started");
    return {
      url: serverUrl.replace(/\/postgres$/, `/${APP_DATABASE}`),
      embedded: true,
      stop: async () => {},
    };
  }
  const started = Date.now();
  const server = await startEmbeddedPostgres({
    dataDir,
    layout,
    port,
    onLog: (m) => log.debug({ postgres: m }, "embedded postgres"),
  });
  await ensureDatabase(server.serverUrl(), APP_DATABASE);
  log.info({ port, dataDir, ms: Date.now() - started }, "embedded PostgreSQL started");
  return { url: server.serverUrl(APP_DATABASE), embedded: true, stop: () => server.stop() };
}
