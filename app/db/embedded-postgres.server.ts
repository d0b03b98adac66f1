// A real PostgreSQL server shipped as an npm package, for the zero-configuration default and for
// tests. Data lives in a directory of ours so it survives restarts.
//
// We run the package's binaries (initdb, postgres) ourselves instead of through its class: as
// root, PostgreSQL must run as an unprivileged `postgres` user, who may be unable to enter the
// checkout (under /root, or a `mktemp -d` folder) and so cannot reach the binaries in node_modules
// or the data directory. The class can neither run another copy of the binaries nor report a
// failed spawn (it crashes the process with an unhandled `spawn … EACCES`).
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import {
  chmod, chown, copyFile, lstat, mkdir, mkdtemp, readdir, readlink, realpath, rename, rm, stat, symlink, unlink, writeFile,
} from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import pg from "pg";

export interface EmbeddedPostgresHandle {
  /** Connection string to the `postgres` maintenance database; callers pick their own database. */
  serverUrl(database?: string): string;
  /** Where the cluster actually lives (see EmbeddedPostgresLayout). */
  readonly layout: EmbeddedPostgresLayout;
  stop(): Promise<void>;
}

/** A directory holding PostgreSQL's `bin/`, `lib/` and `share/`, and a name for its build. */
export interface PostgresBinaries {
  dir: string;
  /** Platform and package version, e.g. `linux-x64-18.4.0-beta.17`: one copy per build. */
  id: string;
}

export interface EmbeddedPostgresPlacement {
  /**
   * Root-owned directory, enterable by every user, that holds what the `postgres` user cannot
   * reach in place when we run as root: `embedded-postgres/<id>/` (binaries) and
   * `data/<name>-<hash>/postgres` (the cluster). Default /var/lib/kudos.
   */
  relocationRoot?: string;
  /** Default: the platform package installed with `embedded-postgres`. */
  binaries?: PostgresBinaries;
}

export interface EmbeddedPostgresLayout {
  /** The data directory asked for. */
  requestedDataDir: string;
  /** Where the cluster lives: requestedDataDir, or a copy under the relocation root. */
  dataDir: string;
  /** The `bin/`, `lib/`, `share/` directory the server runs from. */
  binariesDir: string;
  /** The unprivileged user the server runs as when we are root. */
  runAs?: { uid: number; gid: number };
  /** What moved because the `postgres` user could not reach it; empty when nothing did. */
  relocated: Array<"data" | "binaries">;
}

export interface EmbeddedPostgresOptions extends EmbeddedPostgresPlacement {
  dataDir: string;
  port: number;
  /** From prepareEmbeddedPostgres for the same dataDir, when the caller needed it first. */
  layout?: EmbeddedPostgresLayout;
  /** Deleted on stop: for throwaway test clusters. */
  ephemeral?: boolean;
  onLog?: (message: string) => void;
  /** Extra server settings (postgres -c name=value), e.g. shared_buffers for the benchmarks. */
  settings?: Record<string, string>;
}

/** The embedded server cannot run on this machine as configured; the message says what to do. */
export class EmbeddedPostgresUnavailableError extends Error {
  constructor(problem: string) {
    super(
      `Kudos cannot start its embedded PostgreSQL: ${problem}. ` +
        "Set DATABASE_URL to a PostgreSQL server of your own, run as a user other than root, " +
        "or put the checkout under a directory every user can enter (e.g. /srv or /opt).",
    );
    // The message is the whole story: print it without a stack trace.
    this.stack = `${this.name}: ${this.message}`;
  }
}
Object.defineProperty(EmbeddedPostgresUnavailableError.prototype, "name", { value: "EmbeddedPostgresUnavailableError" });

const USER = "postgres";
const PASSWORD = "postgres";
/** The operating-system user PostgreSQL runs as when we are root (it refuses to run as root). */
const OS_USER = "postgres";
const DEFAULT_RELOCATION_ROOT = "/var/lib/kudos";
/** English server messages, whatever the machine's locale: we wait for one of them. */
const LOCALE = "C";
const READY = "database system is ready to accept connections";
/** Unfinished binary copies older than this are left over from a crash. */
const STALE_PARTIAL_MS = 60 * 60 * 1000;

