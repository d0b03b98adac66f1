// The jobs page's search and filters: which of the business's completed jobs match (customer name,
// email or phone; the state and campaign of the job's latest enrollment), how many, and one page
// of their ids, newest first.
// Index use: job (business_id, completed_at DESC) scopes the business and gives the order (a page
// without filters reads only its rows); customer primary key for the search; enrollment (job_id)
// for each job's latest enrollment when filtering by state or campaign. A search scans the
// business's jobs: thousands, not millions, per merchant.
import { Prisma } from "~/generated/prisma/client";
import type { Tx } from "./types";

export const JOB_STATUS_FILTERS = ["active", "completed", "stopped", "skipped"] as const;
export type JobStatusFilter = (typeof JOB_STATUS_FILTERS)[number];

export interface JobFilters {
  /** Part of the customer's name, email or phone, any case. */
  search?: string | null;
  status?: JobStatusFilter | null;
  campaignId?: string | null;
}

/** `%term%` for ILIKE, the term's own % _ and \ taken literally. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** A term typed like a phone number ("(305) 555-01", "+1 305"): its digits, to match any format. */
export function phoneDigits(term: string): string | null {
  if (!/^[\d\s()+.-]+$/.test(term)) return null;
  const digits = term.replace(/\D/g, "");
  return digits.length >= 3 ? digits : null;
}

function fromWhere(businessId: string, f: JobFilters): Prisma.Sql {
  const search = f.search?.trim() || null;
  const byEnrollment = Boolean(f.status || f.campaignId);
  const conditions: Prisma.Sql[] = [Prisma.sql`j.business_id = ${businessId}::uuid`, Prisma.sql`j.completed_at IS NOT NULL`];
  if (search) {
    const pattern = containsPattern(search);
    const digits = phoneDigits(search);
    conditions.push(Prisma.sql`(concat_ws(' ', c.first_name, c.last_name) ILIKE ${pattern}
      OR c.email ILIKE ${pattern} OR c.phone ILIKE ${pattern}
      ${digits ? Prisma.sql`OR regexp_replace(c.phone, '[^0-9]', '', 'g') LIKE ${`%${digits}%`}` : Prisma.empty})`);
  }
  if (f.status === "skipped") conditions.push(Prisma.sql`le.status IS NULL AND j.outcome = 'skipped'`);
  else if (f.status) conditions.push(Prisma.sql`le.status = ${f.status}::"EnrollmentStatus"`);
  if (f.campaignId) conditions.push(Prisma.sql`le.campaign_id = ${f.campaignId}::uuid`);
  return Prisma.sql`FROM job j
    ${search ? Prisma.sql`JOIN customer c ON c.id = j.customer_id` : Prisma.empty}
    ${
      byEnrollment
        ? Prisma.sql`LEFT JOIN LATERAL (
            SELECT e.status, e.campaign_id FROM enrollment e WHERE e.job_id = j.id ORDER BY e.enrolled_at DESC LIMIT 1
          ) le ON TRUE`
        : Prisma.empty
    }
    WHERE ${Prisma.join(conditions, " AND ")}`;
}

export async function countJobs(db: Tx, businessId: string, filters: JobFilters): Promise<number> {
  const rows = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n ${fromWhere(businessId, filters)}`;
  return rows[0]?.n ?? 0;
}

export async function pageOfJobIds(
  db: Tx,
  businessId: string,
  filters: JobFilters,
  page: { offset: number; limit: number },
): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT j.id::text AS id ${fromWhere(businessId, filters)}
     ORDER BY j.completed_at DESC, j.id DESC
     LIMIT ${page.limit} OFFSET ${page.offset}`;
  return rows.map((r) => r.id);
}
