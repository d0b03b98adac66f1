// Prisma's schema engine, compiled to WebAssembly, driven through the pg driver adapter.
// Why: the Prisma CLI downloads a native schema-engine binary for every command, which cannot
// happen offline; the WASM engine ships inside an npm package and speaks to Postgres through
// @prisma/adapter-pg. It records migrations in `_prisma_migrations` exactly as
// `prisma migrate deploy` does, so production can use either.
import { readFile, readdir, mkdir, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";
import type * as EngineGlue from "@prisma/schema-engine-wasm/schema_engine_bg";

const require = createRequire(import.meta.url);

type Glue = typeof EngineGlue & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
};

let gluePromise: Promise<Glue> | undefined;
let lastPanic: string | undefined;

/** Loads the .wasm by hand so Node 20 needs no --experimental-wasm-modules flag. */
function loadEngineModule(): Promise<Glue> {
  gluePromise ??= (async () => {
    // The engine reports a Rust panic's message here before throwing.
    const g = globalThis as unknown as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(m: string): void } };
    g.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (m: string) => {
        lastPanic = m;
      },
    };
    const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as Glue;
    const pkgDir = path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
    const bytes = await readFile(path.join(pkgDir, "schema_engine_bg.wasm"));
    // The engine arms timers (lock and connect timeouts) it never clears; unref them so a CLI
    // or test run does not sit idle for ten seconds after its last call.
    const imports: Record<string, unknown> = { ...glue };
    for (const key of Object.keys(imports)) {
      if (key.startsWith("__wbg_setTimeout_")) {
        imports[key] = (fn: () => void, ms: number) => {
          const timer = setTimeout(fn, ms >>> 0);
          timer.unref();
          return timer;
        };
      }
    }
    const { instance } = await WebAssembly.instantiate(bytes, {
      "./schema_engine_bg.js": imports as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return gluePromise;
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

type PgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;

/**
 * The pg adapter runs a script by splitting it on ";", which breaks any migration holding a
 * function body ($$ ... $$). Postgres runs a multi-statement simple query as one implicit
 * transaction, which is also what we want from a migration: all of it or none of it.
 */
function wholeScripts(adapter: PgAdapter): PgAdapter {
  const driver = adapter.underlyingDriver() as pg.Pool;
  // The engine's schema describer reads catalog columns of type "char" (oid 18, e.g.
  // pg_constraint.contype), which the adapter does not map; pg hands them over as one-character
  // strings, and the engine wants them typed as characters.
  const io = adapter as unknown as { performIO(q: object): Promise<pg.QueryArrayResult> };
  const performIO = io.performIO.bind(adapter);
  const charColumns = new WeakMap<object, number[]>();
  io.performIO = async (query) => {
    const result = await performIO(query);
    const chars: number[] = [];
    result.fields.forEach((field, i) => {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        chars.push(i);
      }
    });
    if (chars.length) charColumns.set(query, chars);
    return result;
  };
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(query) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  adapter.executeScript = async (script: string) => {
    try {
      await driver.query(script);
    } catch (error) {
      (adapter as unknown as { onError(e: unknown): never }).onError(error);
    }
  };
  return adapter;
}

export const PRISMA_DIR = path.resolve(process.cwd(), "prisma");
export const SCHEMA_PATH = path.join(PRISMA_DIR, "schema.prisma");
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, "migrations");

export type EngineLog = (message: string) => void;