const exe = (name: string) => (process.platform === "win32" ? `${name}.exe` : name);
const binary = (binariesDir: string, name: string) => path.join(binariesDir, "bin", exe(name));

/** The binaries of the platform package `embedded-postgres` installed next to itself. */
export function packagedBinaries(): PostgresBinaries {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const entry = fromEmbeddedPostgres.resolve(`@embedded-postgres/${platform}-${process.arch}`);
  const packageDir = path.resolve(path.dirname(entry), "..");
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string };
  return { dir: path.join(packageDir, "native"), id: `${platform}-${process.arch}-${version}` };
}

function run(file: string, args: string[], opts: { runAs?: { uid: number; gid: number } } = {}) {
  return new Promise<{ code: number | null; output: string; error?: Error }>((resolve) => {
    let output = "";
    const child = spawn(file, args, {
      ...opts.runAs,
      // Not the caller's working directory, which the other user may not be able to enter.
      ...(opts.runAs ? { cwd: "/" } : {}),
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_MESSAGES: LOCALE },
    });
    const collect = (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-16_384));
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.once("error", (error) => resolve({ code: null, output, error }));
    child.once("close", (code) => resolve({ code, output }));
  });
}

async function succeedsAs(runAs: { uid: number; gid: number }, file: string, args: string[]): Promise<boolean> {
  const { code } = await run(file, args, { runAs });
  return code === 0;
}

/** Can the user enter `dir` (search permission on it and on every directory above it)? */
const canEnter = (runAs: { uid: number; gid: number }, dir: string) =>
  succeedsAs(runAs, "/bin/sh", ["-c", 'test -x "$1"', "sh", dir]);

async function lookUpUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const [uid, gid] = await Promise.all([run("id", ["-u", name]), run("id", ["-g", name])]);
  if (uid.code !== 0 || gid.code !== 0) return undefined;
  return { uid: Number.parseInt(uid.output, 10), gid: Number.parseInt(gid.output, 10) };
}

/** The `postgres` user, created (as a system account) on a machine that has none. */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const existing = await lookUpUser(OS_USER);
  if (existing) return existing;
  const group = await run("groupadd", ["-f", OS_USER]);
  const user = group.code === 0 ? await run("useradd", ["-r", "-g", OS_USER, OS_USER]) : group;
  const created = user.code === 0 ? await lookUpUser(OS_USER) : undefined;
  if (!created) {
    const why = user.error?.message ?? user.output.trim();
    throw new EmbeddedPostgresUnavailableError(
      `as root, PostgreSQL must run as a "${OS_USER}" user; there is none and creating it failed (${why})`,
    );
  }
  return created;
}

/** Creates `dir` and its missing parents; the ones created here are ours, so open them to all. */
async function makeDirs(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (!first) return;
  // A restrictive umask (077) would otherwise leave them closed to the postgres user.
  for (let d = dir; ; d = path.dirname(d)) {
    await chmod(d, 0o755);
    if (d === first || d === path.dirname(d)) break;
  }
}

