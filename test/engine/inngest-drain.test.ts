import { InngestTestEngine } from "@inngest/test";
import { describe, expect, it } from "vitest";
import { getCampaign, pauseCampaign, createCampaign } from "~/domain/campaigns.server";
import { recordJob } from "~/domain/enrollment.server";
import { processBatch } from "~/engine/processor.server";
import { ManualClock } from "~/lib/clock.server";
import { createDrainFunction, DRAIN_BUDGET_MS } from "../../inngest/functions/drain-due-touches";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";

describe("Inngest drain function", () => {
  const db = useTestDatabase();

  it("is a singleton cron every minute that drains due touches in bounded batches", async () => {
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const d = deps(db().prisma, clock);
    const { business: b, campaignId } = await installTestBusiness(d);
    await db().prisma.business.update({ where: { id: b.id }, data: { ...BUSINESS_SETTINGS, cooldownDays: 0 } });
    const standard = await getCampaign(db().prisma, b.id, campaignId);
    await pauseCampaign(d, b.id, campaignId);
    await createCampaign(d, b.id, { name: "One", touches: [{ channel: "email", delayHours: 1, templateId: standard.touches[0]!.templateId }] }, { active: true });
    for (let i = 0; i < 5; i++) await recordJob(d, b.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z") }));

    const p = processorDeps(db(), { clock });
    let wall = 0;
    const fn = createDrainFunction(async () => ({ batch: () => processBatch(p, { batchSize: 2 }), nowMs: () => (wall += 10), batchSize: 2 }));
    const config = fn["opts"] as { singleton?: unknown; triggers?: unknown };
    expect(config.singleton).toEqual({ mode: "skip" });
    expect(config.triggers).toEqual([{ cron: "* * * * *" }]);

    const engine = new InngestTestEngine({ function: fn });
    const { result } = await engine.execute();
    expect(result).toMatchObject({ claimed: 5, sent: 5, batches: 3 });
    expect(await db().prisma.outboxMessage.count({ where: { businessId: b.id } })).toBe(5);
    expect(DRAIN_BUDGET_MS).toBeLessThan(60_000);
  });
});
