// Email unsubscribe: /u/<token>, the link in every email's footer and its List-Unsubscribe header.
// GET shows a confirmation button (mail scanners prefetch links; a GET must change nothing).
// POST unsubscribes: the button, and the RFC 8058 one-click POST a mailbox provider sends
// (body "List-Unsubscribe=One-Click", no cookies, no session): the token alone authorises it.
// Unsubscribing means what the page says: no more review requests from that business to that
// person, by email or by text (the page offers "Stop emails only" as an explicit choice). It
// suppresses the addresses and numbers for the business (and durably, for its host account) and
// stops the person's active enrollments, in one transaction. Repeating it changes nothing.
import type { Tx } from "~/domain/types";
import { verifyLinkToken } from "~/links/tokens.server";
import type { StopsDeps } from "./deps.server";
import { field, formParams, htmlResponse, isFormContentType } from "./http.server";
import { maskEmail, notFoundPage, unsubscribeConfirmPage, unsubscribedPage } from "./pages.server";
import { linkedContacts, normalizeEmail, stopEnrollmentsForAddresses, suppressAddresses } from "./suppression.server";
import { inTransaction } from "./tx.server";

async function loadTarget(tx: Tx, enrollmentId: string, position: number) {
  const enrollment = await tx.enrollment.findUnique({
    where: { id: enrollmentId },
    select: {
      id: true,
      businessId: true,
      customerId: true,
      business: { select: { name: true } },
      customer: { select: { email: true, phone: true } },
    },
  });
  if (!enrollment) return null;
  const sent = await tx.sendLog.findFirst({ where: { enrollmentId, position, channel: "email" }, select: { recipient: true } });
  // The address the email went to, and the customer's current one if it has changed since.
  const addresses = [...new Set([sent?.recipient, enrollment.customer.email].filter((a): a is string => !!a).map(normalizeEmail))];
  // The same person's numbers: this customer's, and those of the business's records with the email.
  const linked = await linkedContacts(tx, enrollment.businessId, "email", addresses);
  const phones = [...new Set([enrollment.customer.phone, ...linked].filter((p): p is string => !!p))];
  return { ...enrollment, addresses, phones };
}

async function suppressedCount(db: Tx, businessId: string, channel: "email" | "sms", addresses: string[]): Promise<number> {
  if (addresses.length === 0) return 0;
  return db.suppression.count({ where: { businessId, channel, address: { in: addresses } } });
}

export type UnsubscribeState =
  | { kind: "not_found" }
  | { kind: "subscribed" | "unsubscribed"; businessName: string; maskedEmail: string | null; hasPhone: boolean; keepTexts: boolean };

/** What GET shows: the confirmation, or "already unsubscribed". Changes nothing. */
export async function unsubscribeState(deps: StopsDeps, token: string): Promise<UnsubscribeState> {
  const payload = verifyLinkToken(deps.linkSecret, token, "unsubscribe");
  if (!payload) return { kind: "not_found" };
  const target = await loadTarget(deps.db, payload.enrollmentId, payload.position);
  if (!target) return { kind: "not_found" };
  const emailsDone = target.addresses.length > 0 && (await suppressedCount(deps.db, target.businessId, "email", target.addresses)) === target.addresses.length;
  const phonesDone = (await suppressedCount(deps.db, target.businessId, "sms", target.phones)) === target.phones.length;
  return {
    kind: emailsDone ? "unsubscribed" : "subscribed",
    businessName: target.business.name,
    maskedEmail: maskEmail(target.addresses[0]),
    hasPhone: target.phones.length > 0,
    keepTexts: !phonesDone,
  };
}

export type UnsubscribeOutcome =
  | { kind: "not_found" }
  | {
      kind: "unsubscribed";
      businessId: string;
      businessName: string;
      addresses: string[];
      maskedEmail: string | null;
      /** Texts continue: the person chose "Stop emails only". */
      keepTexts: boolean;
      /** Addresses (emails, and numbers unless keepTexts) that were not suppressed before this request. */
      newlySuppressed: string[];
      stoppedEnrollments: string[];
    };

/**
 * Unsubscribes the person from the business's review requests: the email addresses and, unless
 * they keep texts, the phone numbers of the same person (docs/compliance.md). Their running
 * enrollments stop, unless they keep texts (then only the email touches are skipped).
 */
export async function unsubscribeEmail(deps: StopsDeps, token: string, opts: { keepTexts?: boolean } = {}): Promise<UnsubscribeOutcome> {
  const payload = verifyLinkToken(deps.linkSecret, token, "unsubscribe");
  if (!payload) return { kind: "not_found" };
  const keepTexts = opts.keepTexts ?? false;
  const key = { key: deps.optOutKey };
  return inTransaction(deps.db, async (tx) => {
    const target = await loadTarget(tx, payload.enrollmentId, payload.position);
    if (!target) return { kind: "not_found" } as const;
    // Stop first: the enrollments are locked (a processor about to send waits, then sees the stop)
    // from right after the time this stop carries.
    const now = deps.clock.now();
    let stoppedEnrollments: string[] = [];
    if (!keepTexts) {
      stoppedEnrollments = await stopEnrollmentsForAddresses(
        tx, target.businessId, "email", target.addresses, "opted_out_email", now, [target.customerId],
      );
      stoppedEnrollments.push(...(await stopEnrollmentsForAddresses(tx, target.businessId, "sms", target.phones, "opted_out_email", now)));
    }
    const newlySuppressed = await suppressAddresses(tx, key, target.businessId, "email", target.addresses, "opted_out", now);
    if (!keepTexts) newlySuppressed.push(...(await suppressAddresses(tx, key, target.businessId, "sms", target.phones, "opted_out", now)));
    return {
      kind: "unsubscribed",
      businessId: target.businessId,
      businessName: target.business.name,
      addresses: target.addresses,
      maskedEmail: maskEmail(target.addresses[0]),
      keepTexts,
      newlySuppressed,
      stoppedEnrollments,
    } as const;
  });
}

// --- HTTP ------------------------------------------------------------------------------------

/** GET /u/<token> */
export async function unsubscribePageResponse(deps: StopsDeps, token: string): Promise<Response> {
  const state = await unsubscribeState(deps, token);
  if (state.kind === "not_found") return htmlResponse(notFoundPage(), 404);
  if (state.kind === "unsubscribed") return htmlResponse(unsubscribedPage(state));
  return htmlResponse(unsubscribeConfirmPage({ ...state, formAction: `/u/${encodeURIComponent(token)}` }));
}

/**
 * POST /u/<token>: the confirmation buttons or the RFC 8058 one-click POST. The token authorises
 * it; the body only says whether the person chose "Stop emails only" (keep_texts=1). The one-click
 * body ("List-Unsubscribe=One-Click") and an unreadable one mean everything.
 */
export async function unsubscribeResponse(deps: StopsDeps, token: string, request?: Request): Promise<Response> {
  const keepTexts = request ? await choseKeepTexts(request) : false;
  const outcome = await unsubscribeEmail(deps, token, { keepTexts });
  if (outcome.kind === "not_found") return htmlResponse(notFoundPage(), 404);
  if (outcome.newlySuppressed.length || outcome.stoppedEnrollments.length) {
    deps.logger.info({ businessId: outcome.businessId, stopped: outcome.stoppedEnrollments.length, keepTexts }, "unsubscribe");
  }
  return htmlResponse(unsubscribedPage(outcome));
}

async function choseKeepTexts(request: Request): Promise<boolean> {
  if (!isFormContentType(request)) return false;
  try {
    return field(formParams(await request.text()), "keep_texts") === "1";
  } catch {
    return false;
  }
}
