// Install start: the host's marketplace sends the merchant here (docs/host-protocol.md §2).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { beginInstall } from "~/hosts/install/install.server";
import { getInstallDeps } from "~/hosts/install/runtime.server";

export function loader({ request, params }: LoaderFunctionArgs) {
  const host = params.host ?? "";
  return beginInstall(getInstallDeps(host), host, request);
}
