// The server's edges, driven over real sockets through the same server assembly `npm start` uses
// (app/server/http.server.ts) around the public routes: body caps before buffering, one canonical
// path for the limits and the log, slow clients timed out, deep JSON refused, no credential in the
// access log. Figures go to docs/RELIABILITY.md (§7).
import { randomUUID } from "node:crypto";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import type { ServerBuild } from "@remix-run/node";
import { afterAll, describe, expect, it } from "vitest";
import { genericWebhookHeaders } from "~/hosts/generic/signature.server";
import { BODY_LIMITS } from "~/lib/body-limit.server";
import { InProcessPublicRateLimiter } from "~/lib/public-rate-limit.server";
import { createLogger } from "~/logger.server";
import { createAppServer, SERVER_TIMEOUTS, type AppServerOptions } from "~/server/http.server";
import { getServices } from "~/services.server";
import { useTestDatabase } from "../helpers/db";
import { deps, installTestBusiness } from "../helpers/fixtures";
import { LONG, report } from "../reliability/harness";
import { inboundSms, resendRequest, sentFirstTouch, twilioRequest, useRouteEnv, withoutEnv } from "../stops/helpers";
import { publicRoutesBuild } from "./public-build";

const db = useTestDatabase();
useRouteEnv(db);

const logLines: string[] = [];
const log = createLogger("info", { write: (line: string) => void logLines.push(line) });

// Routes that read their whole body, one per group the public build does not cover.
const echo = { action: async ({ request }: { request: Request }) => new Response(String((await request.arrayBuffer()).byteLength)) };
function build(): ServerBuild {
  const b = publicRoutesBuild();
  const route = (id: string, path: string) => ({ id, parentId: "root", path, module: echo as unknown as ServerBuild["routes"][string]["module"] });
  return { ...b, routes: { ...b.routes, "test/forms": route("test/forms", "sandbox/echo"), "test/admin": route("test/admin", "app/echo") } };
}

interface Running {
  port: number;
  origin: string;
  /** Bytes the server read from all its sockets so far. */
  bytesRead(): number;
  close(): Promise<void>;
}
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.close();
});

async function start(opts: Partial<AppServerOptions> = {}): Promise<Running> {
  const server = createAppServer({
    build: build(),
    mode: "production",
    logger: log,
    publicLimiter: new InProcessPublicRateLimiter(10_000),
    webhookLimiter: new InProcessPublicRateLimiter(100_000),
    behindFlyProxy: false,
    ...opts,
  });
  const sockets: net.Socket[] = [];
  server.on("connection", (s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const r: Running = {
    port,
    origin: `http://127.0.0.1:${port}`,
    bytesRead: () => sockets.reduce((n, s) => n + s.bytesRead, 0),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  running.push(r);
  return r;
}

interface Answer {
  status: number | null;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Body bytes the client got onto the wire before the answer (or the reset). */
  sent: number;
  error?: string;
}

/**
 * One request with a literal path (no client-side normalisation). `body`: a string, or a number
 * of bytes to stream (chunked, or with its Content-Length declared up front when `declare`).
 * Stops sending as soon as an answer or a reset arrives.
 */
function send(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | number; declare?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (typeof opts.body === "number") {
      if (opts.declare) headers["content-length"] = String(opts.body);
      else headers["transfer-encoding"] = "chunked";
    }
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent: false });
    let sent = 0;
    let settled = false;
    const settle = (a: Omit<Answer, "sent">) => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve({ ...a, sent });
    };
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => settle({ status: res.statusCode ?? null, headers: res.headers, body }));
      res.on("error", () => settle({ status: res.statusCode ?? null, headers: res.headers, body }));
    });
    req.on("error", (err) => settle({ status: null, headers: {}, body: "", error: (err as NodeJS.ErrnoException).code ?? err.message }));
    if (typeof opts.body === "string") {
      req.end(opts.body);
    } else if (typeof opts.body === "number") {
      const total = opts.body;
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      if (opts.declare) {
        // Headers only: a server that checks Content-Length answers before any body arrives.
        req.flushHeaders();
        return;
      }
      const pump = () => {
        while (!settled && sent < total) {
          const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
          sent += piece.length;
          if (!req.write(piece)) {
            req.once("drain", pump);
            return;
          }
        }
        if (!settled) req.end();
      };
      pump();
    } else {
      req.end();
    }
  });
}

