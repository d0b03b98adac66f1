import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { serve } from "inngest/remix";
import { afterEach, describe, expect, it, vi } from "vitest";
import { usesInngestCloud } from "~/background.server";
import { getCampaign, pauseCampaign, createCampaign } from "~/domain/campaigns.server";
import { recordJob } from "~/domain/enrollment.server";
import { processBatch } from "~/engine/processor.server";
import { inngestMode, parseEnv } from "~/env.server";
import { ManualClock } from "~/lib/clock.server";
import { inngestClientOptions } from "../../inngest/client";
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

describe("Inngest mode", () => {
  afterEach(() => vi.unstubAllEnvs());
  const SIGNING_KEY = "signkey-prod-0123456789abcdef0123456789abcdef";

  /** Kudos's client for a configuration, as inngest/client.ts builds it, and its /api/inngest handler. */
  function kudosInngest(source: Record<string, string>) {
    const env = parseEnv(source);
    const client = new Inngest({ id: "kudos", ...inngestClientOptions(env) });
    return { env, client, handle: (request: Request) => serve({ client, functions: [] })({ request } as never) as Promise<Response> };
  }

  it("INNGEST_DEV=0 without keys is the in-process scheduler; a dev server needs no keys and its handler answers", async () => {
    expect(usesInngestCloud(parseEnv({ INNGEST_DEV: "0" }))).toBe(false);
    expect(usesInngestCloud(parseEnv({ INNGEST_DEV: "false" }))).toBe(false);
    expect(usesInngestCloud(parseEnv({}))).toBe(false);

    const dev = kudosInngest({ INNGEST_DEV: "1" });
    expect(usesInngestCloud(dev.env)).toBe(true);
    expect(dev.client.mode).toBe("dev");
    // Not the cloud-mode 500 "In cloud mode but no signing key found".
    expect((await dev.handle(new Request("http://kudos.test/api/inngest", { headers: { Host: "kudos.test" } }))).status).toBe(200);

    const devUrl = kudosInngest({ INNGEST_DEV: "http://127.0.0.1:8288" });
    expect([devUrl.client.mode, devUrl.client.apiBaseUrl]).toEqual(["dev", "http://127.0.0.1:8288/"]);

    const cloud = kudosInngest({ INNGEST_DEV: "0", INNGEST_EVENT_KEY: "event-key", INNGEST_SIGNING_KEY: SIGNING_KEY });
    expect(usesInngestCloud(cloud.env)).toBe(true);
    expect(cloud.client.mode).toBe("cloud");
  });

  it("Kudos and the SDK reading INNGEST_DEV on its own agree on every value Kudos accepts", () => {
    for (const value of ["1", "true", "TRUE", " true ", "0", "false", "False", "http://127.0.0.1:8288", "https://inngest.internal:8288"]) {
      vi.stubEnv("INNGEST_DEV", value);
      const sdk = new Inngest({ id: "sdk-alone" });
      const kudos = inngestMode(parseEnv({ INNGEST_DEV: value }));
      expect(sdk.mode, value).toBe(kudos === "dev" ? "dev" : "cloud");
      if (kudos === "dev" && value.includes("://")) expect(sdk.apiBaseUrl, value).toBe(parseEnv({ INNGEST_DEV: value }).INNGEST_DEV);
    }
  });
});
