// A platform Kudos has never heard of enables itself with a manifest and two environment
// variables of its own naming, then a merchant installs over HTTP: the install redirect, the
// platform's consent (its token endpoint is an msw stand-in speaking the generic protocol's
// token response, docs/host-protocol.md §2), the callback, and the business. A manifest whose
// variables are half set, or set but empty, stops the process with the manifest and the variable.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { ServerBuild } from "@remix-run/node";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase } from "~/db.server";
import { resetEnvForTests } from "~/env.server";
import { HostManifestError, loadHostManifests, manifestCredentialEnv } from "~/hosts/manifest.server";
import { InProcessPublicRateLimiter } from "~/lib/public-rate-limit.server";
import { createLogger } from "~/logger.server";
import * as callbackRoute from "~/routes/auth.hosts.$host.callback";
import * as installRoute from "~/routes/auth.hosts.$host.install";
import { createAppServer } from "~/server/http.server";
import { closeServices, getServices } from "~/services.server";
import { useTestDatabase } from "../helpers/db";
import { publicRoutesBuild } from "../security/public-build";

const APP_URL = "http://127.0.0.1:3000";
const ACME_TOML = `
name = "Acme Field Service"
handle = "acme"
protocol = "generic"

[credentials]
source = "env"
client_id_env = "ACME_CLIENT_ID"
client_secret_env = "ACME_CLIENT_SECRET"

[oauth]
authorize_url = "https://auth.acme.example/oauth/authorize"
token_url = "https://auth.acme.example/oauth/token"
scopes = ["read_jobs", "read_customers"]
redirect_path = "/auth/hosts/acme/callback"

[admin]
mode = "embedded"
origins = ["https://admin.acme.example"]
app_url = "https://admin.acme.example/apps/kudos"

[[webhooks.subscriptions]]
topics = ["job.completed", "app.uninstalled"]
uri = "/webhooks/hosts/acme"
`;

function extensionsDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "kudos-extensions-"));
  for (const handle of ["acme", "sandbox"]) mkdirSync(path.join(dir, handle));
  writeFileSync(path.join(dir, "acme", "kudos.extension.toml"), ACME_TOML);
  writeFileSync(path.join(dir, "sandbox", "kudos.extension.toml"), readFileSync("extensions/sandbox/kudos.extension.toml"));
  return dir;
}

