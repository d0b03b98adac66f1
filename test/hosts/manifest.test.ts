import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HostManifestError, loadHostManifests } from "~/hosts/manifest.server";
import { createHostRegistry } from "~/hosts/registry.server";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempExtensions(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "kudos-ext-"));
  dirs.push(dir);
  for (const [handle, text] of Object.entries(files)) {
    mkdirSync(path.join(dir, handle));
    writeFileSync(path.join(dir, handle, "kudos.extension.toml"), text);
  }
  return dir;
}

const jobberToml = readFileSync("extensions/jobber/kudos.extension.toml", "utf8");

function loadError(dir: string): HostManifestError {
  try {
    loadHostManifests(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(HostManifestError);
    return err as HostManifestError;
  }
  throw new Error("expected the manifests to be rejected");
}

describe("loadHostManifests", () => {
  it("loads the shipped Jobber and sandbox manifests", () => {
    const manifests = loadHostManifests();
    expect(manifests.map((m) => m.handle)).toEqual(["jobber", "sandbox"]);
    const [jobber, sandbox] = manifests;
    expect(jobber).toMatchObject({
      name: "Jobber",
      protocol: "jobber",
      credentials: { source: "env", clientIdEnv: "JOBBER_CLIENT_ID", clientSecretEnv: "JOBBER_CLIENT_SECRET" },
      oauth: {
        authorizeUrl: "https://api.getjobber.com/api/oauth/authorize",
        tokenUrl: "https://api.getjobber.com/api/oauth/token",
        redirectPath: "/auth/hosts/jobber/callback",
      },
      adminMode: "standalone",
      adminOrigins: [],
      // Only topics of Jobber's documented WebHookTopicEnum (JOB_CLOSED is unconfirmed): a job's
      // completion is read from its status on JOB_UPDATE, or a visit's on VISIT_COMPLETE.
      webhooks: [{ topics: ["JOB_UPDATE", "VISIT_COMPLETE", "CLIENT_UPDATE", "APP_DISCONNECT"], path: "/webhooks/hosts/jobber" }],
    });
    expect(sandbox).toMatchObject({
      protocol: "generic",
      credentials: { source: "builtin" },
      oauth: { authorizeUrl: "/sandbox/oauth/authorize", tokenUrl: "/sandbox/oauth/token" },
      adminMode: "embedded",
      adminOrigins: ["self"],
    });
    expect(sandbox?.webhooks[0]?.topics).toContain("customers.redact");
  });

  it("names the file and the field of a bad manifest", () => {
    const dir = tempExtensions({
      jobber: jobberToml
        .replace('token_url = "https://api.getjobber.com/api/oauth/token"', 'token_url = "ftp://jobber"')
        .replace('mode = "standalone"', 'mode = "embedded"\norigins = ["https://secure.getjobber.com/admin"]'),
    });
    const err = loadError(dir);
    expect(err.file).toBe(path.join(dir, "jobber", "kudos.extension.toml"));
    expect(err.message).toContain(`Invalid host manifest ${path.join(dir, "jobber", "kudos.extension.toml")}`);
    expect(err.problems).toEqual([
      "oauth.token_url: must be an https URL or a path starting with /",
      "admin.origins.0: must be \"self\" or an origin like https://admin.example.com (no path, no trailing slash)",
    ]);
  });

  it("checks the admin mode against its origins", () => {
    const framedStandalone = loadError(tempExtensions({ jobber: jobberToml.replace('mode = "standalone"', 'mode = "standalone"\norigins = ["https://secure.getjobber.com"]') }));
    expect(framedStandalone.problems).toEqual(["admin.origins: must be empty: a standalone admin is never framed"]);
    const unframedEmbedded = loadError(tempExtensions({ jobber: jobberToml.replace('mode = "standalone"', 'mode = "embedded"') }));
    expect(unframedEmbedded.problems).toEqual(["admin.origins: needs at least one origin (the host admin that frames Kudos)"]);
    const unknown = loadError(tempExtensions({ jobber: jobberToml.replace('mode = "standalone"', 'mode = "popup"') }));
    expect(unknown.problems).toEqual(["admin.mode: must be one of embedded, standalone"]);
  });

  it("reads Jobber's GraphQL endpoint from [api] graphql_url, checked like the other endpoints", () => {
    const withApi = (url: string, toml = jobberToml) => `${toml}\n[api]\ngraphql_url = "${url}"\n`;
    const [jobber] = loadHostManifests(tempExtensions({ jobber: withApi("http://127.0.0.1:4567/api/graphql") }));
    expect(jobber?.api).toEqual({ graphqlUrl: "http://127.0.0.1:4567/api/graphql" });
    expect(loadHostManifests()[0]?.api).toBeUndefined();

    expect(loadError(tempExtensions({ jobber: withApi("http://jobber.example/api/graphql") })).problems).toEqual(["api.graphql_url: must be an https URL"]);
    // A path would be Kudos itself: Jobber's API is always elsewhere.
    expect(loadError(tempExtensions({ jobber: withApi("/api/graphql") })).problems).toEqual(["api.graphql_url: must be an https URL"]);
    expect(loadError(tempExtensions({ jobber: `${jobberToml}\n[api]\ngraphql = "https://x.example"\n` })).problems).toEqual([
      expect.stringMatching(/^api: Unrecognized key.*graphql/),
    ]);
    const generic = readFileSync("extensions/sandbox/kudos.extension.toml", "utf8");
    expect(loadError(tempExtensions({ sandbox: withApi("https://api.example/graphql", generic) })).problems).toEqual([
      'api.graphql_url: is only read for protocol "jobber"',
    ]);
  });

  it("requires the one callback route there is", () => {
    const moved = loadError(tempExtensions({ jobber: jobberToml.replace('redirect_path = "/auth/hosts/jobber/callback"', 'redirect_path = "/oauth/callback"') }));
    expect(moved.problems).toEqual(["oauth.redirect_path: must be /auth/hosts/jobber/callback"]);
  });

  it("reports TOML syntax errors with their line", () => {
    const err = loadError(tempExtensions({ jobber: 'name = "Jobber"\nhandle = \n' }));
    expect(err.problems[0]).toMatch(/^not valid TOML \(line 2, column \d+\)/);
  });

  it("checks the handle, webhook route, generic topics, credentials and unknown keys", () => {
    const generic = jobberToml
      .replace('protocol = "jobber"', 'protocol = "generic"')
      .replace('uri = "/webhooks/hosts/jobber"', 'uri = "/webhooks/jobber"')
      .replace('client_secret_env = "JOBBER_CLIENT_SECRET"', 'client_secret_env = "jobber secret"')
      .replace('name = "Jobber"', 'name = "Jobber"\ncolour = "green"');
    const err = loadError(tempExtensions({ jobber: generic }));
    expect(err.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\(file\): Unrecognized key.*colour/),
        "credentials.client_secret_env: must be an environment variable name like JOBBER_CLIENT_ID",
        "webhooks.subscriptions.0.uri: must be /webhooks/hosts/jobber",
        expect.stringMatching(/^webhooks\.subscriptions\.0\.topics\.0: unknown generic topic "JOB_UPDATE"/),
      ]),
    );
    const moved = loadError(tempExtensions({ acme: jobberToml }));
    expect(moved.problems).toEqual(['handle: must match its folder name "acme"']);
  });

  it("refuses a host folder without a manifest, and a missing directory", () => {
    const dir = tempExtensions({});
    mkdirSync(path.join(dir, "acme"));
    expect(loadError(dir).problems).toEqual(["file not found"]);
    expect(loadError(path.join(dir, "nope")).problems).toEqual(["directory not found"]);
  });
});

