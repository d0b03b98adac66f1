// The public routes (links, provider and host webhooks) as a Remix server build, for driving them
// through Remix's own request handler (or Express in front of it) instead of calling loaders.
import type { ServerBuild } from "@remix-run/node";
import { handleError } from "~/entry.server";
import * as feedbackRoute from "~/routes/f.$token";
import * as reviewRoute from "~/routes/r.$token";
import * as unsubscribeRoute from "~/routes/u.$token";
import * as hostRoute from "~/routes/webhooks.hosts.$host";
import * as resendRoute from "~/routes/webhooks.resend";
import * as inboundRoute from "~/routes/webhooks.twilio.inbound";
import * as statusRoute from "~/routes/webhooks.twilio.status";

export function publicRoutesBuild(): ServerBuild {
  const route = (id: string, path: string, module: unknown) => ({ id, parentId: "root", path, module: module as ServerBuild["routes"][string]["module"] });
  return {
    mode: "production",
    entry: {
      module: {
        // Resource routes never render a document; reaching this is a bug in the set-up.
        default: () => new Response("document render", { status: 599 }),
        handleError,
      } as unknown as ServerBuild["entry"]["module"],
    },
    routes: {
      root: { id: "root", path: "", module: { default: () => null } as unknown as ServerBuild["routes"][string]["module"] },
      "routes/r.$token": route("routes/r.$token", "r/:token", reviewRoute),
      "routes/u.$token": route("routes/u.$token", "u/:token", unsubscribeRoute),
      "routes/f.$token": route("routes/f.$token", "f/:token", feedbackRoute),
      "routes/webhooks.resend": route("routes/webhooks.resend", "webhooks/resend", resendRoute),
      "routes/webhooks.twilio.status": route("routes/webhooks.twilio.status", "webhooks/twilio/status", statusRoute),
      "routes/webhooks.twilio.inbound": route("routes/webhooks.twilio.inbound", "webhooks/twilio/inbound", inboundRoute),
      "routes/webhooks.hosts.$host": route("routes/webhooks.hosts.$host", "webhooks/hosts/:host", hostRoute),
    },
    assets: { entry: { imports: [], module: "" }, routes: {}, url: "", version: "test" },
    publicPath: "/build/",
    assetsBuildDirectory: "public/build",
    future: { v3_fetcherPersist: true, v3_relativeSplatPath: true, v3_throwAbortReason: true, v3_lazyRouteDiscovery: true, v3_singleFetch: true },
    isSpaMode: false,
  } as ServerBuild;
}
