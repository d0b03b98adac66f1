import { getDatabase } from "~/db.server";
import { checkDatabase } from "~/lib/health.server";

export async function loader() {
  const health = await checkDatabase(getDatabase().pool);
  return Response.json(health.body, {
    status: health.ok ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
