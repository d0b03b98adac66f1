// Public endpoints are limited per client IP: the limiter itself (in-process, real Redis, Redis
// down), which address counts as the client, and the middleware in front of the real routes over
// HTTP: the N+1th request in a minute gets 429 with Retry-After and writes nothing.
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createRequestHandler } from "@remix-run/express";
import express from "express";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ioredisScriptRedis } from "~/engine/rate-limit/index.server";
import {
  clientIp,
  createPublicRateLimiter,
  InProcessPublicRateLimiter,
  isBehindFlyProxy,
  publicRateLimit,
  publicRouteGroup,
  SharedPublicRateLimiter,
} from "~/lib/public-rate-limit.server";
import { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";
import { useTestDatabase } from "../helpers/db";
import { resendEvent, resendRequest, sentFirstTouch, useRouteEnv } from "../stops/helpers";
import { publicRoutesBuild } from "./public-build";

const silent = createLogger("silent");

describe("the per-IP limiter", () => {
  it("allows N requests in a minute, refuses the N+1th with the wait, and keys apart", async () => {
    const limiter = new InProcessPublicRateLimiter(5);
    const t = new Date("2026-01-05T15:00:10Z");
    for (let i = 0; i < 5; i++) expect((await limiter.take("links:1.2.3.4", t)).allowed).toBe(true);
    expect(await limiter.take("links:1.2.3.4", t)).toEqual({ allowed: false, retryAfterSeconds: 50 });
    expect((await limiter.take("links:5.6.7.8", t)).allowed).toBe(true);
    expect((await limiter.take("webhooks:1.2.3.4", t)).allowed).toBe(true);
  });

  it("slides: last minute's requests weigh less as they age, and stop counting after two minutes", async () => {
    const limiter = new InProcessPublicRateLimiter(10);
    for (let i = 0; i < 10; i++) await limiter.take("k", new Date("2026-01-05T15:00:30Z"));
    // 15:01:15: a quarter into the new minute, last minute still weighs 75 %: 7.5 used, 2 more fit.
    expect((await limiter.take("k", new Date("2026-01-05T15:01:15Z"))).allowed).toBe(true);
    expect((await limiter.take("k", new Date("2026-01-05T15:01:15Z"))).allowed).toBe(true);
    expect((await limiter.take("k", new Date("2026-01-05T15:01:15Z"))).allowed).toBe(false);
    expect((await limiter.take("k", new Date("2026-01-05T15:03:00Z"))).allowed).toBe(true);
  });

  it("counts in the shared Redis, and falls back to the local count (still limited) when Redis is down", async () => {
    const client = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
    const prefix = `test:public-rate:${randomUUID()}`;
    try {
      const shared = new SharedPublicRateLimiter(ioredisScriptRedis(client), "redis", { limit: 3, logger: silent, prefix });
      const other = new SharedPublicRateLimiter(ioredisScriptRedis(client), "redis", { limit: 3, logger: silent, prefix });
      const now = new Date();
      expect((await shared.take("links:9.9.9.9", now)).allowed).toBe(true);
      expect((await other.take("links:9.9.9.9", now)).allowed).toBe(true); // another machine, same count
      expect((await shared.take("links:9.9.9.9", now)).allowed).toBe(true);
      const refused = await other.take("links:9.9.9.9", now);
      expect(refused.allowed).toBe(false);
      expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    } finally {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length) await client.del(...keys);
      client.disconnect();
    }

    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (l: string) => void lines.push(l) });
    const down = createPublicRateLimiter(
      { PUBLIC_RATE_LIMIT_PER_MINUTE: 2, REDIS_URL: "redis://127.0.0.1:1", UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined },
      { logger },
    );
    try {
      expect(down.storage).toBe("redis");
      const now = new Date();
      expect((await down.take("links:1.1.1.1", now)).allowed).toBe(true);
      expect((await down.take("links:1.1.1.1", now)).allowed).toBe(true);
      expect((await down.take("links:1.1.1.1", now)).allowed).toBe(false);
      expect(lines.join("")).toContain("public rate-limit store unavailable");
    } finally {
      await down.close();
    }
  });

  it("limits only the public paths, links and webhooks apart", () => {
    expect(publicRouteGroup("/r/abc.def")).toBe("links");
    expect(publicRouteGroup("/u/abc")).toBe("links");
    expect(publicRouteGroup("/f/abc/")).toBe("links");
    expect(publicRouteGroup("/webhooks/resend")).toBe("webhooks");
    expect(publicRouteGroup("/webhooks/hosts/jobber")).toBe("webhooks");
    expect(publicRouteGroup("/app")).toBeNull();
    expect(publicRouteGroup("/healthz")).toBeNull();
    expect(publicRouteGroup("/rates")).toBeNull();
  });
});

