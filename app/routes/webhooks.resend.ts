// Resend's webhook endpoint (Svix-signed). Logic: app/stops/resend-webhooks.server.ts.
import type { ActionFunctionArgs } from "@remix-run/node";
import { getResendWebhookDeps } from "~/stops/deps.server";
import { methodNotAllowed } from "~/stops/http.server";
import { resendWebhookResponse } from "~/stops/resend-webhooks.server";

export function loader() {
  return methodNotAllowed(["POST"]);
}

export function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed(["POST"]);
  return resendWebhookResponse(getResendWebhookDeps(), request);
}
