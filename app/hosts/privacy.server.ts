// The mandatory privacy webhooks (Shopify's customers/data_request, customers/redact, shop/redact):
// what Kudos holds about one customer, erasing one customer, and erasing a whole account.
// Redaction erases personal data but keeps the rows analytics count (enrollments, touches, the
// send log), so a merchant's numbers do not change when a customer exercises their rights.
import type { PrismaClient } from "~/generated/prisma/client";
import { MAX_TOUCHES } from "~/domain/campaigns.server";
import { stopEnrollments } from "~/domain/stops.server";
import type { DomainDeps, Tx } from "~/domain/types";
import { idempotencyKey } from "~/engine/processor.server";

export const REDACTED = "[redacted]";

export interface CustomerDataExport {
  exportedAt: string;
  business: { id: string; name: string; host: string; externalAccountId: string };
  customer: {
    hostCustomerId: string;
    firstName: string | null;
    lastName: string | null;
    email: string | null;
    phone: string | null;
    timezone: string | null;
    region: string | null;
    country: string | null;
    createdAt: string;
    updatedAt: string;
    redactedAt: string | null;
  };
  jobs: Array<{
    hostJobId: string;
    title: string | null;
    serviceType: string | null;
    status: string;
    completedAt: string | null;
    noReviewRequest: boolean;
    outcome: string;
    outcomeReason: string | null;
    createdAt: string;
  }>;
  enrollments: Array<{
    id: string;
    campaign: string;
    hostJobId: string;
    status: string;
    stopReason: string | null;
    enrolledAt: string;
    stoppedAt: string | null;
    completedAt: string | null;
    touches: Array<{ position: number; channel: string; scheduledAt: string; sentAt: string | null; status: string; reason: string | null; clickedAt: string | null }>;
  }>;
  sendLog: Array<{
    enrollmentId: string;
    position: number;
    channel: string;
    recipient: string | null;
    status: string;
    subject: string | null;
    body: string | null;
    createdAt: string;
    deliveredAt: string | null;
    openedAt: string | null;
    clickedAt: string | null;
  }>;
  feedback: Array<{ enrollmentId: string; message: string; createdAt: string }>;
  suppressions: Array<{ channel: string; address: string; reason: string; createdAt: string }>;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * Everything Kudos holds about one customer of a business, as JSON (the answer to a
 * customers.data_request). Null when Kudos has never heard of the customer.
 */
export async function exportCustomerData(
  db: Tx,
  businessId: string,
  hostCustomerId: string,
  now: Date,
): Promise<CustomerDataExport | null> {
  const customer = await db.customer.findUnique({
    where: { businessId_hostCustomerId: { businessId, hostCustomerId } },
    include: { business: true },
  });
  if (!customer) return null;
  const [jobs, enrollments] = await Promise.all([
    db.job.findMany({ where: { businessId, customerId: customer.id }, orderBy: { createdAt: "asc" } }),
    db.enrollment.findMany({
      where: { businessId, customerId: customer.id },
      include: { campaign: { select: { name: true } }, job: { select: { hostJobId: true } }, touches: { orderBy: { position: "asc" } } },
      orderBy: { enrolledAt: "asc" },
    }),
  ]);
  const enrollmentIds = enrollments.map((e) => e.id);
  const addresses = [
    ...(customer.email ? [{ channel: "email" as const, address: customer.email }] : []),
    ...(customer.phone ? [{ channel: "sms" as const, address: customer.phone }] : []),
  ];
  const [sendLog, feedback, suppressions] = await Promise.all([
    db.sendLog.findMany({ where: { businessId, enrollmentId: { in: enrollmentIds } }, orderBy: { createdAt: "asc" } }),
    db.feedback.findMany({ where: { businessId, enrollmentId: { in: enrollmentIds } }, orderBy: { createdAt: "asc" } }),
    addresses.length > 0 ? db.suppression.findMany({ where: { businessId, OR: addresses } }) : Promise.resolve([]),
  ]);
  const b = customer.business;
  return {
    exportedAt: now.toISOString(),
    business: { id: b.id, name: b.name, host: b.host, externalAccountId: b.externalAccountId },
    customer: {
      hostCustomerId: customer.hostCustomerId,
      firstName: customer.firstName,
      lastName: customer.lastName,
      email: customer.email,
      phone: customer.phone,
      timezone: customer.timezone,
      region: customer.region,
      country: customer.country,
      createdAt: customer.createdAt.toISOString(),
      updatedAt: customer.updatedAt.toISOString(),
      redactedAt: iso(customer.redactedAt),
    },
    jobs: jobs.map((j) => ({
      hostJobId: j.hostJobId,
      title: j.title,
      serviceType: j.serviceType,
      status: j.status,
      completedAt: iso(j.completedAt),
      noReviewRequest: j.noReviewRequest,
      outcome: j.outcome,
      outcomeReason: j.outcomeReason,
      createdAt: j.createdAt.toISOString(),
    })),
    enrollments: enrollments.map((e) => ({
      id: e.id,
      campaign: e.campaign.name,
      hostJobId: e.job.hostJobId,
      status: e.status,
      stopReason: e.stopReason,
      enrolledAt: e.enrolledAt.toISOString(),
      stoppedAt: iso(e.stoppedAt),
      completedAt: iso(e.completedAt),
      touches: e.touches.map((t) => ({
        position: t.position,
        channel: t.channel,
        scheduledAt: t.scheduledAt.toISOString(),
        sentAt: iso(t.sentAt),
        status: t.status,
        reason: t.reason,
        clickedAt: iso(t.clickedAt),
      })),
    })),
    sendLog: sendLog.map((s) => ({
      enrollmentId: s.enrollmentId,
      position: s.position,
      channel: s.channel,
      recipient: s.recipient,
      status: s.status,
      subject: s.subject,
      body: s.body,
      createdAt: s.createdAt.toISOString(),
      deliveredAt: iso(s.deliveredAt),
      openedAt: iso(s.openedAt),
      clickedAt: iso(s.clickedAt),
    })),
    feedback: feedback.map((f) => ({ enrollmentId: f.enrollmentId, message: f.message, createdAt: f.createdAt.toISOString() })),
    suppressions: suppressions.map((s) => ({
      channel: s.channel,
      address: s.address,
      reason: s.reason,
      createdAt: s.createdAt.toISOString(),
    })),
  };
}

export interface RedactCustomerResult {
  found: boolean;
  stoppedEnrollments: number;
  outboxMessagesDeleted: number;
}

/**
 * Erases one customer's personal data. Kept: the customer row itself (so later events for the
 * same host id stay erased: upsertCustomer never writes a redacted row), their jobs' service
 * types and outcomes, enrollments, touches and send-log rows (counts). Suppressions are kept too:
 * an opted-out address must stay opted out if the person comes back under a new record.
 */
export async function redactCustomer(deps: DomainDeps, businessId: string, hostCustomerId: string): Promise<RedactCustomerResult> {
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    // A stored data-request export is the customer's data too (data-exports.server.ts).
    await tx.customerDataExport.deleteMany({ where: { businessId, hostCustomerId } });
    const customer = await tx.customer.findUnique({ where: { businessId_hostCustomerId: { businessId, hostCustomerId } } });
    if (!customer) {
      await scrubStoredWebhooks(tx, businessId, hostCustomerId);
      return { found: false, stoppedEnrollments: 0, outboxMessagesDeleted: 0 };
    }
    const stopped = await stopEnrollments(tx, businessId, { customerIds: [customer.id] }, "customer_redacted", now);
    const enrollments = await tx.enrollment.findMany({ where: { businessId, customerId: customer.id }, select: { id: true } });
    const enrollmentIds = enrollments.map((e) => e.id);

    const keys = enrollmentIds.flatMap((id) => Array.from({ length: MAX_TOUCHES }, (_, i) => idempotencyKey(id, i + 1)));
    const addresses = [customer.email, customer.phone].filter((a): a is string => Boolean(a));
    const outbox = await tx.outboxMessage.deleteMany({
      where: { businessId, OR: [{ idempotencyKey: { in: keys } }, ...(addresses.length ? [{ to: { in: addresses } }] : [])] },
    });
    await tx.sendLog.updateMany({
      where: { businessId, enrollmentId: { in: enrollmentIds } },
      // The error text of a bounce can quote the address; the code is enough for the reports. The
      // recorded provider request holds the address and the rendered message too.
      data: { recipient: null, subject: null, body: null, html: null, error: null, request: null },
    });
    await tx.feedback.updateMany({ where: { businessId, enrollmentId: { in: enrollmentIds } }, data: { message: REDACTED } });
    // A title like "Smith residence, gutters" can name the customer; the service type cannot.
    await tx.job.updateMany({ where: { businessId, customerId: customer.id }, data: { title: null } });
    await tx.customer.update({
      where: { id: customer.id },
      data: {
        firstName: REDACTED,
        lastName: null,
        email: null,
        phone: null,
        timezone: null,
        region: null,
        country: null,
        redactedAt: now,
      },
    });
    await scrubStoredWebhooks(tx, businessId, hostCustomerId);
    return { found: true, stoppedEnrollments: stopped.length, outboxMessagesDeleted: outbox.count };
  });
}

