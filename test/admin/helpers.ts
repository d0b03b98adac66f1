// Drives the /app routes the way Remix does: a Request with the session token the host admin
// would send, the route's loader or action called directly, the result read back whatever its
// form (plain data, data() with a status, a redirect, or a thrown Response).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { CSRF_HEADER, startAdminSession } from "~/auth/admin-session.server";
import { sessionPolicy } from "~/auth/require-admin.server";
import { signSessionToken } from "~/auth/session-token.server";
import { closeDatabase } from "~/db.server";
import { installBusiness } from "~/domain/business.server";
import { resetEnvForTests } from "~/env.server";
import type { Business } from "~/generated/prisma/client";
import { closeServices, getServices } from "~/services.server";
import type { ProcessorDeps } from "~/engine/processor.server";
import { InProcessSendRateLimiter } from "~/engine/rate-limit/index.server";
import type { ManualClock } from "~/lib/clock.server";
import { signLinkToken } from "~/links/tokens.server";
import { createLogger } from "~/logger.server";
import { followReviewLink } from "~/stops/review-link.server";
import { useTestDatabase, type TestDatabase } from "../helpers/db";

export const APP_URL = "http://localhost:3000";
export const ADMIN_ORIGIN = new URL(APP_URL).origin;

/** A test database and the process services (getServices) bound to it, with the sandbox host on. */
export function useAdminServices(): () => TestDatabase {
  const db = useTestDatabase();
  beforeAll(async () => {
    await closeServices();
    await closeDatabase();
    process.env.DATABASE_URL = db().url;
    process.env.SANDBOX_HOST = "1";
    process.env.LINK_SECRET = "admin-test-link-secret-0123456789abcdef";
    process.env.ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");
    process.env.APP_URL = APP_URL;
    for (const key of ["RESEND_API_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER", "TWILIO_MESSAGING_SERVICE_SID"]) {
      delete process.env[key];
    }
    resetEnvForTests();
  });
  // Registered after the database's hooks, so it runs before the database is dropped.
  afterAll(async () => {
    await closeServices();
    await closeDatabase();
  });
  return db;
}

export async function installTestBusiness(name = "Acme Plumbing", timezone = "America/New_York"): Promise<Business> {
  const { business } = await installBusiness(getServices().domain, {
    host: "sandbox",
    externalAccountId: `acct-${randomUUID()}`,
    name,
    timezone,
  });
  return business;
}

export async function sessionToken(
  business: Pick<Business, "externalAccountId">,
  opts: { now?: Date; secret?: string; lifetimeSeconds?: number } = {},
): Promise<string> {
  const { sandbox } = getServices().secrets;
  return signSessionToken({
    secret: opts.secret ?? sandbox.clientSecret,
    clientId: sandbox.clientId,
    accountId: business.externalAccountId,
    userId: "admin-user-1",
    adminOrigin: ADMIN_ORIGIN,
    now: opts.now ?? new Date(),
    ...(opts.lifetimeSeconds ? { lifetimeSeconds: opts.lifetimeSeconds } : {}),
  });
}

/** An authenticated admin session of one business: builds the requests its admin would send. */
export interface Session {
  business: Business;
  get(path: string): Promise<Request>;
  post(path: string, fields: Record<string, string>): Promise<Request>;
}

export async function sessionFor(business: Business): Promise<Session> {
  const headers = async () => ({ Authorization: `Bearer ${await sessionToken(business)}` });
  return {
    business,
    get: async (path) => new Request(`${APP_URL}${path}`, { headers: await headers() }),
    post: async (path, fields) =>
      new Request(`${APP_URL}${path}`, { method: "POST", headers: await headers(), body: new URLSearchParams(fields) }),
  };
}

/**
 * The same, as the standalone admin (a host that does not frame apps): a cookie session started
 * the way Manage App starts one, and the Origin and X-Kudos-CSRF headers its pages send.
 */
