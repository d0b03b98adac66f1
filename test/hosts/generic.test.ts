import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HostApiError, type WebhookRequest } from "~/hosts/connector";
import { createGenericConnector } from "~/hosts/generic/connector.server";
import { genericWebhookHeaders, signGenericWebhook } from "~/hosts/generic/signature.server";
import { loadHostManifests } from "~/hosts/manifest.server";
import { ManualClock } from "~/lib/clock.server";
import { ValidationError } from "~/lib/errors.server";

const APP_URL = "http://localhost:3000";
const TOKEN_URL = `${APP_URL}/sandbox/oauth/token`;
const secret = "sandbox-secret-0123456789abcdef0123";
const manifest = loadHostManifests().find((m) => m.handle === "sandbox")!;
const clock = new ManualClock("2026-01-05T15:00:00Z");
const connector = createGenericConnector({ manifest, clientId: "sandbox-client", clientSecret: secret, appUrl: APP_URL, clock });
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const jobBody = (overrides: Record<string, unknown> = {}) => ({
  topic: "job.completed",
  account_id: "acct-42",
  occurred_at: "2026-01-05T14:59:00Z",
  job: {
    id: "job-1001",
    title: "Spring cleanup",
    service_type: "Lawn care",
    status: "completed",
    completed_at: "2026-01-05T14:30:00-05:00",
    no_review_request: false,
    customer: {
      id: "cus-77",
      first_name: "Dana",
      last_name: "Whitfield",
      email: "Dana@Example.com",
      phone: "(305) 555-0142",
      timezone: "America/New_York",
      region: "FL",
      country: "US",
    },
  },
  ...overrides,
});

function webhook(body: unknown, opts: { topic?: string; eventId?: string; accountId?: string; now?: Date } = {}): WebhookRequest {
  const rawBody = JSON.stringify(body);
  const headers = genericWebhookHeaders({
    secret,
    eventId: opts.eventId ?? "evt-1",
    topic: opts.topic ?? (body as { topic: string }).topic,
    accountId: opts.accountId ?? "acct-42",
    body: rawBody,
    now: opts.now ?? clock.now(),
  });
  return { headers: new Headers(headers), rawBody, now: clock.now() };
}

function validationFields(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).status).toBe(400);
    return (err as ValidationError).fieldErrors;
  }
  throw new Error("expected a ValidationError");
}

const noApi = {
  accessToken: () => Promise.reject(new Error("the generic protocol never calls the host's API")),
};

describe("generic webhook signatures", () => {
  it("accepts a body signed with the client secret over `<timestamp>.<raw body>`", () => {
    const request = webhook(jobBody());
    expect(connector.verifyWebhook(request)).toEqual({ ok: true });
    const ts = request.headers.get("X-Kudos-Timestamp")!;
    expect(request.headers.get("X-Kudos-Signature")).toBe(signGenericWebhook(secret, Number(ts), String(request.rawBody)));
    // Bytes and strings sign the same.
    expect(connector.verifyWebhook({ ...request, rawBody: Buffer.from(String(request.rawBody)) })).toEqual({ ok: true });
  });

  it("rejects a bad signature, another secret's signature, or a body changed after signing", () => {
    const request = webhook(jobBody());
    const bad = new Headers(request.headers);
    bad.set("X-Kudos-Signature", "bm90IGEgc2lnbmF0dXJl");
    expect(connector.verifyWebhook({ ...request, headers: bad })).toEqual({ ok: false, status: 401, reason: "signature mismatch" });
    const otherSecret = new Headers(request.headers);
    otherSecret.set("X-Kudos-Signature", signGenericWebhook("other-secret", Number(request.headers.get("X-Kudos-Timestamp")), String(request.rawBody)));
    expect(connector.verifyWebhook({ ...request, headers: otherSecret }).ok).toBe(false);
    const tampered = String(request.rawBody).replace("acct-42", "acct-43");
    expect(connector.verifyWebhook({ ...request, rawBody: tampered }).ok).toBe(false);
  });

  it("rejects timestamps more than five minutes old or ahead", () => {
    const at = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);
    expect(connector.verifyWebhook(webhook(jobBody(), { now: at(-299) })).ok).toBe(true);
    expect(connector.verifyWebhook(webhook(jobBody(), { now: at(299) })).ok).toBe(true);
    expect(connector.verifyWebhook(webhook(jobBody(), { now: at(-301) }))).toEqual({ ok: false, status: 401, reason: "timestamp too old" });
    expect(connector.verifyWebhook(webhook(jobBody(), { now: at(301) }))).toEqual({
      ok: false,
      status: 401,
      reason: "timestamp in the future",
    });
  });

  it("rejects missing or malformed signature headers", () => {
    const request = webhook(jobBody());
    for (const [name, reason] of [
      ["X-Kudos-Signature", "missing X-Kudos-Signature header"],
      ["X-Kudos-Timestamp", "missing X-Kudos-Timestamp header"],
    ] as const) {
      const headers = new Headers(request.headers);
      headers.delete(name);
      expect(connector.verifyWebhook({ ...request, headers })).toEqual({ ok: false, status: 401, reason });
    }
    const headers = new Headers(request.headers);
    headers.set("X-Kudos-Timestamp", "2026-01-05T15:00:00Z");
    expect(connector.verifyWebhook({ ...request, headers }).ok).toBe(false);
  });
});

