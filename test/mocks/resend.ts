// msw stand-in for Resend's sending endpoints, modelled on what Resend does rather than on what
// the client hears: a request that gets through authentication and validation is ACCEPTED (its
// emails are sent, its Idempotency-Key cached with the answer) before anything can go wrong with
// the answer. A repeated key with the same body gets the cached answer and sends nothing; with
// another body, 409 (https://resend.com/docs/dashboard/emails/idempotency-keys, for batches
// https://resend.com/changelog/batch-idempotency-keys: keys kept 24 h, "the same response,
// without actually sending the email again"). Queued failures either refuse the request before
// acceptance (429, 422, a 500 or a dropped connection by default) or, for an unreadable 200, a late
// answer, or a 500 / dropped connection with `accepted: true`, happen to the answer only: the
// emails are out and the key is cached, as they would be at Resend.
// Every request is recorded with its own outcome, and every email accepted is listed once in
// `emails`: the provider's own record, independent of the app's keys and tables.
import { randomUUID } from "node:crypto";
import { delay, http, HttpResponse, type JsonBodyType, type RequestHandler } from "msw";
import { setupServer, type SetupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

export const RESEND_API = "https://api.resend.com";

export interface RecordedResendRequest {
  path: "/emails" | "/emails/batch";
  headers: Record<string, string>;
  body: unknown;
  /**
   * What Resend made of it: "accepted" sent its emails, "replayed" was answered from the
   * idempotency cache (nothing sent), "refused" sent nothing. Unset while in flight.
   */
  outcome?: "accepted" | "replayed" | "refused";
  /** The answer Resend holds for this request (the cached one for a replay), even when the answer on the wire was lost or corrupted. */
  response?: unknown;
}

/** An email Resend accepted: sent once, whatever the replays. */
export interface AcceptedResendEmail {
  id: string;
  /** Index in `requests` of the request that sent it. */
  request: number;
  idempotencyKey: string | null;
  /** The email as posted (tags name the touch). */
  email: unknown;
}

export type ResendFailure =
  | { kind: "rate_limit"; retryAfterSeconds?: number }
  /** A 500; `accepted`: after the emails went out (the answer is lost, the key is cached). */
  | { kind: "server_error"; accepted?: boolean }
  | { kind: "validation"; message?: string }
  /**
   * A spent sending quota, refused before anything is sent, as documented at
   * https://resend.com/docs/api-reference/errors: 429 `daily_quota_exceeded` ("You have reached
   * your daily email sending quota.", which resets at midnight UTC:
   * https://resend.com/docs/api-reference/rate-limit). `monthly_quota_exceeded` (the monthly
   * quota of the same rate-limit page) has no reset time there; its message here is modelled on
   * the daily one. No Retry-After is documented for either.
   */
  | { kind: "daily_quota" }
  | { kind: "monthly_quota" }
  /** Accepted, then answered 200 with a body that is not JSON. */
  | { kind: "malformed" }
  /** Accepted, then answered normally after this long (for client timeouts). */
  | { kind: "slow"; delayMs: number }
  /** The connection fails; `accepted`: after the emails went out. */
  | { kind: "network"; accepted?: boolean };

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

/** Failures that happen before Resend accepts anything. */
function refusal(f: ResendFailure): Response | undefined {
  switch (f.kind) {
    case "rate_limit":
      return errorJson(429, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second.", {
        "retry-after": String(f.retryAfterSeconds ?? 1),
      });
    case "daily_quota":
      return errorJson(429, "daily_quota_exceeded", "You have reached your daily email sending quota.");
    case "monthly_quota":
      return errorJson(429, "monthly_quota_exceeded", "You have reached your monthly email sending quota.");
    case "validation":
      return errorJson(422, "validation_error", f.message ?? "Invalid `to` field.");
    case "server_error":
      return f.accepted ? undefined : errorJson(500, "internal_server_error", "An unexpected error occurred.");
    case "network":
      return f.accepted ? undefined : HttpResponse.error();
    default:
      return undefined;
  }
}

/** What happens to the answer of an accepted request. */
async function spoil(f: ResendFailure | undefined, answer: JsonBodyType): Promise<Response> {
  switch (f?.kind) {
    case "malformed":
      return new HttpResponse('{"id": "4ef9a417-02e9', { status: 200, headers: { "content-type": "application/json" } });
    case "server_error":
      return errorJson(500, "internal_server_error", "An unexpected error occurred.");
    case "network":
      return HttpResponse.error();
    case "slow":
      await delay(f.delayMs);
      return HttpResponse.json(answer);
    default:
      return HttpResponse.json(answer);
  }
}

