// The sandbox admin's session-token service: its shell asks for a fresh token whenever Kudos (in
// the frame) asks it for one. Signed with the sandbox app's client secret, as a host admin would.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { requireSandbox } from "~/hosts/sandbox/deps.server";
import { jsonResponse, methodNotAllowed } from "~/hosts/sandbox/http.server";
import { getAccount } from "~/hosts/sandbox/platform.server";
import { mintSessionToken } from "~/hosts/sandbox/session.server";

export function loader({ request }: LoaderFunctionArgs) {
  requireSandbox(request);
  return methodNotAllowed("POST");
}

export async function action({ request, params }: ActionFunctionArgs) {
  const deps = requireSandbox(request);
  if (request.method !== "POST") return methodNotAllowed("POST");
  const account = await getAccount(deps.store, params.id ?? "");
  if (!account) return jsonResponse({ error: { code: "not_found", message: "Account not found" } }, 404);
  return jsonResponse({ token: await mintSessionToken(deps, account.id) });
}
