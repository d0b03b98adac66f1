// The stop endpoints through Remix's own request handler (single fetch on, as in remix.config.js),
// not just their loader/action functions: a cookie-less one-click POST, plain-HTML 404s and
// redirects from resource routes, webhooks answering 405/401 instead of a Remix error page.
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import * as feedbackRoute from "~/routes/f.$token";
import * as reviewRoute from "~/routes/r.$token";
import * as unsubscribeRoute from "~/routes/u.$token";
import * as resendRoute from "~/routes/webhooks.resend";
import * as inboundRoute from "~/routes/webhooks.twilio.inbound";
import * as statusRoute from "~/routes/webhooks.twilio.status";
import { useTestDatabase } from "../helpers/db";
import { enrollmentState, inboundSms, resendEvent, resendRequest, sentFirstTouch, twilioRequest, useRouteEnv } from "./helpers";

const ORIGIN = "http://internal:3000";

function build(): ServerBuild {
  const route = (id: string, path: string, module: unknown) => ({ id, parentId: "root", path, module: module as ServerBuild["routes"][string]["module"] });
  return {
    mode: "production",
    entry: {
      module: {
        // Resource routes never render a document; reaching this would be a bug in the test set-up.
        default: () => new Response("document render", { status: 599 }),
      },
    },
    routes: {
      root: { id: "root", path: "", module: { default: () => null } as unknown as ServerBuild["routes"][string]["module"] },
      "routes/r.$token": route("routes/r.$token", "r/:token", reviewRoute),
      "routes/u.$token": route("routes/u.$token", "u/:token", unsubscribeRoute),
      "routes/f.$token": route("routes/f.$token", "f/:token", feedbackRoute),
      "routes/webhooks.resend": route("routes/webhooks.resend", "webhooks/resend", resendRoute),
      "routes/webhooks.twilio.status": route("routes/webhooks.twilio.status", "webhooks/twilio/status", statusRoute),
      "routes/webhooks.twilio.inbound": route("routes/webhooks.twilio.inbound", "webhooks/twilio/inbound", inboundRoute),
    },
    assets: { entry: { imports: [], module: "" }, routes: {}, url: "", version: "test" },
    publicPath: "/build/",
    assetsBuildDirectory: "public/build",
    future: { v3_fetcherPersist: true, v3_relativeSplatPath: true, v3_throwAbortReason: true, v3_lazyRouteDiscovery: true, v3_singleFetch: true },
    isSpaMode: false,
  };
}

describe("stop endpoints through Remix's request handler", () => {
  const db = useTestDatabase();
  useRouteEnv(db);
  const handle = (request: Request) => createRequestHandler(build(), "production")(request, {});

  it("the RFC 8058 one-click POST works without cookies, session or _data", async () => {
    const s = await sentFirstTouch(db());
    const res = await handle(
      new Request(`${ORIGIN}/u/${s.unsubscribeToken}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("You're unsubscribed");
    expect(await enrollmentState(db(), s.enrollmentId)).toMatchObject({ status: "stopped", stopReason: "opted_out_email" });
  });

  it("review links redirect, and a bad one is a plain 404 page", async () => {
    const s = await sentFirstTouch(db());
    const ok = await handle(new Request(`${ORIGIN}/r/${s.reviewToken}`));
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe("https://g.page/r/acme/review");
    const bad = await handle(new Request(`${ORIGIN}/r/not-a-token`));
    expect(bad.status).toBe(404);
    expect(await bad.text()).toContain("This link isn't valid");
  });

  it("webhooks answer as their handlers say: TwiML, 401, 405", async () => {
    const s = await sentFirstTouch(db());
    const stop = await handle(twilioRequest("/webhooks/twilio/inbound", inboundSms(s.phone, "STOP")));
    expect(stop.status).toBe(200);
    expect(await stop.text()).toContain("<Response><Message>");
    const forged = await handle(resendRequest(resendEvent("email.complained", s.providerMessageId), { signature: "v1,AAAA" }));
    expect(forged.status).toBe(401);
    expect((await handle(new Request(`${ORIGIN}/webhooks/resend`))).status).toBe(405);
    expect((await handle(new Request(`${ORIGIN}/webhooks/twilio/status`, { method: "PUT", body: "x" }))).status).toBe(405);
  });
});