export function createResendMock() {
  const requests: RecordedResendRequest[] = [];
  const emails: AcceptedResendEmail[] = [];
  const failures: ResendFailure[] = [];
  const idempotent = new Map<string, { body: string; response: JsonBodyType }>();

  async function record(request: Request, path: RecordedResendRequest["path"]) {
    const raw = await request.text();
    const headers = Object.fromEntries([...request.headers.entries()].map(([k, v]) => [k.toLowerCase(), v]));
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    // Each request keeps its own record: concurrent requests never share one.
    const entry: RecordedResendRequest = { path, headers, body };
    requests.push(entry);
    return { raw, headers, body, entry, index: requests.length - 1 };
  }

  /**
   * Accepts a request (or replays the cached answer of its key), then lets a queued failure spoil
   * only the answer.
   */
  async function accept(
    r: Awaited<ReturnType<typeof record>>,
    failure: ResendFailure | undefined,
    posted: unknown[],
    respond: (ids: string[]) => JsonBodyType,
    sends: (index: number) => boolean,
  ): Promise<Response> {
    const key = r.headers["idempotency-key"];
    const seen = key ? idempotent.get(key) : undefined;
    if (seen && seen.body !== r.raw) {
      r.entry.outcome = "refused";
      return errorJson(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload.");
    }
    if (seen) {
      Object.assign(r.entry, { outcome: "replayed", response: seen.response });
      return spoil(failure, seen.response);
    }
    const ids: string[] = [];
    posted.forEach((email, i) => {
      if (!sends(i)) return;
      const id = randomUUID();
      ids.push(id);
      emails.push({ id, request: r.index, idempotencyKey: key ?? null, email });
    });
    const response = respond(ids);
    if (key) idempotent.set(key, { body: r.raw, response });
    Object.assign(r.entry, { outcome: "accepted", response });
    return spoil(failure, response);
  }

  function refuse(r: { entry: RecordedResendRequest }, response: Response): Response {
    r.entry.outcome = "refused";
    return response;
  }

  const handlers: RequestHandler[] = [
    http.post(`${RESEND_API}/emails`, async ({ request }) => {
      const r = await record(request, "/emails");
      const failure = failures.shift();
      const refused = failure && refusal(failure);
      if (refused) return refuse(r, refused);
      if (!r.headers.authorization?.startsWith("Bearer re_")) return refuse(r, errorJson(401, "missing_api_key", "Missing API key in the authorization header."));
      const invalid = invalidEmail((r.body ?? {}) as EmailBody);
      if (invalid) return refuse(r, errorJson(422, "validation_error", invalid));
      return accept(r, failure, [r.body], (ids) => ({ id: ids[0]! }), () => true);
    }),
    http.post(`${RESEND_API}/emails/batch`, async ({ request }) => {
      const r = await record(request, "/emails/batch");
      const failure = failures.shift();
      const refused = failure && refusal(failure);
      if (refused) return refuse(r, refused);
      if (!r.headers.authorization?.startsWith("Bearer re_")) return refuse(r, errorJson(401, "missing_api_key", "Missing API key in the authorization header."));
      if (!Array.isArray(r.body)) return refuse(r, errorJson(422, "validation_error", "The request body must be an array of emails."));
      const posted = r.body as EmailBody[];
      if (posted.length > 100) return refuse(r, errorJson(422, "validation_error", "Too many emails in the batch: at most 100."));
      const permissive = r.headers["x-batch-validation"] === "permissive";
      const problems = posted.map((e, index) => ({ index, message: invalidEmail(e ?? {}) }));
      const errors = problems.filter((p): p is { index: number; message: string } => p.message !== null);
      if (errors.length > 0 && !permissive) return refuse(r, errorJson(422, "validation_error", errors[0]!.message));
      return accept(
        r,
        failure,
        posted,
        (ids) => ({ data: ids.map((id) => ({ id })), ...(permissive ? { errors } : {}) }),
        (i) => problems[i]!.message === null,
      );
    }),
  ];

  return {
    handlers,
    requests,
    emails,
    /** The next requests (either endpoint) fail in this order. */
    queueFailures(...next: ResendFailure[]) {
      failures.push(...next);
    },
    reset() {
      requests.length = 0;
      emails.length = 0;
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