describe("a third-party platform's manifest", () => {
  const db = useTestDatabase();
  const dir = extensionsDir();
  const tokenRequests: URLSearchParams[] = [];
  const platform = setupServer(
    http.post("https://auth.acme.example/oauth/token", async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      tokenRequests.push(form);
      if (form.get("client_id") !== "acme-client" || form.get("client_secret") !== "acme-secret-0123456789") {
        return HttpResponse.json({ error: "invalid_client" }, { status: 401 });
      }
      return HttpResponse.json({
        access_token: "acme-access",
        refresh_token: "acme-refresh",
        expires_in: 3600,
        scope: "read_jobs read_customers",
        account_id: "acme-account-77",
        account_name: "Rooter Bros",
        timezone: "America/Denver",
      });
    }),
  );
  let origin = "";
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    platform.listen({ onUnhandledRequest: "bypass" });
    await closeServices();
    await closeDatabase();
    Object.assign(process.env, {
      DATABASE_URL: db().url,
      EXTENSIONS_DIR: dir,
      ACME_CLIENT_ID: "acme-client",
      ACME_CLIENT_SECRET: "acme-secret-0123456789",
      APP_URL,
      LINK_SECRET: "third-party-link-secret-0123456789abcdef",
      ENCRYPTION_KEY: Buffer.alloc(32, 9).toString("base64"),
    });
    resetEnvForTests();
    const base = publicRoutesBuild();
    const route = (id: string, p: string, module: unknown) => ({ id, parentId: "root", path: p, module: module as ServerBuild["routes"][string]["module"] });
    const build: ServerBuild = {
      ...base,
      routes: {
        ...base.routes,
        "routes/auth.hosts.$host.install": route("routes/auth.hosts.$host.install", "auth/hosts/:host/install", installRoute),
        "routes/auth.hosts.$host.callback": route("routes/auth.hosts.$host.callback", "auth/hosts/:host/callback", callbackRoute),
      },
    };
    const server = createAppServer({
      build,
      mode: "production",
      logger: createLogger("silent"),
      publicLimiter: new InProcessPublicRateLimiter(1000),
      webhookLimiter: new InProcessPublicRateLimiter(1000),
      behindFlyProxy: false,
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await close();
    platform.close();
    for (const key of ["EXTENSIONS_DIR", "ACME_CLIENT_ID", "ACME_CLIENT_SECRET"]) delete process.env[key];
    resetEnvForTests();
    await closeServices();
    await closeDatabase();
  });

  it("is enabled by its own variables and installs over HTTP, continuing to the host admin's Kudos page", async () => {
    expect(getServices().hosts.get("acme")?.manifest.name).toBe("Acme Field Service");
    const start = await fetch(`${origin}/auth/hosts/acme/install`, { redirect: "manual" });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get("Location")!);
    expect(authorize.origin + authorize.pathname).toBe("https://auth.acme.example/oauth/authorize");
    expect(authorize.searchParams.get("client_id")).toBe("acme-client");
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${APP_URL}/auth/hosts/acme/callback`);
    const cookie = start.headers.get("Set-Cookie")!.split(";")[0]!;

    // The platform's consent screen sends the merchant back with a code and the same state.
    const callback = new URL(`${origin}/auth/hosts/acme/callback`);
    callback.searchParams.set("code", "acme-code-1");
    callback.searchParams.set("state", authorize.searchParams.get("state")!);
    const done = await fetch(callback, { redirect: "manual", headers: { Cookie: cookie } });
    expect(done.status).toBe(302);
    expect(done.headers.get("Location")).toBe("https://admin.acme.example/apps/kudos");
    expect(tokenRequests.at(-1)?.get("code")).toBe("acme-code-1");
    const business = await db().prisma.business.findUniqueOrThrow({ where: { host_externalAccountId: { host: "acme", externalAccountId: "acme-account-77" } } });
    expect(business).toMatchObject({ name: "Rooter Bros", timezone: "America/Denver", status: "installed" });
    // The platform's admin may frame /app, and its session tokens are accepted.
    expect(getServices().hosts.sessionKeys().map((k) => k.host)).toContain("acme");
  });

  it("stops start-up when its variables are half set or empty, naming the manifest and the variable", () => {
    const manifests = loadHostManifests(dir);
    const file = path.join(dir, "acme", "kudos.extension.toml");
    const attempt = (env: Record<string, string>) => {
      try {
        manifestCredentialEnv(manifests, env);
      } catch (err) {
        if (err instanceof HostManifestError) return { file: err.file, problems: err.problems };
        throw err;
      }
      return null;
    };
    expect(attempt({ ACME_CLIENT_ID: "acme-client" })).toEqual({
      file,
      problems: ["credentials: ACME_CLIENT_SECRET: must be set together with ACME_CLIENT_ID (both enable Acme Field Service, neither disables it)"],
    });
    expect(attempt({ ACME_CLIENT_ID: "acme-client", ACME_CLIENT_SECRET: " " })?.problems).toEqual([
      "credentials: ACME_CLIENT_SECRET: is set but empty",
      "credentials: ACME_CLIENT_SECRET: must be set together with ACME_CLIENT_ID (both enable Acme Field Service, neither disables it)",
    ]);
    expect(attempt({})).toBeNull();
    expect(manifestCredentialEnv(manifests, { ACME_CLIENT_ID: "a", ACME_CLIENT_SECRET: "b", UNRELATED: "x" })).toEqual({ ACME_CLIENT_ID: "a", ACME_CLIENT_SECRET: "b" });
  });
});
