// The HTTP server around the Remix build: everything a request meets before a route runs.
//   1. timeouts: a request has 10 s to send its headers and 15 s in all (slow bodies cannot hold
//      connections open for Node's default 300 s);
//   2. the host-webhook fast path (POST /webhooks/hosts/<host>, canonical paths only);
//   3. request id and one access-log line, with tokens and credentials redacted;
//   4. the per-IP budgets of the public links and the webhooks, by canonical path;
//   5. non-canonical paths (`/R/…`, `/%72/…`, `//r/…`) redirected to their canonical form, so the
//      router only sees paths the limits and the redaction understood (app/lib/request-path.server.ts);
//   6. frame-ancestors 'none' outside the embedded admin;
//   7. the body cap of the path's group, before a byte is read (app/lib/body-limit.server.ts);
//   8. static files, then Remix.
// app/server/main.ts builds it from the environment; tests build it around their own builds.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequestHandler, writeReadableStreamToWritable, type ServerBuild } from "@remix-run/node";
import express, { type NextFunction, type Request as ExpressRequest, type Response as ExpressResponse } from "express";
import { pinoHttp } from "pino-http";
import { hostWebhookFastPath, type HostWebhookHandler } from "~/hosts/ingest/fast-path.server";
import { BODY_LIMITS, declaresTooLarge, limitedBody } from "~/lib/body-limit.server";
import { publicRateLimit, type PublicRateLimiter } from "~/lib/public-rate-limit.server";
import { canonicalRequestPath, redactUrl, routeGroup } from "~/lib/request-path.server";
import type { Logger } from "~/logger.server";

export interface ServerTimeouts {
  headersMs: number;
  requestMs: number;
  checkIntervalMs: number;
  keepAliveMs: number;
}

export const SERVER_TIMEOUTS: Readonly<ServerTimeouts> = {
  /** From the first byte of a request to its last header. */
  headersMs: 10_000,
  /** From the first byte of a request to the last byte of its body. */
  requestMs: 15_000,
  /** How often Node checks the two above (its default, 30 s, would let a request run to 45 s). */
  checkIntervalMs: 1_000,
  /** Longer than Fly's proxy keeps idle connections, so the proxy closes them first. */
  keepAliveMs: 65_000,
};

export interface AppServerOptions {
  build: ServerBuild;
  mode: "production" | "development";
  logger: Logger;
  /** The public links' budget (PUBLIC_RATE_LIMIT_PER_MINUTE). */
  publicLimiter: PublicRateLimiter;
  /** The webhooks' budget (WEBHOOK_RATE_LIMIT_PER_MINUTE). */
  webhookLimiter: PublicRateLimiter;
  behindFlyProxy: boolean;
  timeouts?: Partial<ServerTimeouts>;
  /** Serve public/ (the production build's assets). */
  serveStatic?: boolean;
}

/** The request id: the caller's X-Request-ID when it is a sane token, else a new one; echoed back. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers["x-request-id"];
  const id = typeof incoming === "string" && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
  res.setHeader("x-request-id", id);
  return id;
}

/** Response headers as the access log may show them: Location redacted, cookies never. */
function loggedResponseHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (key === "set-cookie") out[key] = "[redacted]";
    else if (key === "location" && typeof value === "string") out[key] = redactUrl(value);
    else out[key] = value;
  }
  return out;
}

function plainText(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers });
  res.end(message);
}

/** The canonical path, or a 400/308 answer for a malformed or non-canonical one. */
function canonicalPaths(req: ExpressRequest, res: ExpressResponse, next: NextFunction): void {
  const canonical = canonicalRequestPath(req.originalUrl);
  if (!canonical.ok) return plainText(res, 400, `Bad request path: ${canonical.reason}`);
  if (canonical.canonical) return next();
  // 308 keeps the method and body: a POST is repeated to the canonical path.
  plainText(res, 308, `Moved to ${canonical.pathname}`, { Location: canonical.pathname + canonical.search });
}

// The next three do what @remix-run/express does (its dist exports them, its types do not), with
// the body read through the cap instead of as a whole.
function remixHeaders(raw: IncomingMessage["headers"]): Headers {
  const headers = new Headers();
  for (const [key, values] of Object.entries(raw)) {
    if (Array.isArray(values)) for (const value of values) headers.append(key, value);
    else if (values) headers.set(key, values);
  }
  return headers;
}

async function sendRemixResponse(res: ExpressResponse, response: Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [key, value] of response.headers.entries()) res.append(key, value);
  if (/text\/event-stream/i.test(response.headers.get("Content-Type") ?? "")) res.flushHeaders();
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}

