// The server's fast path for host webhooks: Node's request and response straight to ingestWebhook
// (app/hosts/ingest/http.server.ts), in front of Express (app/hosts/ingest/fast-path.server.ts). It must answer exactly
// as the Remix action does, and keep what the middleware gave these requests: the request id, the
// CSP header, the per-IP webhook budget and the request log line.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installBusiness } from "~/domain/business.server";
import { hostWebhookFastPath, hostWebhookTarget } from "~/hosts/ingest/fast-path.server";
import { handleWebhookHttp } from "~/hosts/ingest/http.server";
import { type IngestDeps, MAX_WEBHOOK_BYTES, receiveWebhook } from "~/hosts/ingest/receive.server";
import { ManualClock } from "~/lib/clock.server";
import { InProcessPublicRateLimiter } from "~/lib/public-rate-limit.server";
import { useTestDatabase } from "../helpers/db";
import { genericWebhookRequest, ingestDeps, jobPayload, testRegistry } from "../sandbox/helpers";

const db = useTestDatabase();
const clock = new ManualClock("2026-01-05T15:00:00Z");
const registry = testRegistry({ clock });
let accountId = "";
let seq = 0;

const deps = (enqueued: string[] = []): IngestDeps => ({ ...ingestDeps(db(), registry, clock, enqueued), pool: db().pool });

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

/** The same webhook POSTed over HTTP to `url`. */
async function post(url: string, request: Request, path = "/webhooks/hosts/sandbox"): Promise<Response> {
  return fetch(`${url}${path}`, { method: "POST", headers: request.headers, body: await request.text() });
}

let nodeServer: { server: Server; url: string };
const enqueuedOverHttp: string[] = [];

beforeAll(async () => {
  nodeServer = await listen((req, res) => {
    const host = decodeURIComponent(req.url!.split("/")[3] ?? "");
    void handleWebhookHttp(deps(enqueuedOverHttp), host, req, res);
  });
});
afterAll(() => new Promise<void>((resolve) => nodeServer.server.close(() => resolve())));

beforeEach(async () => {
  clock.set("2026-01-05T15:00:00Z");
  accountId = `acct-http-${++seq}`;
  await installBusiness({ db: db().prisma, clock }, { host: "sandbox", externalAccountId: accountId, name: "Whitfield Lawn" });
});

describe("host webhooks on Node's request and response", () => {
  it("answers as the Remix action does: stored, duplicate, ignored, 401, 400, 404", async () => {
    const cases: Array<{ name: string; request: () => Request; path?: string }> = [
      { name: "new event", request: () => genericWebhookRequest(jobPayload(accountId), { now: clock.now(), eventId: `evt-a-${seq}` }) },
      { name: "unknown account", request: () => genericWebhookRequest(jobPayload("acct-nobody"), { now: clock.now(), eventId: `evt-b-${seq}` }) },
      { name: "bad signature", request: () => genericWebhookRequest(jobPayload(accountId), { now: clock.now(), secret: "not-the-secret-0123456789abcdef0123" }) },
      { name: "malformed", request: () => genericWebhookRequest(jobPayload(accountId, { job: { customer: undefined } }), { now: clock.now() }) },
      { name: "NUL in payload", request: () => genericWebhookRequest(jobPayload(accountId, { job: { title: "a\u0000b" } }), { now: clock.now() }) },
      { name: "unknown host", request: () => genericWebhookRequest(jobPayload(accountId), { now: clock.now() }), path: "/webhooks/hosts/acme" },
    ];
    for (const c of cases) {
      const overHttp = await post(nodeServer.url, c.request(), c.path);
      const host = (c.path ?? "/webhooks/hosts/sandbox").split("/")[3]!;
      // The same request again through the Fetch path: the new event is now a duplicate there.
      const viaFetch = await receiveWebhook(deps(), host, c.request());
      const httpBody = (await overHttp.json()) as Record<string, unknown>;
      const fetchBody = (await viaFetch.json()) as Record<string, unknown>;
      expect(overHttp.headers.get("content-type"), c.name).toBe("application/json");
      expect(overHttp.headers.get("cache-control"), c.name).toBe("no-store");
      if (c.name === "new event") {
        expect(overHttp.status).toBe(200);
        expect(httpBody).toEqual({ status: "stored", hostEventId: expect.any(String) });
        expect(fetchBody).toEqual({ status: "duplicate", hostEventId: httpBody.hostEventId });
        await new Promise((r) => setImmediate(r));
        expect(enqueuedOverHttp).toContain(httpBody.hostEventId);
      } else {
        expect([c.name, overHttp.status, httpBody]).toEqual([c.name, viaFetch.status, fetchBody]);
      }
    }
    const stored = await db().prisma.hostEvent.findMany({ where: { accountId } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ eventId: `evt-a-${seq}`, topic: "job.completed", receivedAt: clock.now(), runAfter: clock.now(), attempts: 0, processedAt: null });
  });

  it("answers 413 past the size limit, declared or not, and stores nothing", async () => {
    const big = genericWebhookRequest(jobPayload(accountId, { job: { title: "x".repeat(MAX_WEBHOOK_BYTES) } }), { now: clock.now() });
    const declared = await post(nodeServer.url, big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: { code: "too_large" } });
    // Chunked, without a Content-Length: cut off while reading.
    const raw = await genericWebhookRequest(jobPayload(accountId, { job: { title: "y".repeat(MAX_WEBHOOK_BYTES) } }), { now: clock.now() }).text();
    const chunks = [raw.slice(0, 1000), raw.slice(1000)];
    const streamed = await fetch(`${nodeServer.url}/webhooks/hosts/sandbox`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await db().prisma.hostEvent.count({ where: { accountId } })).toBe(0);
  });

  it("answers 500 when the event cannot be stored, so the host delivers it again", async () => {
    const broken: IngestDeps = { ...deps(), pool: { query: () => Promise.reject(new Error("connection terminated")) } as unknown as IngestDeps["pool"] };
    const { server, url } = await listen((req, res) => void handleWebhookHttp(broken, "sandbox", req, res));
    try {
      const response = await post(url, genericWebhookRequest(jobPayload(accountId), { now: clock.now() }));
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ error: { code: "internal" } });
    } finally {
      server.close();
    }
  });
});

