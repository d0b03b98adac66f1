// POST /app/data-requests/<id>/download: the stored answer to a customers.data_request, as a JSON
// file; the first download marks the request delivered. A POST because it changes that state (and
// the admin's fetch authenticates it); another business's id, or an expired one, is a 404.
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { NO_STORE } from "~/admin/http.server";
import { requireAdmin } from "~/auth/require-admin.server";
import { downloadDataExport } from "~/hosts/data-exports.server";
import { getServices } from "~/services.server";

const error = (status: number, code: string, message: string) => Response.json({ error: { code, message } }, { status, headers: NO_STORE });

export async function action({ request, params }: ActionFunctionArgs) {
  const { business } = await requireAdmin(request);
  if (request.method !== "POST") return error(405, "method_not_allowed", "Use POST to download a data request");
  const id = z.string().uuid().safeParse(params.id);
  if (!id.success) return error(400, "invalid_input", "id must be a data request id");
  const { domain, secrets } = getServices();
  const file = await downloadDataExport({ db: domain.db, clock: domain.clock, encryptionKey: secrets.encryptionKey }, business.id, id.data.toLowerCase());
  if (!file) return error(404, "not_found", "Data request not found: it may have expired");
  return new Response(file.json, {
    status: 200,
    headers: {
      ...NO_STORE,
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${file.filename}"`,
      "X-Content-Type-Options": "nosniff",
    },
  });
}
