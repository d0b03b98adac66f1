// Session tokens as the sandbox's admin issues them to the framed Kudos (docs/host-protocol.md §3):
// HS256 with the sandbox app's client secret, aud = its client id, acct = the account, issued by
// the admin's origin (Kudos's own: the sandbox lives on the same server).
import { signSessionToken } from "~/auth/session-token.server";
import type { SandboxDeps } from "./platform.server";

/** The one admin user every sandbox account has. */
export const SANDBOX_ADMIN_USER = "sandbox-owner";

export function sandboxAdminOrigin(appUrl: string): string {
  return new URL(appUrl).origin;
}

export function mintSessionToken(deps: Pick<SandboxDeps, "appUrl" | "oauth" | "clock">, accountId: string): Promise<string> {
  return signSessionToken({
    secret: deps.oauth.clientSecret,
    clientId: deps.oauth.clientId,
    accountId,
    userId: SANDBOX_ADMIN_USER,
    adminOrigin: sandboxAdminOrigin(deps.appUrl),
    now: deps.clock.now(),
  });
}
