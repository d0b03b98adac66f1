// The sandbox is never an open relay (issue 13, item 7). Start-up refuses an open sandbox next to
// real transports or in production; with SANDBOX_SECRET, Remix's own request handler (the real
// root route and sandbox routes) answers every /sandbox page, data request and API call 401 with
// the Basic challenge a browser prompts on; and sandbox businesses only ever reach the outbox
// (test/engine/sandbox-outbox.test.ts).
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleError } from "~/entry.server";
import { EnvError, parseEnv, resetEnvForTests } from "~/env.server";
import { resetSandboxStoresForTests } from "~/hosts/sandbox/store.server";
import * as root from "~/root";
import * as homeRoute from "~/routes/sandbox._index";
import * as jobsRoute from "~/routes/sandbox.accounts.$id.jobs";
import * as sessionTokenRoute from "~/routes/sandbox.accounts.$id.session-token";
import * as accountsApi from "~/routes/sandbox.api.accounts";
import { closeServices } from "~/services.server";
import { useTestDatabase } from "../helpers/db";

const ORIGIN = "http://kudos.relay.test";
const SECRET = "relay-test-secret-0123456789";

function build(): ServerBuild {
  const route = (id: string, routePath: string, module: unknown, index = false) => ({
    id,
    parentId: "root",
    path: routePath,
    ...(index ? { index: true } : {}),
    module: module as ServerBuild["routes"][string]["module"],
  });
  return {
    mode: "production",
    entry: {
      module: {
        // The status and headers Remix settled on for the document; rendering React is not the point.
        default: (_request: Request, status: number, headers: Headers) => new Response("<!doctype html>", { status, headers }),
        handleError,
      } as unknown as ServerBuild["entry"]["module"],
    },
    routes: {
      root: { id: "root", path: "", module: root as unknown as ServerBuild["routes"][string]["module"] },
      "routes/sandbox._index": route("routes/sandbox._index", "sandbox", homeRoute, true),
      "routes/sandbox.accounts.$id.jobs": route("routes/sandbox.accounts.$id.jobs", "sandbox/accounts/:id/jobs", jobsRoute),
      "routes/sandbox.accounts.$id.session-token": route("routes/sandbox.accounts.$id.session-token", "sandbox/accounts/:id/session-token", sessionTokenRoute),
      "routes/sandbox.api.accounts": route("routes/sandbox.api.accounts", "sandbox/api/accounts", accountsApi),
    },
    assets: { entry: { imports: [], module: "" }, routes: {}, url: "", version: "test" },
    publicPath: "/build/",
    assetsBuildDirectory: "public/build",
    future: { v3_fetcherPersist: true, v3_relativeSplatPath: true, v3_throwAbortReason: true, v3_lazyRouteDiscovery: true, v3_singleFetch: true },
    isSpaMode: false,
  } as ServerBuild;
}

describe("the sandbox is never an open relay", () => {
  it("refuses to start an open sandbox next to Resend, Twilio or in production, saying how to fix it", () => {
    const production = { NODE_ENV: "production", ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"), LINK_SECRET: "x".repeat(40), APP_URL: "https://kudos.example.com" };
    const refused = [
      { RESEND_API_KEY: "re_live_0123456789" },
      { TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`, TWILIO_AUTH_TOKEN: "token", TWILIO_FROM_NUMBER: "+15550001111" },
      { ...production, SANDBOX_HOST: "1" },
    ];
    for (const source of refused) {
      let error: unknown;
      try {
        parseEnv(source);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(source)).toBeInstanceOf(EnvError);
      expect((error as EnvError).problems).toEqual([expect.stringMatching(/^SANDBOX_HOST: .*HOST=127\.0\.0\.1.*SANDBOX_SECRET/)]);
    }
    // The three ways out.
    expect(parseEnv({ ...production, SANDBOX_HOST: "0" }).SANDBOX_HOST).toBe(false);
    expect(parseEnv({ ...production, SANDBOX_HOST: "1", HOST: "127.0.0.1" }).SANDBOX_HOST).toBe(true);
    expect(parseEnv({ ...production, SANDBOX_HOST: "1", SANDBOX_SECRET: SECRET }).SANDBOX_HOST).toBe(true);
  });

  describe("with SANDBOX_SECRET, through Remix's request handler", () => {
    const db = useTestDatabase();
    const handle = (pathname: string, init?: RequestInit) => createRequestHandler(build(), "production")(new Request(`${ORIGIN}${pathname}`, init), {});
    const basic = (password: string) => ({ Authorization: `Basic ${Buffer.from(`operator:${password}`).toString("base64")}` });

    beforeAll(async () => {
      await closeServices();
      Object.assign(process.env, {
        DATABASE_URL: db().url,
        APP_URL: ORIGIN,
        SANDBOX_HOST: "1",
        SANDBOX_SECRET: SECRET,
        LINK_SECRET: "relay-link-secret-0123456789abcdef0123",
        ENCRYPTION_KEY: Buffer.alloc(32, 9).toString("base64"),
        DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "kudos-relay-")),
      });
      resetEnvForTests();
      resetSandboxStoresForTests();
    });
    afterAll(async () => {
      delete process.env.SANDBOX_SECRET;
      resetEnvForTests();
      await closeServices();
    });

    it("pages, data requests and API calls answer 401 with a Basic challenge; with the password they answer", async () => {
      const unauthenticated: Array<[string, RequestInit?]> = [
        ["/sandbox"],
        ["/sandbox.data"],
        ["/sandbox/accounts/acct_x/jobs"],
        ["/sandbox/accounts/acct_x/jobs", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "intent=create&firstName=Eve&email=eve%40example.com&completed=true" }],
        ["/sandbox/accounts/acct_x/session-token", { method: "POST" }],
        ["/sandbox/api/accounts"],
        ["/sandbox/api/accounts", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"name":"Relay Co"}' }],
      ];
      for (const [pathname, init] of unauthenticated) {
        const answer = await handle(pathname, init);
        const what = `${init?.method ?? "GET"} ${pathname}`;
        expect(answer.status, what).toBe(401);
        expect(answer.headers.get("WWW-Authenticate"), what).toBe('Basic realm="Kudos sandbox"');
      }
      const page = await handle("/sandbox", { headers: basic(SECRET) });
      expect(page.status).toBe(200);
      expect(page.headers.get("WWW-Authenticate")).toBeNull();
      const api = await handle("/sandbox/api/accounts", { headers: basic(SECRET) });
      expect(api.status).toBe(200);
      expect(await api.json()).toEqual({ accounts: [] });
      expect((await handle("/sandbox/api/accounts", { headers: basic("not-the-secret") })).status).toBe(401);
    });
  });
});
