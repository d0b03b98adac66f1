// Read models for the campaign pages: rows for the list (with live enrollment counts) and the
// preset cards. JSON-safe shapes: what the loaders hand to the pages.
import { listPresets, touchSummary, type CampaignWithTouches } from "~/domain/campaigns.server";
import type { Tx } from "~/domain/types";
import type { Channel, EnrollmentStatus } from "~/generated/prisma/client";

export type EnrollmentCounts = Record<EnrollmentStatus, number>;

/** Active, completed and stopped enrollments per campaign of the business, in one grouped query. */
export async function enrollmentCountsByCampaign(db: Tx, businessId: string): Promise<Map<string, EnrollmentCounts>> {
  const groups = await db.enrollment.groupBy({
    by: ["campaignId", "status"],
    where: { businessId },
    _count: { _all: true },
  });
  const out = new Map<string, EnrollmentCounts>();
  for (const g of groups) {
    const counts = out.get(g.campaignId) ?? { active: 0, completed: 0, stopped: 0 };
    counts[g.status] = g._count._all;
    out.set(g.campaignId, counts);
  }
  return out;
}

export interface TouchView {
  position: number;
  channel: Channel;
  delayHours: number;
  templateId: string;
  templateName: string;
}

export interface CampaignRow {
  id: string;
  name: string;
  description: string | null;
  status: "active" | "paused";
  serviceType: string | null;
  summary: string;
  touches: TouchView[];
}

export function campaignRow(c: CampaignWithTouches): CampaignRow {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    status: c.status,
    serviceType: c.serviceType,
    summary: touchSummary(c.touches),
    touches: c.touches.map((t) => ({
      position: t.position,
      channel: t.channel,
      delayHours: t.delayHours,
      templateId: t.templateId,
      templateName: t.template.name,
    })),
  };
}

export async function presetCards(db: Tx): Promise<CampaignRow[]> {
  return (await listPresets(db)).map(campaignRow);
}