export async function cookieSessionFor(business: Business): Promise<Session> {
  const { database, env, domain } = getServices();
  const started = await startAdminSession(database.prisma, { businessId: business.id, hostUserId: "user-1", previousCookie: null, now: domain.clock.now() }, sessionPolicy(env));
  const cookie = started.setCookie.split(";")[0]!;
  return {
    business,
    get: async (path) => new Request(`${APP_URL}${path}`, { headers: { Cookie: cookie } }),
    post: async (path, fields) =>
      new Request(`${APP_URL}${path}`, {
        method: "POST",
        headers: { Cookie: cookie, Origin: ADMIN_ORIGIN, [CSRF_HEADER]: started.csrfToken },
        body: new URLSearchParams(fields),
      }),
  };
}

export interface RouteResult<T = Record<string, unknown>> {
  status: number;
  data: T;
  headers: Headers;
  /** Set for redirects. */
  location: string | null;
  thrown: boolean;
}

type RouteFn = (args: LoaderFunctionArgs & ActionFunctionArgs) => unknown;

async function fromResponse(res: Response, thrown: boolean): Promise<RouteResult> {
  const text = await res.text();
  let data: unknown = text;
  if ((res.headers.get("Content-Type") ?? "").includes("json") && text) data = JSON.parse(text);
  return { status: res.status, data: data as Record<string, unknown>, headers: res.headers, location: res.headers.get("Location"), thrown };
}

/** Calls a loader or action and reads its answer back. */
export async function call<T = Record<string, unknown>>(
  fn: unknown,
  request: Request,
  params: Record<string, string> = {},
): Promise<RouteResult<T>> {
  let result: unknown;
  try {
    result = await (fn as RouteFn)({ request, params, context: {} } as LoaderFunctionArgs & ActionFunctionArgs);
  } catch (err) {
    if (err instanceof Response) return (await fromResponse(err, true)) as RouteResult<T>;
    throw err;
  }
  if (result instanceof Response) return (await fromResponse(result, false)) as RouteResult<T>;
  if (result && typeof result === "object" && (result as { type?: unknown }).type === "DataWithResponseInit") {
    const { data, init } = result as { data: T; init?: ResponseInit | null };
    return { status: init?.status ?? 200, data, headers: new Headers(init?.headers), location: null, thrown: false };
  }
  return { status: 200, data: result as T, headers: new Headers(), location: null, thrown: false };
}

// --- Home and test sends (issue 16) ---------------------------------------------------------

/** A business ready to send: postal address, a review link, a reply-to address and contact phone. */
export const READY_SETTINGS = {
  physicalAddress: "12 Main St, Springfield, IL 62701",
  reviewLinks: [{ site: "Google", url: "https://g.page/r/acme-plumbing/review" }],
  replyTo: "owner@acme-plumbing.test",
  contactPhone: "+14155550123",
};

export async function makeReady(business: Pick<Business, "id">, overrides: Partial<typeof READY_SETTINGS> = {}): Promise<Business> {
  return getServices().database.prisma.business.update({ where: { id: business.id }, data: { ...READY_SETTINGS, ...overrides } });
}

/** The processor of the test services, on a manual clock (its own pacing, the sandbox's outbox). */
export function processorAt(clock: ManualClock): ProcessorDeps {
  const { processor } = getServices();
  return { ...processor, clock, limiter: new InProcessSendRateLimiter(clock) };
}

/** The customer follows the review link of touch `position`: recorded and the sequence stops. */
export async function clickReviewLink(enrollmentId: string, position: number, clock: ManualClock): Promise<void> {
  const { database, secrets } = getServices();
  const token = signLinkToken(secrets.linkSecret, { kind: "review", enrollmentId, position });
  const outcome = await followReviewLink(
    { db: database.prisma, clock, logger: createLogger("silent"), optOutKey: secrets.optOutKey, linkSecret: secrets.linkSecret },
    token,
    null,
  );
  if (outcome.kind !== "redirect" && outcome.kind !== "thank_you") throw new Error(`click not recorded: ${outcome.kind}`);
}