describe("generic webhook parsing", () => {
  it("reads id, topic, account and time, and keeps the body as the payload", () => {
    const parsed = connector.parseWebhook(webhook(jobBody(), { eventId: "evt-123" }));
    expect(parsed).toEqual({
      eventId: "evt-123",
      topic: "job.completed",
      accountId: "acct-42",
      occurredAt: new Date("2026-01-05T14:59:00Z"),
      payload: jobBody(),
    });
  });

  it("names missing routing headers", () => {
    const request = webhook(jobBody());
    const headers = new Headers(request.headers);
    headers.delete("X-Kudos-Event-Id");
    headers.set("X-Kudos-Topic", "job.exploded");
    headers.delete("X-Kudos-Account-Id");
    expect(validationFields(() => connector.parseWebhook({ ...request, headers }))).toEqual({
      "X-Kudos-Event-Id": "header is required",
      "X-Kudos-Topic": 'unknown topic "job.exploded"',
      "X-Kudos-Account-Id": "header is required",
    });
  });

  it("names the malformed payload field", () => {
    const base = jobBody();
    const broken = {
      ...base,
      job: { ...base.job, completed_at: "yesterday", customer: { ...base.job.customer, id: "" } },
    };
    const fields = validationFields(() => connector.parseWebhook(webhook(broken)));
    expect(Object.keys(fields).sort()).toEqual(["job.completed_at", "job.customer.id"]);
    expect(fields["job.customer.id"]).toBe("is required");
    expect(fields["job.completed_at"]).toMatch(/ISO 8601/);
    const { status: _status, ...noStatus } = base.job;
    expect(validationFields(() => connector.parseWebhook(webhook({ ...base, job: noStatus })))).toHaveProperty("job.status");
    expect(validationFields(() => connector.parseWebhook({ ...webhook(jobBody()), rawBody: "{not json" }))).toEqual({
      body: "must be valid JSON",
    });
  });

  it("refuses a body whose topic or account differs from the routing headers", () => {
    expect(validationFields(() => connector.parseWebhook(webhook(jobBody(), { accountId: "acct-other" })))).toEqual({
      account_id: "does not match the X-Kudos-Account-Id header",
    });
    expect(validationFields(() => connector.parseWebhook(webhook(jobBody(), { topic: "job.updated" })))).toEqual({
      topic: 'must be "job.updated"',
    });
  });
});

