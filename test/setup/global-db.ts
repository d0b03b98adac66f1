// Once per test run: a PostgreSQL server (TEST_DATABASE_URL's, or an embedded one) and a template
// database migrated once. Each test file clones the template (CREATE DATABASE ... TEMPLATE), which
// takes milliseconds, so files never share state. The graphile-worker approach.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../../app/db/embedded-postgres.server";
import { applyMigrations } from "../../app/db/schema-engine.server";

declare module "vitest" {
  export interface ProvidedContext {
    testDb: { serverUrl: string; template: string };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  let embedded: EmbeddedPostgresHandle | undefined;
  let dataDir: string | undefined;
  let serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "kudos-test-pg-"));
    // mkdtemp makes it private; the unprivileged postgres user must reach the data directory.
    await chmod(dataDir, 0o755);
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, "data"),
      port: await freePort(),
      ephemeral: true,
    });
    serverUrl = embedded.serverUrl("postgres");
  }
  // Unique per run, so parallel runs against one server (CI and a developer) never collide.
  const template = `kudos_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  await applyMigrations(withDatabase(serverUrl, template));
  project.provide("testDb", { serverUrl, template });

  return async () => {
    // Drop every clone of this run, then the template.
    const clones = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`${template}_%`],
    );
    for (const { datname } of clones.rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
    }
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`).catch(() => {});
    await admin.end();
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}
