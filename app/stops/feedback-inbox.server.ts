// The merchant's inbox of private feedback (the admin's Feedback page and the home page's unread
// count): newest first, with the job and customer each message is about, read or unread.
// Everything is scoped by the business: another business's feedback id is "not found".
import type { Db } from "~/db.server";
import type { Clock } from "~/lib/clock.server";
import { NotFoundError } from "~/lib/errors.server";

export const FEEDBACK_PAGE_SIZE = 25;

export interface FeedbackInboxEntry {
  id: string;
  message: string;
  createdAt: Date;
  readAt: Date | null;
  customer: { name: string | null; email: string | null; phone: string | null; redacted: boolean };
  job: { hostJobId: string; title: string | null; serviceType: string | null; completedAt: Date | null };
}

export interface FeedbackInboxPage {
  entries: FeedbackInboxEntry[];
  page: number;
  pageSize: number;
  hasPrevious: boolean;
  hasNext: boolean;
  unread: number;
}

/** One page of the inbox, newest first (feedback's (business_id, created_at) index). */
export async function listFeedbackInbox(db: Db, businessId: string, opts: { page?: number; pageSize?: number } = {}): Promise<FeedbackInboxPage> {
  const page = Number.isInteger(opts.page) && opts.page! > 0 ? opts.page! : 1;
  const pageSize = Math.min(Math.max(Math.trunc(opts.pageSize ?? FEEDBACK_PAGE_SIZE), 1), 100);
  const [rows, unread] = await Promise.all([
    db.feedback.findMany({
      where: { businessId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (page - 1) * pageSize,
      // One more than shown tells whether there is a next page.
      take: pageSize + 1,
      select: {
        id: true,
        message: true,
        createdAt: true,
        readAt: true,
        enrollment: {
          select: {
            customer: { select: { firstName: true, lastName: true, email: true, phone: true, redactedAt: true } },
            job: { select: { hostJobId: true, title: true, serviceType: true, completedAt: true } },
          },
        },
      },
    }),
    countUnreadFeedback(db, businessId),
  ]);
  return {
    entries: rows.slice(0, pageSize).map((r) => {
      const c = r.enrollment.customer;
      const redacted = c.redactedAt !== null;
      return {
        id: r.id,
        message: r.message,
        createdAt: r.createdAt,
        readAt: r.readAt,
        customer: {
          name: redacted ? null : [c.firstName, c.lastName].filter(Boolean).join(" ") || null,
          email: redacted ? null : c.email,
          phone: redacted ? null : c.phone,
          redacted,
        },
        job: r.enrollment.job,
      };
    }),
    page,
    pageSize,
    hasPrevious: page > 1,
    hasNext: rows.length > pageSize,
    unread,
  };
}

/** Unread feedback of the business (partial index feedback_unread_idx). */
export function countUnreadFeedback(db: Db, businessId: string): Promise<number> {
  return db.feedback.count({ where: { businessId, readAt: null } });
}

/**
 * Marks one message read (keeping the first read time) or unread again. Throws NotFoundError
 * when the id is not this business's feedback.
 */
export async function setFeedbackRead(deps: { db: Db; clock: Clock }, businessId: string, feedbackId: string, read: boolean): Promise<{ readAt: Date | null }> {
  const found = await deps.db.feedback.findFirst({ where: { id: feedbackId, businessId }, select: { readAt: true } });
  if (!found) throw new NotFoundError("Feedback not found");
  if (read && found.readAt) return { readAt: found.readAt };
  const readAt = read ? deps.clock.now() : null;
  await deps.db.feedback.updateMany({ where: { id: feedbackId, businessId }, data: { readAt } });
  return { readAt };
}

/** Marks every unread message of the business read; returns how many. */
export async function markAllFeedbackRead(deps: { db: Db; clock: Clock }, businessId: string): Promise<number> {
  const { count } = await deps.db.feedback.updateMany({ where: { businessId, readAt: null }, data: { readAt: deps.clock.now() } });
  return count;
}
