// Sessions of the standalone admin: hosts that do not frame apps (Jobber) send the merchant to
// Kudos at the top level, so Kudos signs them in itself, the way a website does. The cookie holds
// an opaque random id; the database holds its SHA-256 (a leaked table opens no session), the
// business, the host's user id and a CSRF token. Sessions end after ADMIN_SESSION_IDLE_HOURS
// without a request or ADMIN_SESSION_MAX_DAYS in all, on logout, and when the merchant signs in
// again from the same browser (rotation).
import { createHash, randomBytes } from "node:crypto";
import type { Business, PrismaClient } from "~/generated/prisma/client";
import { timingSafeEqualStrings } from "~/lib/crypto.server";

export const ADMIN_SESSION_COOKIE = "kudos_session";
export const CSRF_HEADER = "X-Kudos-CSRF";

/** last_seen_at is written at most this often: a page load makes several requests. */
const TOUCH_EVERY_MS = 60_000;

export interface SessionPolicy {
  idleMs: number;
  maxAgeMs: number;
  /** APP_URL: its origin is the only one mutations may come from; https decides `Secure`. */
  appUrl: string;
}

export interface AdminSession {
  business: Business;
  hostUserId: string | null;
  csrfToken: string;
}

export type SessionLookup =
  | { ok: true; session: AdminSession }
  | { ok: false; reason: "missing" | "unknown" | "revoked" | "idle" | "expired" | "uninstalled"; host: string | null };

const hash = (value: string) => createHash("sha256").update(value).digest("hex");

export function readCookie(request: Request, name: string): string | null {
  for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=") || null;
  }
  return null;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function secureAttribute(appUrl: string): string {
  // Only a local http://localhost development server goes without: a browser would drop a Secure
  // cookie there. Anywhere else the session never travels over plain http.
  const url = new URL(appUrl);
  return url.protocol === "http:" && LOOPBACK.has(url.hostname) ? "" : "; Secure";
}

export function sessionCookie(value: string, policy: SessionPolicy): string {
  const maxAge = Math.floor(policy.maxAgeMs / 1000);
  return `${ADMIN_SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secureAttribute(policy.appUrl)}`;
}

export function clearedSessionCookie(policy: SessionPolicy): string {
  return `${ADMIN_SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secureAttribute(policy.appUrl)}`;
}

/**
 * Signs a merchant in: a new session for the business, replacing the one this browser had (its
 * cookie), so a session id is never reused across sign-ins. Returns the Set-Cookie value.
 */
export async function startAdminSession(
  db: PrismaClient,
  input: { businessId: string; hostUserId: string | null; previousCookie: string | null; now: Date },
  policy: SessionPolicy,
): Promise<{ setCookie: string; csrfToken: string }> {
  const id = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(24).toString("base64url");
  const now = input.now.getTime();
  await db.$transaction([
    // Sessions that can no longer be used are forgotten as new ones start: the table stays small.
    db.adminSession.deleteMany({
      where: {
        OR: [
          { createdAt: { lte: new Date(now - policy.maxAgeMs) } },
          { lastSeenAt: { lte: new Date(now - policy.idleMs) } },
          { revokedAt: { lte: new Date(now - 86_400_000) } },
        ],
      },
    }),
    ...(input.previousCookie
      ? [db.adminSession.updateMany({ where: { idHash: hash(input.previousCookie), revokedAt: null }, data: { revokedAt: input.now } })]
      : []),
    db.adminSession.create({
      data: { idHash: hash(id), businessId: input.businessId, hostUserId: input.hostUserId, csrfToken, createdAt: input.now, lastSeenAt: input.now },
    }),
  ]);
  return { setCookie: sessionCookie(id, policy), csrfToken };
}

/** The session a request's cookie names, or why there is none. */
export async function lookupAdminSession(db: PrismaClient, request: Request, policy: SessionPolicy, now: Date): Promise<SessionLookup> {
  const cookie = readCookie(request, ADMIN_SESSION_COOKIE);
  if (!cookie) return { ok: false, reason: "missing", host: null };
  const row = await db.adminSession.findUnique({ where: { idHash: hash(cookie) }, include: { business: true } });
  if (!row) return { ok: false, reason: "unknown", host: null };
  const host = row.business.host;
  if (row.revokedAt) return { ok: false, reason: "revoked", host };
  if (now.getTime() - row.createdAt.getTime() >= policy.maxAgeMs) return { ok: false, reason: "expired", host };
  if (now.getTime() - row.lastSeenAt.getTime() >= policy.idleMs) return { ok: false, reason: "idle", host };
  if (row.business.status !== "installed") return { ok: false, reason: "uninstalled", host };
  if (now.getTime() - row.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
    await db.adminSession.update({ where: { idHash: row.idHash }, data: { lastSeenAt: now } });
  }
  return { ok: true, session: { business: row.business, hostUserId: row.hostUserId, csrfToken: row.csrfToken } };
}

/** Ends the session a request's cookie names (logout); true when there was one. */
export async function endAdminSession(db: PrismaClient, request: Request, now: Date): Promise<boolean> {
  const cookie = readCookie(request, ADMIN_SESSION_COOKIE);
  if (!cookie) return false;
  const { count } = await db.adminSession.updateMany({ where: { idHash: hash(cookie), revokedAt: null }, data: { revokedAt: now } });
  return count > 0;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery: a mutation must come from Kudos's own pages. The browser says where
 * a request comes from (Origin, or Sec-Fetch-Site where Origin is absent), and the admin's own
 * fetches carry the session's CSRF token in X-Kudos-CSRF, which no other site can read or set.
 * Returns the reason to refuse, or null.
 */
export function csrfProblem(request: Request, session: Pick<AdminSession, "csrfToken">, appUrl: string): string | null {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return null;
  const origin = request.headers.get("Origin");
  if (origin !== null) {
    if (origin !== new URL(appUrl).origin) return `cross-site request from ${origin.slice(0, 100)}`;
  } else if (request.headers.get("Sec-Fetch-Site") !== "same-origin") {
    return "the request does not say where it comes from";
  }
  const token = request.headers.get(CSRF_HEADER);
  if (!token || !timingSafeEqualStrings(token, session.csrfToken)) return `missing or wrong ${CSRF_HEADER} header`;
  return null;
}
