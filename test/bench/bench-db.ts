// The benchmark's own database: a fresh database on DATABASE_URL's server, or on an embedded
// PostgreSQL started for the run (data in a temp directory, removed afterwards).
import { chmod, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "~/db/embedded-postgres.server";
import { applyMigrations } from "~/db/schema-engine.server";

export const BENCH_SHARED_BUFFERS = process.env.BENCH_SHARED_BUFFERS ?? "2GB";

export interface BenchServer {
  /** URL of a database on the server. */
  url(database: string): string;
  createDatabase(name: string, opts?: { migrate?: boolean }): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startBenchServer(): Promise<BenchServer> {
  let serverUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!serverUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kudos-bench-pg-"));
    await chmod(dir, 0o755);
    const embedded = await startEmbeddedPostgres({
      dataDir: path.join(dir, "data"),
      port: await freePort(),
      ephemeral: true,
      // Sized like a database server (PostgreSQL's guidance: ~25% of RAM) rather than the
      // 128 MB default, so the million-row data set's working set stays in shared buffers.
      settings: { shared_buffers: BENCH_SHARED_BUFFERS },
    });
    serverUrl = embedded.serverUrl("postgres");
    stop = async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const url = (database: string) => {
    const u = new URL(serverUrl!);
    u.pathname = `/${database}`;
    return u.toString();
  };
  return {
    url,
    async createDatabase(name, opts = {}) {
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}"`);
      await admin.end();
      if (opts.migrate !== false) await applyMigrations(url(name));
      return url(name);
    },
    stop,
  };
}

/** A clock that runs at real speed from a fixed daytime instant (quiet hours open in the US). */
export function benchClock(base = new Date("2026-11-23T17:00:00Z")) {
  const started = Date.now();
  return { now: () => new Date(base.getTime() + (Date.now() - started)) };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}
