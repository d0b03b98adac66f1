import { createHmac } from "node:crypto";
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import {
  createTwilioTransport,
  validateTwilioSignature,
  withRetries,
  type OutgoingSms,
} from "~/engine/transports/index.server";
import { createLogger } from "~/logger.server";
import { TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN, setupTwilioMock } from "../mocks/twilio";

const mock = setupTwilioMock();
const logger = createLogger("silent");

function transport(over: { messagingServiceSid?: string; timeoutMs?: number } = {}) {
  return createTwilioTransport({
    accountSid: TEST_TWILIO_ACCOUNT_SID,
    authToken: TEST_TWILIO_AUTH_TOKEN,
    fromNumber: "+15550100200",
    logger,
    ...over,
  });
}

const sms: OutgoingSms = {
  businessId: "7d3c2a0e-8a4b-4c1e-9f65-0a1b2c3d4e5f",
  idempotencyKey: "touch:enrollment-1:2",
  to: "+15550100999",
  body: "Bright Plumbing: Thanks Jordan! https://kudos.example.com/r/abc\nReply STOP to opt out",
  statusCallbackUrl: "https://kudos.example.com/webhooks/twilio/status",
  segments: 1,
};

function sleeps() {
  const slept: number[] = [];
  return { slept, sleep: async (ms: number) => void slept.push(ms) };
}

