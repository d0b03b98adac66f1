// Automation API: POST {customer:{firstName,lastName,email,phone}, serviceType, title, completed}
// records a job on the sandbox account and delivers its webhook to Kudos; answers {jobId, status}
// with Kudos's HTTP status for the delivery.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { requireSandbox } from "~/hosts/sandbox/deps.server";
import { apiHandler, jsonResponse, methodNotAllowed, readJson } from "~/hosts/sandbox/http.server";
import { createJob, getAccount, type JobInputBody, listJobs, SandboxNotFoundError } from "~/hosts/sandbox/platform.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const deps = requireSandbox(request);
  return apiHandler(async () => {
    const account = await getAccount(deps.store, params.id ?? "");
    if (!account) throw new SandboxNotFoundError("Account");
    return jsonResponse(await listJobs(deps.store, account.id));
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const deps = requireSandbox(request);
  if (request.method !== "POST") return methodNotAllowed("GET, POST");
  return apiHandler(async () => {
    const { job, delivery } = await createJob(deps, params.id ?? "", (await readJson(request)) as JobInputBody);
    return jsonResponse({ jobId: job.id, status: delivery.status, eventId: delivery.eventId, ...(delivery.error ? { error: delivery.error } : {}) }, 201);
  });
}
