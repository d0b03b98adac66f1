// Host platforms' webhooks (docs/host-protocol.md §4). Verifies, stores and answers at once;
// processing happens in the host-event worker. Logic: app/hosts/ingest/receive.server.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "~/hosts/ingest/receive.server";
import { handleWebhookHttp } from "~/hosts/ingest/http.server";
import { getIngestDeps } from "~/hosts/ingest/runtime.server";

function methodNotAllowed(): Response {
  return Response.json(
    { error: { code: "method_not_allowed", message: "Use POST" } },
    { status: 405, headers: { Allow: "POST", "Cache-Control": "no-store" } },
  );
}

export function loader() {
  return methodNotAllowed();
}

export function action({ request, params }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed();
  return receiveWebhook(getIngestDeps(), params.host ?? "", request);
}

/**
 * The same POST for the server's Express fast path (app/server/main.ts finds it in the build's
 * route module): answered on Node's request and response, without Remix's routing.
 */
export function handleHostWebhookPost(host: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return handleWebhookHttp(getIngestDeps(), host, req, res);
}
