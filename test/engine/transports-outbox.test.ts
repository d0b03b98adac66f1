import { describe, expect, it } from "vitest";
import {
  createOutboxEmailTransport,
  createOutboxSmsTransport,
  createTransports,
  formatFromAddress,
  listOutbox,
  withRetries,
  type OutgoingEmail,
  type OutgoingSms,
} from "~/engine/transports/index.server";
import { ManualClock } from "~/lib/clock.server";
import { createLogger } from "~/logger.server";
import { useTestDatabase } from "../helpers/db";

const logger = createLogger("silent");

describe("transports on the database", () => {
  const db = useTestDatabase();

  async function business(name: string) {
    return db().prisma.business.create({ data: { host: "sandbox", externalAccountId: name, name } });
  }

  function email(businessId: string, key: string, over: Partial<OutgoingEmail> = {}): OutgoingEmail {
    return {
      businessId,
      idempotencyKey: key,
      from: '"Bright Plumbing" <reviews@kudos.localhost>',
      to: "jordan@example.com",
      replyTo: "office@bright.example",
      subject: "How did we do?",
      html: "<p>Hi Jordan</p>",
      text: "Hi Jordan",
      headers: { "List-Unsubscribe": "<https://kudos.example.com/u/t>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
      tags: { enrollment_id: "e1", touch_position: "1", business_id: businessId },
      ...over,
    };
  }

  function sms(businessId: string, key: string): OutgoingSms {
    return {
      businessId,
      idempotencyKey: key,
      to: "+15550100999",
      body: "Bright Plumbing: review us https://kudos.example.com/r/x\nReply STOP to opt out",
      statusCallbackUrl: "https://kudos.example.com/webhooks/twilio/status",
      segments: 1,
      tags: { enrollment_id: "e1", touch: "2", business_id: businessId },
    };
  }

  describe("outbox transport", () => {
    it("stores each email of a batch and answers outbox_<id>", async () => {
      const b = await business("outbox-email");
      const clock = new ManualClock("2026-03-02T15:00:00Z");
      const t = createOutboxEmailTransport({ db: db().prisma, clock });
      const results = await t.sendBatch([email(b.id, "oe-1"), email(b.id, "oe-2", { replyTo: undefined, to: "sam@example.com" })]);

      expect(t.provider).toBe("outbox");
      expect(results).toEqual([
        { ok: true, providerMessageId: expect.stringMatching(/^outbox_[0-9a-f-]{36}$/) },
        { ok: true, providerMessageId: expect.stringMatching(/^outbox_[0-9a-f-]{36}$/) },
      ]);
      const rows = await db().prisma.outboxMessage.findMany({ where: { businessId: b.id }, orderBy: { idempotencyKey: "asc" } });
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({
        channel: "email",
        idempotencyKey: "oe-1",
        to: "jordan@example.com",
        from: '"Bright Plumbing" <reviews@kudos.localhost>',
        replyTo: "office@bright.example",
        subject: "How did we do?",
        html: "<p>Hi Jordan</p>",
        text: "Hi Jordan",
        headers: { "List-Unsubscribe": "<https://kudos.example.com/u/t>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
        tags: { enrollment_id: "e1", touch_position: "1", business_id: b.id },
        segments: null,
        createdAt: new Date("2026-03-02T15:00:00Z"),
      });
      expect(rows[1]).toMatchObject({ to: "sam@example.com", replyTo: null });
      expect(results[0]).toEqual({ ok: true, providerMessageId: `outbox_${rows[0]!.id}` });
    });

    it("is idempotent: the same key twice stores one row and answers the same id", async () => {
      const b = await business("outbox-idem");
      const t = createOutboxEmailTransport({ db: db().prisma, clock: new ManualClock() });
      const [first] = await t.sendBatch([email(b.id, "idem-1")]);
      const [second] = await t.sendBatch([email(b.id, "idem-1", { subject: "a retry" })]);
      // Concurrent retries of the same send race on the unique key and still agree.
      const raced = await Promise.all([1, 2, 3].map(() => t.sendBatch([email(b.id, "idem-1")])));

      expect(first!.ok).toBe(true);
      expect(second).toEqual(first);
      expect(raced.flat()).toEqual([first, first, first]);
      expect(await db().prisma.outboxMessage.count({ where: { idempotencyKey: "idem-1" } })).toBe(1);

      const s = createOutboxSmsTransport({ db: db().prisma, clock: new ManualClock() });
      const a = await s.send(sms(b.id, "sms-idem"));
      const again = await withRetries(s).send(sms(b.id, "sms-idem"));
      expect(again).toEqual(a);
      expect(await db().prisma.outboxMessage.count({ where: { idempotencyKey: "sms-idem" } })).toBe(1);
    });

    it("stores an SMS with its segments, status callback and tags", async () => {
      const b = await business("outbox-sms");
      const s = createOutboxSmsTransport({ db: db().prisma, clock: new ManualClock(), fromNumber: "+15550100200" });
      const result = await s.send(sms(b.id, "sms-1"));
      const row = await db().prisma.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: "sms-1" } });
      expect(result).toEqual({ ok: true, providerMessageId: `outbox_${row.id}` });
      expect(row).toMatchObject({
        channel: "sms",
        to: "+15550100999",
        from: "+15550100200",
        subject: null,
        html: null,
        text: sms(b.id, "x").body,
        segments: 1,
        headers: { StatusCallback: "https://kudos.example.com/webhooks/twilio/status" },
        tags: { enrollment_id: "e1", touch: "2", business_id: b.id },
      });
    });

    it("answers a non-retryable failure for a malformed business id instead of throwing", async () => {
      const t = createOutboxEmailTransport({ db: db().prisma });
      expect(await t.sendBatch([email("not-a-uuid", "bad-1")])).toEqual([
        { ok: false, retryable: false, code: "invalid_business_id", error: "businessId must be a UUID" },
      ]);
    });

    it("lists messages newest first, by business, with a limit", async () => {
      const one = await business("list-1");
      const two = await business("list-2");
      const clock = new ManualClock("2026-04-01T12:00:00Z");
      const t = createOutboxEmailTransport({ db: db().prisma, clock });
      const s = createOutboxSmsTransport({ db: db().prisma, clock });
      await t.sendBatch([email(one.id, "l-1")]);
      clock.advance(60_000);
      await s.send(sms(one.id, "l-2"));
      clock.advance(60_000);
      await t.sendBatch([email(two.id, "l-3")]);
      clock.advance(60_000);
      const [last] = await t.sendBatch([email(one.id, "l-4")]);

      const listed = await listOutbox(db().prisma, { businessId: one.id, limit: 10 });
      expect(listed.map((m) => m.idempotencyKey)).toEqual(["l-4", "l-2", "l-1"]);
      expect(listed[0]).toMatchObject({
        providerMessageId: last!.ok ? last!.providerMessageId : "",
        channel: "email",
        subject: "How did we do?",
        tags: { enrollment_id: "e1", touch_position: "1", business_id: one.id },
        createdAt: new Date("2026-04-01T12:03:00Z"),
      });
      expect(listed[1]).toMatchObject({ channel: "sms", segments: 1, tags: { enrollment_id: "e1", touch: "2", business_id: one.id } });
      expect((await listOutbox(db().prisma, { businessId: one.id, limit: 2 })).map((m) => m.idempotencyKey)).toEqual(["l-4", "l-2"]);
      const all = await listOutbox(db().prisma, { limit: 500 });
      expect(all.map((m) => m.idempotencyKey).slice(0, 4)).toEqual(["l-4", "l-3", "l-2", "l-1"]);
    });
  });

  describe("createTransports", () => {
    const base = { EMAIL_FROM: "reviews@kudos.localhost" } as const;

    it("uses the outbox for both channels when no provider is configured", () => {
      const t = createTransports(base, { db: db().prisma, logger });
      expect([t.email.provider, t.sms.provider]).toEqual(["outbox", "outbox"]);
    });

    it("uses Resend and Twilio when their variables are set", () => {
      const t = createTransports(
        {
          EMAIL_FROM: "reviews@mail.example.com",
          RESEND_API_KEY: "re_live_key",
          TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`,
          TWILIO_AUTH_TOKEN: "token",
          TWILIO_FROM_NUMBER: "+15550100200",
        },
        { db: db().prisma, logger },
      );
      expect([t.email.provider, t.sms.provider]).toEqual(["resend", "twilio"]);
    });

    it("needs a Twilio sender (number or messaging service) to use Twilio", () => {
      const incomplete = createTransports(
        { ...base, TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`, TWILIO_AUTH_TOKEN: "token" },
        { db: db().prisma, logger },
      );
      expect(incomplete.sms.provider).toBe("outbox");
      const service = createTransports(
        { ...base, TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`, TWILIO_AUTH_TOKEN: "token", TWILIO_MESSAGING_SERVICE_SID: `MG${"1".repeat(32)}` },
        { db: db().prisma, logger },
      );
      expect(service.sms.provider).toBe("twilio");
    });
  });

  describe("formatFromAddress", () => {
    it("puts the business name, quoted and cleaned, on the sending address", () => {
      expect(formatFromAddress("Bright Plumbing", "reviews@mail.example.com")).toBe('"Bright Plumbing" <reviews@mail.example.com>');
      expect(formatFromAddress('Evil "Co" <x@y>\r\nBcc: z', "r@m.example")).toBe('"Evil Co x@y Bcc: z" <r@m.example>');
      expect(formatFromAddress("  ", "r@m.example")).toBe("r@m.example");
      expect(formatFromAddress(null, "r@m.example")).toBe("r@m.example");
    });
  });
});
