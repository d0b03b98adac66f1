// Automation API: the merchant removes Kudos from a sandbox account (app.uninstalled webhook).
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { requireSandbox } from "~/hosts/sandbox/deps.server";
import { apiHandler, jsonResponse, methodNotAllowed } from "~/hosts/sandbox/http.server";
import { uninstallKudos } from "~/hosts/sandbox/platform.server";

export function loader({ request }: LoaderFunctionArgs) {
  requireSandbox(request);
  return methodNotAllowed("POST");
}

export async function action({ request, params }: ActionFunctionArgs) {
  const deps = requireSandbox(request);
  if (request.method !== "POST") return methodNotAllowed("POST");
  return apiHandler(async () => {
    const delivery = await uninstallKudos(deps, params.id ?? "");
    return jsonResponse({ status: delivery.status, eventId: delivery.eventId });
  });
}
