// /app/campaigns is the campaign list, which lives at /app; the query (id_token on a document
// load) is kept so the redirected request is still authenticated.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { adminRedirect } from "~/admin/http.server";
import { requireAdmin } from "~/auth/require-admin.server";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  return adminRedirect(`/app${new URL(request.url).search}`);
}
