// Turns the loaded manifests into live connectors. A host is enabled when its credentials are
// present: from the environment variables its manifest names, or (the built-in sandbox) handed in
// by the caller, which generates and keeps them.
import type { SessionKey } from "~/auth/session-token.server";
import type { Env } from "~/env.server";
import type { Clock } from "~/lib/clock.server";
import type { Connector, Sleep } from "./connector";
import { createGenericConnector } from "./generic/connector.server";
import { createJobberConnector } from "./jobber/connector.server";
import type { HostManifest } from "./manifest.server";
import type { Fetch } from "./install/oauth.server";

export interface HostCredentials {
  clientId: string;
  clientSecret: string;
}


export interface HostRegistry {
  get(host: string): Connector | undefined;
  list(): Connector[];
  /** The enabled hosts' manifests (for CSP frame-ancestors). */
  manifests(): HostManifest[];
  /** For authenticateSessionToken: admin origins with "self" resolved to APP_URL's origin. */
  sessionKeys(): SessionKey[];
}

export interface CreateHostRegistryOptions {
  manifests: HostManifest[];
  env: Pick<Env, "APP_URL" | "JOBBER_GRAPHQL_VERSION"> & Partial<Record<string, unknown>>;
  /**
   * Credentials of hosts whose manifest says `source = "builtin"`, by handle. The sandbox's are
   * generated for the embedded default; pass `{ sandbox: ... }` only when the sandbox is enabled
   * (env SANDBOX_HOST). A builtin host without credentials here stays disabled.
   */
  builtinCredentials?: Partial<Record<string, HostCredentials>>;
  fetch?: Fetch;
  sleep?: Sleep;
  clock?: Clock;
}

function credentialsFor(manifest: HostManifest, options: CreateHostRegistryOptions): HostCredentials | undefined {
  if (manifest.credentials.source === "builtin") return options.builtinCredentials?.[manifest.handle];
  const env = options.env as Partial<Record<string, unknown>>;
  const clientId = env[manifest.credentials.clientIdEnv];
  const clientSecret = env[manifest.credentials.clientSecretEnv];
  return typeof clientId === "string" && clientId && typeof clientSecret === "string" && clientSecret
    ? { clientId, clientSecret }
    : undefined;
}

export function resolveAdminOrigin(origin: string, appUrl: string): string {
  return origin === "self" ? new URL(appUrl).origin : origin;
}

export function createHostRegistry(options: CreateHostRegistryOptions): HostRegistry {
  const enabled = new Map<string, { connector: Connector; credentials: HostCredentials }>();
  for (const manifest of options.manifests) {
    const credentials = credentialsFor(manifest, options);
    if (!credentials) continue;
    const shared = {
      manifest,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    };
    const connector =
      manifest.protocol === "jobber"
        ? createJobberConnector({
            ...shared,
            graphqlVersion: options.env.JOBBER_GRAPHQL_VERSION,
            ...(manifest.api?.graphqlUrl ? { graphqlUrl: manifest.api.graphqlUrl } : {}),
            ...(options.sleep ? { sleep: options.sleep } : {}),
          })
        : createGenericConnector({ ...shared, appUrl: options.env.APP_URL });
    enabled.set(manifest.handle, { connector, credentials });
  }

  return {
    get: (host) => enabled.get(host)?.connector,
    list: () => [...enabled.values()].map((e) => e.connector),
    manifests: () => [...enabled.values()].map((e) => e.connector.manifest),
    // Standalone hosts issue no session tokens: their merchants sign in with a cookie session.
    sessionKeys: () =>
      [...enabled.values()].filter(({ connector }) => connector.manifest.adminMode === "embedded").map(({ connector, credentials }) => ({
        host: connector.host,
        clientId: credentials.clientId,
        secret: credentials.clientSecret,
        adminOrigins: connector.manifest.adminOrigins.map((o) => resolveAdminOrigin(o, options.env.APP_URL)),
      })),
  };
}
