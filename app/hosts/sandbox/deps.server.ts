// The sandbox wired to the process: enabled only with env SANDBOX_HOST (every /sandbox route
// answers 404 otherwise), its OAuth client from the generated secrets, its state under DATA_DIR.
import type { Business } from "~/generated/prisma/client";
import { logger } from "~/logger.server";
import { getServices, type Services } from "~/services.server";
import type { AfterInstall } from "../install/install.server";
import type { Fetch } from "../install/oauth.server";
import { sandboxAccessDenied } from "./access.server";
import { SANDBOX_HOST, type SandboxDeps } from "./platform.server";
import { getSandboxStore, type SandboxStore } from "./store.server";

/** The sandbox's own redirect_uri registration: Kudos's callback for it. */
export function sandboxRedirectUri(services: Services): string {
  const manifest = services.hosts.get(SANDBOX_HOST)?.manifest;
  return new URL(manifest?.oauth.redirectPath ?? `/auth/hosts/${SANDBOX_HOST}/callback`, services.env.APP_URL).toString();
}

/** Null when the sandbox is off. Calls to Kudos use globalThis.fetch at call time. */
export function getSandboxDeps(services: Services = getServices()): SandboxDeps | null {
  if (!services.env.SANDBOX_HOST || !services.hosts.get(SANDBOX_HOST)) return null;
  const fetch: Fetch = (input, init) => globalThis.fetch(input, init);
  return {
    store: getSandboxStore(services.env.DATA_DIR),
    appUrl: services.env.APP_URL,
    oauth: { ...services.secrets.sandbox, redirectUri: sandboxRedirectUri(services) },
    clock: services.domain.clock,
    fetch,
    db: services.database.prisma,
    logger,
    ...(services.env.SANDBOX_SECRET ? { accessSecret: services.env.SANDBOX_SECRET } : {}),
  };
}

function sandboxOrNotFound(): SandboxDeps {
  const deps = getSandboxDeps();
  if (!deps) throw new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  return deps;
}

/**
 * For every sandbox route loader and action, first thing, before any body is read: the deps, or
 * a thrown 404 (the sandbox does not exist) or 401 (SANDBOX_SECRET is set and not presented).
 */
export function requireSandbox(request: Request): SandboxDeps {
  const deps = sandboxOrNotFound();
  const denied = sandboxAccessDenied(request, deps.accessSecret);
  if (denied) throw denied;
  return deps;
}

/**
 * The token endpoint only. Kudos's own server calls it (the generic connector's code exchange
 * and refresh), which never holds SANDBOX_SECRET; it authenticates the sandbox app's client
 * credentials instead (tokenGrant, in constant time) and only redeems codes and refresh tokens
 * that the protected consent screen issued.
 */
export function requireSandboxTokenEndpoint(): SandboxDeps {
  return sandboxOrNotFound();
}

/**
 * After Kudos is installed into a sandbox account: fill in the settings a merchant would (postal
 * address, Google review link) when they are still empty, so the embedded default really sends,
 * then land in the sandbox admin, which frames Kudos.
 */
export function sandboxAfterInstall(store: SandboxStore, db: Services["database"]["prisma"]): AfterInstall {
  return async ({ business, firstInstall }) => {
    const account = await store.read((s) => s.accounts.find((a) => a.id === business.externalAccountId));
    if (account) await fillDemoSettings(db, business, account.address, account.googleReviewUrl);
    return `/sandbox/accounts/${encodeURIComponent(business.externalAccountId)}/admin?installed=${firstInstall ? "first" : "again"}`;
  };
}

async function fillDemoSettings(db: Services["database"]["prisma"], business: Business, address: string, reviewUrl: string): Promise<void> {
  const links = Array.isArray(business.reviewLinks) ? business.reviewLinks : [];
  await db.business.update({
    where: { id: business.id },
    data: {
      ...(business.physicalAddress ? {} : { physicalAddress: address }),
      ...(links.length > 0 ? {} : { reviewLinks: [{ site: "Google", url: reviewUrl }] }),
    },
  });
}
