// Every webhook route, through Remix's request handler: a missing, forged, re-keyed, stale or
// tampered signature is refused with 401 and writes nothing; a replay of a genuine request is
// answered 200 and changes nothing the second time.
import { createRequestHandler } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import twilioSdk from "twilio";
import { closeServices, getServices } from "~/services.server";
import { genericWebhookHeaders } from "~/hosts/generic/signature.server";
import { useTestDatabase } from "../helpers/db";
import { TEST_APP_URL } from "../helpers/engine";
import { jobPayload } from "../sandbox/helpers";
import { inboundSms, resendEvent, resendRequest, sentFirstTouch, TWILIO_TOKEN, twilioRequest, useRouteEnv } from "../stops/helpers";
import { publicRoutesBuild } from "./public-build";

const db = useTestDatabase();
useRouteEnv(db);
beforeAll(async () => {
  await closeServices();
});
const handle = (request: Request) => createRequestHandler(publicRoutesBuild(), "production")(request, {});

async function counts() {
  const p = db().prisma;
  const [events, hostEvents, suppressions, stopped, clicks] = await Promise.all([
    p.providerEvent.count(),
    p.hostEvent.count(),
    p.suppression.count(),
    p.enrollment.count({ where: { status: "stopped" } }),
    p.enrollmentTouch.count({ where: { clickedAt: { not: null } } }),
  ]);
  return { events, hostEvents, suppressions, stopped, clicks };
}

async function expectRefused(request: Request, status = 401) {
  const before = await counts();
  const res = await handle(request);
  expect(res.status, await res.clone().text()).toBe(status);
  expect(await counts()).toEqual(before);
}

describe("Resend (Svix) signatures", () => {
  it("refuses missing, forged, foreign, stale and tampered signatures; a replay changes nothing", async () => {
    const s = await sentFirstTouch(db());
    const event = resendEvent("email.complained", s.providerMessageId, { to: [s.email] });
    const unsigned = resendRequest(event);
    unsigned.headers.delete("svix-signature");
    await expectRefused(unsigned);
    const noId = resendRequest(event);
    noId.headers.delete("svix-id");
    await expectRefused(noId);
    await expectRefused(resendRequest(event, { signature: "v1,bm90IGEgc2lnbmF0dXJl" }));
    await expectRefused(resendRequest(event, { secret: `whsec_${Buffer.from("another-tenant-secret-0123456789").toString("base64")}` }));
    await expectRefused(resendRequest(event, { timestamp: new Date(Date.now() - 10 * 60_000) }));
    await expectRefused(resendRequest(event, { timestamp: new Date(Date.now() + 10 * 60_000) }));
    // Signed, then the body changed on the way (another email id).
    const signed = resendRequest(event, { id: "msg_tamper" });
    const tampered = new Request(signed.url, { method: "POST", headers: signed.headers, body: JSON.stringify(resendEvent("email.complained", "other-id")) });
    await expectRefused(tampered);

    const id = "msg_replayed_once";
    const first = await handle(resendRequest(event, { id }));
    expect(first.status).toBe(200);
    const after = await counts();
    expect(after.suppressions).toBeGreaterThan(0);
    const replay = await handle(resendRequest(event, { id }));
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe("duplicate");
    expect(await counts()).toEqual(after);
  });
});

describe("Twilio signatures (status callbacks and inbound texts)", () => {
  it("refuses missing, forged, other-URL and tampered signatures on both routes; a replay changes nothing", async () => {
    const s = await sentFirstTouch(db());
    const status = { MessageSid: `SM${"a".repeat(32)}`, MessageStatus: "delivered" };
    for (const path of ["/webhooks/twilio/status", "/webhooks/twilio/inbound"]) {
      const params = path.endsWith("inbound") ? inboundSms(s.phone, "STOP") : status;
      await expectRefused(twilioRequest(path, params, { signature: null }));
      await expectRefused(twilioRequest(path, params, { signature: "bm90IGEgc2lnbmF0dXJl" }));
      await expectRefused(twilioRequest(path, params, { token: "another-account-token-000000000" }));
      // Signed for another endpoint (or with a different query string), then posted here.
      await expectRefused(twilioRequest(path, params, { signature: twilioSdk.getExpectedTwilioSignature(TWILIO_TOKEN, `${TEST_APP_URL}/webhooks/other`, params) }));
      // Signed, then a field changed.
      const signature = twilioSdk.getExpectedTwilioSignature(TWILIO_TOKEN, `${TEST_APP_URL}${path}`, params);
      await expectRefused(twilioRequest(path, { ...params, From: "+15555550000", MessageStatus: "failed" }, { signature }));
    }
    const stop = inboundSms(s.phone, "STOP");
    expect((await handle(twilioRequest("/webhooks/twilio/inbound", stop))).status).toBe(200);
    const after = await counts();
    expect(after.suppressions).toBeGreaterThan(0);
    const replay = await handle(twilioRequest("/webhooks/twilio/inbound", stop));
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(await counts()).toEqual(after);
  });
});

describe("host webhook signatures", () => {
  it("refuses missing, forged, stale and tampered signatures; a replay stores one event", async () => {
    const { secrets } = getServices();
    const business = await db().prisma.business.findFirstOrThrow({ where: { host: "sandbox" } });
    const body = JSON.stringify(jobPayload(business.externalAccountId, { jobId: "sig-job-1" }));
    const request = (opts: { secret?: string; now?: Date; eventId?: string; body?: string; drop?: string } = {}) => {
      const headers = genericWebhookHeaders({
        secret: opts.secret ?? secrets.sandbox.clientSecret,
        eventId: opts.eventId ?? "evt-sig-1",
        topic: "job.completed",
        accountId: business.externalAccountId,
        body,
        now: opts.now ?? new Date(),
      });
      if (opts.drop) delete headers[Object.keys(headers).find((k) => k.toLowerCase() === opts.drop)!];
      return new Request("http://internal:3000/webhooks/hosts/sandbox", { method: "POST", headers, body: opts.body ?? body });
    };
    await expectRefused(request({ drop: "x-kudos-signature" }));
    await expectRefused(request({ drop: "x-kudos-timestamp" }));
    await expectRefused(request({ secret: "some-other-apps-secret-0123456789abcdef" }));
    await expectRefused(request({ now: new Date(Date.now() - 10 * 60_000) }));
    await expectRefused(request({ body: body.replace("sig-job-1", "sig-job-2") }));
    // An unknown host is not a way around the signature.
    await expectRefused(new Request("http://internal:3000/webhooks/hosts/nope", { method: "POST", body }), 404);

    expect((await handle(request())).status).toBe(200);
    const after = await counts();
    expect(after.hostEvents).toBe(1);
    const replay = await handle(request());
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ status: "duplicate" });
    expect(await counts()).toEqual(after);
  });
});