describe("the fast path in front of Express", () => {
  it("takes only POSTs to /webhooks/hosts/<host>", () => {
    expect(hostWebhookTarget("POST", "/webhooks/hosts/sandbox")).toBe("sandbox");
    expect(hostWebhookTarget("POST", "/webhooks/hosts/sandbox?x=1")).toBe("sandbox");
    expect(hostWebhookTarget("POST", "/webhooks/hosts/my%20host")).toBe("my host");
    // Other spellings are left to Express, which redirects them to the canonical path.
    expect(hostWebhookTarget("POST", "/webhooks/hosts/sandbox/?x=1")).toBeNull();
    expect(hostWebhookTarget("POST", "/Webhooks/Hosts/sandbox")).toBeNull();
    expect(hostWebhookTarget("POST", "/webhooks/hosts/%73andbox")).toBeNull();
    expect(hostWebhookTarget("GET", "/webhooks/hosts/sandbox")).toBeNull();
    expect(hostWebhookTarget("POST", "/webhooks/resend")).toBeNull();
    expect(hostWebhookTarget("POST", "/webhooks/hosts/")).toBeNull();
    expect(hostWebhookTarget("POST", "/webhooks/hosts/a/b")).toBeNull();
    expect(hostWebhookTarget("POST", "/webhooks/hosts/%E0%A4%A")).toBeNull();
  });

  it("sets the request id and CSP header, applies the webhook budget, logs one line, and leaves the rest to Express", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    const fastPath = hostWebhookFastPath({
      handle: (host, req, res) => handleWebhookHttp(deps(), host, req, res),
      limiter: new InProcessPublicRateLimiter(2),
      logger,
      behindFlyProxy: false,
      requestId: (_req, res) => {
        res.setHeader("x-request-id", "req-1");
        return "req-1";
      },
      now: () => clock.now(),
    });
    const { server, url } = await listen((req, res) => {
      if (!fastPath(req, res)) res.writeHead(299).end("express");
    });
    try {
      const first = await post(url, genericWebhookRequest(jobPayload(accountId), { now: clock.now() }));
      expect(first.status).toBe(200);
      expect(first.headers.get("x-request-id")).toBe("req-1");
      expect(first.headers.get("content-security-policy")).toBe("frame-ancestors 'none'");
      const get = await fetch(`${url}/webhooks/hosts/sandbox`);
      expect([get.status, await get.text()]).toEqual([299, "express"]);
      const other = await fetch(`${url}/webhooks/resend`, { method: "POST", body: "{}" });
      expect(other.status).toBe(299);

      expect((await post(url, genericWebhookRequest(jobPayload(accountId), { now: clock.now() }))).status).toBe(200);
      const limited = await post(url, genericWebhookRequest(jobPayload(accountId), { now: clock.now() }));
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await db().prisma.hostEvent.count({ where: { accountId } })).toBe(2);

      await new Promise((r) => setImmediate(r));
      const completed = lines.filter((l) => l.msg === "request completed");
      expect(completed.map((l) => [l.level, (l.res as { statusCode: number }).statusCode])).toEqual([
        [30, 200],
        [30, 200],
        [40, 429],
      ]);
      expect(completed[0]).toMatchObject({ req: { id: "req-1", method: "POST", url: "/webhooks/hosts/sandbox" }, responseTime: expect.any(Number) });
    } finally {
      server.close();
    }
  });
});
