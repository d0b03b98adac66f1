// The Manage App URL of hosts that do not frame apps (Jobber): signs the merchant in to the admin.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { getInstallDeps } from "~/hosts/install/runtime.server";
import { manageApp } from "~/hosts/install/manage-app.server";

export function loader({ request, params }: LoaderFunctionArgs) {
  const host = params.host ?? "";
  return manageApp(getInstallDeps(host), host, request);
}
