// Sandbox businesses always use the outbox. The processor is wired as the process wires it
// (createServices) with Resend and Twilio configured and answered by msw: the sandbox business's
// touches land in the outbox with no provider call, a real host's go to the providers, and a
// provider request never mixes the two.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { installBusiness } from "~/domain/business.server";
import { recordJob } from "~/domain/enrollment.server";
import { drain, processBatch } from "~/engine/processor.server";
import type { EmailTransport } from "~/engine/transports/types";
import { parseEnv } from "~/env.server";
import { ManualClock } from "~/lib/clock.server";
import { createServices } from "~/services.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, TEST_LINK_SECRET } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";
import { setupProviderMocks, TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN } from "../mocks/twilio";

const { resend, twilio } = setupProviderMocks();

/** Every recipient Resend was asked to email (single sends and batches). */
const resendRecipients = () =>
  resend.requests.flatMap((r) => (Array.isArray(r.body) ? r.body : [r.body])).flatMap((e) => [(e as { to?: unknown }).to].flat()) as string[];

describe("sandbox businesses and real transports", () => {
  const db = useTestDatabase();

  function realTransportsEnv() {
    return parseEnv({
      APP_URL: "http://kudos.test",
      // Real transports next to the sandbox: allowed on loopback only.
      HOST: "127.0.0.1",
      LINK_SECRET: TEST_LINK_SECRET,
      ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"),
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "kudos-sandbox-outbox-")),
      RESEND_API_KEY: "re_test_0123456789",
      EMAIL_FROM: "reviews@mail.example.com",
      TWILIO_ACCOUNT_SID: TEST_TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_TWILIO_AUTH_TOKEN,
      TWILIO_FROM_NUMBER: "+15550001111",
    });
  }

  it("a sandbox business's touches go to the outbox with no provider call; a real host's go to Resend and Twilio", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const services = createServices(realTransportsEnv(), db(), clock);
    try {
      expect([services.processor.email.provider, services.processor.sms.provider]).toEqual(["resend", "twilio"]);
      const d = deps(db().prisma, clock);
      const sandbox = (await installTestBusiness(d, { name: "Sandbox Co" })).business;
      const real = (await installBusiness(d, { host: "jobber", externalAccountId: "jobber-acct-1", name: "Real Co", timezone: "America/New_York" })).business;
      expect(sandbox.host).toBe("sandbox");
      for (const b of [sandbox, real]) await db().prisma.business.update({ where: { id: b.id }, data: { ...BUSINESS_SETTINGS, cooldownDays: 0 } });
      // The Standard campaign: email, SMS, email. Both businesses' touches fall due together.
      const customers = {
        [sandbox.id]: { email: "pat.sandbox@example.com", phone: "+12125550101" },
        [real.id]: { email: "pat.real@example.com", phone: "+12125550102" },
      };
      for (const b of [sandbox, real]) {
        await recordJob(d, b.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z"), customer: customers[b.id] }));
      }
      for (let day = 0; day < 14; day++) {
        await drain(services.processor);
        clock.advanceHours(24);
      }

      expect(resendRecipients()).toEqual([customers[real.id]!.email, customers[real.id]!.email]);
      expect(twilio.requests.map((r) => r.form.To)).toEqual([customers[real.id]!.phone]);
      const outbox = await db().prisma.outboxMessage.findMany({ orderBy: { createdAt: "asc" } });
      expect(outbox.map((o) => [o.businessId, o.channel, o.to])).toEqual([
        [sandbox.id, "email", customers[sandbox.id]!.email],
        [sandbox.id, "sms", customers[sandbox.id]!.phone],
        [sandbox.id, "email", customers[sandbox.id]!.email],
      ]);
      const log = await db().prisma.sendLog.findMany({ orderBy: [{ position: "asc" }] });
      const providers = (businessId: string) => log.filter((l) => l.businessId === businessId).map((l) => [l.status, l.provider]);
      expect(providers(sandbox.id)).toEqual([["sent", "outbox"], ["sent", "outbox"], ["sent", "outbox"]]);
      expect(providers(real.id)).toEqual([["sent", "resend"], ["sent", "twilio"], ["sent", "resend"]]);
    } finally {
      await services.close();
    }
  });

  it("a sandbox email whose processor died after recording its request is replayed into the outbox, not to Resend", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const services = createServices(realTransportsEnv(), db(), clock);
    try {
      const d = deps(db().prisma, clock);
      const sandbox = (await installTestBusiness(d, { name: "Crashing Sandbox Co" })).business;
      await db().prisma.business.update({ where: { id: sandbox.id }, data: { ...BUSINESS_SETTINGS, cooldownDays: 0 } });
      await recordJob(d, sandbox.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z"), customer: { email: "pat.crash@example.com" } }));
      // Dies at the provider call, after the request was recorded with the intent.
      const dying: EmailTransport = {
        provider: "outbox",
        sendBatch: () => Promise.reject(new Error("SIGKILL")),
      };
      const crashing = { ...services.processor, hostTransports: { sandbox: { ...services.processor.hostTransports!.sandbox!, email: dying } } };
      await expect(processBatch(crashing, { leaseMs: 60_000 })).rejects.toThrow("SIGKILL");
      expect(await db().prisma.sendLog.findFirstOrThrow({ where: { businessId: sandbox.id } })).toMatchObject({ status: "sending", provider: "outbox" });

      clock.advance(61_000);
      expect(await processBatch(services.processor)).toMatchObject({ claimed: 1, sent: 1 });
      expect(resend.requests).toEqual([]);
      expect(await db().prisma.outboxMessage.findMany({ where: { businessId: sandbox.id } })).toMatchObject([{ channel: "email", to: "pat.crash@example.com" }]);
      expect(await db().prisma.sendLog.findFirstOrThrow({ where: { businessId: sandbox.id } })).toMatchObject({ status: "sent", provider: "outbox" });
    } finally {
      await services.close();
    }
  });
});
