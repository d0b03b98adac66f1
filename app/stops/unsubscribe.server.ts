// Email unsubscribe: /u/<token>, the link in every email's footer and its List-Unsubscribe header.
// GET shows a confirmation button (mail scanners prefetch links; a GET must change nothing).
// POST unsubscribes: the button, and the RFC 8058 one-click POST a mailbox provider sends
// (body "List-Unsubscribe=One-Click", no cookies, no session): the token alone authorises it.
// Unsubscribing suppresses the address for the business and stops every active enrollment of
// customers with that address, in one transaction. Repeating it changes nothing and still says yes.
import type { Tx } from "~/domain/types";
import { verifyLinkToken } from "~/links/tokens.server";
import type { StopsDeps } from "./deps.server";
import { htmlResponse } from "./http.server";
import { maskEmail, notFoundPage, unsubscribeConfirmPage, unsubscribedPage } from "./pages.server";
import { normalizeEmail, stopEnrollmentsForAddresses, suppressAddresses } from "./suppression.server";
import { inTransaction } from "./tx.server";

async function loadTarget(tx: Tx, enrollmentId: string, position: number) {
  const enrollment = await tx.enrollment.findUnique({
    where: { id: enrollmentId },
    select: {
      id: true,
      businessId: true,
      customerId: true,
      business: { select: { name: true } },
      customer: { select: { email: true } },
    },
  });
  if (!enrollment) return null;
  const sent = await tx.sendLog.findFirst({ where: { enrollmentId, position, channel: "email" }, select: { recipient: true } });
  // The address the email went to, and the customer's current one if it has changed since.
  const addresses = [...new Set([sent?.recipient, enrollment.customer.email].filter((a): a is string => !!a).map(normalizeEmail))];
  return { ...enrollment, addresses };
}

export type UnsubscribeState =
  | { kind: "not_found" }
  | { kind: "subscribed" | "unsubscribed"; businessName: string; maskedEmail: string | null };

/** What GET shows: the confirmation, or "already unsubscribed". Changes nothing. */
export async function unsubscribeState(deps: StopsDeps, token: string): Promise<UnsubscribeState> {
  const payload = verifyLinkToken(deps.linkSecret, token, "unsubscribe");
  if (!payload) return { kind: "not_found" };
  const target = await loadTarget(deps.db, payload.enrollmentId, payload.position);
  if (!target) return { kind: "not_found" };
  const suppressed = target.addresses.length
    ? await deps.db.suppression.count({ where: { businessId: target.businessId, channel: "email", address: { in: target.addresses } } })
    : 0;
  return {
    kind: target.addresses.length > 0 && suppressed === target.addresses.length ? "unsubscribed" : "subscribed",
    businessName: target.business.name,
    maskedEmail: maskEmail(target.addresses[0]),
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
      /** Addresses that were not suppressed before this request. */
      newlySuppressed: string[];
      stoppedEnrollments: string[];
    };

export async function unsubscribeEmail(deps: StopsDeps, token: string): Promise<UnsubscribeOutcome> {
  const payload = verifyLinkToken(deps.linkSecret, token, "unsubscribe");
  if (!payload) return { kind: "not_found" };
  const now = deps.clock.now();
  return inTransaction(deps.db, async (tx) => {
    const target = await loadTarget(tx, payload.enrollmentId, payload.position);
    if (!target) return { kind: "not_found" } as const;
    const newlySuppressed = await suppressAddresses(tx, target.businessId, "email", target.addresses, "opted_out", now);
    const stoppedEnrollments = await stopEnrollmentsForAddresses(
      tx, target.businessId, "email", target.addresses, "opted_out_email", now, [target.customerId],
    );
    return {
      kind: "unsubscribed",
      businessId: target.businessId,
      businessName: target.business.name,
      addresses: target.addresses,
      maskedEmail: maskEmail(target.addresses[0]),
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
 * POST /u/<token>: the confirmation button or the RFC 8058 one-click POST. The body
 * ("List-Unsubscribe=One-Click", "confirm=1", or nothing) says nothing the token does not, so it is
 * never read: the server discards it, within the links' body cap.
 */
export async function unsubscribeResponse(deps: StopsDeps, token: string): Promise<Response> {
  const outcome = await unsubscribeEmail(deps, token);
  if (outcome.kind === "not_found") return htmlResponse(notFoundPage(), 404);
  if (outcome.newlySuppressed.length || outcome.stoppedEnrollments.length) {
    deps.logger.info({ businessId: outcome.businessId, stopped: outcome.stoppedEnrollments.length }, "email unsubscribe");
  }
  return htmlResponse(unsubscribedPage(outcome));
}
