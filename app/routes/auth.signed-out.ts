// Where a merchant without a valid admin session lands: how to sign in again through the host.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { signedOutPage } from "~/hosts/install/manage-app.server";
import { getServices } from "~/services.server";

export function loader({ request }: LoaderFunctionArgs) {
  return signedOutPage(getServices(), request);
}
