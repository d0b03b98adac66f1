// The OAuth redirect_uri: checks state, exchanges the code, installs, continues to the host admin.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { completeInstall } from "~/hosts/install/install.server";
import { getInstallDeps } from "~/hosts/install/runtime.server";

export function loader({ request, params }: LoaderFunctionArgs) {
  const host = params.host ?? "";
  return completeInstall(getInstallDeps(host), host, request);
}
