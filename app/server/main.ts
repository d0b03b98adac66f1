// Process entry for `npm start`: configuration → database (embedded or DATABASE_URL) → migrations
// → HTTP server serving the Remix production build → clean shutdown on SIGINT/SIGTERM.
import type { Server } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { EnvError, parseEnv } from "~/env.server";
import { createLogger } from "~/logger.server";
import { EmbeddedPostgresUnavailableError } from "~/db/embedded-postgres.server";
import { resolveDatabase } from "~/db/resolve.server";
import { createPublicRateLimiter, isBehindFlyProxy } from "~/lib/public-rate-limit.server";
import { applyMigrations } from "~/db/schema-engine.server";
import { backfillOptOuts, OPT_OUT_MIGRATION } from "~/db/backfill-opt-outs.server";
import { loadSecrets } from "~/lib/secrets.server";
import { createAppServer } from "./http.server";

type AppBuild = ServerBuild & {
  entry: {
    module: ServerBuild["entry"]["module"] & {
      startBackground(): Promise<void>;
      stopBackground(): Promise<void>;
    };
  };
};

async function main() {
  let env;
  try {
    env = parseEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(env.LOG_LEVEL);
  const database = await resolveDatabase(env, log);
  // The app reads its connection string from the environment; set it before the build loads.
  process.env.DATABASE_URL = database.url;

  const box: { server?: Server } = {};
  const closers: Array<() => Promise<void>> = [];
  let build: AppBuild | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await new Promise<void>((resolve) => (box.server ? box.server.close(() => resolve()) : resolve()));
    box.server?.closeAllConnections();
    await build?.entry.module.stopBackground().catch((err) => log.error({ err }, "stop failed"));
    for (const close of closers) await close().catch((err: unknown) => log.error({ err }, "close failed"));
    await database.stop().catch((err) => log.error({ err }, "embedded postgres stop failed"));
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  try {
    const applied = await applyMigrations(database.url);
    log.info({ applied }, applied.length ? "migrations applied" : "database schema up to date");
    if (applied.includes(OPT_OUT_MIGRATION)) {
      log.info({ filled: await backfillOptOuts(database.url, loadSecrets(env).optOutKey) }, "durable opt-outs filled from suppressions");
    }

    const buildPath = path.resolve("build/index.js");
    build = (await import(pathToFileURL(buildPath).href)) as AppBuild;
    await build.entry.module.startBackground();
  } catch (err) {
    log.fatal({ err }, "start-up failed");
    await database.stop().catch(() => {});
    process.exit(1);
  }

  const publicLimiter = createPublicRateLimiter(env, { logger: log });
  const webhookLimiter = createPublicRateLimiter(env, { logger: log }, env.WEBHOOK_RATE_LIMIT_PER_MINUTE);
  closers.push(() => publicLimiter.close(), () => webhookLimiter.close());
  const server = (box.server = createAppServer({
    build: build!,
    mode: env.NODE_ENV === "production" ? "production" : "development",
    logger: log,
    publicLimiter,
    webhookLimiter,
    behindFlyProxy: isBehindFlyProxy(),
    serveStatic: true,
  }));
  server.listen(env.PORT, env.HOST, () => {
    log.info({ url: env.APP_URL, port: env.PORT }, `Kudos listening on ${env.APP_URL}`);
  });
}

main().catch((err) => {
  // A configuration the process cannot run with says so in one plain message.
  console.error(err instanceof EmbeddedPostgresUnavailableError ? err.message : err);
  process.exit(1);
});
