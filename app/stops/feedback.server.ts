// Private feedback: the form on the feedback page posts to /f/<token>. Sending it stores the
// message for the merchant and stops the sequence (feedback_submitted) in the same transaction.
// The thank-you page still offers every public review site: private feedback never replaces the
// public option (no review gating).
import { stopEnrollments } from "~/domain/stops.server";
import type { Db } from "~/db.server";
import { verifyLinkToken } from "~/links/tokens.server";
import type { StopsDeps } from "./deps.server";
import { wantsFeedbackNotification } from "./feedback-notify.server";
import { htmlResponse } from "./http.server";
import { FEEDBACK_FIELD, feedbackPage, notFoundPage, thankYouPage } from "./pages.server";
import { FEEDBACK_MAX_LENGTH, feedbackPageData, type FeedbackPageData } from "./review-link.server";
import { inTransaction } from "./tx.server";

export { FEEDBACK_MAX_LENGTH };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export type FeedbackValidation = { ok: true; message: string } | { ok: false; field: typeof FEEDBACK_FIELD; error: string };

export function validateFeedbackMessage(value: unknown): FeedbackValidation {
  // Control characters (NUL above all, which Postgres text cannot hold) are noise, not feedback.
  const message = typeof value === "string" ? value.replace(/\r\n?/g, "\n").replace(CONTROL, "").trim() : "";
  if (!message) return { ok: false, field: FEEDBACK_FIELD, error: "Message is required: please write your feedback before sending." };
  if (message.length > FEEDBACK_MAX_LENGTH) {
    return {
      ok: false,
      field: FEEDBACK_FIELD,
      error: `Message must be at most ${FEEDBACK_MAX_LENGTH.toLocaleString("en-US")} characters (yours has ${message.length.toLocaleString("en-US")}).`,
    };
  }
  return { ok: true, message };
}

export type FeedbackOutcome =
  | { kind: "not_found" }
  | { kind: "invalid"; page: FeedbackPageData; field: typeof FEEDBACK_FIELD; error: string; message: string }
  | { kind: "saved"; page: FeedbackPageData; feedbackId: string; stopped: boolean };

async function loadEnrollment(deps: StopsDeps, token: string) {
  const payload = verifyLinkToken(deps.linkSecret, token, "feedback");
  if (!payload) return null;
  const enrollment = await deps.db.enrollment.findUnique({
    where: { id: payload.enrollmentId },
    select: { id: true, businessId: true, business: { select: { name: true, reviewLinks: true, replyTo: true, feedbackNotify: true } } },
  });
  if (!enrollment) return null;
  return { enrollment, position: payload.position, page: feedbackPageData(deps.linkSecret, enrollment.id, payload.position, enrollment.business) };
}

/** The feedback page itself (GET /f/<token>): public sites and the form; records nothing. */
export async function viewFeedbackPage(deps: StopsDeps, token: string): Promise<FeedbackPageData | null> {
  return (await loadEnrollment(deps, token))?.page ?? null;
}

/** Stores the customer's message and stops the enrollment. A double submit stores it once. */
export async function submitFeedback(deps: StopsDeps, token: string, value: unknown): Promise<FeedbackOutcome> {
  const found = await loadEnrollment(deps, token);
  if (!found) return { kind: "not_found" };
  const valid = validateFeedbackMessage(value);
  if (!valid.ok) return { kind: "invalid", page: found.page, field: valid.field, error: valid.error, message: typeof value === "string" ? value.replace(CONTROL, "").slice(0, FEEDBACK_MAX_LENGTH * 2) : "" };
  const { enrollment } = found;
  const now = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const same = await tx.feedback.findFirst({ where: { enrollmentId: enrollment.id, message: valid.message }, select: { id: true } });
    // New feedback is marked for the merchant's email notification in this same transaction;
    // the maintenance sends it (feedback-notify.server.ts), so the customer never waits for it.
    const feedback = same ?? (await tx.feedback.create({
      data: {
        businessId: enrollment.businessId,
        enrollmentId: enrollment.id,
        message: valid.message,
        createdAt: now,
        notifyDueAt: wantsFeedbackNotification(enrollment.business) ? now : null,
      },
      select: { id: true },
    }));
    const stopped = await stopEnrollments(tx, enrollment.businessId, { enrollmentIds: [enrollment.id] }, "feedback_submitted", now);
    return { kind: "saved", page: found.page, feedbackId: feedback.id, stopped: stopped.length > 0 } as const;
  });
}

export interface FeedbackEntry {
  id: string;
  message: string;
  createdAt: Date;
  enrollmentId: string;
  customer: { firstName: string | null; lastName: string | null; email: string | null; phone: string | null };
  job: { title: string | null; serviceType: string | null; completedAt: Date | null };
}

/** The merchant's inbox of private feedback, newest first. */
export async function listFeedback(db: Db, businessId: string, opts: { limit?: number } = {}): Promise<FeedbackEntry[]> {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 50), 1), 500);
  const rows = await db.feedback.findMany({
    where: { businessId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    select: {
      id: true,
      message: true,
      createdAt: true,
      enrollmentId: true,
      enrollment: {
        select: {
          customer: { select: { firstName: true, lastName: true, email: true, phone: true } },
          job: { select: { title: true, serviceType: true, completedAt: true } },
        },
      },
    },
  });
  return rows.map((r) => ({
    id: r.id,
    message: r.message,
    createdAt: r.createdAt,
    enrollmentId: r.enrollmentId,
    customer: r.enrollment.customer,
    job: r.enrollment.job,
  }));
}

// --- HTTP ------------------------------------------------------------------------------------

function formPage(page: FeedbackPageData, extra: { error?: string; message?: string } = {}): string {
  return feedbackPage({ ...page, maxLength: FEEDBACK_MAX_LENGTH, ...extra });
}

/** GET /f/<token> */
export async function feedbackPageResponse(deps: StopsDeps, token: string): Promise<Response> {
  const page = await viewFeedbackPage(deps, token);
  return page ? htmlResponse(formPage(page)) : htmlResponse(notFoundPage(), 404);
}

/** POST /f/<token> with the form field `message`. */
export async function feedbackSubmitResponse(deps: StopsDeps, request: Request, token: string): Promise<Response> {
  let value: unknown;
  try {
    value = (await request.formData()).get(FEEDBACK_FIELD);
  } catch {
    value = undefined;
  }
  const outcome = await submitFeedback(deps, token, value);
  switch (outcome.kind) {
    case "not_found":
      return htmlResponse(notFoundPage(), 404);
    case "invalid":
      return htmlResponse(formPage(outcome.page, { error: outcome.error, message: outcome.message }), 400);
    case "saved":
      return htmlResponse(
        thankYouPage({
          businessName: outcome.page.businessName,
          heading: "Thank you for your feedback!",
          text: `Your message has been sent to ${outcome.page.businessName}.`,
          links: outcome.page.links,
        }),
      );
  }
}
