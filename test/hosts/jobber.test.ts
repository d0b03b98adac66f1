import { parse, validate } from "graphql";
import { decodeJwt } from "jose";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HostApiError, HostDisconnectedError, HostRateLimitedError } from "~/hosts/connector";
import type { HostApiAccess } from "~/hosts/connector";
import { createJobberConnector, jobberEventId } from "~/hosts/jobber/connector.server";
import { JobberGraphqlClient } from "~/hosts/jobber/graphql.server";
import { ACCOUNT_QUERY, CLIENT_QUERY, JOB_QUERY, type JobberOperation, jobResponseSchema, VISIT_QUERY } from "~/hosts/jobber/queries";
import { loadHostManifests } from "~/hosts/manifest.server";
import { ManualClock } from "~/lib/clock.server";
import { ValidationError } from "~/lib/errors.server";
import { clientFixture, createJobberMock, encodedId, JOBBER_GRAPHQL_URL, JOBBER_SCHEMA, jobberWebhook, jobFixture } from "../mocks/jobber";

const CLIENT_ID = "kudos-jobber-client";
const CLIENT_SECRET = "jobber-client-secret-0123456789abcdef";
const ACCOUNT = encodedId("Account", 77);
/** The Jobber user who connects the app (the account owner, here). */
const USER = encodedId("User", 12);
const REDIRECT = "https://kudos.example/auth/hosts/jobber/callback";
const manifest = loadHostManifests().find((m) => m.handle === "jobber")!;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function setup() {
  const mock = createJobberMock({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  server.use(...mock.handlers);
  mock.addAccount({ id: ACCOUNT, name: "Whitfield Lawn & Garden", userId: USER });
  mock.addClient(clientFixture());
  mock.addJob(jobFixture());
  const sleeps: number[] = [];
  // Waiting is simulated: the mock's cost bucket refills for the time "slept".
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    mock.restore(ms);
  };
  const connector = createJobberConnector({
    manifest,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    graphqlVersion: "2025-04-16",
    sleep,
    clock: new ManualClock("2026-01-05T15:00:00Z"),
  });
  const install = () => connector.exchangeCode({ code: mock.issueCode(ACCOUNT, REDIRECT), redirectUri: REDIRECT });
  return { mock, sleeps, connector, install };
}

function api(token: string): HostApiAccess & { calls: number } {
  const access = { calls: 0, accessToken: async () => (access.calls++, token) };
  return access;
}

function webhookOf(connector: ReturnType<typeof setup>["connector"], topic: string, itemId: string, occurredAt = "2026-01-05T14:45:00Z") {
  return connector.parseWebhook(jobberWebhook(CLIENT_SECRET, { topic, accountId: ACCOUNT, itemId, occurredAt }));
}

describe("Jobber OAuth", () => {
  it("sends the merchant to Jobber's authorize page", () => {
    const { connector } = setup();
    const url = new URL(connector.authorizeUrl({ state: "st-9", redirectUri: REDIRECT }));
    expect(url.origin + url.pathname).toBe("https://api.getjobber.com/api/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT,
      state: "st-9",
    });
  });

  it("exchanges the code, reads expiry from the JWT and the account and connecting user by GraphQL", async () => {
    const { connector, mock, install } = setup();
    const grant = await install();
    expect(grant).toMatchObject({
      accountId: ACCOUNT,
      accountName: "Whitfield Lawn & Garden",
      // Jobber recommends storing who connected the app: that user cannot be deactivated without
      // disconnecting it (Developer Center, "Manage App Button").
      userId: USER,
      accessExpiresAt: new Date("2026-01-05T16:00:00Z"),
      scopes: manifest.oauth.scopes,
    });
    expect(grant.accessExpiresAt).toEqual(new Date(decodeJwt(grant.accessToken).exp! * 1000));
    expect(grant.refreshToken).toMatch(/^[0-9a-f]{48}$/);
    const [tokenRequest, accountRequest] = mock.requests;
    expect(tokenRequest?.body).toEqual({
      grant_type: "authorization_code",
      code: expect.any(String),
      redirect_uri: REDIRECT,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(accountRequest?.headers).toMatchObject({
      authorization: `Bearer ${grant.accessToken}`,
      "x-jobber-graphql-version": "2025-04-16",
    });
    expect(accountRequest?.body.operationName).toBe("KudosAccount");
    expect(String(accountRequest?.body.query)).toMatch(/\buser\s*\{\s*id\s*\}/);
    // Codes are single use.
    const code = mock.issueCode(ACCOUNT, REDIRECT);
    await connector.exchangeCode({ code, redirectUri: REDIRECT });
    await expect(connector.exchangeCode({ code, redirectUri: REDIRECT })).rejects.toMatchObject({ code: "invalid_grant" });
  });

  it("rotates refresh tokens: each refresh returns a new one and the used one dies", async () => {
    const { connector, install } = setup();
    const first = await install();
    const second = await connector.refresh(first.refreshToken!);
    expect(second.refreshToken).toBeDefined();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);

    const reused = await connector.refresh(first.refreshToken!).catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(HostApiError);
    expect(reused).toMatchObject({ status: 400, code: "invalid_grant", retryable: false });

    const third = await connector.refresh(second.refreshToken!);
    expect(await connector.fetchJob!(third.accessToken, encodedId("Job", 9001))).toMatchObject({ hostJobId: encodedId("Job", 9001) });
  });
});

describe("Jobber webhooks", () => {
  it("verifies X-Jobber-Hmac-SHA256 over the raw body", () => {
    const { connector } = setup();
    const delivery = jobberWebhook(CLIENT_SECRET, {
      topic: "JOB_CLOSED",
      accountId: ACCOUNT,
      itemId: encodedId("Job", 9001),
      occurredAt: "2026-01-05T14:45:00Z",
    });
    const now = new Date();
    expect(connector.verifyWebhook({ ...delivery, now })).toEqual({ ok: true });
    expect(connector.verifyWebhook({ ...delivery, rawBody: Buffer.from(delivery.rawBody), now })).toEqual({ ok: true });
    expect(connector.verifyWebhook({ ...delivery, rawBody: delivery.rawBody.replace("JOB_CLOSED", "APP_DISCONNECT"), now }).ok).toBe(false);
    const forged = jobberWebhook("not-the-secret", { topic: "JOB_CLOSED", accountId: ACCOUNT, itemId: "x", occurredAt: "2026-01-05T14:45:00Z" });
    expect(connector.verifyWebhook({ ...forged, now })).toEqual({ ok: false, status: 401, reason: "signature mismatch" });
    const headers = new Headers(delivery.headers);
    headers.delete("X-Jobber-Hmac-SHA256");
    expect(connector.verifyWebhook({ ...delivery, headers, now })).toEqual({
      ok: false,
      status: 401,
      reason: "missing X-Jobber-Hmac-SHA256 header",
    });
  });

  it("derives a stable event id from topic, item and time", () => {
    const { connector } = setup();
    const a = webhookOf(connector, "JOB_UPDATE", "job-1", "2026-01-05T14:45:00Z");
    const redelivered = webhookOf(connector, "JOB_UPDATE", "job-1", "2026-01-05T09:45:00-05:00");
    expect(a.eventId).toBe(redelivered.eventId);
    expect(a.eventId).toBe(jobberEventId("JOB_UPDATE", "job-1", "2026-01-05T14:45:00Z"));
    expect(webhookOf(connector, "JOB_UPDATE", "job-2").eventId).not.toBe(a.eventId);
    // Each update of one job is its own event (a later one may be the one that closes the job).
    expect(webhookOf(connector, "JOB_UPDATE", "job-1", "2026-01-05T14:45:01Z").eventId).not.toBe(a.eventId);
    expect(webhookOf(connector, "VISIT_COMPLETE", "job-1", "2026-01-05T14:45:00Z").eventId).not.toBe(a.eventId);
    expect(a).toMatchObject({ topic: "JOB_UPDATE", accountId: ACCOUNT, occurredAt: new Date("2026-01-05T14:45:00Z") });
  });

  it("names the missing field of a malformed webhook", () => {
    const { connector } = setup();
    const rawBody = JSON.stringify({ data: { webHookEvent: { topic: "JOB_CLOSED", accountId: ACCOUNT, occurredAt: "soon" } } });
    const err = (() => {
      try {
        connector.parseWebhook({ headers: new Headers(), rawBody });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(Object.keys((err as ValidationError).fieldErrors).sort()).toEqual([
      "data.webHookEvent.itemId",
      "data.webHookEvent.occurredAt",
    ]);
  });
});

describe("Jobber webhooks to domain events", () => {
  it("JOB_UPDATE fetches the job and its client; a job Jobber says needs invoicing yields job.completed", async () => {
    const { connector, mock, install } = setup();
    const { accessToken } = await install();
    const events = await connector.toDomainEvents(webhookOf(connector, "JOB_UPDATE", encodedId("Job", 9001)), api(accessToken));
    expect(events).toEqual([
      {
        type: "job.completed",
        job: {
          hostJobId: encodedId("Job", 9001),
          title: "Spring cleanup",
          serviceType: "Lawn mowing",
          status: "requires_invoicing",
          completedAt: new Date("2026-01-05T14:30:00Z"),
          noReviewRequest: false,
          occurredAt: new Date("2026-01-05T14:45:00Z"),
          customer: {
            hostCustomerId: encodedId("Client", 501),
            firstName: "Dana",
            lastName: "Whitfield",
            email: "dana.whitfield@example.com",
            phone: "+13055550142",
            region: "FL",
            country: "US",
          },
        },
      },
    ]);
    const last = mock.graphqlRequests().at(-1)!;
    expect(last.body).toMatchObject({ operationName: "KudosJob", variables: { id: encodedId("Job", 9001) } });
    expect(String(last.body.query)).toContain("emails { address primary }");
  });

  it("reads the service type and the no-review flag from job custom fields", async () => {
    const { connector, mock, install } = setup();
    mock.addJob(
      jobFixture({
        id: encodedId("Job", 9002),
        completedAt: null,
        customFields: [
          { __typename: "CustomFieldText", label: "Service Type", valueText: "Gutter cleaning" },
          { __typename: "CustomFieldTrueFalse", label: "No review request", valueTrueFalse: true },
        ],
      }),
    );
    const { accessToken } = await install();
    const [event] = await connector.toDomainEvents(webhookOf(connector, "JOB_CLOSED", encodedId("Job", 9002)), api(accessToken));
    expect(event).toMatchObject({
      type: "job.completed",
      // No completedAt from Jobber: the close event's time stands in.
      job: { serviceType: "Gutter cleaning", noReviewRequest: true, completedAt: new Date("2026-01-05T14:45:00Z") },
    });
  });

  it("VISIT_COMPLETE reads the visit and its job, completed at the visit's time", async () => {
    const { connector, mock, install } = setup();
    mock.addVisit({ id: encodedId("Visit", 31), completedAt: "2026-01-05T13:10:00Z", jobId: encodedId("Job", 9001) });
    const { accessToken } = await install();
    const [event] = await connector.toDomainEvents(webhookOf(connector, "VISIT_COMPLETE", encodedId("Visit", 31)), api(accessToken));
    expect(event).toMatchObject({
      type: "job.completed",
      job: { hostJobId: encodedId("Job", 9001), completedAt: new Date("2026-01-05T13:10:00Z") },
    });
    expect(mock.graphqlRequests().at(-1)?.body.operationName).toBe("KudosVisit");
  });

  it("JOB_UPDATE decides from Jobber's job status: in progress is an update, closed is a completion", async () => {
    const { connector, mock, install } = setup();
    const { accessToken } = await install();
    const id = encodedId("Job", 9010);
    const update = async (jobStatus: string, completedAt: string | null, occurredAt: string, topic = "JOB_UPDATE") => {
      mock.addJob(jobFixture({ id, jobStatus, completedAt }));
      return connector.toDomainEvents(webhookOf(connector, topic, id, occurredAt), api(accessToken));
    };
    // A one-off job with no visit, edited before Jobber closes it: never a completion.
    for (const status of ["unscheduled", "upcoming", "today", "late", "active", "action_required", "on_hold", "expiring_within_30_days"]) {
      expect(await update(status, null, "2026-01-05T14:00:00Z"), status).toMatchObject([
        { type: "job.updated", job: { hostJobId: id, status, completedAt: null } },
      ]);
    }
    // Closed with an invoice to send, or closed and done with: the work is done.
    expect(await update("requires_invoicing", "2026-01-05T14:20:00Z", "2026-01-05T14:21:00Z")).toMatchObject([
      { type: "job.completed", job: { status: "requires_invoicing", completedAt: new Date("2026-01-05T14:20:00Z") } },
    ]);
    expect(await update("archived", null, "2026-01-05T14:40:00Z")).toMatchObject([
      { type: "job.completed", job: { status: "archived", completedAt: new Date("2026-01-05T14:40:00Z") } },
    ]);
    // Reopened: back in progress is an update again, with no completion time, as Jobber has it.
    expect(await update("active", null, "2026-01-05T15:00:00Z")).toMatchObject([
      { type: "job.updated", job: { status: "active", completedAt: null } },
    ]);
    // JOB_CLOSED (unconfirmed, not subscribed) is still accepted, and decided from the status read back.
    expect(await update("upcoming", null, "2026-01-05T15:10:00Z", "JOB_CLOSED")).toMatchObject([{ type: "job.updated" }]);
    expect(await update("archived", "2026-01-05T15:20:00Z", "2026-01-05T15:21:00Z", "JOB_CLOSED")).toMatchObject([{ type: "job.completed" }]);
  });

  it("VISIT_COMPLETE completes a job still in progress (a recurring one), unless the visit was uncompleted since", async () => {
    const { connector, mock, install } = setup();
    const jobId = encodedId("Job", 9003);
    mock.addJob(jobFixture({ id: jobId, jobStatus: "upcoming", completedAt: null }));
    mock.addVisit({ id: encodedId("Visit", 32), completedAt: "2026-01-05T13:10:00Z", jobId });
    mock.addVisit({ id: encodedId("Visit", 33), completedAt: null, jobId });
    const { accessToken } = await install();
    expect(await connector.toDomainEvents(webhookOf(connector, "VISIT_COMPLETE", encodedId("Visit", 32)), api(accessToken))).toMatchObject([
      { type: "job.completed", job: { hostJobId: jobId, status: "upcoming", completedAt: new Date("2026-01-05T13:10:00Z") } },
    ]);
    expect(await connector.toDomainEvents(webhookOf(connector, "VISIT_COMPLETE", encodedId("Visit", 33)), api(accessToken))).toMatchObject([
      { type: "job.updated", job: { hostJobId: jobId, status: "upcoming", completedAt: null } },
    ]);
  });

  it("CLIENT_UPDATE yields customer.updated; unknown items yield nothing", async () => {
    const { connector, mock, install } = setup();
    mock.addClient(clientFixture({ id: encodedId("Client", 502), emails: [], phones: [{ number: "n/a", primary: true }] }));
    const { accessToken } = await install();
    expect(await connector.toDomainEvents(webhookOf(connector, "CLIENT_UPDATE", encodedId("Client", 502)), api(accessToken))).toEqual([
      {
        type: "customer.updated",
        customer: { hostCustomerId: encodedId("Client", 502), firstName: "Dana", lastName: "Whitfield", region: "FL", country: "US" },
        occurredAt: new Date("2026-01-05T14:45:00Z"),
      },
    ]);
    expect(await connector.toDomainEvents(webhookOf(connector, "JOB_UPDATE", encodedId("Job", 404)), api(accessToken))).toEqual([]);
  });

  it("APP_DISCONNECT yields app.uninstalled without touching the API; other topics are ignored", async () => {
    const { connector, mock } = setup();
    const access = api("unused");
    expect(await connector.toDomainEvents(webhookOf(connector, "APP_DISCONNECT", ACCOUNT), access)).toEqual([{ type: "app.uninstalled" }]);
    expect(await connector.toDomainEvents(webhookOf(connector, "APP_CONNECT", ACCOUNT), access)).toEqual([]);
    expect(access.calls).toBe(0);
    expect(mock.requests).toEqual([]);
  });
});

describe("Jobber API limits and failures", () => {
  it("waits for the cost bucket before a query that would not fit", async () => {
    const { connector, mock, sleeps, install } = setup();
    const { accessToken } = await install();
    // After the next job query (cost 52) only 20 points are left.
    mock.setAvailable(52 + 20);
    await connector.fetchJob!(accessToken, encodedId("Job", 9001));
    expect(sleeps).toEqual([]);
    await connector.fetchJob!(accessToken, encodedId("Job", 9001));
    // (52 - 20) points at 500 points/s.
    expect(sleeps).toEqual([64]);
    expect(mock.graphqlRequests().every((r) => r.status === 200)).toBe(true);
  });

  it("retries a THROTTLED answer after waiting for the reported shortfall", async () => {
    const { connector, mock, sleeps, install } = setup();
    const { accessToken } = await install();
    mock.setAvailable(10);
    const job = await connector.fetchJob!(accessToken, encodedId("Job", 9001));
    expect(job?.hostJobId).toBe(encodedId("Job", 9001));
    expect(sleeps).toEqual([84]); // (52 - 10) / 500 s
    expect(mock.graphqlRequests().slice(-2).map((r) => r.body.operationName)).toEqual(["KudosJob", "KudosJob"]);
  });

  it("backs off on HTTP 429 and retries, honouring Retry-After", async () => {
    const { connector, mock, sleeps, install } = setup();
    const { accessToken } = await install();
    mock.rateLimitNext(2);
    await expect(connector.fetchJob!(accessToken, encodedId("Job", 9001))).resolves.toBeTruthy();
    expect(sleeps).toEqual([1000, 2000]);
    mock.rateLimitNext(1, "3");
    await connector.fetchJob!(accessToken, encodedId("Job", 9001));
    expect(sleeps).toEqual([1000, 2000, 3000]);
  });

  it("gives up after a bounded number of 429s", async () => {
    const { connector, mock, sleeps, install } = setup();
    const { accessToken } = await install();
    const before = mock.graphqlRequests().length;
    mock.rateLimitNext(100);
    await expect(connector.fetchJob!(accessToken, encodedId("Job", 9001))).rejects.toBeInstanceOf(HostRateLimitedError);
    expect(mock.graphqlRequests().length - before).toBe(4);
    expect(sleeps).toHaveLength(3);
  });

  it("surfaces the disconnected-token answer as HostDisconnectedError", async () => {
    for (const as of ["http", "graphql"] as const) {
      const { connector, mock, install } = setup();
      const grant = await install();
      mock.disconnect(ACCOUNT, as);
      await expect(
        connector.toDomainEvents(webhookOf(connector, "JOB_UPDATE", encodedId("Job", 9001)), api(grant.accessToken)),
      ).rejects.toBeInstanceOf(HostDisconnectedError);
      if (as === "http") await expect(connector.refresh(grant.refreshToken!)).rejects.toBeInstanceOf(HostDisconnectedError);
    }
  });

  it("reports an expired or unknown token as a non-retryable 401", async () => {
    const { connector } = setup();
    await expect(connector.fetchJob!("not-a-token", encodedId("Job", 9001))).rejects.toMatchObject({
      status: 401,
      code: "unauthorized",
      retryable: false,
    });
  });
});

// The stand-in executes each query against Jobber's types (test/mocks/jobber.ts), so the answer
// holds what the query selects and nothing else: a field dropped from or misspelt in
// app/hosts/jobber/queries.ts fails here instead of being papered over by a whole fixture.
describe("Jobber GraphQL stand-in", () => {
  it("every query Kudos sends is valid against Jobber's schema", () => {
    for (const operation of [ACCOUNT_QUERY, CLIENT_QUERY, JOB_QUERY, VISIT_QUERY]) {
      expect(validate(JOBBER_SCHEMA, parse(operation.query)).map((e) => e.message), operation.name).toEqual([]);
    }
  });

  it("answers exactly the selection set, honouring field arguments", async () => {
    const { install } = setup();
    const { accessToken } = await install();
    const res = await fetch(JOBBER_GRAPHQL_URL, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json", "X-JOBBER-GRAPHQL-VERSION": "2025-04-16" },
      body: JSON.stringify({
        operationName: "Narrow",
        query: "query Narrow($id: EncodedId!) { job(id: $id) { id client { firstName } lineItems(first: 1) { nodes { name } } } }",
        variables: { id: encodedId("Job", 9001) },
      }),
    });
    const body = (await res.json()) as { data: unknown; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ job: { id: encodedId("Job", 9001), client: { firstName: "Dana" }, lineItems: { nodes: [{ name: "Lawn mowing" }] } } });
  });

  it("refuses a misspelt field, an unknown field and a missing argument, as Jobber does, and charges nothing", async () => {
    const { mock, install } = setup();
    const { accessToken } = await install();
    const client = new JobberGraphqlClient({ version: "2025-04-16", sleep: async () => {} });
    const variant = (query: string): JobberOperation => ({ ...JOB_QUERY, query });
    const available = mock.throttle.currentlyAvailable;
    const cases: Array<[string, string]> = [
      [JOB_QUERY.query.replace("emails { address primary }", "emails { adress primary }"), 'Cannot query field "adress" on type "Email"'],
      [JOB_QUERY.query.replace("jobStatus", "status"), 'Cannot query field "status" on type "Job"'],
      [JOB_QUERY.query.replace("job(id: $id)", "job"), 'Field "job" argument "id" of type "EncodedId!" is required'],
    ];
    for (const [query, message] of cases) {
      const err = await client.request(accessToken, variant(query), { id: encodedId("Job", 9001) }, jobResponseSchema).catch((e: unknown) => e);
      expect(err, message).toBeInstanceOf(HostApiError);
      expect((err as HostApiError).message).toContain(message);
      expect(err).toMatchObject({ code: "graphql_error", retryable: false });
    }
    expect(mock.throttle.currentlyAvailable).toBe(available);
  });
});
