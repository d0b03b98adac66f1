// Feedback page: GET /f/<token> shows every public review site and the private form; POST stores
// the message and stops the sequence. Logic: app/stops/feedback.server.ts.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { getStopsDeps } from "~/stops/deps.server";
import { feedbackPageResponse, feedbackSubmitResponse } from "~/stops/feedback.server";
import { methodNotAllowed } from "~/stops/http.server";

export function loader({ params }: LoaderFunctionArgs) {
  return feedbackPageResponse(getStopsDeps(), params.token ?? "");
}

export function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed(["GET", "POST"]);
  return feedbackSubmitResponse(getStopsDeps(), request, params.token ?? "");
}
