// Tracked review link: /r/<token>[?site=i]. Records the click, stops the sequence, redirects to the
// business's review site (or shows its feedback page). Logic: app/stops/review-link.server.ts.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { getStopsDeps } from "~/stops/deps.server";
import { methodNotAllowed } from "~/stops/http.server";
import { reviewLinkResponse } from "~/stops/review-link.server";

export function loader({ request, params }: LoaderFunctionArgs) {
  return reviewLinkResponse(getStopsDeps(), request, params.token ?? "");
}

export function action() {
  return methodNotAllowed(["GET"]);
}
