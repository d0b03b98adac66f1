// Previews with the merchant's own data: the template editor and the campaign timeline show a
// message as this business would send it (its name, address, phone, review page and time zone),
// to a sample customer or to one of its 10 most recent real customers. A customer of another
// business is "not found", like every other id in the admin.
import { z } from "zod";
import type { Tx } from "~/domain/types";
import type { RecipientContact } from "~/engine/recipient-region";
import type { Business } from "~/generated/prisma/client";
import { NotFoundError } from "~/lib/errors.server";
import { signLinkToken } from "~/links/tokens.server";
import { parseReviewLinks } from "~/stops/review-link.server";
import { customerName, type PreviewBusiness, type PreviewCustomer, type PreviewCustomerOption } from "./preview";

export type { PreviewBusiness, PreviewCustomer, PreviewCustomerOption };

export const RECENT_CUSTOMERS = 10;
/** Jobs read to find them: a customer with many recent jobs can leave fewer than 10. */
const RECENT_JOBS_SCANNED = 100;
/** Any id: it only gives the sample links a realistic look (no enrollment has it). */
const SAMPLE_ENROLLMENT_ID = "5f0c2b9e-3d7a-4e1f-9b6c-8a2d4e6f1a3c";

// Signed with a key nobody verifies with: the links have the real shape and length, and lead to
// the "link not valid" page if opened.
const sampleToken = (kind: "review" | "unsubscribe") => signLinkToken("kudos-preview", { kind, enrollmentId: SAMPLE_ENROLLMENT_ID, position: 1 });

type PreviewBusinessSource = Pick<Business, "name" | "reviewLinks" | "physicalAddress" | "contactPhone" | "timezone">;

export function previewBusiness(business: PreviewBusinessSource, appUrl: string): PreviewBusiness {
  const base = appUrl.replace(/\/$/, "");
  return {
    name: business.name,
    reviewUrl: parseReviewLinks(business.reviewLinks)[0]?.url ?? null,
    reviewLink: `${base}/r/${sampleToken("review")}`,
    unsubscribeLink: `${base}/u/${sampleToken("unsubscribe")}`,
    physicalAddress: business.physicalAddress?.trim() || null,
    phone: business.contactPhone?.trim() || null,
    timezone: business.timezone,
  };
}

/**
 * The business's 10 customers with the most recent completed jobs, newest first, labelled with
 * the job's service type and day in the business's time zone. Walks the index
 * job (business_id, completed_at DESC) for the newest jobs only; redacted customers are left out.
 */
export async function recentCustomers(db: Tx, business: Pick<Business, "id" | "timezone">): Promise<PreviewCustomerOption[]> {
  const jobs = await db.job.findMany({
    where: { businessId: business.id, completedAt: { not: null }, customer: { redactedAt: null } },
    orderBy: { completedAt: "desc" },
    take: RECENT_JOBS_SCANNED,
    select: { customerId: true, serviceType: true, completedAt: true, customer: { select: { firstName: true, lastName: true } } },
  });
  const day = new Intl.DateTimeFormat("en-US", { timeZone: business.timezone, month: "short", day: "numeric" });
  const out: PreviewCustomerOption[] = [];
  const seen = new Set<string>();
  for (const j of jobs) {
    if (seen.has(j.customerId)) continue;
    seen.add(j.customerId);
    const parts = [customerName(j.customer) || "Customer without a name", j.serviceType?.trim(), j.completedAt ? day.format(j.completedAt) : null];
    out.push({ id: j.customerId, label: parts.filter(Boolean).join(" · ") });
    if (out.length === RECENT_CUSTOMERS) break;
  }
  return out;
}

const UUID = z.string().uuid();

/**
 * One of the business's customers, with their latest completed job, for a preview; anything else
 * (another business's customer, a redacted one, a malformed id) is "not found". The contact
 * details stay on the server: they only place the customer in a time zone for the timeline.
 */
export async function findPreviewCustomer(
  db: Tx,
  businessId: string,
  customerId: string,
): Promise<{ customer: PreviewCustomer; contact: RecipientContact }> {
  if (!UUID.safeParse(customerId).success) throw new NotFoundError("Customer not found");
  const c = await db.customer.findFirst({
    where: { id: customerId, businessId, redactedAt: null },
    select: {
      id: true,
      firstName: true,
      lastName: true,
      timezone: true,
      phone: true,
      region: true,
      country: true,
      jobs: { where: { completedAt: { not: null } }, orderBy: { completedAt: "desc" }, take: 1, select: { serviceType: true, title: true } },
    },
  });
  if (!c) throw new NotFoundError("Customer not found");
  const job = c.jobs[0];
  return {
    customer: { id: c.id, firstName: c.firstName, lastName: c.lastName, serviceType: job?.serviceType ?? null, jobTitle: job?.title ?? null },
    contact: { timezone: c.timezone, phone: c.phone, region: c.region, country: c.country },
  };
}

/**
 * The template pages' preview data: the business's details, its recent customers, and the one
 * asked for with ?customer=<id> (the editor loads it without leaving the page).
 */
export async function templatePreviewData(
  db: Tx,
  business: PreviewBusinessSource & Pick<Business, "id">,
  appUrl: string,
  url: URL,
): Promise<{ preview: PreviewBusiness; customers: PreviewCustomerOption[]; previewCustomer: PreviewCustomer | null }> {
  const customerId = url.searchParams.get("customer");
  const [customers, chosen] = await Promise.all([
    recentCustomers(db, business),
    customerId ? findPreviewCustomer(db, business.id, customerId) : Promise.resolve(null),
  ]);
  return { preview: previewBusiness(business, appUrl), customers, previewCustomer: chosen?.customer ?? null };
}
