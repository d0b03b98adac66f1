// Every /app loader and action starts here. Two ways in, one admin:
//   - embedded (hosts that frame the admin, and the sandbox): the session token the host admin
//     issued, on every request (Authorization: Bearer, or id_token on a document load);
//   - standalone (hosts that do not frame apps, like Jobber): the session cookie Kudos set when
//     the merchant came from the host's Manage App button or finished an install
//     (admin-session.server.ts), with a CSRF check on every mutation.
// Either way the business comes from what was verified (host + account id, or the session row),
// never from a parameter.
import type { Business, PrismaClient } from "~/generated/prisma/client";
import { authenticateSessionToken, readSessionToken, SessionTokenError, type SessionKey } from "~/auth/session-token.server";
import type { Clock } from "~/lib/clock.server";
import { ADMIN_SESSION_COOKIE, csrfProblem, lookupAdminSession, readCookie, type SessionPolicy } from "./admin-session.server";

export type AdminContext =
  | { business: Business; mode: "embedded"; /** The host admin that framed the page. */ adminOrigin: string; csrfToken: null }
  | { business: Business; mode: "standalone"; adminOrigin: null; /** For the page's own fetches (X-Kudos-CSRF). */ csrfToken: string };

export interface AdminAuthDeps {
  db: PrismaClient;
  clock: Clock;
  sessionKeys: ReadonlyArray<SessionKey>;
  sessions: SessionPolicy;
}

/** Where a signed-out merchant is sent to sign in again (app/routes/auth.signed-out.ts). */
export function signedOutPath(reason: string, host: string | null): string {
  const params = new URLSearchParams({ reason });
  if (host) params.set("host", host);
  return `/auth/signed-out?${params}`;
}

function unauthorized(message: string, extra: Record<string, string> = {}): Response {
  return Response.json({ error: { code: "unauthorized", message, ...extra } }, { status: 401, headers: { "Cache-Control": "no-store" } });
}

function forbidden(message: string): Response {
  return Response.json({ error: { code: "forbidden", message } }, { status: 403, headers: { "Cache-Control": "no-store" } });
}

/** A page the browser navigates to at the top level (not a fetch, not a frame). */
function isTopLevelDocument(request: Request): boolean {
  return request.method === "GET" && request.headers.get("Sec-Fetch-Dest") === "document";
}

const SESSION_MESSAGES: Record<string, string> = {
  missing: "Not signed in",
  unknown: "Not signed in",
  revoked: "Signed out",
  idle: "The session expired after a period of inactivity",
  expired: "The session expired",
  uninstalled: "Kudos is not installed for this account",
};

/** Throws a 401 Response (Remix returns it as is), or a redirect to sign in again for a page load. */
export async function authenticateAdmin(request: Request, deps: AdminAuthDeps): Promise<AdminContext> {
  // A session token, when there is one, decides: the embedded admin never relies on cookies.
  if (readSessionToken(request) !== null || readCookie(request, ADMIN_SESSION_COOKIE) === null) {
    let claims;
    try {
      claims = await authenticateSessionToken(request, deps.sessionKeys, deps.clock.now());
    } catch (err) {
      if (!(err instanceof SessionTokenError)) throw err;
      // A merchant opening /app directly, with neither a token nor a cookie: the sign-in page.
      if (isTopLevelDocument(request) && readSessionToken(request) === null) {
        throw new Response(null, { status: 302, headers: { Location: signedOutPath("missing", null), "Cache-Control": "no-store" } });
      }
      throw unauthorized(err.message);
    }
    const business = await deps.db.business.findUnique({
      where: { host_externalAccountId: { host: claims.host, externalAccountId: claims.accountId } },
    });
    if (!business || business.status !== "installed") throw unauthorized("Kudos is not installed for this account");
    return { business, mode: "embedded", adminOrigin: claims.adminOrigin, csrfToken: null };
  }

  const found = await lookupAdminSession(deps.db, request, deps.sessions, deps.clock.now());
  if (!found.ok) {
    const location = signedOutPath(found.reason, found.host);
    if (isTopLevelDocument(request)) throw new Response(null, { status: 302, headers: { Location: location, "Cache-Control": "no-store" } });
    throw unauthorized(SESSION_MESSAGES[found.reason] ?? "Not signed in", { signIn: location });
  }
  const problem = csrfProblem(request, found.session, deps.sessions.appUrl);
  if (problem) throw forbidden(`Refused: ${problem}`);
  return { business: found.session.business, mode: "standalone", adminOrigin: null, csrfToken: found.session.csrfToken };
}
