import { beforeEach, describe, expect, it } from "vitest";
import { installBusiness } from "~/domain/business.server";
import { storeHostTokens } from "~/hosts/install/credentials.server";
import { receiveWebhook } from "~/hosts/ingest/receive.server";
import { processDueHostEvents } from "~/hosts/ingest/process.server";
import { exportCustomerData, REDACTED } from "~/hosts/privacy.server";
import { ManualClock } from "~/lib/clock.server";
import { useTestDatabase } from "../helpers/db";
import { ENCRYPTION_KEY, genericWebhookRequest, ingestDeps, jobPayload, processDeps, testRegistry } from "../sandbox/helpers";

const db = useTestDatabase();
const clock = new ManualClock("2026-01-05T15:00:00Z");
const registry = testRegistry({ clock });
let seq = 0;

const send = async (body: Record<string, unknown>) => {
  const response = await receiveWebhook(ingestDeps(db(), registry, clock), "sandbox", genericWebhookRequest(body, { now: clock.now() }));
  expect(response.status).toBe(200);
  return processDueHostEvents(processDeps(db(), registry, clock));
};

/** A business whose customer cus-77 was enrolled, messaged, gave feedback and opted out of SMS. */
async function setup() {
  const accountId = `acct-priv-${++seq}`;
  const { business } = await installBusiness({ db: db().prisma, clock }, { host: "sandbox", externalAccountId: accountId, name: "Privacy Lawn" });
  await storeHostTokens(db().prisma, ENCRYPTION_KEY, business.id, { accessToken: "at", scopes: [] });
  await send(jobPayload(accountId));
  await send(jobPayload(accountId, { jobId: "job-other", customer: { id: "cus-88", first_name: "Sam", email: "sam@example.com" } }));
  const enrollment = await db().prisma.enrollment.findFirstOrThrow({ where: { businessId: business.id, customer: { hostCustomerId: "cus-77" } } });
  const now = clock.now();
  await db().prisma.sendLog.create({
    data: { businessId: business.id, enrollmentId: enrollment.id, position: 1, channel: "email", recipient: "dana@example.com", provider: "outbox", status: "delivered", subject: "How did we do, Dana?", body: "Hi Dana", html: "<p>Hi Dana</p>", createdAt: now, updatedAt: now,
            batchKey: `kudos-touch-${enrollment.id}-1`, batchIndex: 0, request: JSON.stringify({ to: "dana@example.com", subject: "How did we do, Dana?", html: "<p>Hi Dana</p>", text: "Hi Dana" }) },
  });
  await db().prisma.outboxMessage.create({
    data: { businessId: business.id, channel: "email", idempotencyKey: `kudos-touch-${enrollment.id}-1`, to: "dana@example.com", from: "reviews@kudos.test", subject: "How did we do, Dana?", text: "Hi Dana", createdAt: now },
  });
  await db().prisma.feedback.create({ data: { businessId: business.id, enrollmentId: enrollment.id, message: "Dana here: great work", createdAt: now } });
  await db().prisma.suppression.create({ data: { businessId: business.id, channel: "sms", address: "+13055550142", reason: "opted_out", createdAt: now } });
  return { accountId, businessId: business.id, enrollmentId: enrollment.id };
}

beforeEach(() => clock.set("2026-01-05T15:00:00Z"));