describe("generic domain events", () => {
  const events = (body: unknown) => connector.toDomainEvents(connector.parseWebhook(webhook(body)), noApi);

  it("job.completed carries the job and its normalised customer", async () => {
    expect(await events(jobBody())).toEqual([
      {
        type: "job.completed",
        job: {
          hostJobId: "job-1001",
          title: "Spring cleanup",
          serviceType: "Lawn care",
          status: "completed",
          completedAt: new Date("2026-01-05T19:30:00Z"),
          noReviewRequest: false,
          occurredAt: new Date("2026-01-05T14:59:00Z"),
          customer: {
            hostCustomerId: "cus-77",
            firstName: "Dana",
            lastName: "Whitfield",
            email: "dana@example.com",
            phone: "+13055550142",
            timezone: "America/New_York",
            region: "FL",
            country: "US",
          },
        },
      },
    ]);
  });

  it("fills a completion's time from the event and drops unusable contact data", async () => {
    const base = jobBody();
    const [event] = await events({
      ...base,
      job: {
        ...base.job,
        completed_at: null,
        service_type: null,
        no_review_request: true,
        customer: { id: "cus-78", email: "none", phone: "555-0142" },
      },
    });
    expect(event).toMatchObject({
      type: "job.completed",
      job: {
        completedAt: new Date("2026-01-05T14:59:00Z"),
        serviceType: null,
        noReviewRequest: true,
        customer: { hostCustomerId: "cus-78" },
      },
    });
    expect(event && "job" in event ? Object.keys(event.job.customer) : []).toEqual(["hostCustomerId"]);
  });

  it("maps job.updated, job.cancelled and the account and privacy topics", async () => {
    const updated = await events(jobBody({ topic: "job.updated", job: { ...jobBody().job, status: "scheduled", completed_at: null } }));
    expect(updated[0]).toMatchObject({ type: "job.updated", job: { status: "scheduled", completedAt: null } });
    expect((await events(jobBody({ topic: "job.cancelled" })))[0]?.type).toBe("job.cancelled");
    // Left out: unknown, so absent (kept as it was); null: cleared.
    const minimal = await events({
      topic: "job.cancelled",
      account_id: "acct-42",
      job: { id: "job-1001", status: "cancelled", service_type: null, customer: { id: "cus-77" } },
    });
    expect(minimal).toEqual([
      {
        type: "job.cancelled",
        job: { hostJobId: "job-1001", status: "cancelled", serviceType: null, noReviewRequest: false, customer: { hostCustomerId: "cus-77" } },
      },
    ]);
    expect(
      await events({ topic: "customer.updated", account_id: "acct-42", customer: { id: "cus-77", email: "NEW@example.com" } }),
    ).toEqual([{ type: "customer.updated", customer: { hostCustomerId: "cus-77", email: "new@example.com" } }]);
    expect(await events({ topic: "app.uninstalled", account_id: "acct-42" })).toEqual([{ type: "app.uninstalled" }]);
    expect(await events({ topic: "customers.data_request", account_id: "acct-42", customer: { id: "cus-77" } })).toEqual([
      { type: "customers.data_request", hostCustomerId: "cus-77" },
    ]);
    expect(await events({ topic: "customers.redact", account_id: "acct-42", customer: { id: "cus-77" } })).toEqual([
      { type: "customers.redact", hostCustomerId: "cus-77" },
    ]);
    expect(await events({ topic: "account.redact", account_id: "acct-42" })).toEqual([{ type: "account.redact" }]);
  });
});

describe("generic OAuth", () => {
  it("builds the authorize redirect on Kudos's own origin for the built-in sandbox", () => {
    const url = new URL(connector.authorizeUrl({ state: "st-1", redirectUri: `${APP_URL}/auth/hosts/sandbox/callback` }));
    expect(url.origin + url.pathname).toBe(`${APP_URL}/sandbox/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: "sandbox-client",
      redirect_uri: `${APP_URL}/auth/hosts/sandbox/callback`,
      scope: "read_jobs read_customers",
      state: "st-1",
    });
  });

  it("exchanges a code for tokens and the installed account", async () => {
    const forms: Record<string, string>[] = [];
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        forms.push(Object.fromEntries(new URLSearchParams(await request.text())));
        return HttpResponse.json({
          access_token: "at-1",
          refresh_token: "rt-1",
          expires_in: 3600,
          scope: "read_jobs read_customers",
          account_id: "acct-42",
          account_name: "Whitfield Lawns",
          timezone: "America/New_York",
        });
      }),
    );
    const grant = await connector.exchangeCode({ code: "code-1", redirectUri: `${APP_URL}/auth/hosts/sandbox/callback` });
    expect(grant).toEqual({
      accessToken: "at-1",
      refreshToken: "rt-1",
      accessExpiresAt: new Date("2026-01-05T16:00:00Z"),
      scopes: ["read_jobs", "read_customers"],
      accountId: "acct-42",
      accountName: "Whitfield Lawns",
      timezone: "America/New_York",
    });
    expect(forms).toEqual([
      {
        grant_type: "authorization_code",
        code: "code-1",
        redirect_uri: `${APP_URL}/auth/hosts/sandbox/callback`,
        client_id: "sandbox-client",
        client_secret: secret,
      },
    ]);
  });

  it("keeps the refresh token when the host does not rotate, and surfaces invalid_grant", async () => {
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        return form.get("refresh_token") === "rt-live"
          ? HttpResponse.json({ access_token: "at-2" })
          : HttpResponse.json({ error: "invalid_grant" }, { status: 400 });
      }),
    );
    expect(await connector.refresh("rt-live")).toEqual({ accessToken: "at-2", refreshToken: "rt-live", scopes: ["read_jobs", "read_customers"] });
    await expect(connector.refresh("rt-dead")).rejects.toMatchObject({ code: "invalid_grant", retryable: false });
  });

  it("refuses a token response that does not name the account", async () => {
    server.use(http.post(TOKEN_URL, () => HttpResponse.json({ access_token: "at-1" })));
    const err = await connector.exchangeCode({ code: "c", redirectUri: "r" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostApiError);
    expect(err).toMatchObject({ code: "invalid_token_response", retryable: false });
  });
});
