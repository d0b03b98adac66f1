// The server's fast path for host webhooks (app/server/main.ts puts it in front of Express).
//
// POST /webhooks/hosts/<host> is the busiest endpoint (a platform pushes every job). Profiled
// under load, Express's per-request set-up, pino-http's per-request child logger, and Remix's
// route matching with the Fetch Request/Response it builds cost more CPU than verifying and
// storing the webhook. So this path takes those requests before Express, does for them what the
// middleware did (request id, CSP header, the per-IP webhook budget with the same limiter and key
// as publicRateLimit, one log line when the level asks for it), and hands them to the route
// module's handler (http.server.ts), which answers exactly as the Remix action does.
// Other methods and paths are left to Express and Remix (a GET gets the route's 405 there).
import type { IncomingMessage, ServerResponse } from "node:http";
import { clientIp, type PublicRateLimiter } from "~/lib/public-rate-limit.server";
import { canonicalRequestPath, redactUrl } from "~/lib/request-path.server";
import type { Logger } from "~/logger.server";

/** Answers one webhook POST for `host`; never rejects. */
export type HostWebhookHandler = (host: string, req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface HostWebhookFastPathOptions {
  handle: HostWebhookHandler;
  /** The webhook budget (WEBHOOK_RATE_LIMIT_PER_MINUTE), shared with publicRateLimit's webhooks group. */
  limiter: PublicRateLimiter;
  logger: Logger;
  behindFlyProxy: boolean;
  /** Sets X-Request-ID on the response and returns the id (the same function pino-http uses). */
  requestId(req: IncomingMessage, res: ServerResponse): string;
  now?: () => Date;
}

const HOST_WEBHOOK_PATH = /^\/webhooks\/hosts\/([^/]+)$/;

/**
 * The host of a webhook POST this path takes, or null to leave the request to Express. Only
 * canonical paths: Express redirects the others (`/WEBHOOKS/…`, `/webhooks/hosts/x/`).
 */
export function hostWebhookTarget(method: string | undefined, url: string | undefined): string | null {
  if (method !== "POST") return null;
  const canonical = canonicalRequestPath(url ?? "");
  if (!canonical.ok || !canonical.canonical) return null;
  const segment = HOST_WEBHOOK_PATH.exec(canonical.pathname)?.[1];
  return segment === undefined ? null : decodeURIComponent(segment);
}

/** Returns a function that answers the request and returns true, or returns false untouched. */
export function hostWebhookFastPath(opts: HostWebhookFastPathOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { handle, limiter, logger, behindFlyProxy, requestId } = opts;
  const now = opts.now ?? (() => new Date());
  return (req, res) => {
    const host = hostWebhookTarget(req.method, req.url);
    if (host === null) return false;
    const started = Date.now();
    const id = requestId(req, res);
    // As for every page but the embedded admin: never framed.
    res.setHeader("Content-Security-Policy", "frame-ancestors 'none'");
    const completed = () => {
      res.off("finish", completed);
      res.off("close", completed);
      // pino-http's line and levels, without building a child logger per request.
      const status = res.statusCode;
      const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({ req: { id, method: req.method, url: redactUrl(req.url ?? "") }, res: { statusCode: status }, responseTime: Date.now() - started }, "request completed");
    };
    res.on("finish", completed);
    res.on("close", completed);
    limiter.take(`webhooks:${clientIp(req, { behindFlyProxy })}`, now()).then(
      (decision) => {
        if (decision.allowed) return handle(host, req, res);
        res.writeHead(429, {
          "Retry-After": String(decision.retryAfterSeconds),
          "Cache-Control": "no-store",
          "Content-Type": "text/plain; charset=utf-8",
        });
        res.end(`Too many requests: try again in ${decision.retryAfterSeconds} s`);
      },
      // Limiters never throw; if one does, serving the request beats refusing everyone.
      (err: unknown) => {
        logger.error({ err }, "public rate limit failed");
        return handle(host, req, res);
      },
    );
    return true;
  };
}
