// Wiring for the host-integration tests: a registry of the real manifests with test credentials,
// ingestion and processing deps on the per-file database, signed sandbox webhooks, and an
// in-process sandbox token endpoint for the generic connector's code exchange.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestDatabase } from "../helpers/db";
import { TEST_OPT_OUTS } from "../helpers/engine";
import { genericWebhookHeaders } from "~/hosts/generic/signature.server";
import type { IngestDeps } from "~/hosts/ingest/receive.server";
import type { HostEventProcessDeps } from "~/hosts/ingest/process.server";
import type { InstallDeps } from "~/hosts/install/install.server";
import { loadHostManifests } from "~/hosts/manifest.server";
import type { Fetch } from "~/hosts/install/oauth.server";
import { createHostRegistry, type HostRegistry } from "~/hosts/registry.server";
import { tokenGrant, type SandboxOAuthConfig } from "~/hosts/sandbox/oauth.server";
import { SandboxStore } from "~/hosts/sandbox/store.server";
import type { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";

export const APP_URL = "http://kudos.test";
export const SANDBOX_CREDENTIALS = { clientId: "sandbox-test-client", clientSecret: "sandbox-test-secret-0123456789abcdef0123" };
export const JOBBER_CREDENTIALS = { clientId: "kudos-jobber-client", clientSecret: "jobber-client-secret-0123456789abcdef" };
export const LINK_SECRET = "test-link-secret-0123456789abcdef-0123";
export const SANDBOX_REDIRECT_URI = `${APP_URL}/auth/hosts/sandbox/callback`;
export const SANDBOX_OAUTH: SandboxOAuthConfig = { ...SANDBOX_CREDENTIALS, redirectUri: SANDBOX_REDIRECT_URI };

export const silentLogger = createLogger("silent");

export function tempSandboxStore(): SandboxStore {
  return new SandboxStore(path.join(mkdtempSync(path.join(os.tmpdir(), "kudos-sandbox-")), "sandbox.json"));
}

/** The sandbox's token endpoint answered in-process, for the generic connector's exchanges. */
export function sandboxTokenFetch(store: SandboxStore, clock: ManualClock): Fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname !== "/sandbox/oauth/token") throw new Error(`unexpected request to ${url}`);
    const params = Object.fromEntries(new URLSearchParams(String(init?.body ?? "")));
    const answer = await tokenGrant(store, SANDBOX_OAUTH, params, clock.now());
    return Response.json(answer.body, { status: answer.status });
  };
}

export function testRegistry(opts: { clock: ManualClock; fetch?: Fetch; jobber?: boolean; sleep?: (ms: number) => Promise<void> }): HostRegistry {
  return createHostRegistry({
    manifests: loadHostManifests(),
    env: {
      APP_URL,
      JOBBER_GRAPHQL_VERSION: "2025-04-16",
      ...(opts.jobber ? { JOBBER_CLIENT_ID: JOBBER_CREDENTIALS.clientId, JOBBER_CLIENT_SECRET: JOBBER_CREDENTIALS.clientSecret } : {}),
    },
    builtinCredentials: { sandbox: SANDBOX_CREDENTIALS },
    clock: opts.clock,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
  });
}

export const ENCRYPTION_KEY = randomBytes(32);

export function ingestDeps(db: TestDatabase, hosts: HostRegistry, clock: ManualClock, enqueued: string[] = []): IngestDeps {
  return { db: db.prisma, pool: db.pool, clock, hosts, logger: silentLogger, enqueue: (id) => void enqueued.push(id) };
}

export function processDeps(db: TestDatabase, hosts: Pick<HostRegistry, "get">, clock: ManualClock): HostEventProcessDeps {
  return { db: db.prisma, pool: db.pool, clock, hosts, logger: silentLogger, encryptionKey: ENCRYPTION_KEY, optOuts: TEST_OPT_OUTS };
}

export function installDeps(db: TestDatabase, hosts: HostRegistry, clock: ManualClock, extra: Partial<InstallDeps> = {}): InstallDeps {
  return {
    db: db.prisma,
    clock,
    hosts,
    logger: silentLogger,
    appUrl: APP_URL,
    linkSecret: LINK_SECRET,
    encryptionKey: ENCRYPTION_KEY,
    sessions: { idleMs: 12 * 3_600_000, maxAgeMs: 7 * 86_400_000, appUrl: APP_URL },
    ...extra,
  };
}

let eventSeq = 0;

/** A webhook request as the sandbox (or any generic host) would POST it, signed at `now`. */
export function genericWebhookRequest(
  body: Record<string, unknown>,
  opts: { now: Date; eventId?: string; accountId?: string; secret?: string; host?: string; headers?: Record<string, string> },
): Request {
  const raw = JSON.stringify(body);
  const headers = genericWebhookHeaders({
    secret: opts.secret ?? SANDBOX_CREDENTIALS.clientSecret,
    eventId: opts.eventId ?? `evt-${++eventSeq}-${randomBytes(4).toString("hex")}`,
    topic: String(body.topic),
    accountId: opts.accountId ?? String(body.account_id),
    body: raw,
    now: opts.now,
  });
  return new Request(`${APP_URL}/webhooks/hosts/${opts.host ?? "sandbox"}`, {
    method: "POST",
    headers: { ...headers, ...opts.headers },
    body: raw,
  });
}

export function jobPayload(
  accountId: string,
  opts: {
    topic?: "job.completed" | "job.updated" | "job.cancelled";
    jobId?: string;
    status?: string;
    occurredAt?: string;
    customer?: Record<string, unknown>;
    job?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  const topic = opts.topic ?? "job.completed";
  return {
    topic,
    account_id: accountId,
    occurred_at: opts.occurredAt ?? "2026-01-05T14:59:00Z",
    job: {
      id: opts.jobId ?? "job-1001",
      title: "Spring cleanup",
      service_type: "Lawn care",
      status: opts.status ?? (topic === "job.completed" ? "completed" : topic === "job.cancelled" ? "cancelled" : "scheduled"),
      ...(topic === "job.completed" ? { completed_at: "2026-01-05T14:30:00Z" } : {}),
      customer: opts.customer ?? {
        id: "cus-77",
        first_name: "Dana",
        last_name: "Whitfield",
        email: "dana@example.com",
        phone: "+13055550142",
        timezone: "America/New_York",
        region: "FL",
        country: "US",
      },
      ...opts.job,
    },
  };
}

type RouteHandler = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => unknown;

/** A route module as a test dispatches to it. */
export interface TestRouteModule {
  loader?: RouteHandler;
  action?: RouteHandler;
}

/** Path pattern, the names of its captured params, and the module. */
export type TestRouteTable = Array<[RegExp, string[], TestRouteModule]>;

/**
 * An in-process `fetch` for `appUrl` that does what a server would do with the request: run the
 * matching route's loader (GET/HEAD) or action, a thrown Response being the answer.
 */
export function inProcessFetch(appUrl: string, routes: TestRouteTable): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.origin !== appUrl) throw new Error(`unexpected request to ${url.origin}`);
    for (const [pattern, names, module] of routes) {
      const match = url.pathname.match(pattern);
      if (!match) continue;
      const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]));
      const handler = request.method === "GET" || request.method === "HEAD" ? module.loader : module.action;
      if (!handler) return new Response("Method not allowed", { status: 405 });
      try {
        const result = await handler({ request, params, context: {} });
        return result instanceof Response ? result : Response.json(result);
      } catch (thrown) {
        if (thrown instanceof Response) return thrown;
        throw thrown;
      }
    }
    return new Response("Not found", { status: 404 });
  };
}