/**
 * Generic-protocol webhooks carry the customer's details in their stored body: keep only the
 * customer id there (and drop job titles), so the rows stay valid for replay but hold no
 * personal data. Pending rows are scrubbed too, so they cannot write the data back.
 */
async function scrubStoredWebhooks(tx: Tx, businessId: string, hostCustomerId: string): Promise<void> {
  await tx.$executeRaw`
    UPDATE host_event
       SET payload = CASE
             WHEN payload->'job'->'customer'->>'id' = ${hostCustomerId}
               THEN jsonb_set(payload #- '{job,title}', '{job,customer}', jsonb_build_object('id', ${hostCustomerId}::text))
             ELSE jsonb_set(payload, '{customer}', jsonb_build_object('id', ${hostCustomerId}::text))
           END
     WHERE business_id = ${businessId}::uuid
       AND (payload->'job'->'customer'->>'id' = ${hostCustomerId} OR payload->'customer'->>'id' = ${hostCustomerId})`;
}

export interface RedactAccountResult {
  found: boolean;
  outboxMessagesDeleted: number;
}

/**
 * Erases everything Kudos holds for a business (account.redact, sent after an uninstall): the
 * business row goes, and every table that belongs to it follows by cascade. The outbox has no
 * foreign key (it stands in for an external provider), so its rows are deleted explicitly.
 */
export async function redactAccount(db: PrismaClient, businessId: string): Promise<RedactAccountResult> {
  return db.$transaction(async (tx) => {
    const outbox = await tx.outboxMessage.deleteMany({ where: { businessId } });
    // Campaign touches point at the business's templates without a cascade: campaigns go first.
    await tx.campaign.deleteMany({ where: { businessId } });
    const deleted = await tx.business.deleteMany({ where: { id: businessId } });
    return { found: deleted.count > 0, outboxMessagesDeleted: outbox.count };
  });
}

