// Twilio's delivery status callbacks. Logic: app/stops/twilio-webhooks.server.ts.
import type { ActionFunctionArgs } from "@remix-run/node";
import { getTwilioWebhookDeps } from "~/stops/deps.server";
import { methodNotAllowed } from "~/stops/http.server";
import { twilioStatusResponse } from "~/stops/twilio-webhooks.server";

export function loader() {
  return methodNotAllowed(["POST"]);
}

export function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed(["POST"]);
  return twilioStatusResponse(getTwilioWebhookDeps(), request);
}
