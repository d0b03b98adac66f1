// msw stand-in for Twilio's Messages API. Records every request (account, auth header, form
// fields), answers 201 with Twilio's message JSON (sid "SM" + 32 hex, status "queued"), and lets
// a test queue failures for the next requests: 21610 (recipient replied STOP), 429, 500...
import { randomBytes } from "node:crypto";
import { delay, http, HttpResponse, type RequestHandler } from "msw";
import { afterEach } from "vitest";
import { createResendMock, setupMockServer, type ResendMock } from "./resend";

export const TWILIO_API = "https://api.twilio.com";
export const TEST_TWILIO_ACCOUNT_SID = `AC${"0123456789abcdef".repeat(2)}`;
export const TEST_TWILIO_AUTH_TOKEN = "test-auth-token-0123456789abcdef";

export interface RecordedTwilioRequest {
  accountSid: string;
  authorization: string | null;
  form: Record<string, string>;
}

export type TwilioFailure =
  | { kind: "unsubscribed" }
  | { kind: "invalid_number" }
  | { kind: "rate_limit"; retryAfterSeconds?: number }
  | { kind: "server_error" }
  /** 201 with a body that is not JSON. */
  | { kind: "malformed" }
  | { kind: "slow"; delayMs: number }
  | { kind: "network" };

const errorJson = (status: number, code: number, message: string, headers?: Record<string, string>) =>
  HttpResponse.json(
    { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    { status, headers },
  );

export function createTwilioMock(options: { accountSid?: string; authToken?: string } = {}) {
  const accountSid = options.accountSid ?? TEST_TWILIO_ACCOUNT_SID;
  const authToken = options.authToken ?? TEST_TWILIO_AUTH_TOKEN;
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;
  const requests: RecordedTwilioRequest[] = [];
  const failures: TwilioFailure[] = [];

  async function failure(form: Record<string, string>): Promise<Response | undefined> {
    const f = failures.shift();
    if (!f) return undefined;
    switch (f.kind) {
      case "unsubscribed":
        return errorJson(400, 21610, "Attempt to send to unsubscribed recipient");
      case "invalid_number":
        return errorJson(400, 21211, `The 'To' number ${form.To ?? ""} is not a valid phone number.`);
      case "rate_limit":
        return errorJson(429, 20429, "Too Many Requests", { "retry-after": String(f.retryAfterSeconds ?? 1) });
      case "server_error":
        return errorJson(500, 20500, "Internal Server Error");
      case "malformed":
        return new HttpResponse('{"sid": "SM', { status: 201, headers: { "content-type": "application/json" } });
      case "network":
        return HttpResponse.error();
      case "slow":
        await delay(f.delayMs);
        return undefined;
    }
  }

  const handlers: RequestHandler[] = [
    http.post(`${TWILIO_API}/2010-04-01/Accounts/:accountSid/Messages.json`, async ({ request, params }) => {
      const form = Object.fromEntries(new URLSearchParams(await request.text()));
      const authorization = request.headers.get("authorization");
      requests.push({ accountSid: String(params.accountSid), authorization, form });
      const failed = await failure(form);
      if (failed) return failed;
      if (authorization !== expectedAuth || params.accountSid !== accountSid) return errorJson(401, 20003, "Authenticate");
      if (!form.To || !form.Body) return errorJson(400, 21604, "A 'To' phone number and a 'Body' are required.");
      if (!form.From && !form.MessagingServiceSid) return errorJson(400, 21603, "A 'From' phone number is required.");
      const sid = `SM${randomBytes(16).toString("hex")}`;
      const now = new Date().toUTCString().replace("GMT", "+0000");
      return HttpResponse.json(
        {
          account_sid: accountSid,
          api_version: "2010-04-01",
          body: form.Body,
          date_created: now,
          date_sent: null,
          date_updated: now,
          direction: "outbound-api",
          error_code: null,
          error_message: null,
          from: form.From ?? null,
          messaging_service_sid: form.MessagingServiceSid ?? null,
          num_media: "0",
          num_segments: "1",
          price: null,
          price_unit: "USD",
          sid,
          status: "queued",
          subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
          to: form.To,
          uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
        },
        { status: 201 },
      );
    }),
  ];

  return {
    handlers,
    requests,
    accountSid,
    authToken,
    queueFailures(...next: TwilioFailure[]) {
      failures.push(...next);
    },
    reset() {
      requests.length = 0;
      failures.length = 0;
    },
  };
}

export type TwilioMock = ReturnType<typeof createTwilioMock>;

/** A Twilio mock on its own msw server, reset after each test. */
export function setupTwilioMock(): TwilioMock {
  const mock = createTwilioMock();
  setupMockServer(...mock.handlers);
  afterEach(() => mock.reset());
  return mock;
}

/** Both provider mocks on one msw server (a file can run only one), reset after each test. */
export function setupProviderMocks(): { resend: ResendMock; twilio: TwilioMock } {
  const resend = createResendMock();
  const twilio = createTwilioMock();
  setupMockServer(...resend.handlers, ...twilio.handlers);
  afterEach(() => {
    resend.reset();
    twilio.reset();
  });
  return { resend, twilio };
}