async function relocationRootReady(root: string): Promise<void> {
  try {
    await makeDirs(root);
  } catch (err) {
    throw new EmbeddedPostgresUnavailableError(
      `as root, PostgreSQL runs as the "${OS_USER}" user, who cannot reach this checkout, and ${root} ` +
        `could not be created to hold what it needs (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const s = await stat(root);
  // Root runs what is in here (as postgres) and keeps data here: nobody else may write to it.
  if (!s.isDirectory() || s.uid !== 0 || (s.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresUnavailableError(
      `${root} must be a directory owned by root that other users cannot write to`,
    );
  }
}

/** Copies `from` to `to` (which exists), readable (and executable where it was) by every user. */
async function copyOpen(from: string, to: string): Promise<void> {
  for (const name of await readdir(from)) {
    const source = path.join(from, name);
    const target = path.join(to, name);
    const s = await lstat(source);
    if (s.isSymbolicLink()) {
      // The package's library links are relative (libpq.so -> libpq.so.5.18): keep them so.
      await symlink(await readlink(source), target);
    } else if (s.isDirectory()) {
      await mkdir(target);
      await chmod(target, 0o755);
      await copyOpen(source, target);
    } else {
      await copyFile(source, target);
      await chmod(target, s.mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

/**
 * One copy of the binaries per build under `dir`. The copy is made under a temporary name and
 * renamed into place when complete, so a crash mid-copy never leaves a half copy in use, and two
 * processes starting at once both end up with the one finished copy.
 */
async function installBinaries(binaries: PostgresBinaries, dir: string): Promise<string> {
  const target = path.join(dir, binaries.id);
  const complete = () => existsSync(binary(target, "postgres"));
  if (complete()) return target;
  await makeDirs(dir);
  for (const name of await readdir(dir)) {
    if (!name.startsWith(".") || !name.includes(".partial-")) continue;
    const s = await stat(path.join(dir, name)).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > STALE_PARTIAL_MS) await rm(path.join(dir, name), { recursive: true, force: true });
  }
  const partial = await mkdtemp(path.join(dir, `.${binaries.id}.partial-`));
  try {
    await chmod(partial, 0o755);
    await copyOpen(await realpath(binaries.dir), partial);
    await rename(partial, target);
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    if (complete()) return target; // another process finished its copy first
    throw new EmbeddedPostgresUnavailableError(
      `copying PostgreSQL's binaries to ${target} failed (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  return target;
}

/** A stable, recognisable directory name for a data directory's relocated cluster. */
function relocatedName(dataDir: string): string {
  const hash = createHash("sha256").update(dataDir).digest("hex").slice(0, 16);
  const hint = dataDir.split(path.sep).filter(Boolean).slice(-3).join("-").replace(/[^A-Za-z0-9._-]+/g, "_").slice(-48);
  return `${hint}-${hash}`;
}

/**
 * Decides where the cluster lives and which binaries run it. Not root: both in place. Root:
 * PostgreSQL runs as the `postgres` user; whatever that user cannot reach in place (a checkout
 * inside /root or a 0700 folder) moves under the relocation root: the binaries are copied once per
 * build, the cluster lives at a path derived from the absolute data directory, so the same
 * checkout finds its data again on every start. The user's own directories are never chmod-ed.
 */
export async function prepareEmbeddedPostgres(
  opts: EmbeddedPostgresPlacement & { dataDir: string },
): Promise<EmbeddedPostgresLayout> {
  const requestedDataDir = path.resolve(opts.dataDir);
  const binaries = opts.binaries ?? packagedBinaries();
  const layout: EmbeddedPostgresLayout = {
    requestedDataDir,
    dataDir: requestedDataDir,
    binariesDir: binaries.dir,
    relocated: [],
  };
  if (process.getuid?.() !== 0) return layout;

  const runAs = (layout.runAs = await postgresUser());
  const root = path.resolve(opts.relocationRoot ?? DEFAULT_RELOCATION_ROOT);
  const relocatedDataDir = path.join(root, "data", relocatedName(requestedDataDir), "postgres");
  const hasCluster = (dir: string) => existsSync(path.join(dir, "PG_VERSION"));

  await mkdir(path.dirname(requestedDataDir), { recursive: true });
  const dataReachable = await canEnter(runAs, path.dirname(requestedDataDir));
  const binariesReachable = await succeedsAs(runAs, binary(binaries.dir, "initdb"), ["--version"]);
  if (!dataReachable && hasCluster(requestedDataDir)) {
    // Starting an empty cluster elsewhere would look like lost data.
    throw new EmbeddedPostgresUnavailableError(
      `the "${OS_USER}" user PostgreSQL runs as cannot reach the existing cluster in ${requestedDataDir}`,
    );
  }
  // A cluster relocated on an earlier start stays the checkout's data, even if the checkout has
  // become reachable since.
  const useRelocatedData = !dataReachable || (!hasCluster(requestedDataDir) && hasCluster(relocatedDataDir));
  if (!useRelocatedData && binariesReachable) return layout;

  await relocationRootReady(root);
  if (!binariesReachable) {
    layout.binariesDir = await installBinaries(binaries, path.join(root, "embedded-postgres"));
    layout.relocated.push("binaries");
    if (!(await succeedsAs(runAs, binary(layout.binariesDir, "initdb"), ["--version"]))) {
      throw new EmbeddedPostgresUnavailableError(
        `the "${OS_USER}" user cannot run PostgreSQL's binaries from node_modules nor from their copy in ${layout.binariesDir}`,
      );
    }
  }
  if (useRelocatedData) {
    const home = path.dirname(relocatedDataDir);
    await makeDirs(home);
    // For whoever finds this directory: which checkout's data it is.
    await writeFile(path.join(home, "origin"), `${requestedDataDir}\n`);
    if (!(await canEnter(runAs, home))) {
      throw new EmbeddedPostgresUnavailableError(
        `the "${OS_USER}" user PostgreSQL runs as can reach neither ${path.dirname(requestedDataDir)} nor ${home}`,
      );
    }
    layout.dataDir = relocatedDataDir;
    layout.relocated.push("data");
  }
  return layout;
}

async function initdb(layout: EmbeddedPostgresLayout): Promise<void> {
  const { dataDir, runAs } = layout;
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
  // Next to the data directory, so whoever runs initdb can read it; only that user can.
  const passwordFile = path.join(path.dirname(dataDir), `.pg-password-${randomBytes(6).toString("hex")}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
    const result = await run(
      binary(layout.binariesDir, "initdb"),
      [
        `--pgdata=${dataDir}`,
        "--auth=scram-sha-256",
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        `--lc-messages=${LOCALE}`,
      ],
      { runAs },
    );
    if (result.code !== 0) {
      throw new Error(`initdb failed in ${dataDir}: ${result.error?.message ?? result.output.trim()}`);
    }
  } finally {
    await unlink(passwordFile).catch(() => {});
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = opts.onLog ?? (() => {});
  const layout = opts.layout ?? (await prepareEmbeddedPostgres(opts));
  const { dataDir, runAs } = layout;
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await initdb(layout);

  const server = spawn(
    binary(layout.binariesDir, "postgres"),
    [
      "-D", dataDir,
      "-p", String(opts.port),
      // Bound to loopback only; fsync off is not set: this is the user's real data.
      "-c", "listen_addresses=127.0.0.1",
      "-c", "max_connections=200",
      ...Object.entries(opts.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    ],
    {
      ...runAs,
      ...(runAs ? { cwd: "/" } : {}),
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, LC_MESSAGES: LOCALE },
    },
  );
  const exited = new Promise<void>((resolve) => server.once("close", () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      let output = "";
      server.stderr.on("data", (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        log(text.trim());
        output = (output + text).slice(-8_192);
        if (output.includes(READY)) resolve();
      });
      server.once("error", reject);
      server.once("close", (code, signal) =>
        reject(new Error(`postgres exited (${signal ?? `code ${code}`}): ${output.trim().split("\n").slice(-3).join(" ")}`)),
      );
    });
  } catch (err) {
    if (server.exitCode === null && server.signalCode === null && server.pid !== undefined) server.kill("SIGINT");
    throw new Error(
      `embedded PostgreSQL failed to start on port ${opts.port} with data in ${dataDir}` +
        (err instanceof Error ? `: ${err.message}` : " (is the port in use, or another server using the data directory?)"),
    );
  }
  const serverUrl = (database = "postgres") =>
    `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  let stopped = false;
  return {
    serverUrl,
    layout,
    async stop() {
      if (stopped) return;
      stopped = true;
      // SIGINT: PostgreSQL's fast shutdown (rolls back open transactions, checkpoints, exits).
      if (server.exitCode === null && server.signalCode === null) {
        if (process.platform === "win32") spawn("taskkill", ["/pid", String(server.pid), "/f", "/t"]);
        else server.kill("SIGINT");
      }
      await exited;
      if (opts.ephemeral) {
        // A relocated cluster's directory (with its `origin` note) goes too.
        await rm(layout.relocated.includes("data") ? path.dirname(dataDir) : dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Creates the database if it does not exist yet (CREATE DATABASE has no IF NOT EXISTS). */
export async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}
