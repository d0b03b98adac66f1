// Duplicated campaigns and templates get names the business has not used: "Standard (copy)",
// "Standard (copy 2)", and templates copied with a campaign are named after it.
import { describe, expect, it } from "vitest";
import { duplicateCampaign, listPresets } from "~/domain/campaigns.server";
import { distinctCopyName, templateNameForCampaign } from "~/domain/copy-names";
import { duplicateTemplate } from "~/domain/templates.server";
import { useTestDatabase } from "../helpers/db";
import { deps, installTestBusiness } from "../helpers/fixtures";

describe("copy names", () => {
  it("number copies from the original name, skipping the taken ones, case-insensitively", () => {
    expect(distinctCopyName("Standard", ["Standard"], { max: 100 })).toBe("Standard (copy)");
    expect(distinctCopyName("Standard", ["Standard", "standard (COPY)"], { max: 100 })).toBe("Standard (copy 2)");
    expect(distinctCopyName("Standard (copy)", ["Standard", "Standard (copy)", "Standard (copy 2)"], { max: 100 })).toBe("Standard (copy 3)");
    // A preset's first copy keeps its name when it is free.
    expect(distinctCopyName("Standard", [], { max: 100, keepName: true })).toBe("Standard");
    expect(distinctCopyName("Standard", ["Standard"], { max: 100, keepName: true })).toBe("Standard (copy)");
    // Long names are cut to make room for the suffix.
    const long = "x".repeat(100);
    const copy = distinctCopyName(long, [long], { max: 100 });
    expect(copy).toHaveLength(100);
    expect(copy.endsWith("… (copy)")).toBe(true);
  });

  it("names a template copied with a campaign after the campaign, dropping the source campaign's name", () => {
    expect(templateNameForCampaign("Email: first ask", "My campaign", null, 100)).toBe("Email: first ask – My campaign");
    expect(templateNameForCampaign("Email: first ask – Standard", "Standard (copy)", "Standard", 100)).toBe("Email: first ask – Standard (copy)");
    expect(templateNameForCampaign("Renamed by hand", "Standard (copy)", "Standard", 100)).toBe("Renamed by hand – Standard (copy)");
    expect(templateNameForCampaign("Email: first ask", "y".repeat(100), null, 100)).toHaveLength(100);
  });
});

describe("duplicating gives distinct names", () => {
  const db = useTestDatabase();

  it("campaigns: Standard, Standard (copy), Standard (copy 2), with templates named after each", async () => {
    const d = deps(db().prisma);
    const { business, campaignId } = await installTestBusiness(d); // "Standard", from the preset
    const preset = (await listPresets(db().prisma)).find((p) => p.presetKey === "standard")!;
    const fromPreset = await duplicateCampaign(d, business.id, preset.id);
    const ofOwn = await duplicateCampaign(d, business.id, campaignId);
    const ofCopy = await duplicateCampaign(d, business.id, fromPreset.id);
    expect([fromPreset.name, ofOwn.name, ofCopy.name]).toEqual(["Standard (copy)", "Standard (copy 2)", "Standard (copy 3)"]);

    const names = async (c: { touches: { templateId: string }[] }) =>
      (await db().prisma.messageTemplate.findMany({ where: { id: { in: c.touches.map((t) => t.templateId) } }, orderBy: { name: "asc" } })).map((t) => t.name);
    const installed = await db().prisma.campaign.findUniqueOrThrow({ where: { id: campaignId }, include: { touches: true } });
    expect(await names(installed)).toEqual(["Email: first ask – Standard", "Email: last ask – Standard", "SMS: reminder – Standard"]);
    expect(await names(ofOwn)).toEqual(["Email: first ask – Standard (copy 2)", "Email: last ask – Standard (copy 2)", "SMS: reminder – Standard (copy 2)"]);
    const all = await db().prisma.messageTemplate.findMany({ where: { businessId: business.id }, select: { name: true } });
    expect(new Set(all.map((t) => t.name)).size).toBe(all.length);
  });

  it("templates: (copy), then (copy 2); another business's names do not count", async () => {
    const d = deps(db().prisma);
    const a = await installTestBusiness(d);
    const b = await installTestBusiness(d);
    const system = await db().prisma.messageTemplate.findFirstOrThrow({ where: { systemKey: "sms_first_ask" } });
    await duplicateTemplate(d, b.business.id, system.id);
    const first = await duplicateTemplate(d, a.business.id, system.id);
    const second = await duplicateTemplate(d, a.business.id, system.id);
    const ofCopy = await duplicateTemplate(d, a.business.id, first.id);
    expect([first.name, second.name, ofCopy.name]).toEqual(["SMS: first ask (copy)", "SMS: first ask (copy 2)", "SMS: first ask (copy 3)"]);
  });
});
