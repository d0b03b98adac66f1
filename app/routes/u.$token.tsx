// Email unsubscribe: GET /u/<token> asks for confirmation; POST (the button, or the RFC 8058
// one-click POST without cookies) unsubscribes. Logic: app/stops/unsubscribe.server.ts.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { getStopsDeps } from "~/stops/deps.server";
import { methodNotAllowed } from "~/stops/http.server";
import { unsubscribePageResponse, unsubscribeResponse } from "~/stops/unsubscribe.server";

export function loader({ params }: LoaderFunctionArgs) {
  return unsubscribePageResponse(getStopsDeps(), params.token ?? "");
}

export function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed(["GET", "POST"]);
  return unsubscribeResponse(getStopsDeps(), params.token ?? "", request);
}