describe("createHostRegistry", () => {
  const manifests = loadHostManifests();
  const env = { APP_URL: "http://localhost:3000", JOBBER_GRAPHQL_VERSION: "2025-04-16" };

  it("enables a host only when its credentials are present", () => {
    expect(createHostRegistry({ manifests, env }).list()).toEqual([]);
    const registry = createHostRegistry({
      manifests,
      env: { ...env, JOBBER_CLIENT_ID: "jid", JOBBER_CLIENT_SECRET: "jsecret" },
      builtinCredentials: { sandbox: { clientId: "sid", clientSecret: "ssecret" } },
    });
    expect(registry.list().map((c) => [c.host, c.clientId])).toEqual([
      ["jobber", "jid"],
      ["sandbox", "sid"],
    ]);
    expect(registry.get("jobber")?.fetchJob).toBeTypeOf("function");
    expect(registry.get("sandbox")?.fetchJob).toBeUndefined();
    // Jobber's admin is standalone: it issues no session tokens, so it has no session key.
    expect(registry.sessionKeys()).toEqual([{ host: "sandbox", clientId: "sid", secret: "ssecret", adminOrigins: ["http://localhost:3000"] }]);
  });

  it("sends Jobber's GraphQL requests to the manifest's graphql_url, or to Jobber's own", async () => {
    const urls: string[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      urls.push(String(input));
      return Response.json({ data: { job: null }, extensions: { cost: { requestedQueryCost: 1, actualQueryCost: 1 } } });
    };
    const dir = tempExtensions({ jobber: `${jobberToml}\n[api]\ngraphql_url = "http://127.0.0.1:4567/api/graphql"\n` });
    const credentials = { ...env, JOBBER_CLIENT_ID: "jid", JOBBER_CLIENT_SECRET: "jsecret" };
    for (const found of [loadHostManifests(dir), manifests]) {
      await createHostRegistry({ manifests: found, env: credentials, fetch }).get("jobber")!.fetchJob!("token", "gid-1");
    }
    expect(urls).toEqual(["http://127.0.0.1:4567/api/graphql", "https://api.getjobber.com/api/graphql"]);
  });

  it("takes the sandbox's generated credentials from the caller only", () => {
    const registry = createHostRegistry({
      manifests,
      env,
      builtinCredentials: { sandbox: { clientId: "sid", clientSecret: "ssecret" } },
    });
    expect(registry.manifests().map((m) => m.handle)).toEqual(["sandbox"]);
    expect(registry.get("jobber")).toBeUndefined();
  });
});
