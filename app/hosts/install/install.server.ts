// Installing Kudos into a host account: OAuth 2 authorization code, the way a Shopify app installs.
//   GET /auth/hosts/<host>/install  → redirect to the host's authorize page with a signed `state`
//   GET /auth/hosts/<host>/callback → check state, exchange the code, create or reactivate the
//                                     business, store its tokens encrypted, go to the host's admin
// The state is an HMAC-signed (link secret), short-lived token naming the host and a nonce; the
// nonce is also set in a cookie, so a callback only completes in the browser that started it
// (login CSRF: nobody can make a merchant's browser finish an install for another account). The
// nonce is also recorded (hashed) when the install starts and consumed by the first callback that
// presents it: a state and cookie complete one install, never a second one with another code.
import { createHash, randomBytes } from "node:crypto";
import type { Business, PrismaClient } from "~/generated/prisma/client";
import { installBusiness } from "~/domain/business.server";
import type { Clock } from "~/lib/clock.server";
import { hmacSha256Base64, timingSafeEqualStrings } from "~/lib/crypto.server";
import { ADMIN_SESSION_COOKIE, readCookie, startAdminSession, type SessionPolicy } from "~/auth/admin-session.server";
import { simplePage as page } from "~/lib/html-page.server";
import type { Logger } from "~/logger.server";
import { HostApiError, type InstallGrant } from "../connector";
import { storeHostTokens } from "./credentials.server";
import type { HostRegistry } from "../registry.server";

export const INSTALL_STATE_TTL_SECONDS = 10 * 60;
export const INSTALL_COOKIE = "kudos_install";
const STATE_LABEL = "kudos-install-state:";

export interface InstallState {
  host: string;
  nonce: string;
  /** Unix seconds. */
  expiresAt: number;
}

export class InstallStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InstallStateError";
  }
}