describe("Twilio transport", () => {
  it("posts the form-encoded message with basic auth and returns the message sid", async () => {
    const result = await transport().send(sms);

    expect(mock.requests).toHaveLength(1);
    const req = mock.requests[0]!;
    expect(req.accountSid).toBe(TEST_TWILIO_ACCOUNT_SID);
    expect(req.authorization).toBe(
      `Basic ${Buffer.from(`${TEST_TWILIO_ACCOUNT_SID}:${TEST_TWILIO_AUTH_TOKEN}`).toString("base64")}`,
    );
    expect(req.form).toEqual({
      To: "+15550100999",
      From: "+15550100200",
      Body: sms.body,
      StatusCallback: "https://kudos.example.com/webhooks/twilio/status",
    });
    expect(result).toEqual({ ok: true, providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
  });

  it("sends through a Messaging Service instead of a number when one is configured", async () => {
    await transport({ messagingServiceSid: `MG${"a".repeat(32)}` }).send(sms);
    expect(mock.requests[0]!.form.MessagingServiceSid).toBe(`MG${"a".repeat(32)}`);
    expect(mock.requests[0]!.form.From).toBeUndefined();
  });

  it("maps 21610 (recipient replied STOP) to a non-retryable failure with code 21610, never retried", async () => {
    const { slept, sleep } = sleeps();
    mock.queueFailures({ kind: "unsubscribed" });
    const result = await withRetries(transport(), { sleep }).send(sms);
    expect(result).toEqual({ ok: false, retryable: false, code: "21610", error: "Attempt to send to unsubscribed recipient" });
    expect(mock.requests).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it("maps other 4xx errors to non-retryable failures with Twilio's code and message", async () => {
    mock.queueFailures({ kind: "invalid_number" });
    expect(await transport().send(sms)).toEqual({
      ok: false,
      retryable: false,
      code: "21211",
      error: "The 'To' number +15550100999 is not a valid phone number.",
    });
    const wrongToken = createTwilioTransport({
      accountSid: TEST_TWILIO_ACCOUNT_SID,
      authToken: "wrong",
      fromNumber: "+15550100200",
      logger,
    });
    expect(await wrongToken.send(sms)).toEqual({ ok: false, retryable: false, code: "20003", error: "Authenticate" });
  });

  it("maps a 429 to a retryable failure with Retry-After, and withRetries then succeeds", async () => {
    mock.queueFailures({ kind: "rate_limit", retryAfterSeconds: 1 });
    expect(await transport().send(sms)).toEqual({
      ok: false,
      retryable: true,
      code: "20429",
      error: "Too Many Requests",
      retryAfterMs: 1000,
    });

    const { slept, sleep } = sleeps();
    mock.queueFailures({ kind: "rate_limit", retryAfterSeconds: 1 });
    const result = await withRetries(transport(), { attempts: 3, baseDelayMs: 100, sleep, random: () => 0 }).send(sms);
    expect(result).toMatchObject({ ok: true, providerMessageId: expect.stringMatching(/^SM/) });
    expect(slept).toEqual([1000]);
    expect(mock.requests).toHaveLength(3);
  });

  it("maps a 503 and a refused connection to retryable failures; gives up after the last attempt", async () => {
    const { slept, sleep } = sleeps();
    mock.queueFailures({ kind: "unavailable" }, { kind: "network" }, { kind: "unavailable" });
    const result = await withRetries(transport(), { attempts: 3, baseDelayMs: 200, sleep, random: () => 1 }).send(sms);
    expect(result).toEqual({ ok: false, retryable: true, code: "20503", error: "Service unavailable" });
    expect(mock.requests).toHaveLength(3);
    expect(mock.messages).toEqual([]);
    expect(slept).toEqual([200, 400]);
  });

  it("does not resend after a 500: Twilio may have created the message (error 20500), and a retry would text twice", async () => {
    const { slept, sleep } = sleeps();
    // Twilio created the text, then answered 500.
    mock.queueFailures({ kind: "server_error", accepted: true });
    const result = await withRetries(transport(), { attempts: 3, sleep }).send(sms);
    expect(result).toEqual({ ok: false, retryable: false, code: "20500", error: "Internal Server Error; the message may have been sent" });
    expect(mock.messages).toHaveLength(1);
    expect(mock.requests).toHaveLength(1);
    expect(slept).toEqual([]);
    // The same answer when nothing was created: the client cannot tell the two apart.
    mock.queueFailures({ kind: "server_error" });
    expect(await withRetries(transport(), { attempts: 3, sleep }).send(sms)).toMatchObject({ ok: false, retryable: false, code: "20500" });
    expect(mock.messages).toHaveLength(1);
  });

  it("does not resend when Twilio may have accepted the message: timeout or unreadable 201", async () => {
    mock.queueFailures({ kind: "slow", delayMs: 2_000 });
    expect(await withRetries(transport({ timeoutMs: 50 }), { sleep: async () => {} }).send(sms)).toEqual({
      ok: false,
      retryable: false,
      code: "timeout",
      error: "Twilio did not answer within 50 ms; the message may have been sent",
    });
    mock.queueFailures({ kind: "malformed" });
    expect(await withRetries(transport(), { sleep: async () => {} }).send(sms)).toMatchObject({ ok: false, retryable: false, code: "malformed_response" });
    // Both texts were created at Twilio (as it would), and neither was sent again.
    expect(mock.messages).toHaveLength(2);
    expect(mock.requests).toHaveLength(2);
  });
});

describe("validateTwilioSignature", () => {
  const url = "https://kudos.example.com/webhooks/twilio/status?business=7d3c2a0e";
  const params = {
    MessageSid: `SM${"b".repeat(32)}`,
    MessageStatus: "delivered",
    AccountSid: TEST_TWILIO_ACCOUNT_SID,
    To: "+15550100999",
  };

  it("accepts the signature Twilio computes, also checked against the documented algorithm", () => {
    const signature = twilio.getExpectedTwilioSignature(TEST_TWILIO_AUTH_TOKEN, url, params);
    // base64 HMAC-SHA1 of the URL followed by the params sorted by name, name+value concatenated.
    const data = url + Object.keys(params).sort().map((k) => k + params[k as keyof typeof params]).join("");
    expect(signature).toBe(createHmac("sha1", TEST_TWILIO_AUTH_TOKEN).update(data).digest("base64"));
    expect(validateTwilioSignature(TEST_TWILIO_AUTH_TOKEN, url, params, signature)).toBe(true);
  });

  it("rejects a tampered param, another URL, another token, and a missing signature", () => {
    const signature = twilio.getExpectedTwilioSignature(TEST_TWILIO_AUTH_TOKEN, url, params);
    expect(validateTwilioSignature(TEST_TWILIO_AUTH_TOKEN, url, { ...params, MessageStatus: "failed" }, signature)).toBe(false);
    expect(validateTwilioSignature(TEST_TWILIO_AUTH_TOKEN, url, { ...params, Extra: "1" }, signature)).toBe(false);
    expect(validateTwilioSignature(TEST_TWILIO_AUTH_TOKEN, url.replace("7d3c2a0e", "other"), params, signature)).toBe(false);
    expect(validateTwilioSignature("another-token", url, params, signature)).toBe(false);
    expect(validateTwilioSignature(TEST_TWILIO_AUTH_TOKEN, url, params, "")).toBe(false);
    expect(validateTwilioSignature(TEST_TWILIO_AUTH_TOKEN, url, params, undefined)).toBe(false);
  });
});
