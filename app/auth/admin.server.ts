// Every /app loader and action starts here: verify the session token the host admin issued and
// take the business from it (host + account id), never from a parameter.
import type { Business } from "~/generated/prisma/client";
import { authenticateSessionToken, SessionTokenError, type SessionClaims, type SessionKey } from "~/auth/session-token.server";
import type { Clock } from "~/lib/clock.server";
import type { Tx } from "~/domain/types";

export interface AdminContext {
  business: Business;
  claims: SessionClaims;
}

export interface AdminAuthDeps {
  db: Tx;
  clock: Clock;
  sessionKeys: ReadonlyArray<SessionKey>;
}

function unauthorized(message: string): Response {
  return Response.json({ error: { code: "unauthorized", message } }, { status: 401, headers: { "Cache-Control": "no-store" } });
}

/** Throws a 401 Response (Remix returns it as is) when the token or the installation is not valid. */
export async function authenticateAdmin(request: Request, deps: AdminAuthDeps): Promise<AdminContext> {
  let claims: SessionClaims;
  try {
    claims = await authenticateSessionToken(request, deps.sessionKeys, deps.clock.now());
  } catch (err) {
    if (err instanceof SessionTokenError) throw unauthorized(err.message);
    throw err;
  }
  const business = await deps.db.business.findUnique({
    where: { host_externalAccountId: { host: claims.host, externalAccountId: claims.accountId } },
  });
  if (!business || business.status !== "installed") throw unauthorized("Kudos is not installed for this account");
  return { business, claims };
}
