// Webhook signatures against fixed vectors. Every expected header value below is a literal,
// computed once outside the app (node:crypto createHmac, cross-checked with
// `printf '%s' '<signed text>' | openssl dgst -sha256 -hmac '<secret>' -binary | base64`), and each
// test also recomputes it here from the documented recipe. The app's signers and verifiers must
// reproduce the literals byte for byte, so a change in what is signed (separator, encoding, key,
// digest, base64 flavour, the URL Twilio signed) fails even when signer and verifier change together.
import { createHmac } from "node:crypto";
import twilioSdk from "twilio";
import { describe, expect, it } from "vitest";
import { validateTwilioSignature } from "~/engine/transports/index.server";
import { GENERIC_HEADERS } from "~/hosts/generic/schema";
import { signGenericWebhook, verifyGenericSignature } from "~/hosts/generic/signature.server";
import { createJobberConnector, JOBBER_HMAC_HEADER } from "~/hosts/jobber/connector.server";
import { loadHostManifests } from "~/hosts/manifest.server";
import { verifyTwilioRequest } from "~/stops/twilio-webhooks.server";
import { jobberWebhook } from "../mocks/jobber";

/** One character of a base64 signature changed, still valid base64. */
const flipOne = (s: string, i = 5) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);

describe("generic host protocol: base64 HMAC-SHA256 of `<timestamp>.<raw body>`", () => {
  const vectors = [
    {
      name: "the job.completed example published in docs/host-protocol.md",
      secret: "acme-client-secret-0123456789abcdef",
      timestamp: 1767625200,
      body: '{"topic":"job.completed","account_id":"acct_42","occurred_at":"2026-01-05T14:59:00Z","job":{"id":"job_1001","status":"completed","customer":{"id":"cus_77","first_name":"Dana","email":"dana@example.com"}}}',
      signature: "jZvmRvyOCBrBhuupwmY9zchVUljqGYImAyzh1iOp0ac=",
    },
    {
      name: "a body with accents and an emoji (signed as UTF-8 bytes)",
      secret: "whsec-kudos-vector-2",
      timestamp: 1700000000,
      body: '{"topic":"customer.updated","account_id":"acct_7","customer":{"id":"c-1","first_name":"Zoë","last_name":"Ørsted 🌿"}}',
      signature: "nP9pYJZAdh9vw+mIySZxo/dnpr2suH7q+XWK+26moDw=",
    },
    { name: "an empty body at timestamp 0", secret: "k", timestamp: 0, body: "", signature: "a0pLizxA8ej1Oj02aC5fmfetKsHfHJPf4zbzKRZ2Qec=" },
  ];

  const headersFor = (timestamp: number | string, signature: string) =>
    new Headers({ [GENERIC_HEADERS.timestamp]: String(timestamp), [GENERIC_HEADERS.signature]: signature });

  for (const v of vectors) {
    it(`signs and verifies ${v.name}`, () => {
      // The literal is what the documented recipe gives.
      expect(createHmac("sha256", v.secret).update(`${v.timestamp}.${v.body}`).digest("base64")).toBe(v.signature);
      // The app's signer, whatever form the body and timestamp arrive in.
      expect(signGenericWebhook(v.secret, v.timestamp, v.body)).toBe(v.signature);
      expect(signGenericWebhook(v.secret, String(v.timestamp), Buffer.from(v.body, "utf8"))).toBe(v.signature);
      // The app's verifier, within the tolerance window.
      const now = new Date((v.timestamp + 299) * 1000);
      const rawBody = Buffer.from(v.body, "utf8");
      expect(verifyGenericSignature(v.secret, { headers: headersFor(v.timestamp, v.signature), rawBody, now })).toEqual({ ok: true });
      expect(verifyGenericSignature(v.secret, { headers: headersFor(v.timestamp, v.signature), rawBody: v.body, now })).toEqual({ ok: true });
      // The signature is bound to the timestamp, the body and the key.
      const refused = { ok: false, status: 401, reason: "signature mismatch" };
      expect(verifyGenericSignature(v.secret, { headers: headersFor(v.timestamp + 1, v.signature), rawBody, now })).toEqual(refused);
      expect(verifyGenericSignature(v.secret, { headers: headersFor(v.timestamp, flipOne(v.signature)), rawBody, now })).toEqual(refused);
      expect(verifyGenericSignature(v.secret, { headers: headersFor(v.timestamp, v.signature), rawBody: `${v.body} `, now })).toEqual(refused);
      expect(verifyGenericSignature(`${v.secret}x`, { headers: headersFor(v.timestamp, v.signature), rawBody, now })).toEqual(refused);
    });
  }
});