const MB = 1024 * 1024;

describe("request bodies are capped before they are buffered", () => {
  it("refuses a declared 100 MB body on every route group with 413, reading none of it, and writes nothing", async () => {
    const server = await start();
    const s = await sentFirstTouch(db());
    const suppressions = await db().prisma.suppression.count();
    const targets: Array<[string, string]> = [
      ["/webhooks/twilio/inbound", "webhooks"],
      ["/webhooks/twilio/status", "webhooks"],
      ["/webhooks/resend", "webhooks"],
      ["/webhooks/hosts/sandbox", "webhooks (fast path)"],
      [`/u/${s.unsubscribeToken}`, "links"],
      [`/f/${s.reviewToken}`, "links"],
      ["/sandbox/echo", "forms"],
      ["/app/echo", "admin"],
    ];
    for (const [path, group] of targets) {
      const before = server.bytesRead();
      const answer = await send(server.port, "POST", path, { body: 100 * MB, declare: true, headers: { "content-type": "application/x-www-form-urlencoded" } });
      expect(answer.status, `${path} (${group})`).toBe(413);
      expect(answer.body, path).toMatch(/too large|limited to/i);
      expect(server.bytesRead() - before, `${path}: read only the request head`).toBeLessThan(4096);
    }
    expect(await db().prisma.suppression.count()).toBe(suppressions);
  });

  it("cuts a chunked body off at the group's cap: 413 after reading about the cap, never the whole body", async () => {
    const server = await start();
    const cases: Array<[string, number, Record<string, string>]> = [
      ["/webhooks/twilio/inbound", BODY_LIMITS.webhooks, Object.fromEntries(twilioRequest("/webhooks/twilio/inbound", inboundSms("+15551230000", "STOP")).headers)],
      ["/sandbox/echo", BODY_LIMITS.forms, {}],
      ["/app/echo", BODY_LIMITS.admin, {}],
    ];
    for (const [path, cap, headers] of cases) {
      const before = server.bytesRead();
      const answer = await send(server.port, "POST", path, { body: 20 * MB, headers });
      const read = server.bytesRead() - before;
      // The answer is a 413; a client still sending when the server closes may see a reset first.
      if (answer.status !== null) expect(answer.status, path).toBe(413);
      else expect(answer.error, path).toMatch(/ECONNRESET|EPIPE/);
      expect(read, `${path} read`).toBeGreaterThan(cap);
      expect(read, `${path} read`).toBeLessThan(cap + 2 * MB);
      report(`body cap ${path}`, { capBytes: cap, bytesReadByServer: read, clientSentBeforeAnswer: answer.sent, status: answer.status ?? answer.error });
    }
    // Under the cap, the whole body arrives.
    expect((await send(server.port, "POST", "/sandbox/echo", { body: BODY_LIMITS.forms })).body).toBe(String(BODY_LIMITS.forms));
  });

  it("answers an unconfigured webhook without reading its body at all", async () => {
    const server = await start();
    const unconfigured: Array<[string, string[]]> = [
      ["/webhooks/resend", ["RESEND_WEBHOOK_SECRET"]],
      ["/webhooks/twilio/inbound", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"]],
    ];
    for (const [path, unset] of unconfigured) {
      await withoutEnv(unset, async () => {
        const before = server.bytesRead();
        const answer = await send(server.port, "POST", path, { body: 50 * MB, headers: { "content-type": "application/x-www-form-urlencoded" } });
        if (answer.status !== null) expect(answer.status, path).toBe(503);
        expect(server.bytesRead() - before, path).toBeLessThan(BODY_LIMITS.webhooks);
      });
    }
    // Signature headers missing: refused unread as well.
    const before = server.bytesRead();
    const answer = await send(server.port, "POST", "/webhooks/resend", { body: 50 * MB });
    if (answer.status !== null) expect(answer.status).toBe(401);
    expect(server.bytesRead() - before).toBeLessThan(BODY_LIMITS.webhooks);
  });

  it("four concurrent 100 MB bodies to a webhook leave the server's memory where it was", async () => {
    const server = await start();
    const headers = Object.fromEntries(twilioRequest("/webhooks/twilio/inbound", inboundSms("+15551230000", "HELP")).headers);
    // Warm up (route modules, connection set-up) before measuring.
    await send(server.port, "POST", "/webhooks/twilio/inbound", { body: 2 * MB, headers });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const before = server.bytesRead();
    const answers = await Promise.all([1, 2, 3, 4].map(() => send(server.port, "POST", "/webhooks/twilio/inbound", { body: 100 * MB, headers })));
    const read = server.bytesRead() - before;
    const grownMb = (process.memoryUsage().rss - rssBefore) / MB;
    for (const a of answers) if (a.status !== null) expect(a.status).toBe(413);
    expect(read).toBeLessThan(4 * (BODY_LIMITS.webhooks + 2 * MB));
    // Buffering the bodies would grow the process by 400 MB and more.
    expect(grownMb).toBeLessThan(64);
    report("four 100 MB webhook bodies at once", { bytesReadByServer: read, rssGrowthMb: Number(grownMb.toFixed(1)), statuses: answers.map((a) => a.status ?? a.error) });
  });
});

describe("one canonical path", () => {
  it("redirects every other spelling of a path to the canonical one (308), and refuses undecodable ones", async () => {
    const server = await start();
    const token = "abc.DEF_ghi-123";
    const spellings = [`/R/${token}`, `/%72/${token}`, `//r/${token}`, `/x/../r/${token}`, `/r/./${token}`, `/r/${token}/`, `/r/${token.replace("a", "%61")}`];
    for (const path of spellings) {
      const answer = await send(server.port, "GET", path);
      expect(answer.status, path).toBe(308);
      expect(answer.headers.location, path).toBe(`/r/${token}`);
    }
    const post = await send(server.port, "POST", "/WEBHOOKS/resend?x=1", { body: "{}" });
    expect(post.status).toBe(308);
    expect(post.headers.location).toBe("/webhooks/resend?x=1");
    expect((await send(server.port, "GET", "/r/%E0%A4%A")).status).toBe(400);
    // The canonical path itself is served.
    expect((await send(server.port, "GET", `/r/${token}`)).status).toBe(404);
  });

  it("counts every spelling against the same per-IP budget", async () => {
    const server = await start({ publicLimiter: new InProcessPublicRateLimiter(3) });
    const statuses = [];
    for (const path of ["/R/t1", "/%72/t2", "//u/t3", "/r/t4"]) statuses.push((await send(server.port, "GET", path)).status);
    expect(statuses).toEqual([308, 308, 308, 429]);
    const hooks = await start({ webhookLimiter: new InProcessPublicRateLimiter(2) });
    const hookStatuses = [];
    for (const path of ["/WEBHOOKS/resend", "/Webhooks/Hosts/sandbox", "/webhooks/resend"]) hookStatuses.push((await send(hooks.port, "POST", path, { body: "{}" })).status);
    expect(hookStatuses).toEqual([308, 308, 429]);
  });

  it("keeps tokens and OAuth credentials out of the access log, in any spelling, Location headers included", async () => {
    const server = await start();
    const s = await sentFirstTouch(db());
    const code = `code-${randomUUID()}`;
    const state = `state-${randomUUID()}`;
    const idToken = `eyJ${randomUUID().replace(/-/g, "")}`;
    logLines.length = 0;
    await send(server.port, "GET", `/r/${s.reviewToken}`);
    await send(server.port, "GET", `/R/${s.reviewToken}`);
    await send(server.port, "GET", `/%72/${s.reviewToken}?utm=x`);
    await send(server.port, "GET", `/U/${s.unsubscribeToken}`);
    await send(server.port, "GET", `/x/../f/${s.reviewToken}`);
    await send(server.port, "GET", `/AUTH/hosts/sandbox/callback?code=${code}&state=${state}`);
    await send(server.port, "GET", `/App?id_token=${idToken}`);
    const output = logLines.join("");
    expect(output).toContain("/r/[token]");
    expect(output).toContain("code=[redacted]");
    for (const secret of [s.reviewToken, s.unsubscribeToken, code, state, idToken, encodeURIComponent(s.reviewToken)]) {
      expect(output).not.toContain(secret);
    }
    // The 308s' Location headers were logged, redacted.
    expect(output).toMatch(/"location":"\/auth\/hosts\/sandbox\/callback\?code=\[redacted\]&state=\[redacted\]"/);
  });
});

describe("slow clients", () => {
  const timeouts = { requestMs: 3_000, headersMs: 2_000, checkIntervalMs: 250 };

  /** Sends `head`, then one byte of `drip` every `everyMs`; resolves when the server answers or closes. */
  function drip(port: number, head: string, drip: string, everyMs: number): Promise<{ ms: number; response: string }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = net.connect(port, "127.0.0.1", () => socket.write(head));
      let response = "";
      let i = 0;
      const timer = setInterval(() => {
        if (!socket.destroyed && i < drip.length) socket.write(drip[i++]!);
      }, everyMs);
      socket.on("data", (d) => (response += d.toString("latin1")));
      socket.on("error", () => {});
      socket.on("close", () => {
        clearInterval(timer);
        resolve({ ms: Date.now() - started, response });
      });
    });
  }

  it("the production timeouts are 10 s for headers and 15 s for a whole request", () => {
    expect(SERVER_TIMEOUTS.headersMs).toBe(10_000);
    expect(SERVER_TIMEOUTS.requestMs).toBe(15_000);
    expect(SERVER_TIMEOUTS.checkIntervalMs).toBeLessThanOrEqual(1_000);
  });

  it("a body sent one byte every two seconds is cut off with 408 at the request timeout", async () => {
    const t = LONG ? SERVER_TIMEOUTS : timeouts;
    const server = await start({ timeouts: t });
    const head = "POST /f/some-token HTTP/1.1\r\nHost: kudos.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n";
    const { ms, response } = await drip(server.port, head, "message=".padEnd(1000, "x"), 2_000);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeGreaterThanOrEqual(t.requestMs - 100);
    expect(ms).toBeLessThan(t.requestMs + 2_500);
    report("slow body (1 byte / 2 s)", { requestTimeoutMs: t.requestMs, closedAfterMs: ms });
  }, 40_000);

  it("headers sent one line a second are cut off at the headers timeout", async () => {
    const t = LONG ? SERVER_TIMEOUTS : timeouts;
    const server = await start({ timeouts: t });
    const { ms, response } = await drip(server.port, "GET /healthz HTTP/1.1\r\n", "X-Slow: 1\r\n".repeat(100), 1_000);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeLessThan(t.headersMs + 2_500);
    report("slow headers (1 byte / s)", { headersTimeoutMs: t.headersMs, closedAfterMs: ms });
  }, 40_000);
});

