// Process entry for `npm start`: configuration → database (embedded or DATABASE_URL) → migrations
// → HTTP server serving the Remix production build → clean shutdown on SIGINT/SIGTERM.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { pinoHttp } from "pino-http";
import { EnvError, parseEnv } from "~/env.server";
import { createLogger } from "~/logger.server";
import { resolveDatabase } from "~/db/resolve.server";
import { createPublicRateLimiter, isBehindFlyProxy, publicRateLimit } from "~/lib/public-rate-limit.server";
import { hostWebhookFastPath, type HostWebhookHandler } from "~/hosts/ingest-fast-path.server";
import { applyMigrations } from "~/db/schema-engine.server";

type AppBuild = ServerBuild & {
  entry: {
    module: ServerBuild["entry"]["module"] & {
      startBackground(): Promise<void>;
      stopBackground(): Promise<void>;
    };
  };
};

/** The request id: the caller's X-Request-ID when it is a sane token, else a new one; echoed back. */
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers["x-request-id"];
  const id = typeof incoming === "string" && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
  res.setHeader("x-request-id", id);
  return id;
}

interface HostWebhookRoute {
  handleHostWebhookPost: HostWebhookHandler;
}

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

    const buildPath = path.resolve("build/index.js");
    build = (await import(pathToFileURL(buildPath).href)) as AppBuild;
    await build.entry.module.startBackground();
  } catch (err) {
    log.fatal({ err }, "start-up failed");
    await database.stop().catch(() => {});
    process.exit(1);
  }

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", true);
  app.use(
    pinoHttp({
      logger: log,
      genReqId: requestId,
      // Health probes every few seconds would drown the log.
      autoLogging: { ignore: (req) => req.url === "/healthz" },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info"),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          // Tokens travel in query strings (id_token) and paths (/r/<token>); keep them out of logs.
          url: String(req.url).replace(/([?&](id_token|code|state|token)=)[^&]+/g, "$1[redacted]").replace(/^\/(r|u|f)\/[^/?]+/, "/$1/[token]"),
        }),
      },
    }),
  );
  // Only the embedded admin (/app, whose routes send frame-ancestors <host admin origins>) may be
  // framed; everything else refuses to be, so public pages cannot be clickjacked.
  app.use((req, res, next) => {
    if (!/^\/app(\/|$|\?)/.test(req.url)) res.setHeader("Content-Security-Policy", "frame-ancestors 'none'");
    next();
  });
  // Per-IP limit on the public endpoints (/r, /u, /f, /webhooks/*): a flood is answered 429 here,
  // before Remix and the database (app/lib/public-rate-limit.server.ts; trust decision there).
  const publicLimiter = createPublicRateLimiter(env, { logger: log });
  const webhookLimiter = createPublicRateLimiter(env, { logger: log }, env.WEBHOOK_RATE_LIMIT_PER_MINUTE);
  closers.push(() => publicLimiter.close(), () => webhookLimiter.close());
  app.use(publicRateLimit({ limiter: publicLimiter, webhookLimiter, logger: log, behindFlyProxy: isBehindFlyProxy() }));
  app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
  app.use(express.static("public", { maxAge: "1h" }));
  app.all(
    "*",
    createRequestHandler({
      build: build!,
      mode: env.NODE_ENV === "production" ? "production" : "development",
      getLoadContext: (req) => ({ requestId: (req as unknown as { id: string }).id }),
    }),
  );

  // Host webhooks (the busiest endpoint: a platform pushes every job) go round Express and Remix:
  // the route module's handler answers exactly as its action does, and hostWebhookFastPath does
  // for it what the middleware above does (app/hosts/ingest-fast-path.server.ts). Everything else
  // goes through Express and Remix.
  const hostWebhookRoute = build!.routes["routes/webhooks.hosts.$host"]?.module as Partial<HostWebhookRoute> | undefined;
  const hostWebhooks = hostWebhookRoute?.handleHostWebhookPost
    ? hostWebhookFastPath({ handle: hostWebhookRoute.handleHostWebhookPost, limiter: webhookLimiter, logger: log, behindFlyProxy: isBehindFlyProxy(), requestId })
    : undefined;
  const server = (box.server = createServer((req, res) => {
    if (!hostWebhooks?.(req, res)) app(req, res);
  }));
  server.keepAliveTimeout = 65_000;
  server.listen(env.PORT, env.HOST, () => {
    log.info({ url: env.APP_URL, port: env.PORT }, `Kudos listening on ${env.APP_URL}`);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
