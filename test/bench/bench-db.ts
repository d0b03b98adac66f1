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
  /**
   * Restarts the embedded server (shared buffers start empty; the OS page cache is left as it is).
   * Undefined on DATABASE_URL's server, which the bench does not own.
   */
  restart?: () => Promise<void>;
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
  let restart: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kudos-bench-pg-"));
    await chmod(dir, 0o755);
    const options = {
      dataDir: path.join(dir, "data"),
      port: await freePort(),
      // Kept on stop so that restart() finds it; stop() below removes it.
      ephemeral: false,
      // Sized like a database server (PostgreSQL's guidance: ~25% of RAM) rather than the
      // 128 MB default, so the million-row data set's working set stays in shared buffers.
      settings: { shared_buffers: BENCH_SHARED_BUFFERS },
    };
    let embedded = await startEmbeddedPostgres(options);
    serverUrl = embedded.serverUrl("postgres");
    restart = async () => {
      await embedded.stop();
      embedded = await startEmbeddedPostgres({ ...options, layout: embedded.layout });
    };
    stop = async () => {
      await embedded.stop();
      const { layout } = embedded;
      // A cluster relocated for the postgres user (running as root) lives outside `dir`.
      if (layout.relocated.includes("data")) await rm(path.dirname(layout.dataDir), { recursive: true, force: true });
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
    restart,
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
