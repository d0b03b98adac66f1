// The jobs page's search parameters (?q, status, campaign, page), validated. A bad value is reported
// by name and then no filter applies at all: the merchant sees every job and a banner saying which
// part of the link was wrong, rather than an error page or a silently half-applied search.
import { z } from "zod";
import { JOB_STATUS_FILTERS, type JobStatusFilter } from "~/domain/jobs-view.server";

const querySchema = z.object({
  q: z.string().trim().max(100, "must be at most 100 characters").optional(),
  status: z.enum(JOB_STATUS_FILTERS, { error: `must be one of ${JOB_STATUS_FILTERS.join(", ")}` }).optional(),
  campaign: z.string().uuid("must be a campaign id").optional(),
  page: z.coerce
    .number({ error: "must be a page number" })
    .int("must be a page number")
    .min(1, "must be a page number")
    .max(1_000_000, "must be a page number")
    .optional(),
});

export interface JobsQuery {
  q?: string;
  status?: JobStatusFilter;
  campaign?: string;
  page?: number;
  /** Each bad parameter with what is wrong with it; when any, the fields above are all unset. */
  invalid: { param: string; message: string }[];
}

export function readJobsQuery(url: URL): JobsQuery {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(querySchema.shape)) {
    const value = url.searchParams.get(key);
    // Empty fields (a plain GET form sends them all) are no filter.
    if (value !== null && value.trim() !== "") raw[key] = value;
  }
  const parsed = querySchema.safeParse(raw);
  if (parsed.success) return { ...parsed.data, invalid: [] };
  return { invalid: parsed.error.issues.map((i) => ({ param: String(i.path[0] ?? "query"), message: i.message })) };
}
