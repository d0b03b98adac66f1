// What the analytics pages load (/app/analytics and /app/analytics/$campaignId): the signed-in
// business from the session token, the date range from the query string, the campaign (only one
// of this business's: anything else is a 404), and the analytics for that scope.
import { NO_STORE } from "~/admin/http.server";
import { requireAdmin } from "~/auth/require-admin.server";
import { getCampaign, listCampaigns } from "~/domain/campaigns.server";
import { DomainError, errorBody, NotFoundError } from "~/lib/errors.server";
import { getServices } from "~/services.server";
import { loadAnalytics, type Analytics } from "./analytics.server";
import { deliveryReporting, type DeliveryReporting } from "./delivery.server";
import { parseDateRange, type DateRange, type RangePreset } from "./range.server";
import { loadWeeklyTrend, type WeeklyTrend } from "./trend.server";

export interface AnalyticsPageData {
  businessName: string;
  range: { key: RangePreset | "custom"; from: string | null; to: string | null; label: string };
  /** Null on the overall page. */
  campaign: { id: string; name: string; status: string; serviceType: string | null } | null;
  /** For the campaign picker: the business's campaigns (deleted ones stay in the overall numbers). */
  campaigns: { id: string; name: string; status: string }[];
  analytics: Analytics;
  /** Requests sent and clicked per week of the range. */
  trend: WeeklyTrend;
  /** Per channel, why deliveries are not counted (null: they are): "Delivered" is hidden then. */
  delivery: DeliveryReporting;
}

/** A domain error as the loader's error response: its status, and the field it is about. */
function errorResponse(err: unknown): never {
  if (err instanceof DomainError) throw Response.json(errorBody(err), { status: err.status, headers: NO_STORE });
  throw err;
}

export async function loadAnalyticsPage(request: Request, campaignId: string | null): Promise<AnalyticsPageData> {
  const { business } = await requireAdmin(request);
  const { database, domain, env, processor } = getServices();
  try {
    const range: DateRange = parseDateRange(new URL(request.url).searchParams, {
      timezone: business.timezone,
      now: domain.clock.now(),
    });
    const [campaign, campaigns] = await Promise.all([
      campaignId !== null ? getCampaign(domain.db, business.id, campaignId) : null,
      listCampaigns(domain.db, business.id),
    ]);
    // Presets are readable by every business but never enrolled in: not an analytics scope.
    if (campaign?.isPreset) throw new NotFoundError("Campaign not found");
    const scope = { businessId: business.id, campaignId: campaign?.id ?? null, start: range.start, end: range.end };
    const [analytics, trend] = await Promise.all([
      loadAnalytics(database.pool, scope),
      loadWeeklyTrend(database.pool, scope, { timezone: business.timezone, now: domain.clock.now() }),
    ]);
    // The transports the processor uses for this business (the sandbox's: always the outbox).
    const transports = processor.hostTransports?.[business.host] ?? processor;
    return {
      businessName: business.name,
      range: { key: range.key, from: range.from, to: range.to, label: range.label },
      campaign: campaign && { id: campaign.id, name: campaign.name, status: campaign.status, serviceType: campaign.serviceType },
      campaigns: campaigns.map((c) => ({ id: c.id, name: c.name, status: c.status })),
      analytics,
      trend,
      delivery: deliveryReporting({ email: transports.email.provider, sms: transports.sms.provider }, env),
    };
  } catch (err) {
    errorResponse(err);
  }
}
