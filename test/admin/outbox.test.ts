import { beforeAll, describe, expect, it } from "vitest";
import { OUTBOX_PAGE_SIZE, outboxInUse } from "~/admin/outbox.server";
import { createOutboxEmailTransport, createOutboxSmsTransport } from "~/engine/transports/index.server";
import { renderEmail, SAMPLE_RENDER_CONTEXT } from "~/engine/render";
import type { Business } from "~/generated/prisma/client";
import { ManualClock } from "~/lib/clock.server";
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
    expect(email).toMatchObject({ to: "alpha@example.com", subject: "Hello from alpha" });
    // The technical headers go with the Details disclosure, not the message.
    expect(email.details.idempotencyKey).toBe("email-alpha");
    expect(email.details.headers).toContainEqual(["List-Unsubscribe", "<https://kudos.example.com/u/sample>"]);
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

describe("outbox page at scale: pages of 25, search by recipient", () => {
  useAdminServices();
  let a: Business;

  /** Business A's 60 emails, one a minute (message i is the i-th oldest), and 5 of business B's. */
  const recipientOf = (i: number) =>
    i === 58 ? "under_score@example.org" : i === 59 ? "100%sure@example.org" : i < 20 ? `Ann.Smith+${i}@Example.com` : `bob${i}@example.org`;

  beforeAll(async () => {
    a = await installTestBusiness("A Plumbing");
    const b = await installTestBusiness("B Plumbing");
    const db = getServices().database.prisma;
    const clock = new ManualClock("2026-03-02T15:00:00Z");
    const email = (businessId: string, key: string, to: string) => ({
      businessId,
      idempotencyKey: key,
      to,
      from: "reviews@kudos.localhost",
      subject: `Message ${key}`,
      html: "<p>Hi</p>",
      text: "Hi",
      headers: { "List-Unsubscribe": `<https://kudos.example.com/u/${key}>` },
      tags: { enrollment_id: key },
    });
    const transport = createOutboxEmailTransport({ db, clock });
    for (let i = 0; i < 60; i++) {
      await transport.sendBatch([email(a.id, `a-${i}`, recipientOf(i))]);
      clock.advance(60_000);
    }
    for (let i = 0; i < 5; i++) await transport.sendBatch([email(b.id, `b-${i}`, `ann.b${i}@example.com`)]);
  });

  async function load(query: string) {
    return call<OutboxData>(outboxRoute.loader, await (await sessionFor(a)).get(`/app/outbox${query}`));
  }
  const keys = (data: OutboxData) => data.messages.map((m) => m.details.idempotencyKey);
  const newestFirst = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, k) => `a-${from - k}`);

  it("shows 25 messages a page, newest first, with the total and the number of pages", async () => {
    expect(OUTBOX_PAGE_SIZE).toBe(25);
    const first = await load("");
    expect(first.status).toBe(200);
    expect(first.data).toMatchObject({ total: 60, page: 1, pageCount: 3, pageSize: 25, recipient: null });
    expect(keys(first.data)).toEqual(newestFirst(59, 35));
    const second = await load("?page=2");
    expect(keys(second.data)).toEqual(newestFirst(34, 10));
    const third = await load("?page=3");
    expect(third.data).toMatchObject({ total: 60, page: 3, pageCount: 3 });
    expect(keys(third.data)).toEqual(newestFirst(9, 0));
    // Past the last page: nothing, and the page says how many there are.
    const past = await load("?page=4");
    expect(past.data).toMatchObject({ total: 60, page: 4, pageCount: 3, messages: [] });
  });

  it("searches by recipient: a case-insensitive part of the address, with its own total and pages", async () => {
    const ann = await load("?recipient=ann.SMITH");
    expect(ann.data).toMatchObject({ total: 20, pageCount: 1, recipient: "ann.SMITH" });
    expect(keys(ann.data)).toEqual(newestFirst(19, 0));
    const bob = await load("?recipient=%20BOB%20&page=2");
    expect(bob.data).toMatchObject({ total: 38, page: 2, pageCount: 2, recipient: "BOB" });
    expect(keys(bob.data)).toEqual(newestFirst(32, 20));
    expect((await load("?recipient=nobody")).data).toMatchObject({ total: 0, messages: [] });
    // An empty search is no search.
    expect((await load("?recipient=")).data).toMatchObject({ total: 60, recipient: null });
  });

  it("matches the search's % and _ as themselves, not as wildcards", async () => {
    const percent = await load(`?recipient=${encodeURIComponent("%")}`);
    expect(percent.data.total).toBe(1);
    expect(percent.data.messages.map((m) => m.to)).toEqual(["100%sure@example.org"]);
    const underscore = await load("?recipient=_");
    expect(underscore.data.messages.map((m) => m.to)).toEqual(["under_score@example.org"]);
    // "b_b" would match "bob" with _ as a wildcard.
    expect((await load("?recipient=b_b")).data.total).toBe(0);
    expect((await load(`?recipient=${encodeURIComponent("\\")}`)).data.total).toBe(0);
  });

  it("never shows another business's messages, even when the search matches them", async () => {
    // Business B's five recipients all contain "ann".
    const ann = await load("?recipient=ann");
    expect(ann.data.total).toBe(20);
    expect(ann.data.messages.every((m) => m.details.idempotencyKey.startsWith("a-"))).toBe(true);
    const all = await load("?page=1");
    expect(JSON.stringify(all.data)).not.toContain("ann.b");
  });

  it("answers a bad page or search with 400 naming the parameter", async () => {
    const cases: [string, string][] = [
      ["?page=0", "page"],
      ["?page=-1", "page"],
      ["?page=two", "page"],
      ["?page=1.5", "page"],
      [`?recipient=${"x".repeat(255)}`, "recipient"],
    ];
    for (const [query, field] of cases) {
      const res = await call<{ error: { message: string; fields: Record<string, string> } }>(
        outboxRoute.loader,
        await (await sessionFor(a)).get(`/app/outbox${query}`),
      );
      expect(res.status, query).toBe(400);
      expect(Object.keys(res.data.error.fields), query).toEqual([field]);
      expect(res.data.error.message, query).toContain(`The ${field} parameter`);
    }
  });
});