describe("deeply nested JSON", () => {
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);

  it("a correctly signed 200,000-deep array is a 400 on the Resend webhook and on host webhooks, and changes nothing", async () => {
    const server = await start();
    const events = await db().prisma.providerEvent.count();
    const raw = deep(200_000);
    const request = resendRequest(raw);
    const resend = await send(server.port, "POST", "/webhooks/resend", { headers: Object.fromEntries(request.headers), body: raw });
    expect(resend.status).toBe(400);
    expect(resend.body).toMatch(/nested/);
    const nested = JSON.stringify({ type: "email.delivered", data: { email_id: "x", tags: JSON.parse(deep(70)) as unknown } });
    const resendObject = await send(server.port, "POST", "/webhooks/resend", { headers: Object.fromEntries(resendRequest(nested).headers), body: nested });
    expect(resendObject.status).toBe(400);
    expect(await db().prisma.providerEvent.count()).toBe(events);

    const { secrets } = getServices();
    const { business } = await installTestBusiness(deps(db().prisma));
    const hostEvents = await db().prisma.hostEvent.count();
    const body = `{"topic":"job.completed","account_id":"${business.externalAccountId}","job":${deep(200_000)}}`;
    const headers = genericWebhookHeaders({ secret: secrets.sandbox.clientSecret, eventId: `evt-${randomUUID()}`, topic: "job.completed", accountId: business.externalAccountId, body, now: new Date() });
    const host = await send(server.port, "POST", "/webhooks/hosts/sandbox", { headers, body });
    expect(host.status).toBe(400);
    expect(host.body).toMatch(/nested/);
    expect(await db().prisma.hostEvent.count()).toBe(hostEvents);
  });
});
