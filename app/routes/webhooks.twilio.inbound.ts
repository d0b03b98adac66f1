// Texts customers send to the shared number: STOP/START/HELP and their synonyms, answered with
// TwiML. Logic: app/stops/twilio-webhooks.server.ts.
import type { ActionFunctionArgs } from "@remix-run/node";
import { getTwilioWebhookDeps } from "~/stops/deps.server";
import { methodNotAllowed } from "~/stops/http.server";
import { twilioInboundResponse } from "~/stops/twilio-webhooks.server";

export function loader() {
  return methodNotAllowed(["POST"]);
}

export function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed(["POST"]);
  return twilioInboundResponse(getTwilioWebhookDeps(), request);
}
