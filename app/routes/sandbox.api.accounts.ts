// Automation API: POST {name, timezone} creates a sandbox account and installs Kudos into it
// through the real OAuth flow over HTTP; GET lists the accounts.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { requireSandbox } from "~/hosts/sandbox/deps.server";
import { apiHandler, jsonResponse, methodNotAllowed, readJson } from "~/hosts/sandbox/http.server";
import { type AccountInput, createAccount, installKudosOverHttp, listAccounts } from "~/hosts/sandbox/platform.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const deps = requireSandbox(request);
  return jsonResponse({ accounts: await listAccounts(deps.store) });
}

export async function action({ request }: ActionFunctionArgs) {
  const deps = requireSandbox(request);
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  return apiHandler(async () => {
    const account = await createAccount(deps, (await readJson(request)) as AccountInput);
    const { businessId } = await installKudosOverHttp(deps, account.id);
    return jsonResponse({ accountId: account.id, businessId }, 201);
  });
}
