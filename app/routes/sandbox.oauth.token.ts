// The sandbox host's OAuth token endpoint (docs/host-protocol.md §2), called by Kudos server to server.
import type { ActionFunctionArgs } from "@remix-run/node";
import { requireSandboxTokenEndpoint } from "~/hosts/sandbox/deps.server";
import { jsonResponse, methodNotAllowed, readParams } from "~/hosts/sandbox/http.server";
import { tokenGrant } from "~/hosts/sandbox/oauth.server";

export function loader() {
  requireSandboxTokenEndpoint();
  return methodNotAllowed("POST");
}

export async function action({ request }: ActionFunctionArgs) {
  // Not behind SANDBOX_SECRET: Kudos's server calls it with the app's client credentials.
  const deps = requireSandboxTokenEndpoint();
  if (request.method !== "POST") return methodNotAllowed("POST");
  const answer = await tokenGrant(deps.store, deps.oauth, await readParams(request), deps.clock.now());
  return jsonResponse(answer.body, answer.status, { Pragma: "no-cache" });
}
