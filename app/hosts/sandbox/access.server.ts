// Who may use the sandbox. With SANDBOX_SECRET set, every /sandbox request must present it: as
// the password of HTTP Basic auth (any user name; browsers ask for it natively) or as
// `Authorization: Bearer <secret>` from scripts. Without it the sandbox is open, which the start-up
// rules (app/env.server.ts) allow only on loopback or away from real transports and production.
import { timingSafeEqualStrings } from "~/lib/crypto.server";

export const SANDBOX_REALM = "Kudos sandbox";

/** The secret a request presents, if any: the Basic password or the Bearer token. */
export function presentedSandboxSecret(request: Request): string | null {
  const header = request.headers.get("Authorization") ?? "";
  const [scheme, value = ""] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === "bearer") return value || null;
  if (scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon === -1 ? null : decoded.slice(colon + 1);
  }
  return null;
}

/** Null when the request may go on; otherwise the 401 to answer (thrown by route handlers). */
export function sandboxAccessDenied(request: Request, secret: string | undefined): Response | null {
  if (!secret) return null;
  const presented = presentedSandboxSecret(request);
  if (presented !== null && timingSafeEqualStrings(presented, secret)) return null;
  return new Response("The sandbox needs SANDBOX_SECRET: give it as the password (any user name) or as a Bearer token.", {
    status: 401,
    headers: {
      "WWW-Authenticate": `Basic realm="${SANDBOX_REALM}"`,
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
    },
  });
}

/** Headers that let the sandbox's own calls to its pages (the API's install) through the check. */
export function sandboxAuthHeaders(secret: string | undefined): Record<string, string> {
  return secret ? { Authorization: `Bearer ${secret}` } : {};
}