/** The request's URL as @remix-run/express builds it (trust-proxy aware host, port and protocol). */
function requestUrl(req: ExpressRequest): string {
  const port = (header: string | undefined) => Number.parseInt(header?.split(":")[1] ?? "", 10);
  const forwarded = port(req.get("X-Forwarded-Host"));
  const own = port(req.get("host"));
  const p = Number.isSafeInteger(forwarded) ? forwarded : Number.isSafeInteger(own) ? own : undefined;
  return `${req.protocol}://${req.hostname}${p ? `:${p}` : ""}${req.originalUrl}`;
}

/** Remix, with each body read lazily through the cap of its path's group. */
function remixHandler(build: ServerBuild, mode: AppServerOptions["mode"], logger: Logger) {
  const handle = createRequestHandler(build, mode);
  return async (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    try {
      const group = routeGroup(req.path);
      const limit = BODY_LIMITS[group];
      let tooLarge = false;
      const controller = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) controller.abort();
      });
      const init: RequestInit & { duplex?: "half" } = { method: req.method, headers: remixHeaders(req.headers), signal: controller.signal };
      if (req.method !== "GET" && req.method !== "HEAD") {
        init.body = limitedBody(req, limit, () => (tooLarge = true));
        init.duplex = "half";
      }
      const request = new Request(requestUrl(req), init);
      const response = await handle(request, { requestId: (req as unknown as { id: string }).id });
      if (tooLarge) {
        // Whatever the route made of a cut-off body, the answer is 413; the rest is never read.
        await response.body?.cancel().catch(() => {});
        logger.warn({ group, limit }, "request body over the cap");
        return plainText(res, 413, `Request body too large: at most ${limit} bytes here`, { Connection: "close" });
      }
      await sendRemixResponse(res, response);
    } catch (err) {
      next(err);
    }
  };
}

export function createAppServer(opts: AppServerOptions): Server {
  const { build, logger: log } = opts;
  const timeouts = { ...SERVER_TIMEOUTS, ...opts.timeouts };
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
        // Tokens travel in paths (/r/<token>) and query strings (id_token, code, state), in any
        // spelling of the path: the log shows the canonical, redacted form.
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(String(req.url)) }),
        res: (res: { statusCode: number; headers?: Record<string, unknown> }) => ({
          statusCode: res.statusCode,
          headers: loggedResponseHeaders(res.headers ?? {}),
        }),
      },
    }),
  );
  // Per-IP limit on the public endpoints (/r, /u, /f, /webhooks/*): a flood is answered 429 here,
  // before Remix and the database (app/lib/public-rate-limit.server.ts; trust decision there).
  app.use(publicRateLimit({ limiter: opts.publicLimiter, webhookLimiter: opts.webhookLimiter, logger: log, behindFlyProxy: opts.behindFlyProxy }));
  app.use(canonicalPaths);
  // Only the embedded admin (/app, whose routes send frame-ancestors <host admin origins>) may be
  // framed; everything else refuses to be, so public pages cannot be clickjacked.
  app.use((req, res, next) => {
    if (!/^\/app(\/|$)/.test(req.path)) res.setHeader("Content-Security-Policy", "frame-ancestors 'none'");
    next();
  });
  app.use((req, res, next) => {
    const limit = BODY_LIMITS[routeGroup(req.path)];
    if (!declaresTooLarge(req, limit)) return next();
    plainText(res, 413, `Request body too large: at most ${limit} bytes here`, { Connection: "close" });
  });
  if (opts.serveStatic) {
    app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
    app.use(express.static("public", { maxAge: "1h" }));
  }
  app.all("*", remixHandler(build, opts.mode, log));

  // Host webhooks (the busiest endpoint: a platform pushes every job) go round Express and Remix:
  // the route module's handler answers exactly as its action does, and hostWebhookFastPath does
  // for it what the middleware above does (app/hosts/ingest/fast-path.server.ts).
  const hostWebhookRoute = build.routes["routes/webhooks.hosts.$host"]?.module as { handleHostWebhookPost?: HostWebhookHandler } | undefined;
  const hostWebhooks = hostWebhookRoute?.handleHostWebhookPost
    ? hostWebhookFastPath({ handle: hostWebhookRoute.handleHostWebhookPost, limiter: opts.webhookLimiter, logger: log, behindFlyProxy: opts.behindFlyProxy, requestId })
    : undefined;
  const server = createServer(
    { requestTimeout: timeouts.requestMs, headersTimeout: timeouts.headersMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
    (req, res) => {
      if (!hostWebhooks?.(req, res)) app(req, res);
    },
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;
  return server;
}
