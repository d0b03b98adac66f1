// The tracked review link in every message: /r/<token>. Our own redirect records the click, so
// "the customer clicked through" never depends on a provider's click tracking and is the same for
// email and SMS. A click stops the sequence in the transaction that records it: a customer who
// went to review is never asked again.
import type { Prisma } from "~/generated/prisma/client";
import { stopEnrollments } from "~/domain/stops.server";
import type { Tx } from "~/domain/types";
import { isSafeLink } from "~/engine/render";
import { signLinkToken, verifyLinkToken } from "~/links/tokens.server";
import type { StopsDeps } from "./deps.server";
import { htmlResponse, redirectResponse } from "./http.server";
import { feedbackPage, notFoundPage, thankYouPage, type PublicReviewLink } from "./pages.server";
import { applyDeliveryUpdate, lockSendLog } from "./send-log.server";
import { inTransaction } from "./tx.server";

export const FEEDBACK_MAX_LENGTH = 5_000;

export interface ReviewSite {
  site: string;
  url: string;
}

/** business.review_links, keeping only entries with a usable http(s) URL, in the merchant's order. */
export function parseReviewLinks(json: unknown): ReviewSite[] {
  if (!Array.isArray(json)) return [];
  const out: ReviewSite[] = [];
  for (const entry of json) {
    if (!entry || typeof entry !== "object") continue;
    const { site, url } = entry as { site?: unknown; url?: unknown };
    if (typeof url !== "string" || !isSafeLink(url.trim())) continue;
    out.push({ site: typeof site === "string" && site.trim() ? site.trim() : "our review page", url: url.trim() });
  }
  return out;
}

/** `?site=<index>` picks a site; absent, malformed or out of range: the first (the default). */
export function pickReviewSite(sites: ReviewSite[], site: string | null | undefined): ReviewSite | undefined {
  const index = site != null && /^\d{1,3}$/.test(site) ? Number(site) : 0;
  return sites[index] ?? sites[0];
}

interface BusinessForPage {
  name: string;
  reviewLinks: Prisma.JsonValue;
}

export interface FeedbackPageData {
  businessName: string;
  /** Every public review site, each through /r so the click is recorded and the sequence stops. */
  links: PublicReviewLink[];
  /** /f/<token>: where the private feedback form posts. */
  formAction: string;
}

export function feedbackPageData(linkSecret: string, enrollmentId: string, position: number, business: BusinessForPage): FeedbackPageData {
  const review = signLinkToken(linkSecret, { kind: "review", enrollmentId, position });
  const feedback = signLinkToken(linkSecret, { kind: "feedback", enrollmentId, position });
  return {
    businessName: business.name,
    links: parseReviewLinks(business.reviewLinks).map((s, i) => ({ site: s.site, href: `/r/${review}?site=${i}` })),
    formAction: `/f/${feedback}`,
  };
}

/**
 * The customer followed a link from touch `position`: first click time on the touch and its send
 * log. A first click also marks the enrollment's day of the analytics rollup stale.
 */
export async function recordLinkClick(tx: Tx, enrollmentId: string, position: number, now: Date): Promise<void> {
  await tx.$executeRaw`
    WITH clicked AS (
      UPDATE enrollment_touch SET clicked_at = ${now}
       WHERE enrollment_id = ${enrollmentId}::uuid AND position = ${position}::int AND clicked_at IS NULL
      RETURNING business_id, enrolled_at
    )
    INSERT INTO analytics_dirty_day (business_id, day)
    SELECT business_id, (enrolled_at AT TIME ZONE 'UTC')::date FROM clicked`;
  const log = await lockSendLog(tx, { enrollmentId, position });
  if (log) await applyDeliveryUpdate(tx, log, { status: "clicked", at: now, now });
}

export type ReviewLinkOutcome =
  | { kind: "not_found" }
  | { kind: "redirect"; url: string; stopped: boolean }
  /** The business has no review site configured: thank the customer instead. */
  | { kind: "thank_you"; businessName: string; stopped: boolean }
  /** The business's feedback page: all public sites and the private form, to everyone. */
  | { kind: "feedback_page"; page: FeedbackPageData };

/**
 * Follows a review link. Without the feedback page (or once a site is chosen on it): records the
 * click, stops the enrollment with review_clicked and answers with the review site. With the
 * feedback page and no site chosen yet: records the click and shows the page; choosing a site or
 * sending feedback is what stops the sequence then. Idempotent: a second click redirects again.
 * `record: false` answers the same without writing anything (HEAD requests from link checkers).
 */
export async function followReviewLink(
  deps: StopsDeps,
  token: string,
  site: string | null,
  opts: { record?: boolean } = {},
): Promise<ReviewLinkOutcome> {
  const record = opts.record ?? true;
  const payload = verifyLinkToken(deps.linkSecret, token, "review");
  if (!payload) return { kind: "not_found" };
  const now = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const enrollment = await tx.enrollment.findUnique({
      where: { id: payload.enrollmentId },
      select: { id: true, businessId: true, business: { select: { name: true, reviewLinks: true, feedbackPageEnabled: true } } },
    });
    if (!enrollment) return { kind: "not_found" } as const;
    if (record) await recordLinkClick(tx, enrollment.id, payload.position, now);
    if (enrollment.business.feedbackPageEnabled && site === null) {
      return { kind: "feedback_page", page: feedbackPageData(deps.linkSecret, enrollment.id, payload.position, enrollment.business) } as const;
    }
    const stopped = record
      ? await stopEnrollments(tx, enrollment.businessId, { enrollmentIds: [enrollment.id] }, "review_clicked", now)
      : [];
    const target = pickReviewSite(parseReviewLinks(enrollment.business.reviewLinks), site);
    return target
      ? ({ kind: "redirect", url: target.url, stopped: stopped.length > 0 } as const)
      : ({ kind: "thank_you", businessName: enrollment.business.name, stopped: stopped.length > 0 } as const);
  });
}

/** GET /r/<token>[?site=i]; HEAD answers alike without recording a click. */
export async function reviewLinkResponse(deps: StopsDeps, request: Request, token: string): Promise<Response> {
  const site = new URL(request.url).searchParams.get("site");
  const outcome = await followReviewLink(deps, token, site, { record: request.method !== "HEAD" });
  switch (outcome.kind) {
    case "not_found":
      return htmlResponse(notFoundPage(), 404);
    case "redirect":
      return redirectResponse(outcome.url);
    case "thank_you":
      return htmlResponse(thankYouPage({ businessName: outcome.businessName }));
    case "feedback_page":
      return htmlResponse(feedbackPage({ ...outcome.page, maxLength: FEEDBACK_MAX_LENGTH }));
  }
}
