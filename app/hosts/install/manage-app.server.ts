// The standalone admin's front door. A host that does not frame apps (Jobber) sends a merchant
// who clicks "Manage App" on its marketplace listing to the app's Manage App URL with an OAuth
// authorization code (Jobber Developer Center, "Manage App Button"):
//   GET /auth/hosts/<host>/manage?code=…
// Kudos exchanges the code (which also proves the merchant is signed in to the host as someone
// allowed to manage apps), asks the host who the user and the account are, refuses an account
// without an active installation (with a link to install), stores the fresh tokens, and signs the
// merchant in to the admin with a new session (app/auth/admin-session.server.ts).
import {
  ADMIN_SESSION_COOKIE,
  clearedSessionCookie,
  endAdminSession,
  lookupAdminSession,
  readCookie,
  startAdminSession,
} from "~/auth/admin-session.server";
import { signedOutPath } from "~/auth/admin.server";
import { simplePage } from "~/lib/html-page.server";
import { HostApiError, type InstallGrant } from "../connector";
import { storeHostTokens } from "./credentials.server";
import type { InstallDeps } from "./install.server";
import type { HostRegistry } from "../registry.server";

/** Where the Manage App button lands; the code is exchanged for this redirect_uri (unconfirmed for Jobber). */
export function manageAppPath(host: string): string {
  return `/auth/hosts/${host}/manage`;
}

/** GET /auth/hosts/<host>/manage?code=… */
export async function manageApp(deps: InstallDeps, host: string, request: Request): Promise<Response> {
  const connector = deps.hosts.get(host);
  if (!connector || connector.manifest.adminMode !== "standalone") {
    return simplePage("Unknown platform", [`Kudos has no sign-in for "${host}".`], 404);
  }
  const name = connector.manifest.name;
  const install = { href: `/auth/hosts/${host}/install`, label: `Install Kudos in ${name}` };
  const code = new URL(request.url).searchParams.get("code") ?? "";
  if (!code) {
    return simplePage("Open Kudos from " + name, [`Open ${name}'s app marketplace and choose Manage App on Kudos: you are signed in from there.`], 400);
  }

  let grant: InstallGrant;
  try {
    grant = await connector.exchangeCode({ code, redirectUri: new URL(manageAppPath(host), deps.appUrl).toString() });
  } catch (err) {
    if (!(err instanceof HostApiError)) throw err;
    deps.logger.warn({ host, code: err.code, status: err.status }, "manage app code exchange failed");
    const used = err.code === "invalid_grant";
    return simplePage(
      "Kudos could not sign you in",
      [used ? `This sign-in link was already used or has expired. Open Kudos again from ${name} (Manage App).` : `${name} could not confirm who you are (${err.code ?? "error"}). Try again in a minute.`],
      used ? 400 : 502,
    );
  }

  const business = await deps.db.business.findUnique({ where: { host_externalAccountId: { host, externalAccountId: grant.accountId } } });
  if (!business || business.status !== "installed") {
    deps.logger.info({ host, known: Boolean(business) }, "manage app for an account without an installation");
    return simplePage(
      "Kudos is not installed",
      [
        business
          ? `Kudos was disconnected from ${business.name}. Install it again to send review requests; your campaigns and history are kept.`
          : `Kudos is not installed for ${grant.accountName ?? "this account"} yet.`,
      ],
      403,
      install,
    );
  }
  // Jobber rotates refresh tokens: the fresh grant replaces the stored one.
  await storeHostTokens(deps.db, deps.encryptionKey, business.id, grant);
  const session = await startAdminSession(
    deps.db,
    { businessId: business.id, hostUserId: grant.userId ?? null, previousCookie: readCookie(request, ADMIN_SESSION_COOKIE), now: deps.clock.now() },
    deps.sessions,
  );
  deps.logger.info({ host, businessId: business.id }, "signed in from the host");
  return new Response(null, { status: 302, headers: { Location: "/app", "Set-Cookie": session.setCookie, "Cache-Control": "no-store" } });
}

const SIGNED_OUT: Record<string, { title: string; text: string }> = {
  revoked: { title: "You are signed out", text: "You signed out of Kudos." },
  idle: { title: "Your session expired", text: "You were signed out after a while without activity." },
  expired: { title: "Your session expired", text: "Sessions last a week at most: sign in again to continue." },
  uninstalled: { title: "Kudos is not installed", text: "Kudos is no longer connected to this account." },
  missing: { title: "Sign in to Kudos", text: "Kudos is opened from your field-service platform." },
  unknown: { title: "Sign in to Kudos", text: "Kudos is opened from your field-service platform." },
};

/**
 * GET /auth/signed-out?reason&host: where a merchant without a valid session lands. It sends them
 * back through the host: a standalone host's sign-in (its OAuth authorize, which comes back signed
 * in), or the admin of an embedded host.
 */
export function signedOutPage(deps: { hosts: Pick<HostRegistry, "list"> }, request: Request): Response {
  const params = new URL(request.url).searchParams;
  const copy = SIGNED_OUT[params.get("reason") ?? ""] ?? SIGNED_OUT.missing!;
  const only = params.get("host");
  const hosts = deps.hosts.list().filter((c) => !only || c.host === only);
  const standalone = hosts.filter((c) => c.manifest.adminMode === "standalone");
  const embedded = hosts.filter((c) => c.manifest.adminMode === "embedded");
  const paragraphs = [copy.text];
  if (embedded.length) paragraphs.push(`From ${embedded.map((c) => c.manifest.name).join(" or ")}: open Kudos from its admin; it signs you in there.`);
  return simplePage(
    copy.title,
    paragraphs,
    200,
    standalone.map((c) => ({ href: `/auth/hosts/${c.host}/install`, label: `Sign in with ${c.manifest.name}` })),
  );
}

/** POST /auth/logout: ends this browser's session (cross-site posts refused), back to the sign-in page. */
export async function logout(deps: Pick<InstallDeps, "db" | "clock" | "sessions">, request: Request): Promise<Response> {
  const origin = request.headers.get("Origin");
  if (origin !== null ? origin !== new URL(deps.sessions.appUrl).origin : request.headers.get("Sec-Fetch-Site") !== "same-origin") {
    return simplePage("Not signed out", ["The sign-out did not come from Kudos."], 403);
  }
  const lookup = await lookupAdminSession(deps.db, request, deps.sessions, deps.clock.now());
  await endAdminSession(deps.db, request, deps.clock.now());
  const host = lookup.ok ? lookup.session.business.host : lookup.host;
  return new Response(null, {
    status: 303,
    headers: { Location: signedOutPath("revoked", host), "Set-Cookie": clearedSessionCookie(deps.sessions), "Cache-Control": "no-store" },
  });
}