function sign(secret: string, payload: string): string {
  // Labelled, so an install state can never pass for a review-link token signed with the same key.
  return hmacSha256Base64(secret, `${STATE_LABEL}${payload}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function createInstallState(secret: string, input: { host: string; now: Date; nonce?: string }): { state: string; nonce: string } {
  const nonce = input.nonce ?? randomBytes(16).toString("base64url");
  const body: InstallState = { host: input.host, nonce, expiresAt: Math.floor(input.now.getTime() / 1000) + INSTALL_STATE_TTL_SECONDS };
  const payload = Buffer.from(JSON.stringify({ h: body.host, n: body.nonce, e: body.expiresAt })).toString("base64url");
  return { state: `${payload}.${sign(secret, payload)}`, nonce };
}

/** Checks signature, host, expiry and (when given) the browser's nonce; throws InstallStateError. */
export function verifyInstallState(
  secret: string,
  state: string,
  expected: { host: string; now: Date; nonce: string | null },
): InstallState {
  const [payload, signature, ...rest] = state.split(".");
  if (!payload || !signature || rest.length > 0) throw new InstallStateError("The install link is malformed");
  if (!timingSafeEqualStrings(signature, sign(secret, payload))) throw new InstallStateError("The install link was tampered with");
  let parsed: { h?: unknown; n?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof parsed;
  } catch {
    throw new InstallStateError("The install link is malformed");
  }
  if (typeof parsed.h !== "string" || typeof parsed.n !== "string" || typeof parsed.e !== "number") {
    throw new InstallStateError("The install link is malformed");
  }
  if (parsed.h !== expected.host) throw new InstallStateError("The install link is for another platform");
  if (parsed.e <= Math.floor(expected.now.getTime() / 1000)) throw new InstallStateError("The install link has expired");
  if (!expected.nonce || !timingSafeEqualStrings(parsed.n, expected.nonce)) {
    throw new InstallStateError("The install was started in another browser (or its cookie expired)");
  }
  return { host: parsed.h, nonce: parsed.n, expiresAt: parsed.e };
}

const nonceHash = (nonce: string) => createHash("sha256").update(nonce).digest("hex");

/** Records an install's nonce when it starts (and forgets the ones that expired unused). */
export async function recordInstallState(db: PrismaClient, input: { host: string; nonce: string; now: Date }): Promise<void> {
  await db.installState.deleteMany({ where: { expiresAt: { lte: input.now } } });
  await db.installState.create({
    data: { nonceHash: nonceHash(input.nonce), host: input.host, expiresAt: new Date(input.now.getTime() + INSTALL_STATE_TTL_SECONDS * 1000) },
  });
}

/** Consumes an install's nonce: true for the first callback that presents it, false ever after. */
export async function consumeInstallState(db: PrismaClient, input: { host: string; nonce: string; now: Date }): Promise<boolean> {
  const { count } = await db.installState.deleteMany({
    where: { nonceHash: nonceHash(input.nonce), host: input.host, expiresAt: { gt: input.now } },
  });
  return count === 1;
}

export interface AfterInstall {
  (input: { host: string; business: Business; grant: InstallGrant; firstInstall: boolean }): Promise<string | null>;
}

export interface InstallDeps {
  db: PrismaClient;
  clock: Clock;
  hosts: Pick<HostRegistry, "get">;
  logger: Logger;
  appUrl: string;
  linkSecret: string;
  encryptionKey: Buffer;
  /** Standalone hosts: the install signs the merchant in to the admin (auth/admin-session.server.ts). */
  sessions: SessionPolicy;
  /**
   * Host-specific follow-up (the sandbox fills in its demo settings) returning where the merchant
   * goes next; null for the default confirmation page.
   */
  afterInstall?: AfterInstall;
}

function cookiePath(host: string) {
  return `/auth/hosts/${host}`;
}

function installCookie(deps: InstallDeps, host: string, nonce: string, maxAge: number): string {
  const secure = deps.appUrl.startsWith("https:") ? "; Secure" : "";
  // Lax: the host's redirect back is a top-level GET navigation, which Lax cookies accompany.
  return `${INSTALL_COOKIE}=${nonce}; Path=${cookiePath(host)}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

/** The confirmation the merchant sees once installed (also shown by the sandbox admin shell). */
export const INSTALLED_MESSAGE =
  "An active copy of the Standard campaign is now sending review requests for your completed jobs. You can pause it or change it any time.";
export const REINSTALLED_MESSAGE =
  "Your campaigns, settings and history are as you left them; review requests resume for newly completed jobs.";

export function installedMessage(firstInstall: boolean): string {
  return firstInstall ? INSTALLED_MESSAGE : REINSTALLED_MESSAGE;
}


function redirectUri(deps: InstallDeps, host: string): string | null {
  const connector = deps.hosts.get(host);
  return connector ? new URL(connector.manifest.oauth.redirectPath, deps.appUrl).toString() : null;
}

/** GET /auth/hosts/<host>/install[?account=<hint>] */
export async function beginInstall(deps: InstallDeps, host: string, request: Request): Promise<Response> {
  const connector = deps.hosts.get(host);
  const callback = redirectUri(deps, host);
  if (!connector || !callback) return page("Unknown platform", [`Kudos cannot be installed from "${host}".`], 404);
  const now = deps.clock.now();
  const { state, nonce } = createInstallState(deps.linkSecret, { host, now });
  await recordInstallState(deps.db, { host, nonce, now });
  const target = new URL(connector.authorizeUrl({ state, redirectUri: callback }));
  // Which account to preselect on the host's consent screen; hosts ignore what they do not know.
  const account = new URL(request.url).searchParams.get("account")?.trim();
  if (account && account.length <= 255) target.searchParams.set("account", account);
  return new Response(null, {
    status: 302,
    headers: {
      Location: target.toString(),
      "Set-Cookie": installCookie(deps, host, nonce, INSTALL_STATE_TTL_SECONDS),
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
    },
  });
}

/** GET /auth/hosts/<host>/callback?code&state (or ?error&state) */
export async function completeInstall(deps: InstallDeps, host: string, request: Request): Promise<Response> {
  const connector = deps.hosts.get(host);
  const callback = redirectUri(deps, host);
  if (!connector || !callback) return page("Unknown platform", [`Kudos cannot be installed from "${host}".`], 404);
  const restart = { href: `/auth/hosts/${host}/install`, label: "Start the install again" };
  const clearCookie = { "Set-Cookie": installCookie(deps, host, "", 0) };
  const params = new URL(request.url).searchParams;
  const state = params.get("state") ?? "";
  const code = params.get("code") ?? "";

  try {
    const { nonce } = verifyInstallState(deps.linkSecret, state, { host, now: deps.clock.now(), nonce: readCookie(request, INSTALL_COOKIE) });
    // Consumed before the code is exchanged: of two callbacks racing with one state, one goes on.
    if (!(await consumeInstallState(deps.db, { host, nonce, now: deps.clock.now() }))) {
      throw new InstallStateError("This install link was already used");
    }
  } catch (err) {
    if (!(err instanceof InstallStateError)) throw err;
    deps.logger.warn({ host, reason: err.message }, "install callback rejected: bad state");
    return page("Kudos was not installed", [err.message, "For your security, the install has to be completed in the browser that started it, within 10 minutes, once."], 400, restart, clearCookie);
  }
  const denied = params.get("error");
  if (denied) {
    const reason = denied === "access_denied" ? "The install was cancelled." : `${connector.manifest.name} answered: ${denied.slice(0, 100)}.`;
    return page("Kudos was not installed", [reason], 400, restart, clearCookie);
  }
  if (!code) return page("Kudos was not installed", ["The platform sent no authorization code."], 400, restart, clearCookie);

  let grant: InstallGrant;
  try {
    grant = await connector.exchangeCode({ code, redirectUri: callback });
  } catch (err) {
    if (!(err instanceof HostApiError)) throw err;
    deps.logger.warn({ host, code: err.code, status: err.status }, "install code exchange failed");
    const expired = err.code === "invalid_grant";
    return page(
      "Kudos was not installed",
      [expired ? "The authorization code was already used or has expired." : `${connector.manifest.name} could not complete the install (${err.code ?? "error"}).`],
      expired ? 400 : 502,
      restart,
      clearCookie,
    );
  }

  const { business, firstInstall } = await installBusiness(
    { db: deps.db, clock: deps.clock },
    {
      host,
      externalAccountId: grant.accountId,
      name: grant.accountName ?? null,
      fallbackName: `${connector.manifest.name} account ${grant.accountId}`,
      timezone: grant.timezone ?? null,
    },
  );
  await storeHostTokens(deps.db, deps.encryptionKey, business.id, grant);
  deps.logger.info({ host, businessId: business.id, firstInstall }, firstInstall ? "installed" : "reinstalled");

  const next = (await deps.afterInstall?.({ host, business, grant, firstInstall })) ?? null;
  if (next) {
    return new Response(null, { status: 302, headers: { Location: next, "Cache-Control": "no-store", ...clearCookie } });
  }
  if (connector.manifest.adminMode === "standalone") {
    // The host does not frame apps: the merchant who installed is signed in and lands in the admin.
    const session = await startAdminSession(
      deps.db,
      { businessId: business.id, hostUserId: grant.userId ?? null, previousCookie: readCookie(request, ADMIN_SESSION_COOKIE), now: deps.clock.now() },
      deps.sessions,
    );
    const headers = new Headers({ Location: "/app", "Cache-Control": "no-store" });
    headers.append("Set-Cookie", clearCookie["Set-Cookie"]);
    headers.append("Set-Cookie", session.setCookie);
    return new Response(null, { status: 302, headers });
  }
  if (connector.manifest.adminAppUrl) {
    // The embedded admin: the page of the host's admin that frames Kudos.
    return new Response(null, { status: 302, headers: { Location: connector.manifest.adminAppUrl, "Cache-Control": "no-store", ...clearCookie } });
  }
  // A host that did not say where it shows Kudos: a confirmation, and the way to its admin.
  const admin = connector.manifest.adminOrigins.find((o) => o !== "self");
  return page(
    "Kudos is installed",
    [`${business.name} is connected.`, installedMessage(firstInstall)],
    200,
    admin ? { href: admin, label: `Continue to ${connector.manifest.name}` } : undefined,
    clearCookie,
  );
}