async function withEngine<T>(
  connectionString: string,
  schema: string,
  fn: (engine: SchemaEngine) => Promise<T>,
  log: EngineLog = () => {},
): Promise<T> {
  const glue = await loadEngineModule();
  // Our own pools, so the engine's sessions (and the migration advisory lock) end with the call.
  const pools: pg.Pool[] = [];
  const newPool = (url: string) => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on("error", () => {});
    pools.push(pool);
    return pool;
  };
  const main = new PrismaPg(newPool(connectionString));
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => wholeScripts(await main.connect()),
    // Replaying migrations for a diff needs a scratch database. The stock implementation derives
    // it from the pool's config, which a connection string overrides, so it would land on the
    // main database; build the scratch one's URL explicitly instead.
    async connectToShadowDb() {
      const name = `prisma_migrate_shadow_db_${randomUUID().replace(/-/g, "")}`;
      const admin = pools[0]!;
      await admin.query(`CREATE DATABASE "${name}"`);
      const url = new URL(connectionString);
      url.pathname = `/${name}`;
      const shadowPool = newPool(url.toString());
      const adapter = wholeScripts(await new PrismaPg(shadowPool).connect());
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await shadowPool.end().catch(() => {});
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      };
      return adapter;
    },
  };
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const engine = await glue.SchemaEngine.new(
    { datamodels: [["schema.prisma", schema]] },
    (msg: string) => log(msg),
    adapter,
  );
  try {
    return await fn(engine);
  } catch (err) {
    if (lastPanic) {
      const message = lastPanic;
      lastPanic = undefined;
      throw new Error(`schema engine panicked: ${message}`, { cause: err });
    }
    throw err;
  } finally {
    engine.free();
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
  }
}

export async function readMigrationList(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, "migration.sql");
      const content = await readFile(file, "utf8").then(
        (value) => ({ tag: "ok" as const, value }),
        (err: Error) => ({ tag: "error" as const, value: err.message }),
      );
      return { path: name, migrationFile: { path: "migration.sql", content } };
    }),
  );
  const lockPath = path.join(dir, "migration_lock.toml");
  const lockContent = await readFile(lockPath, "utf8").catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

const noFilter = { externalTables: [], externalEnums: [] };

/** Applies every pending migration under prisma/migrations; returns the names applied. */
export async function applyMigrations(
  connectionString: string,
  opts: { migrationsDir?: string; log?: EngineLog } = {},
): Promise<string[]> {
  const schema = await readFile(SCHEMA_PATH, "utf8");
  const migrationsList = await readMigrationList(opts.migrationsDir);
  return withEngine(
    connectionString,
    schema,
    async (engine) => {
      const out = await engine.applyMigrations({ migrationsList, filters: noFilter });
      return out.appliedMigrationNames;
    },
    opts.log,
  );
}

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql holding the SQL that takes a database
 * built from the existing migrations to schema.prisma. Replaying the migrations needs a scratch
 * ("shadow") database, which the adapter creates and drops on the given server.
 * Returns null when the schema and the migrations already agree.
 */
export async function createMigration(
  connectionString: string,
  name: string,
  opts: { now?: Date; log?: EngineLog } = {},
): Promise<string | null> {
  const schema = await readFile(SCHEMA_PATH, "utf8");
  await ensureLockfile();
  const migrationsList = await readMigrationList();
  const script = await withEngine(
    connectionString,
    schema,
    async (engine) => {
      const result = await engine.diff({
        from:
          migrationsList.migrationDirectories.length === 0
            ? { tag: "empty" }
            : { tag: "migrations", ...migrationsList },
        to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: schema }] },
        script: true,
        exitCode: null,
        filters: noFilter,
      });
      return result.stdout ?? "";
    },
    opts.log,
  );
  if (!script.trim() || /^-- This is an empty migration\.?\s*$/.test(script.trim())) return null;
  const now = opts.now ?? new Date();
  const stamp = now.toISOString().replace(/[-:TZ.]/g, "").slice(0, 14);
  const safeName = name.toLowerCase().replace(/[^a-z0-9_]+/g, "_");
  const dir = path.join(MIGRATIONS_DIR, `${stamp}_${safeName}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "migration.sql"), script);
  return dir;
}

async function ensureLockfile(): Promise<void> {
  const lockPath = path.join(MIGRATIONS_DIR, "migration_lock.toml");
  await mkdir(MIGRATIONS_DIR, { recursive: true });
  await readFile(lockPath).catch(() =>
    writeFile(
      lockPath,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    ),
  );
}
