import { describe, expect, it } from "vitest";
import { uninstallBusiness } from "~/domain/business.server";
import * as layout from "~/routes/app";
import { getServices } from "~/services.server";
import { APP_URL, call, installTestBusiness, sessionFor, sessionToken, useAdminServices } from "./helpers";
import { ADMIN_ROUTES, SOME_ID } from "./routes";

type Fn = (args: unknown) => unknown;

function requestsFor(path: string, authorization?: string): Request[] {
  const headers: Record<string, string> = authorization ? { Authorization: authorization } : {};
  return [
    new Request(`${APP_URL}${path}`, { headers }),
    new Request(`${APP_URL}${path}`, { method: "POST", headers, body: new URLSearchParams({ intent: "save" }) }),
  ];
}

describe("/app authentication", () => {
  useAdminServices();

  it("sweeps every /app route file, analytics included, each with a loader or an action", () => {
    const files = ADMIN_ROUTES.map((r) => r.file);
    // The derivation finds the layout, the pages and the analytics screens.
    for (const file of [
      "app.tsx",
      "app._index.tsx",
      "app.campaigns._index.tsx",
      "app.campaigns.$id.tsx",
      "app.analytics.tsx",
      "app.analytics.$campaignId.tsx",
      "app.feedback.tsx",
      "app.data-requests.tsx",
      "app.data-requests.$id.download.ts",
      "app.test-send.ts",
    ]) {
      expect(files).toContain(file);
    }
    expect(ADMIN_ROUTES.find((r) => r.file === "app.analytics.$campaignId.tsx")).toMatchObject({ path: `/app/analytics/${SOME_ID}`, params: { campaignId: SOME_ID } });
    expect(ADMIN_ROUTES.find((r) => r.file === "app.data-requests.$id.download.ts")).toMatchObject({ path: `/app/data-requests/${SOME_ID}/download`, params: { id: SOME_ID } });
    for (const route of ADMIN_ROUTES) expect(Boolean(route.module.loader ?? route.module.action), route.file).toBe(true);
  });

  it("answers 401 (no-store) to every loader and action without a token, with a bad one, or for another app", async () => {
    const business = await installTestBusiness();
    const valid = await sessionToken(business);
    const [head, payload] = valid.split(".");
    const badTokens = [
      undefined,
      "Bearer not-a-jwt",
      `Bearer ${await sessionToken(business, { secret: "someone-else's-secret-0123456789" })}`,
      `Bearer ${head}.${payload}.${"A".repeat(43)}`,
      `Bearer ${await sessionToken(business, { now: new Date(Date.now() - 10 * 60_000) })}`,
      `Bearer ${await sessionToken({ externalAccountId: "no-such-account" })}`,
    ];
    // A layout's loader also runs for its children's URLs, with their params (app.analytics.tsx
    // on /app/analytics/<id> takes another branch): each route is swept on those too.
    const targets = (route: (typeof ADMIN_ROUTES)[number]) => [
      route,
      ...ADMIN_ROUTES.filter((child) => child.file.startsWith(route.file.replace(/\.tsx?$/, ".")) && Object.keys(child.params).length > 0),
    ];
    for (const route of ADMIN_ROUTES) {
      for (const target of targets(route)) {
        for (const authorization of badTokens) {
          const [getReq, postReq] = requestsFor(target.path, authorization);
          for (const [fn, request] of [
            [route.module.loader, getReq],
            [route.module.action, postReq],
          ] as const) {
            if (!fn) continue;
            const res = await call(fn as Fn, request!, target.params);
            expect(res.status, `${route.file} ${request!.method} ${target.path} ${authorization ?? "(none)"}`).toBe(401);
            expect(res.thrown).toBe(true);
            expect(res.headers.get("Cache-Control")).toBe("no-store");
          }
        }
      }
    }
  });

  it("accepts the id_token query parameter on document loads only", async () => {
    const business = await installTestBusiness();
    const token = await sessionToken(business);
    const page = await call(layout.loader, new Request(`${APP_URL}/app?id_token=${token}`));
    expect(page.status).toBe(200);
    const campaigns = await import("~/routes/app.campaigns._index");
    const post = await call(
      campaigns.action,
      new Request(`${APP_URL}/app/campaigns?index&id_token=${token}`, { method: "POST", body: new URLSearchParams({ intent: "pause" }) }),
    );
    expect(post.status).toBe(401);
  });

  it("refuses an uninstalled business", async () => {
    const business = await installTestBusiness();
    const session = await sessionFor(business);
    await uninstallBusiness(getServices().domain, business.id);
    const res = await call(layout.loader, await session.get("/app"));
    expect(res.status).toBe(401);
  });

  it("the layout hands the page the business, the admin origin and whether the outbox is in use", async () => {
    const business = await installTestBusiness("Bright Plumbing");
    const session = await sessionFor(business);
    const res = await call<{ businessName: string; adminOrigin: string; outboxInUse: boolean }>(
      layout.loader,
      await session.get("/app"),
    );
    expect(res.data).toMatchObject({ businessName: "Bright Plumbing", adminOrigin: new URL(APP_URL).origin, outboxInUse: true });
  });
});

describe("/app response headers", () => {
  useAdminServices();

  it("every /app response may be framed by the enabled hosts' admins only and is never cached", () => {
    const headers = new Headers(
      (layout.headers as (a: unknown) => HeadersInit)({
        loaderHeaders: new Headers(),
        parentHeaders: new Headers(),
        actionHeaders: new Headers(),
        errorHeaders: undefined,
      }),
    );
    // The sandbox's admin is Kudos's own origin ("self").
    expect(headers.get("Content-Security-Policy")).toBe("frame-ancestors 'self'");
    expect(headers.get("Cache-Control")).toBe("no-store");
  });

  it("no page replaces the layout's headers (Remix then uses the layout's for every /app response)", () => {
    for (const route of ADMIN_ROUTES.filter((r) => r.file !== "app.tsx")) {
      expect(route.module.headers, route.file).toBeUndefined();
    }
  });
});