describe("which address is the client", () => {
  const req = (headers: Record<string, string>, remoteAddress = "::ffff:10.1.2.3") => ({ headers, socket: { remoteAddress } });

  it("is the socket's peer, whatever X-Forwarded-For claims", () => {
    expect(clientIp(req({ "x-forwarded-for": "1.1.1.1, 2.2.2.2" }), { behindFlyProxy: false })).toBe("10.1.2.3");
    // Without Fly in front, a Fly-Client-IP header is just something the client typed.
    expect(clientIp(req({ "fly-client-ip": "8.8.8.8" }), { behindFlyProxy: false })).toBe("10.1.2.3");
  });

  it("behind Fly's proxy is Fly-Client-IP, never X-Forwarded-For's first hop", () => {
    expect(clientIp(req({ "fly-client-ip": "203.0.113.7", "x-forwarded-for": "6.6.6.6, 203.0.113.7" }), { behindFlyProxy: true })).toBe("203.0.113.7");
    expect(clientIp(req({ "x-forwarded-for": "6.6.6.6" }), { behindFlyProxy: true })).toBe("10.1.2.3");
    expect(clientIp(req({ "fly-client-ip": "not an address <script>" }), { behindFlyProxy: true })).toBe("10.1.2.3");
    expect(isBehindFlyProxy({ FLY_APP_NAME: "kudos-reviews" })).toBe(true);
    expect(isBehindFlyProxy({})).toBe(false);
  });
});

describe("the middleware in front of the real routes", () => {
  const db = useTestDatabase();
  useRouteEnv(db);
  const LIMIT = 5;
  const clock = new ManualClock("2026-01-05T15:00:05Z");
  let origin = "";
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const app = express();
    app.use(publicRateLimit({ limiter: new InProcessPublicRateLimiter(LIMIT), logger: silent, behindFlyProxy: true, clock }));
    app.all("*", createRequestHandler({ build: publicRoutesBuild(), mode: "production" }));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());

  const from = (ip: string, init: RequestInit = {}) => ({ ...init, headers: { ...(init.headers as Record<string, string>), "Fly-Client-IP": ip } });

  it("answers the N+1th link request from an IP with 429 and Retry-After, and writes nothing", async () => {
    const s = await sentFirstTouch(db());
    for (let i = 0; i < LIMIT; i++) {
      const res = await fetch(`${origin}/r/guess-${i}.AAAA`, from("198.51.100.1"));
      expect(res.status).toBe(404);
    }
    const before = await db().prisma.suppression.count();
    // A valid one-click unsubscribe, which would write: refused before it reaches the route.
    const limited = await fetch(`${origin}/u/${s.unsubscribeToken}`, from("198.51.100.1", { method: "POST", body: "List-Unsubscribe=One-Click", headers: { "content-type": "application/x-www-form-urlencoded" } }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await db().prisma.suppression.count()).toBe(before);
    expect((await db().prisma.enrollment.findUniqueOrThrow({ where: { id: s.enrollmentId } })).status).toBe("active");
    // Another client is not affected, and its request does write.
    const other = await fetch(`${origin}/u/${s.unsubscribeToken}`, from("198.51.100.2", { method: "POST", body: "List-Unsubscribe=One-Click", headers: { "content-type": "application/x-www-form-urlencoded" } }));
    expect(other.status).toBe(200);
    // The person's email and number (an unsubscribe stops both channels).
    expect(await db().prisma.suppression.count()).toBe(before + 2);
  });

  it("limits webhooks on their own budget: a flood of forged ones cannot crowd out the links", async () => {
    const s = await sentFirstTouch(db());
    for (let i = 0; i < LIMIT; i++) {
      const forged = resendRequest(resendEvent("email.delivered", s.providerMessageId), { signature: "v1,AAAA" });
      const res = await fetch(`${origin}/webhooks/resend`, from("198.51.100.9", { method: "POST", headers: Object.fromEntries(forged.headers), body: await forged.text() }));
      expect(res.status).toBe(401);
    }
    const events = await db().prisma.providerEvent.count();
    const post = async (request: Request) =>
      fetch(`${origin}/webhooks/resend`, from("198.51.100.9", { method: "POST", headers: Object.fromEntries(request.headers), body: await request.text() }));
    const limited = await post(resendRequest(resendEvent("email.delivered", s.providerMessageId)));
    expect(limited.status).toBe(429);
    expect(await db().prisma.providerEvent.count()).toBe(events);
    // The same IP's links budget is untouched.
    expect((await fetch(`${origin}/r/${s.reviewToken}`, from("198.51.100.9", { redirect: "manual" }))).status).toBe(302);
    // A minute later the budget is back.
    clock.advance(120_000);
    const later = await post(resendRequest(resendEvent("email.delivered", s.providerMessageId)));
    expect(later.status).toBe(200);
    expect(await db().prisma.providerEvent.count()).toBe(events + 1);
  });
});

describe("separate budgets for people and platforms", () => {
  it("gives webhooks their own (larger) per-IP budget when a webhook limiter is set", async () => {
    const app = express();
    const clock = new ManualClock("2026-01-05T15:00:05Z");
    app.use(publicRateLimit({ limiter: new InProcessPublicRateLimiter(1), webhookLimiter: new InProcessPublicRateLimiter(3), logger: silent, behindFlyProxy: false, clock }));
    app.all("*", (_req, res) => void res.status(200).send("ok"));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const webhooks = [];
      for (let i = 0; i < 4; i++) webhooks.push((await fetch(`${origin}/webhooks/hosts/jobber`, { method: "POST" })).status);
      expect(webhooks).toEqual([200, 200, 200, 429]);
      const links = [];
      for (let i = 0; i < 2; i++) links.push((await fetch(`${origin}/r/abc.def`)).status);
      expect(links).toEqual([200, 429]);
    } finally {
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    }
  });
});
