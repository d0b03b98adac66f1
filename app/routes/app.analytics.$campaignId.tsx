// /app/analytics/<campaignId>: the analytics of one of the business's campaigns. Another
// business's campaign (or a preset, or a deleted campaign) is a 404.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { loadAnalyticsPage } from "~/analytics/page.server";
import { AnalyticsPage } from "~/analytics/ui/AnalyticsPage";

export function loader({ request, params }: LoaderFunctionArgs) {
  return loadAnalyticsPage(request, params.campaignId ?? "");
}

export default function CampaignAnalytics() {
  const data = useLoaderData<typeof loader>();
  return <AnalyticsPage data={data} />;
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
