// /app/analytics/<campaignId>: the analytics of one of the business's campaigns. Another
// business's campaign (or a preset, or a deleted campaign) is a 404.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { loadAnalyticsPage } from "~/analytics/page.server";
import { AnalyticsPage } from "~/analytics/ui/AnalyticsPage";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.campaign ? `Analytics: ${data.campaign.name} · Kudos` : "Analytics · Kudos" },
];

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
