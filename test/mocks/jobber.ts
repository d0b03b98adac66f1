// A stateful stand-in for Jobber's OAuth and GraphQL endpoints (msw), reproducing what Jobber
// documents: form-encoded token grants with refresh-token rotation (a used refresh token dies at
// once), JWT access tokens, the X-JOBBER-GRAPHQL-VERSION header, query-cost throttling reported in
// extensions.cost, HTTP 429, and the "disconnected" answer. Time only moves when a test says so.
import { createHmac, randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { http, HttpResponse } from "msw";

export const JOBBER_TOKEN_URL = "https://api.getjobber.com/api/oauth/token";
export const JOBBER_GRAPHQL_URL = "https://api.getjobber.com/api/graphql";
export const JOBBER_DISCONNECTED_MESSAGE =
  "User has disconnected this app from their account. Please delete this token";

/** Jobber ids are base64 global ids, e.g. gid://Jobber/Job/123. */
export function encodedId(type: string, n: number | string): string {
  return Buffer.from(`gid://Jobber/${type}/${n}`).toString("base64");
}

export interface JobberClientFixture {
  id: string;
  firstName: string | null;
  lastName: string | null;
  emails: Array<{ address: string; primary: boolean }>;
  phones: Array<{ number: string; primary: boolean }>;
  billingAddress: { province: string | null; country: string | null } | null;
}

export interface JobberJobFixture {
  id: string;
  jobNumber: number;
  title: string | null;
  jobStatus: string;
  completedAt: string | null;
  lineItems: { nodes: Array<{ name: string }> };
  customFields: Array<Record<string, unknown>>;
  clientId: string;
}

export interface JobberVisitFixture {
  id: string;
  completedAt: string | null;
  jobId: string;
}

export function clientFixture(overrides: Partial<JobberClientFixture> = {}): JobberClientFixture {
  return {
    id: encodedId("Client", 501),
    firstName: "Dana",
    lastName: "Whitfield",
    emails: [
      { address: "office@whitfield.example", primary: false },
      { address: "Dana.Whitfield@Example.com", primary: true },
    ],
    phones: [{ number: "(305) 555-0142", primary: true }],
    billingAddress: { province: "Florida", country: "United States" },
    ...overrides,
  };
}

export function jobFixture(overrides: Partial<JobberJobFixture> = {}): JobberJobFixture {
  return {
    id: encodedId("Job", 9001),
    jobNumber: 1042,
    title: "Spring cleanup",
    jobStatus: "requires_invoicing",
    completedAt: "2026-01-05T14:30:00Z",
    lineItems: { nodes: [{ name: "Lawn mowing" }, { name: "Hedge trimming" }] },
    customFields: [],
    clientId: encodedId("Client", 501),
    ...overrides,
  };
}

export interface RecordedJobberRequest {
  kind: "token" | "graphql";
  headers: Record<string, string>;
  /** Token requests: the form fields. GraphQL: operationName, query, variables. */
  body: Record<string, unknown>;
  status: number;
}

export interface JobberMockOptions {
  clientId: string;
  clientSecret: string;
  /** The mock's clock, for access-token exp claims. */
  now?: () => Date;
  accessTokenLifetimeSeconds?: number;
}

/** What Jobber's webhook delivery would POST: raw body and the HMAC header. */
export function jobberWebhook(
  secret: string,
  event: { topic: string; accountId: string; itemId: string; occurredAt: string; appId?: string },
): { rawBody: string; headers: Headers } {
  const rawBody = JSON.stringify({
    data: {
      webHookEvent: {
        topic: event.topic,
        appId: event.appId ?? "app-kudos",
        accountId: event.accountId,
        itemId: event.itemId,
        occurredAt: event.occurredAt,
      },
    },
  });
  const headers = new Headers({
    "Content-Type": "application/json",
    "X-Jobber-Hmac-SHA256": createHmac("sha256", secret).update(rawBody).digest("base64"),
  });
  return { rawBody, headers };
}

export function createJobberMock(options: JobberMockOptions) {
  const now = options.now ?? (() => new Date("2026-01-05T15:00:00Z"));
  const signingKey = randomBytes(32);
  const accounts = new Map<string, { id: string; name: string }>();
  const codes = new Map<string, { accountId: string; redirectUri: string }>();
  const refreshTokens = new Map<string, string>(); // live refresh token -> account
  const accessTokens = new Map<string, string>(); // live access token -> account
  const disconnected = new Map<string, "http" | "graphql">();
  const clients = new Map<string, JobberClientFixture>();
  const jobs = new Map<string, JobberJobFixture>();
  const visits = new Map<string, JobberVisitFixture>();
  const requests: RecordedJobberRequest[] = [];
  const throttle = { maximumAvailable: 10_000, currentlyAvailable: 10_000, restoreRate: 500 };
  const costs: Record<string, number> = { KudosJob: 52, KudosVisit: 61, KudosClient: 14, KudosAccount: 1 };
  let rateLimited: { remaining: number; retryAfter?: string } = { remaining: 0 };

  async function issueTokens(accountId: string) {
    const iat = Math.floor(now().getTime() / 1000);
    const accessToken = await new SignJWT({ account_id: accountId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt(iat)
      .setExpirationTime(iat + (options.accessTokenLifetimeSeconds ?? 3600))
      .setJti(randomBytes(8).toString("hex"))
      .sign(signingKey);
    const refreshToken = randomBytes(24).toString("hex");
    accessTokens.set(accessToken, accountId);
    refreshTokens.set(refreshToken, accountId);
    return { access_token: accessToken, refresh_token: refreshToken };
  }

  const invalidGrant = () =>
    HttpResponse.json(
      {
        error: "invalid_grant",
        error_description:
          "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
      },
      { status: 400 },
    );

  function record(kind: RecordedJobberRequest["kind"], request: Request, body: Record<string, unknown>, status: number) {
    requests.push({ kind, headers: Object.fromEntries(request.headers.entries()), body, status });
  }

  function clientNode(id: string) {
    const c = clients.get(id);
    if (!c) return null;
    return { ...c };
  }

  function jobNode(id: string) {
    const j = jobs.get(id);
    if (!j) return null;
    const { clientId, ...rest } = j;
    return { ...rest, client: clientNode(clientId) };
  }

  function resolve(operation: string, variables: Record<string, unknown>, accountId: string): unknown {
    const id = String(variables.id ?? "");
    switch (operation) {
      case "KudosAccount":
        return { account: accounts.get(accountId) };
      case "KudosJob":
        return { job: jobNode(id) };
      case "KudosVisit": {
        const v = visits.get(id);
        return { visit: v ? { id: v.id, completedAt: v.completedAt, job: jobNode(v.jobId) } : null };
      }
      case "KudosClient":
        return { client: clientNode(id) };
      default:
        return undefined;
    }
  }

  const handlers = [
    http.post(JOBBER_TOKEN_URL, async ({ request }) => {
      const form = Object.fromEntries(new URLSearchParams(await request.text()).entries());
      const answer = async () => {
        if (form.client_id !== options.clientId || form.client_secret !== options.clientSecret) {
          return HttpResponse.json({ error: "invalid_client" }, { status: 401 });
        }
        if (form.grant_type === "authorization_code") {
          const grant = form.code ? codes.get(form.code) : undefined;
          if (!grant || grant.redirectUri !== form.redirect_uri) return invalidGrant();
          codes.delete(form.code!); // codes are single-use
          return HttpResponse.json(await issueTokens(grant.accountId));
        }
        if (form.grant_type === "refresh_token") {
          const accountId = form.refresh_token ? refreshTokens.get(form.refresh_token) : undefined;
          if (accountId && disconnected.has(accountId)) {
            return HttpResponse.json({ message: JOBBER_DISCONNECTED_MESSAGE }, { status: 401 });
          }
          if (!accountId) return invalidGrant();
          // Rotation: the refresh token just used is dead from now on.
          refreshTokens.delete(form.refresh_token!);
          return HttpResponse.json(await issueTokens(accountId));
        }
        return HttpResponse.json({ error: "unsupported_grant_type" }, { status: 400 });
      };
      const response = await answer();
      record("token", request, form, response.status);
      return response;
    }),

    http.post(JOBBER_GRAPHQL_URL, async ({ request }) => {
      const body = (await request.json()) as { operationName?: string; query?: string; variables?: Record<string, unknown> };
      const answer = (): Response => {
        if (rateLimited.remaining > 0) {
          rateLimited.remaining -= 1;
          const headers: Record<string, string> = rateLimited.retryAfter ? { "Retry-After": rateLimited.retryAfter } : {};
          return HttpResponse.json({ message: "Too Many Requests" }, { status: 429, headers });
        }
        if (!/^\d{4}-\d{2}-\d{2}$/.test(request.headers.get("X-JOBBER-GRAPHQL-VERSION") ?? "")) {
          return HttpResponse.json({ message: "X-JOBBER-GRAPHQL-VERSION header is required" }, { status: 400 });
        }
        const token = request.headers.get("Authorization")?.replace(/^Bearer /, "") ?? "";
        const accountId = accessTokens.get(token);
        if (!accountId) return HttpResponse.json({ message: "Unauthorized" }, { status: 401 });
        const cut = disconnected.get(accountId);
        if (cut === "http") return HttpResponse.json({ message: JOBBER_DISCONNECTED_MESSAGE }, { status: 401 });
        if (cut === "graphql") return HttpResponse.json({ errors: [{ message: JOBBER_DISCONNECTED_MESSAGE }] });

        const operation = body.operationName ?? body.query?.match(/query\s+(\w+)/)?.[1] ?? "";
        const cost = costs[operation] ?? 10;
        if (cost > throttle.currentlyAvailable) {
          return HttpResponse.json({
            errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://developer.getjobber.com/docs/using_jobbers_api/api_rate_limits" } }],
            extensions: { cost: { requestedQueryCost: cost, actualQueryCost: null, throttleStatus: { ...throttle } } },
          });
        }
        throttle.currentlyAvailable -= cost;
        const data = resolve(operation, body.variables ?? {}, accountId);
        if (data === undefined) {
          return HttpResponse.json({ errors: [{ message: `Unknown operation ${operation}` }] });
        }
        return HttpResponse.json({
          data,
          extensions: {
            cost: { requestedQueryCost: cost, actualQueryCost: cost, throttleStatus: { ...throttle } },
            versioning: { version: request.headers.get("X-JOBBER-GRAPHQL-VERSION") },
          },
        });
      };
      const response = answer();
      record("graphql", request, body, response.status);
      return response;
    }),
  ];

  return {
    handlers,
    requests,
    costs,
    throttle,
    addAccount(account: { id: string; name: string }) {
      accounts.set(account.id, account);
    },
    /** What Jobber's authorize page would redirect back with after the merchant approves. */
    issueCode(accountId: string, redirectUri: string): string {
      const code = randomBytes(16).toString("hex");
      codes.set(code, { accountId, redirectUri });
      return code;
    },
    addClient(client: JobberClientFixture) {
      clients.set(client.id, client);
    },
    addJob(job: JobberJobFixture) {
      jobs.set(job.id, job);
    },
    addVisit(visit: JobberVisitFixture) {
      visits.set(visit.id, visit);
    },
    /** The merchant disconnects the app: tokens now get the disconnected answer. */
    disconnect(accountId: string, as: "http" | "graphql" = "http") {
      disconnected.set(accountId, as);
    },
    /** The next `count` GraphQL requests get HTTP 429. */
    rateLimitNext(count: number, retryAfter?: string) {
      rateLimited = { remaining: count, ...(retryAfter ? { retryAfter } : {}) };
    },
    setAvailable(points: number) {
      throttle.currentlyAvailable = points;
    },
    /** Time passes for the cost bucket (call from an injected sleep). */
    restore(ms: number) {
      throttle.currentlyAvailable = Math.min(
        throttle.maximumAvailable,
        throttle.currentlyAvailable + (ms / 1000) * throttle.restoreRate,
      );
    },
    graphqlRequests() {
      return requests.filter((r) => r.kind === "graphql");
    },
  };
}

export type JobberMock = ReturnType<typeof createJobberMock>;
