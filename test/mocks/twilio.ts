// msw stand-in for Twilio's Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json), modelled
// on what Twilio does: a request that passes authentication and validation CREATES the Message
// (the text goes out) before anything can go wrong with the answer. Twilio's Messages API has no
// idempotency key: every accepted request is another text, and a 500 on a send may come after
// the message was created — "if you get a 500 Server Error on these requests, and you retry the
// request, it is possible for a customer to receive multiple messages"
// (https://www.twilio.com/docs/api/errors/20500). Queued failures either refuse the request
// (21610 STOP, 21211, 429, 503, a 500 or a dropped connection by default) or, for an unreadable 201, a
// late answer, or a 500 / dropped connection with `accepted: true`, spoil only the answer.
// Answers are Twilio's message JSON (sid "SM" + 32 hex, status "queued"). Every request is
// recorded, and every text Twilio accepted is listed in `messages`, whether or not the client
// ever read the answer.
import { randomBytes } from "node:crypto";
import { delay, http, HttpResponse, type RequestHandler } from "msw";
import { afterEach } from "vitest";
import { createResendMock, setupMockServer, type ResendMock } from "./resend";
import { TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN } from "./twilio-account";

export { TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN };
export const TWILIO_API = "https://api.twilio.com";

export interface RecordedTwilioRequest {
  accountSid: string;
  authorization: string | null;
  form: Record<string, string>;
  /** The Message this request created; unset when Twilio refused it (or while in flight). */
  sid?: string;
}

/** A text Twilio accepted (a Message resource it created). */
export interface AcceptedTwilioMessage {
  sid: string;
  /** Index in `requests` of the request that created it. */
  request: number;
  form: Record<string, string>;
}

export type TwilioFailure =
  | { kind: "unsubscribed" }
  | { kind: "invalid_number" }
  /** 21614: the number is valid but not a mobile (https://www.twilio.com/docs/api/errors/21614). */
  | { kind: "not_mobile" }
  | { kind: "rate_limit"; retryAfterSeconds?: number }
  /** 503 (Twilio error 20503, "try again with exponential back-off"): nothing created. */
  | { kind: "unavailable" }
  /** A 500; `accepted`: after the message was created (the text goes out, the answer says 500). */
  | { kind: "server_error"; accepted?: boolean }
  /** Created, then answered 201 with a body that is not JSON. */
  | { kind: "malformed" }
  /** Created, then answered normally after this long (for client timeouts). */
  | { kind: "slow"; delayMs: number }
  /** The connection fails; `accepted`: after the message was created. */
  | { kind: "network"; accepted?: boolean };

const errorJson = (status: number, code: number, message: string, headers?: Record<string, string>) =>
  HttpResponse.json(
    { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    { status, headers },
  );

/** Twilio's answer to a created message (the fields of its Message resource). */
export function twilioMessageJson(accountSid: string, form: Record<string, string>, sid: string, at: Date = new Date()) {
  const now = at.toUTCString().replace("GMT", "+0000");
  return {
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
  };
}

export const newMessageSid = () => `SM${randomBytes(16).toString("hex")}`;

/** Twilio's checks before it creates a message: an error answer, or null to create it. */
export function twilioRefusal(
  failure: TwilioFailure | undefined,
  req: { authorization: string | null; accountSid: string; form: Record<string, string> },
  expected: { authorization: string; accountSid: string },
): { status: number; code: number; message: string; headers?: Record<string, string> } | "network" | null {
  switch (failure?.kind) {
    case "unsubscribed":
      return { status: 400, code: 21610, message: "Attempt to send to unsubscribed recipient" };
    case "invalid_number":
      return { status: 400, code: 21211, message: `The 'To' number ${req.form.To ?? ""} is not a valid phone number.` };
    case "not_mobile":
      return { status: 400, code: 21614, message: `The 'To' number ${req.form.To ?? ""} is not a valid mobile number` };
    case "rate_limit":
      return { status: 429, code: 20429, message: "Too Many Requests", headers: { "retry-after": String(failure.retryAfterSeconds ?? 1) } };
    case "unavailable":
      return { status: 503, code: 20503, message: "Service unavailable" };
    case "server_error":
      if (!failure.accepted) return { status: 500, code: 20500, message: "Internal Server Error" };
      break;
    case "network":
      if (!failure.accepted) return "network";
      break;
  }
  if (req.authorization !== expected.authorization || req.accountSid !== expected.accountSid) return { status: 401, code: 20003, message: "Authenticate" };
  if (!req.form.To || !req.form.Body) return { status: 400, code: 21604, message: "A 'To' phone number and a 'Body' are required." };
  if (!req.form.From && !req.form.MessagingServiceSid) return { status: 400, code: 21603, message: "A 'From' phone number is required." };
  return null;
}

export function createTwilioMock(options: { accountSid?: string; authToken?: string } = {}) {
  const accountSid = options.accountSid ?? TEST_TWILIO_ACCOUNT_SID;
  const authToken = options.authToken ?? TEST_TWILIO_AUTH_TOKEN;
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`;
  const requests: RecordedTwilioRequest[] = [];
  const messages: AcceptedTwilioMessage[] = [];
  const failures: TwilioFailure[] = [];

  const handlers: RequestHandler[] = [
    http.post(`${TWILIO_API}/2010-04-01/Accounts/:accountSid/Messages.json`, async ({ request, params }) => {
      const form = Object.fromEntries(new URLSearchParams(await request.text()));
      const entry: RecordedTwilioRequest = { accountSid: String(params.accountSid), authorization: request.headers.get("authorization"), form };
      requests.push(entry);
      const index = requests.length - 1;
      const failure = failures.shift();
      const refused = twilioRefusal(failure, entry, { authorization: expectedAuth, accountSid });
      if (refused === "network") return HttpResponse.error();
      if (refused) return errorJson(refused.status, refused.code, refused.message, refused.headers);
      // Created: the text is Twilio's to send now, whatever happens to the answer.
      const sid = newMessageSid();
      entry.sid = sid;
      messages.push({ sid, request: index, form });
      switch (failure?.kind) {
        case "server_error":
          return errorJson(500, 20500, "Internal Server Error");
        case "network":
          return HttpResponse.error();
        case "malformed":
          return new HttpResponse('{"sid": "SM', { status: 201, headers: { "content-type": "application/json" } });
        case "slow":
          await delay(failure.delayMs);
          break;
      }
      return HttpResponse.json(twilioMessageJson(accountSid, form, sid), { status: 201 });
    }),
  ];

  return {
    handlers,
    requests,
    messages,
    accountSid,
    authToken,
    queueFailures(...next: TwilioFailure[]) {
      failures.push(...next);
    },
    reset() {
      requests.length = 0;
      messages.length = 0;
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
