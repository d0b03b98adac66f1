// /app/analytics: review-request analytics over every campaign of the business. Also the parent
// route of /app/analytics/$campaignId (flat-route nesting), whose page replaces this one.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData, useOutlet } from "@remix-run/react";
import vizStyles from "@shopify/polaris-viz/build/esm/styles.css";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { loadAnalyticsPage } from "~/analytics/page.server";
import { AnalyticsPage } from "~/analytics/ui/AnalyticsPage";
import { requireAdmin } from "~/auth/require-admin.server";

// The chart styles; the campaign page renders inside this route, so it gets them too.
export const links: LinksFunction = () => [{ rel: "stylesheet", href: vizStyles }];

export const meta: MetaFunction = () => [{ title: "Analytics · Kudos" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  // On a campaign's page this route only frames the child, whose loader does the work.
  if (params.campaignId) {
    await requireAdmin(request);
    return null;
  }
  return loadAnalyticsPage(request, null);
}

export default function OverallAnalytics() {
  const data = useLoaderData<typeof loader>();
  const outlet = useOutlet();
  if (outlet || !data) return outlet;
  return <AnalyticsPage data={data} />;
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
