import { describe, expect, it } from "vitest";
import { outboxInUse } from "~/admin/outbox.server";
import { createOutboxEmailTransport, createOutboxSmsTransport } from "~/engine/transports/index.server";
import { renderEmail, SAMPLE_RENDER_CONTEXT } from "~/engine/render";
import * as outboxRoute from "~/routes/app.outbox";
import { getServices } from "~/services.server";
import { call, installTestBusiness, sessionFor, useAdminServices } from "./helpers";

type OutboxData = Awaited<ReturnType<typeof outboxRoute.loader>>;

async function storeMessages(businessId: string, tag: string) {
  const db = getServices().database.prisma;
  const email = renderEmail({ subject: `Hello from ${tag}`, body: "Hi {{customer_first_name}}\n\n{{review_link}}" }, SAMPLE_RENDER_CONTEXT);
  await createOutboxEmailTransport({ db }).sendBatch([
    {
      businessId,
      idempotencyKey: `email-${tag}`,
      to: `${tag}@example.com`,
      from: `"${tag}" <reviews@kudos.localhost>`,
      subject: email.subject,
      html: email.html,
      text: email.text,
      headers: email.headers,
      tags: {},
    },
  ]);
  await createOutboxSmsTransport({ db, fromNumber: "+15550001111" }).send({
    businessId,
    idempotencyKey: `sms-${tag}`,
    to: "+13055550142",
    body: `${tag}: review us https://kudos.example.com/r/x`,
    segments: 1,
    statusCallbackUrl: "http://localhost:3000/webhooks/twilio/status",
  });
}

describe("outbox page", () => {
  useAdminServices();

  it("shows this business's stored messages: email as rendered HTML and text, SMS with its segments", async () => {
    const a = await installTestBusiness("A Plumbing");
    const b = await installTestBusiness("B Plumbing");
    await storeMessages(a.id, "alpha");
    await storeMessages(b.id, "beta");

    const res = await call<OutboxData>(outboxRoute.loader, await (await sessionFor(a)).get("/app/outbox"));
    expect(res.data.emailToOutbox).toBe(true);
    expect(res.data.smsToOutbox).toBe(true);
    expect(res.data.messages).toHaveLength(2);
    const email = res.data.messages.find((m) => m.channel === "email")!;
    const sms = res.data.messages.find((m) => m.channel === "sms")!;
    expect(email).toMatchObject({ to: "alpha@example.com", subject: "Hello from alpha", unsubscribe: "<https://kudos.example.com/u/sample>" });
    expect(email.text).toContain("Hi Jordan");
    // Links in the framed preview open in a new tab.
    expect(email.html).toMatch(/<head[^>]*><base target="_blank">/);
    expect(email.html).toContain("https://kudos.example.com/r/sample");
    expect(sms).toMatchObject({ to: "+13055550142", from: "+15550001111", text: "alpha: review us https://kudos.example.com/r/x", segments: 1 });
    expect(JSON.stringify(res.data)).not.toContain("beta");
  });

  it("is in the navigation only while a channel goes to the outbox", () => {
    expect(outboxInUse({ RESEND_API_KEY: undefined, TWILIO_ACCOUNT_SID: undefined, TWILIO_AUTH_TOKEN: undefined, TWILIO_FROM_NUMBER: undefined, TWILIO_MESSAGING_SERVICE_SID: undefined })).toBe(true);
    const twilio = { TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`, TWILIO_AUTH_TOKEN: "t", TWILIO_FROM_NUMBER: "+15550001111", TWILIO_MESSAGING_SERVICE_SID: undefined };
    expect(outboxInUse({ RESEND_API_KEY: "re_x", ...twilio })).toBe(false);
    expect(outboxInUse({ RESEND_API_KEY: undefined, ...twilio })).toBe(true);
    expect(outboxInUse({ RESEND_API_KEY: "re_x", ...twilio, TWILIO_FROM_NUMBER: undefined })).toBe(true);
  });
});
