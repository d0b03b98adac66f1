// Operator CLI: `npm run kudos -- <command> [flags]` (also the package bin `kudos`).
import { parseArgs, type ParseArgsConfig } from "node:util";
import { EnvError, parseEnv, type Env } from "~/env.server";
import { createLogger, type Logger } from "~/logger.server";
import { resolveDatabase } from "~/db/resolve.server";
import { applyMigrations, createMigration } from "~/db/schema-engine.server";
import { backfillOptOuts, OPT_OUT_MIGRATION } from "~/db/backfill-opt-outs.server";
import { loadSecrets } from "~/lib/secrets.server";

export interface CommandContext {
  env: Env;
  log: Logger;
  /** Connection string of the chosen database (migrated unless the command is `migrate`). */
  databaseUrl: string;
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  out: (line: string) => void;
}

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Checks the flags before any database is started; throws UsageError. */
  check?(values: CommandContext["values"]): void;
  run(ctx: CommandContext): Promise<number | void>;
}

export const commands: Record<string, Command> = {
  migrate: {
    summary: "apply pending database migrations",
    usage: "kudos migrate",
    options: {},
    async run({ env, databaseUrl, out }) {
      const applied = await applyMigrations(databaseUrl);
      out(applied.length ? `applied: ${applied.join(", ")}` : "database schema up to date");
      if (applied.includes(OPT_OUT_MIGRATION)) {
        out(`durable opt-outs filled from suppressions: ${await backfillOptOuts(databaseUrl, loadSecrets(env).optOutKey)}`);
      }
    },
  },
  seed: {
    summary: "seed the system templates and presets (idempotent; also done on start)",
    usage: "kudos seed",
    options: {},
    async run({ databaseUrl, out }) {
      const { createDatabase } = await import("~/db.server");
      const { seedPresets } = await import("~/domain/campaigns.server");
      const db = createDatabase(databaseUrl, 2);
      try {
        const seeded = await seedPresets(db.prisma);
        out(`seeded ${seeded.templates} system templates and ${seeded.presets} presets`);
      } finally {
        await db.prisma.$disconnect();
        await db.pool.end();
      }
    },
  },
  tick: {
    summary: "run one drain of due touches as of a time, refresh the analytics rollup, run the maintenance (feedback notifications, expired data exports), print a JSON summary",
    usage: "kudos tick [--now <ISO time, or a duration from now like +1d, +36h, -90m>] [--limit N]",
    options: { now: { type: "string" }, limit: { type: "string" } },
    async run({ env, databaseUrl, values, out }) {
      const now = values.now === undefined ? new Date() : parseNow(String(values.now), new Date());
      if (!now) throw new UsageError("--now must be an ISO time like 2026-11-21T15:00:00Z or a signed duration from now like +1d, +36h or -90m");
      const limit = values.limit === undefined ? undefined : Number(values.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError("--limit must be a positive whole number");
      const { createDatabase } = await import("~/db.server");
      const { createServices } = await import("~/services.server");
      const { drain, DEFAULT_BATCH_SIZE } = await import("~/engine/processor.server");
      const { ManualClock } = await import("~/lib/clock.server");
      const db = createDatabase(databaseUrl, 4);
      try {
        const services = createServices(env, db, new ManualClock(now));
        const batchSize = Math.min(limit ?? DEFAULT_BATCH_SIZE, DEFAULT_BATCH_SIZE);
        const summary = await drain(services.processor, {
          batchSize,
          maxBatches: limit === undefined ? undefined : Math.ceil(limit / batchSize),
        });
        const { refreshAnalyticsRollup } = await import("~/analytics/rollup.server");
        const rollup = await refreshAnalyticsRollup(db.pool);
        const { maintenanceDeps, runMaintenance } = await import("~/maintenance.server");
        const maintenance = await runMaintenance(maintenanceDeps(services));
        out(JSON.stringify({ now: now.toISOString(), ...summary, analyticsDays: rollup.days, maintenance }));
        await services.close();
      } finally {
        await db.prisma.$disconnect();
        await db.pool.end();
      }
    },
  },
  outbox: {
    summary: "list the messages the outbox transport stored (embedded default)",
    usage: "kudos outbox [--json] [--limit N] [--business <id>]",
    options: { json: { type: "boolean" }, limit: { type: "string" }, business: { type: "string" } },
    async run({ databaseUrl, values, out }) {
      const { createDatabase } = await import("~/db.server");
      const { listOutbox, OUTBOX_LIST_LIMIT } = await import("~/engine/transports/index.server");
      const limit = values.limit === undefined ? 20 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > OUTBOX_LIST_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${OUTBOX_LIST_LIMIT}`);
      const db = createDatabase(databaseUrl, 2);
      try {
        const messages = await listOutbox(db.prisma, { limit, businessId: typeof values.business === "string" ? values.business : undefined });
        if (values.json) {
          out(JSON.stringify(messages, null, 2));
          return;
        }
        if (messages.length === 0) out("the outbox is empty");
        for (const m of messages) {
          out(`${m.createdAt.toISOString()}  ${m.channel.toUpperCase().padEnd(5)}  to ${m.to}${m.subject ? `  "${m.subject}"` : ""}`);
          out(`  ${m.text.replace(/\s+/g, " ").slice(0, 160)}`);
        }
      } finally {
        await db.prisma.$disconnect();
        await db.pool.end();
      }
    },
  },
  "privacy export": {
    summary: "print, as JSON, everything Kudos holds about one customer of a business (what a customers.data_request answers)",
    usage: "kudos privacy export --business <business id> --customer <the host's customer id>",
    options: { business: { type: "string" }, customer: { type: "string" } },
    check(values) {
      const business = typeof values.business === "string" ? values.business.trim() : "";
      if (!business) throw new UsageError("--business is required: the business's Kudos id (a UUID)");
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(business)) throw new UsageError(`--business must be a business id (a UUID), not "${business}"`);
      if (typeof values.customer !== "string" || !values.customer.trim()) throw new UsageError("--customer is required: the platform's id of the customer");
    },
    async run({ databaseUrl, values, out }) {
      const business = String(values.business).trim();
      const customer = String(values.customer).trim();
      const { createDatabase } = await import("~/db.server");
      const { exportCustomerData } = await import("~/hosts/privacy.server");
      const db = createDatabase(databaseUrl, 2);
      try {
        const found = await db.prisma.business.findUnique({ where: { id: business.toLowerCase() }, select: { id: true, name: true } });
        if (!found) throw new Error(`--business: no business with id ${business}`);
        const data = await exportCustomerData(db.prisma, found.id, customer, new Date());
        if (!data) throw new Error(`--customer: ${found.name} (${found.id}) has no customer with host id "${customer}"`);
        out(JSON.stringify(data, null, 2));
      } finally {
        await db.prisma.$disconnect();
        await db.pool.end();
      }
    },
  },
  "new-migration": {
    summary: "write a migration from the diff between prisma/migrations and schema.prisma (developers)",
    usage: "kudos new-migration --name <name>",
    options: { name: { type: "string" } },
    async run({ databaseUrl, values, out }) {
      const name = values.name;
      if (typeof name !== "string" || !/^[A-Za-z0-9_-]{1,60}$/.test(name)) {
        throw new UsageError("--name is required: letters, digits, - and _ (at most 60)");
      }
      const dir = await createMigration(databaseUrl, name);
      out(dir ? `wrote ${dir}/migration.sql` : "schema.prisma and the migrations agree: nothing to write");
    },
  },
};

const DURATION_UNIT_MS = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;

/**
 * `--now`: an ISO time, or a signed duration from `current` (`+1d`, `+36h`, `-1d12h`), so examples
 * and scripts stay valid as the calendar moves on. Units: w, d, h, m (minutes), s. Null if neither.
 */
export function parseNow(value: string, current: Date): Date | null {
  const text = value.trim();
  const relative = /^([+-])((?:\d+[wdhms])+)$/.exec(text);
  if (relative) {
    let ms = 0;
    for (const [, amount, unit] of relative[2]!.matchAll(/(\d+)([wdhms])/g)) {
      ms += Number(amount) * DURATION_UNIT_MS[unit as keyof typeof DURATION_UNIT_MS];
    }
    const at = new Date(current.getTime() + (relative[1] === "-" ? -ms : ms));
    return Number.isNaN(at.getTime()) ? null : at;
  }
  // ISO dates only: Date also reads "1" (as 2001) and other forms that are typos of a duration.
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** A command's own argument check failed: print usage, exit 2. */
export class UsageError extends Error {}

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    "usage: kudos <command> [flags]",
    "",
    "commands:",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}  (${c.usage})`),
  ].join("\n");
}

export async function runCli(argv: string[], out = (l: string) => console.log(l), err = (l: string) => console.error(l)): Promise<number> {
  const [first, ...afterFirst] = argv;
  if (!first || first === "--help" || first === "-h" || first === "help") {
    (first ? out : err)(usage());
    return first ? 0 : 2;
  }
  // Two-word commands ("privacy export"): the group, then the action.
  const group = Object.keys(commands).filter((c) => c.startsWith(`${first} `));
  const name = group.length && afterFirst[0] !== undefined && commands[`${first} ${afterFirst[0]}`] ? `${first} ${afterFirst[0]}` : first;
  const rest = name === first ? afterFirst : afterFirst.slice(1);
  const command = commands[name];
  if (!command) {
    if (group.length) {
      const action = afterFirst[0];
      err(`kudos ${first}: ${action === undefined || action.startsWith("-") ? "which one?" : `unknown command "${action}"`}\n\nusage:\n${group.map((c) => `  ${commands[c]!.usage}`).join("\n")}`);
      return 2;
    }
    err(`kudos: unknown command "${first}"\n\n${usage()}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: false });
    command.check?.(parsed.values as CommandContext["values"]);
  } catch (e) {
    err(`kudos ${name}: ${e instanceof Error ? e.message : String(e)}\nusage: ${command.usage}`);
    return 2;
  }
  let env: Env;
  try {
    env = parseEnv();
  } catch (e) {
    if (e instanceof EnvError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
  // Operators read the command's own output; keep library logs to warnings.
  const log = createLogger(process.env.LOG_LEVEL ?? "warn");
  const database = await resolveDatabase(env, log);
  try {
    process.env.DATABASE_URL = database.url;
    if (name !== "migrate" && name !== "new-migration") await applyMigrations(database.url);
    const code = await command.run({
      env: { ...env, DATABASE_URL: database.url },
      log,
      databaseUrl: database.url,
      values: parsed.values as CommandContext["values"],
      positionals: parsed.positionals,
      out,
    });
    return code ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`kudos ${name}: ${e.message}\nusage: ${command.usage}`);
      return 2;
    }
    err(`kudos ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await database.stop();
  }
}