describe("Jobber: X-Jobber-Hmac-SHA256 is base64 HMAC-SHA256 of the raw body with the client secret", () => {
  const secret = "jobber-client-secret-0123456789abcdef";
  const body =
    '{"data":{"webHookEvent":{"topic":"JOB_CLOSED","appId":"app-kudos","accountId":"Z2lkOi8vSm9iYmVyL0FjY291bnQvNzc=","itemId":"Z2lkOi8vSm9iYmVyL0pvYi85MDAx","occurredAt":"2026-01-05T14:45:00Z"}}}';
  const signature = "iM361wvHvAy9EwamEUsDKuv5+eJqrSUURbRMa/ykhvY=";
  const connector = createJobberConnector({
    manifest: loadHostManifests().find((m) => m.handle === "jobber")!,
    clientId: "kudos-jobber-client",
    clientSecret: secret,
    graphqlVersion: "2025-04-16",
  });
  const verify = (sig: string, rawBody: string | Uint8Array) =>
    connector.verifyWebhook({ headers: new Headers({ [JOBBER_HMAC_HEADER]: sig }), rawBody, now: new Date() });

  it("accepts the literal vector and refuses any change to it", () => {
    expect(createHmac("sha256", secret).update(body).digest("base64")).toBe(signature);
    expect(verify(signature, body)).toEqual({ ok: true });
    expect(verify(signature, Buffer.from(body, "utf8"))).toEqual({ ok: true });
    const refused = { ok: false, status: 401, reason: "signature mismatch" };
    expect(verify(flipOne(signature), body)).toEqual(refused);
    expect(verify(signature, body.replace("JOB_CLOSED", "JOB_CREATE"))).toEqual(refused);
    // Hex of the same MAC is another encoding, not Jobber's.
    expect(verify(Buffer.from(signature, "base64").toString("hex"), body)).toEqual(refused);
  });

  it("the test stand-in signs deliveries exactly as the vector says", () => {
    const delivery = jobberWebhook(secret, {
      topic: "JOB_CLOSED",
      accountId: "Z2lkOi8vSm9iYmVyL0FjY291bnQvNzc=",
      itemId: "Z2lkOi8vSm9iYmVyL0pvYi85MDAx",
      occurredAt: "2026-01-05T14:45:00Z",
    });
    expect(delivery.rawBody).toBe(body);
    expect(delivery.headers.get(JOBBER_HMAC_HEADER)).toBe(signature);
  });
});

describe("Twilio: X-Twilio-Signature is base64 HMAC-SHA1 of the URL followed by the sorted POST fields", () => {
  /** Twilio's documented recipe, written out here: the official library is the second oracle. */
  const recipe = (token: string, url: string, params: Record<string, string>) =>
    createHmac("sha1", token)
      .update(url + Object.keys(params).sort().map((k) => `${k}${params[k]}`).join(""))
      .digest("base64");

  it("reproduces the example in Twilio's webhook-security documentation", () => {
    const token = "12345";
    const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const params = { CallSid: "CA1234567890ABCDE", Caller: "+14158675310", Digits: "1234", From: "+14158675310", To: "+18005551212" };
    const signature = "GvWf1cFY/Q7PnoempGyD5oXAezc=";
    expect(recipe(token, url, params)).toBe(signature);
    expect(twilioSdk.getExpectedTwilioSignature(token, url, params)).toBe(signature);
    expect(validateTwilioSignature(token, url, params, signature)).toBe(true);
    expect(validateTwilioSignature(token, url, { ...params, Digits: "1235" }, signature)).toBe(false);
  });

  const token = "12345678901234567890123456789012";
  const appUrl = "https://kudos.example.com";
  const post = (path: string, params: Record<string, string>, signature: string) =>
    // Behind the proxy the request arrives on another host: the signed URL is APP_URL + path + query.
    new Request(`http://internal:3000${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      body: new URLSearchParams(params).toString(),
    });
  const vectors: Array<{ name: string; path: string; params: Record<string, string>; signature: string }> = [
    {
      name: "a status callback, whose URL carries the touch in its query string",
      path: "/webhooks/twilio/status?e=0b8f2c3e-4d5a-4b6c-8d7e-9f0a1b2c3d4e&p=2",
      params: { MessageSid: "SM0123456789abcdef0123456789abcdef", MessageStatus: "delivered", To: "+13055550142", AccountSid: "AC0123456789abcdef0123456789abcdef" },
      signature: "d+c/FbUrPEYoiRbE2zJJOpG+dCM=",
    },
    {
      name: "an inbound text with non-ASCII characters",
      path: "/webhooks/twilio/inbound",
      params: { From: "+13055550142", To: "+15550001111", Body: "STOP ça 👍", MessageSid: "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
      signature: "6Gt1+wPB+LZgt76lYhSWzVuNfWQ=",
    },
  ];

  for (const v of vectors) {
    it(`Kudos accepts ${v.name} signed as the literal says, and nothing else`, async () => {
      expect(recipe(token, `${appUrl}${v.path}`, v.params)).toBe(v.signature);
      expect(twilioSdk.getExpectedTwilioSignature(token, `${appUrl}${v.path}`, v.params)).toBe(v.signature);
      const accepted = await verifyTwilioRequest({ authToken: token, appUrl }, post(v.path, v.params, v.signature));
      expect(accepted).not.toBeInstanceOf(Response);
      expect(accepted).toMatchObject({ params: v.params });
      const forgeries = [post(v.path, v.params, flipOne(v.signature)), post(v.path, { ...v.params, To: "+15555550000" }, v.signature)];
      // Signed with the query string: without it, it is another URL.
      if (v.path.includes("?")) forgeries.push(post(v.path.replace(/\?.*$/, ""), v.params, v.signature));
      for (const forged of forgeries) {
        const refused = await verifyTwilioRequest({ authToken: token, appUrl }, forged);
        expect(refused).toBeInstanceOf(Response);
        expect((refused as Response).status).toBe(401);
      }
      const otherToken = await verifyTwilioRequest({ authToken: `${token}x`, appUrl }, post(v.path, v.params, v.signature));
      expect((otherToken as Response).status).toBe(401);
    });
  }
});