describe("privacy webhooks", () => {
  it("customers.data_request: everything held about the customer, as JSON", async () => {
    const { accountId, businessId, enrollmentId } = await setup();
    expect(await send({ topic: "customers.data_request", account_id: accountId, customer: { id: "cus-77" } })).toMatchObject({ processed: 1 });
    const data = await exportCustomerData(db().prisma, businessId, "cus-77", clock.now());
    expect(data).toMatchObject({
      customer: { hostCustomerId: "cus-77", firstName: "Dana", email: "dana@example.com", phone: "+13055550142" },
      jobs: [{ hostJobId: "job-1001", serviceType: "Lawn care" }],
      enrollments: [{ id: enrollmentId, touches: expect.arrayContaining([expect.objectContaining({ position: 1 })]) }],
      sendLog: [{ recipient: "dana@example.com", subject: "How did we do, Dana?" }],
      feedback: [{ message: "Dana here: great work" }],
      suppressions: [{ channel: "sms", address: "+13055550142" }],
    });
    // Only this customer's data.
    expect(JSON.stringify(data)).not.toContain("sam@example.com");
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    expect(await exportCustomerData(db().prisma, businessId, "cus-unknown", clock.now())).toBeNull();
  });

  it("customers.redact: personal data erased, enrollments stopped, counts kept", async () => {
    const { accountId, businessId, enrollmentId } = await setup();
    const counts = async () => ({
      enrollments: await db().prisma.enrollment.count({ where: { businessId } }),
      touches: await db().prisma.enrollmentTouch.count({ where: { businessId } }),
      sendLog: await db().prisma.sendLog.count({ where: { businessId } }),
      jobs: await db().prisma.job.count({ where: { businessId } }),
    });
    const before = await counts();
    await send({ topic: "customers.redact", account_id: accountId, customer: { id: "cus-77" } });

    const customer = await db().prisma.customer.findFirstOrThrow({ where: { businessId, hostCustomerId: "cus-77" } });
    expect(customer).toMatchObject({ firstName: REDACTED, lastName: null, email: null, phone: null, timezone: null, region: null, country: null, redactedAt: clock.now() });
    expect(await db().prisma.enrollment.findUniqueOrThrow({ where: { id: enrollmentId } })).toMatchObject({ status: "stopped", stopReason: "customer_redacted" });
    expect(await db().prisma.sendLog.findFirstOrThrow({ where: { enrollmentId } })).toMatchObject({ recipient: null, subject: null, body: null, html: null, request: null, status: "delivered" });
    expect(await db().prisma.outboxMessage.count({ where: { businessId } })).toBe(0);
    expect(await db().prisma.feedback.findFirstOrThrow({ where: { enrollmentId } })).toMatchObject({ message: REDACTED });
    expect(await counts()).toEqual(before);
    // The stored webhooks no longer hold the customer's details.
    const payloads = JSON.stringify(await db().prisma.hostEvent.findMany({ where: { businessId }, select: { payload: true } }));
    expect(payloads).not.toContain("dana@example.com");
    expect(payloads).not.toContain("Whitfield");
    expect(payloads).toContain("sam@example.com");
    // The other customer is untouched.
    expect(await db().prisma.customer.findFirstOrThrow({ where: { businessId, hostCustomerId: "cus-88" } })).toMatchObject({ email: "sam@example.com", redactedAt: null });

    // A later event about the customer does not bring the data back.
    clock.advance(60_000);
    await send(jobPayload(accountId, { topic: "job.updated", occurredAt: clock.now().toISOString() }));
    expect(await db().prisma.customer.findFirstOrThrow({ where: { businessId, hostCustomerId: "cus-77" } })).toMatchObject({ email: null, phone: null });
  });

  it("account.redact: every row of the business is gone, other businesses untouched", async () => {
    const kept = await setup();
    const { accountId, businessId } = await setup();
    expect(await send({ topic: "account.redact", account_id: accountId })).toMatchObject({ processed: 1 });
    expect(await db().prisma.business.count({ where: { id: businessId } })).toBe(0);
    for (const table of ["customer", "job", "campaign", "enrollment", "enrollment_touch", "send_log", "feedback", "suppression", "host_event", "host_credential", "outbox_message", "message_template"]) {
      const { rows } = await db().pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE business_id = $1`, [businessId]);
      expect(Number(rows[0]!.n), table).toBe(0);
    }
    expect(await db().prisma.enrollment.count({ where: { businessId: kept.businessId } })).toBe(2);
    expect(await db().prisma.outboxMessage.count({ where: { businessId: kept.businessId } })).toBe(1);
    // A redelivery now finds no installation: acknowledged, ignored.
    const again = await receiveWebhook(ingestDeps(db(), registry, clock), "sandbox", genericWebhookRequest({ topic: "account.redact", account_id: accountId }, { now: clock.now() }));
    expect(await again.json()).toMatchObject({ status: "ignored" });
  });
});
