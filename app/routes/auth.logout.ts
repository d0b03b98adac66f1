// Signing out of the standalone admin.
import type { ActionFunctionArgs } from "@remix-run/node";
import { getInstallDeps } from "~/hosts/install/runtime.server";
import { logout } from "~/hosts/install/manage-app.server";
import { methodNotAllowed } from "~/stops/http.server";

export function loader() {
  return methodNotAllowed(["POST"]);
}

export function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed(["POST"]);
  return logout(getInstallDeps(""), request);
}
