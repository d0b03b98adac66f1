// The generic host protocol's webhook payloads (docs/host-protocol.md). JSON is snake_case, like
// Shopify's. Every body repeats its topic and account id, so the unsigned routing headers cannot
// be swapped onto someone else's signed body.
import { z } from "zod";

export const GENERIC_TOPICS = [
  "job.completed",
  "job.updated",
  "job.cancelled",
  "customer.updated",
  "app.uninstalled",
  "customers.data_request",
  "customers.redact",
  "account.redact",
] as const;

export type GenericTopic = (typeof GENERIC_TOPICS)[number];

export const GENERIC_HEADERS = {
  eventId: "X-Kudos-Event-Id",
  topic: "X-Kudos-Topic",
  accountId: "X-Kudos-Account-Id",
  timestamp: "X-Kudos-Timestamp",
  signature: "X-Kudos-Signature",
} as const;

const id = z.string().trim().min(1, "is required").max(255, "must be at most 255 characters");
const text = z.string().max(1000, "must be at most 1000 characters");
const datetime = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time, e.g. 2026-01-05T15:00:00Z" });

export const genericCustomerSchema = z.object({
  id,
  first_name: text.nullish(),
  last_name: text.nullish(),
  /** Kept only when it looks like an address; otherwise dropped, not rejected. */
  email: text.nullish(),
  /** E.164 preferred; 10-digit NANP numbers are accepted; anything unparseable is dropped. */
  phone: text.nullish(),
  /** IANA zone (America/Chicago). */
  timezone: text.nullish(),
  /** State/province code (FL) or US/Canadian name. */
  region: text.nullish(),
  /** ISO 3166-1 alpha-2. */
  country: text.nullish(),
});

export const genericJobSchema = z.object({
  id,
  title: text.nullish(),
  service_type: text.nullish(),
  status: z.string().trim().min(1, "is required").max(100, "must be at most 100 characters"),
  completed_at: datetime.nullish(),
  no_review_request: z.boolean().default(false),
  customer: genericCustomerSchema,
});

const envelope = <T extends GenericTopic>(topic: T) => ({
  topic: z.literal(topic, { message: `must be "${topic}"` }),
  account_id: id,
  occurred_at: datetime.optional(),
});

const jobEvent = <T extends "job.completed" | "job.updated" | "job.cancelled">(topic: T) =>
  z.object({ ...envelope(topic), job: genericJobSchema });

export const genericPayloadSchemas = {
  "job.completed": jobEvent("job.completed"),
  "job.updated": jobEvent("job.updated"),
  "job.cancelled": jobEvent("job.cancelled"),
  "customer.updated": z.object({ ...envelope("customer.updated"), customer: genericCustomerSchema }),
  "app.uninstalled": z.object(envelope("app.uninstalled")),
  "customers.data_request": z.object({ ...envelope("customers.data_request"), customer: z.object({ id }) }),
  "customers.redact": z.object({ ...envelope("customers.redact"), customer: z.object({ id }) }),
  "account.redact": z.object(envelope("account.redact")),
} satisfies Record<GenericTopic, z.ZodType>;

export type GenericPayload<T extends GenericTopic> = z.infer<(typeof genericPayloadSchemas)[T]>;
export type GenericJob = z.infer<typeof genericJobSchema>;
export type GenericCustomer = z.infer<typeof genericCustomerSchema>;

export function isGenericTopic(topic: string): topic is GenericTopic {
  return (GENERIC_TOPICS as readonly string[]).includes(topic);
}
