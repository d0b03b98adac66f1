// msw stand-in for Resend's sending endpoints. Records every request (headers lower-cased, JSON
// body), answers like Resend (ids are UUIDs; a repeated Idempotency-Key with the same body gets
// the first answer, with another body a 409), and lets a test queue failures for the next requests.
import { randomUUID } from "node:crypto";
import { delay, http, HttpResponse, type JsonBodyType, type RequestHandler } from "msw";
import { setupServer, type SetupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

export const RESEND_API = "https://api.resend.com";

export interface RecordedResendRequest {
  path: "/emails" | "/emails/batch";
  headers: Record<string, string>;
  body: unknown;
  /** The JSON answered with, when the request succeeded. */
  response?: unknown;
}

export type ResendFailure =
  | { kind: "rate_limit"; retryAfterSeconds?: number }
  | { kind: "server_error" }
  | { kind: "validation"; message?: string }
  | { kind: "daily_quota" }
  /** 200 with a body that is not JSON. */
  | { kind: "malformed" }
  /** Answers normally, after this long (for client timeouts). */
  | { kind: "slow"; delayMs: number }
  /** The connection fails. */
  | { kind: "network" };

interface EmailBody {
  from?: unknown;
  to?: unknown;
  subject?: unknown;
}

const errorJson = (statusCode: number, name: string, message: string, headers?: Record<string, string>) =>
  HttpResponse.json({ statusCode, name, message }, { status: statusCode, headers });

function invalidEmail(e: EmailBody): string | null {
  if (typeof e.from !== "string" || !e.from) return "The `from` field is missing.";
  const to = Array.isArray(e.to) ? e.to : [e.to];
  if (to.length === 0 || to.some((t) => typeof t !== "string" || !/^[^@\s<>]+@[^@\s<>]+$/.test(t))) {
    return "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";
  }
  if (typeof e.subject !== "string") return "The `subject` field is missing.";
  return null;
}

export function createResendMock() {
  const requests: RecordedResendRequest[] = [];
  const failures: ResendFailure[] = [];
  const idempotent = new Map<string, { body: string; response: JsonBodyType }>();

  /** Applies a queued failure; returns a response to send instead of the normal one, if any. */
  async function failure(): Promise<Response | undefined> {
    const f = failures.shift();
    if (!f) return undefined;
    switch (f.kind) {
      case "rate_limit":
        return errorJson(429, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second.", {
          "retry-after": String(f.retryAfterSeconds ?? 1),
        });
      case "daily_quota":
        return errorJson(429, "daily_quota_exceeded", "You have reached your daily email sending quota.");
      case "server_error":
        return errorJson(500, "internal_server_error", "An unexpected error occurred.");
      case "validation":
        return errorJson(422, "validation_error", f.message ?? "Invalid `to` field.");
      case "malformed":
        return new HttpResponse('{"id": "4ef9a417-02e9', { status: 200, headers: { "content-type": "application/json" } });
      case "network":
        return HttpResponse.error();
      case "slow":
        await delay(f.delayMs);
        return undefined;
    }
  }

  async function record(request: Request, path: RecordedResendRequest["path"]) {
    const raw = await request.text();
    const headers = Object.fromEntries([...request.headers.entries()].map(([k, v]) => [k.toLowerCase(), v]));
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    requests.push({ path, headers, body });
    return { raw, headers, body };
  }

  /** Resend's idempotency: same key and body → the first answer; same key, other body → 409. */
  function replay(key: string | undefined, raw: string, respond: () => JsonBodyType): Response {
    const current = requests[requests.length - 1]!;
    if (key) {
      const seen = idempotent.get(key);
      if (seen && seen.body !== raw) {
        return errorJson(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload.");
      }
      if (seen) {
        current.response = seen.response;
        return HttpResponse.json(seen.response);
      }
    }
    const response = respond();
    if (key) idempotent.set(key, { body: raw, response });
    current.response = response;
    return HttpResponse.json(response);
  }

  const handlers: RequestHandler[] = [
    http.post(`${RESEND_API}/emails`, async ({ request }) => {
      const { raw, headers, body } = await record(request, "/emails");
      const failed = await failure();
      if (failed) return failed;
      if (!headers.authorization?.startsWith("Bearer re_")) return errorJson(401, "missing_api_key", "Missing API key in the authorization header.");
      const invalid = invalidEmail((body ?? {}) as EmailBody);
      if (invalid) return errorJson(422, "validation_error", invalid);
      return replay(headers["idempotency-key"], raw, () => ({ id: randomUUID() }));
    }),
    http.post(`${RESEND_API}/emails/batch`, async ({ request }) => {
      const { raw, headers, body } = await record(request, "/emails/batch");
      const failed = await failure();
      if (failed) return failed;
      if (!headers.authorization?.startsWith("Bearer re_")) return errorJson(401, "missing_api_key", "Missing API key in the authorization header.");
      if (!Array.isArray(body)) return errorJson(422, "validation_error", "The request body must be an array of emails.");
      if (body.length > 100) return errorJson(422, "validation_error", "Too many emails in the batch: at most 100.");
      const permissive = headers["x-batch-validation"] === "permissive";
      const problems = (body as EmailBody[]).map((e, index) => ({ index, message: invalidEmail(e ?? {}) }));
      const errors = problems.filter((p): p is { index: number; message: string } => p.message !== null);
      if (errors.length > 0 && !permissive) return errorJson(422, "validation_error", errors[0]!.message);
      return replay(headers["idempotency-key"], raw, () => ({
        data: problems.filter((p) => p.message === null).map(() => ({ id: randomUUID() })),
        ...(permissive ? { errors } : {}),
      }));
    }),
  ];

  return {
    handlers,
    requests,
    /** The next requests (either endpoint) fail in this order. */
    queueFailures(...next: ResendFailure[]) {
      failures.push(...next);
    },
    reset() {
      requests.length = 0;
      failures.length = 0;
      idempotent.clear();
    },
  };
}

export type ResendMock = ReturnType<typeof createResendMock>;

/**
 * Call at the top of a test file. Registers an msw server with the given handlers for the current test file (listen before all,
 * reset after each, close after all). Unmocked requests are errors.
 */
export function setupMockServer(...handlers: RequestHandler[]): SetupServer {
  const server = setupServer(...handlers);
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}

/** A Resend mock on its own msw server, reset after each test. */
export function setupResendMock(): ResendMock {
  const mock = createResendMock();
  setupMockServer(...mock.handlers);
  afterEach(() => mock.reset());
  return mock;
}
