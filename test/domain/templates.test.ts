import { describe, expect, it } from "vitest";
import { updateCampaign } from "~/domain/campaigns.server";
import {
  createTemplate,
  deleteTemplate,
  duplicateTemplate,
  getTemplate,
  listTemplates,
  updateTemplate,
} from "~/domain/templates.server";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "~/lib/errors.server";
import { useTestDatabase } from "../helpers/db";
import { deps, installTestBusiness } from "../helpers/fixtures";

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

const EMAIL = {
  channel: "email",
  name: "Thank-you note",
  subject: "Thanks, {{customer_first_name}}!",
  body: "Hi {{customer_first_name}},\n\nThanks for choosing {{business_name}}.\n\n{{review_link}}",
};

describe("templates", () => {
  const db = useTestDatabase();

  it("lists the business's own templates and the system ones, never another business's", async () => {
    const d = deps(db().prisma);
    const { business: a } = await installTestBusiness(d, { name: "A" });
    const { business: b } = await installTestBusiness(d, { name: "B" });
    const mine = await createTemplate(d, a.id, EMAIL);
    const theirs = await createTemplate(d, b.id, { ...EMAIL, name: "B's note" });

    const list = await listTemplates(db().prisma, a.id);
    const ids = list.map((t) => t.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(list.filter((t) => t.isSystem).length).toBe(5);
    expect(list.filter((t) => !t.isSystem).every((t) => t.businessId === a.id)).toBe(true);
    // System templates come first.
    expect(list.findIndex((t) => !t.isSystem)).toBeGreaterThan(list.findLastIndex((t) => t.isSystem));
    // The installed standard campaign's copies report their usage.
    const used = list.filter((t) => t.usedBy.length > 0);
    expect(used.length).toBe(3);
    expect(used.every((t) => t.usedBy[0]!.campaignName === "Standard")).toBe(true);

    expect(await listTemplates(db().prisma, a.id, { channel: "sms" })).toSatisfy((l: { channel: string }[]) =>
      l.every((t) => t.channel === "sms"),
    );
    expect(await rejection(getTemplate(db().prisma, a.id, theirs.id))).toBeInstanceOf(NotFoundError);
    expect(await rejection(getTemplate(db().prisma, a.id, "not-a-uuid"))).toBeInstanceOf(NotFoundError);
  });

  it("creates and updates only valid templates, reporting each field's problem", async () => {
    const d = deps(db().prisma);
    const { business } = await installTestBusiness(d);
    const err = (await rejection(
      createTemplate(d, business.id, { channel: "email", name: "", subject: "", body: "Hello {{nope}}" }),
    )) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.fieldErrors.name).toBe("is required");
    const bad = (await rejection(
      createTemplate(d, business.id, { channel: "email", name: "x", subject: "", body: "Hello {{nope}}" }),
    )) as ValidationError;
    expect(bad.fieldErrors.subject).toMatch(/Subject is required/);
    expect(bad.fieldErrors.body).toMatch(/Unknown variable \{\{nope\}\}/);
    expect(bad.fieldErrors.body).toMatch(/review_link/);
    const sms = (await rejection(
      createTemplate(d, business.id, { channel: "sms", name: "x", body: "Review: {{review_link}} {{unsubscribe_link}}" }),
    )) as ValidationError;
    expect(sms.fieldErrors.body).toMatch(/not available in SMS/);
    expect(await rejection(createTemplate(d, business.id, { ...EMAIL, channel: "fax" }))).toBeInstanceOf(ValidationError);

    const created = await createTemplate(d, business.id, { channel: "sms", name: " Short ask ", subject: "ignored", body: "Review us: {{review_link}}" });
    expect(created).toMatchObject({ name: "Short ask", subject: null, channel: "sms", businessId: business.id });

    const before = await db().prisma.messageTemplate.findUniqueOrThrow({ where: { id: created.id } });
    const invalid = (await rejection(updateTemplate(d, business.id, created.id, { name: "Short ask", body: "no link" }))) as ValidationError;
    expect(invalid.fieldErrors.body).toMatch(/review_link/);
    expect(await db().prisma.messageTemplate.findUniqueOrThrow({ where: { id: created.id } })).toEqual(before);

    const updated = await updateTemplate(d, business.id, created.id, { name: "Quick ask", body: "Hi {{customer_first_name}}! {{review_link}}" });
    expect(updated).toMatchObject({ name: "Quick ask", body: "Hi {{customer_first_name}}! {{review_link}}", channel: "sms" });
  });

  it("system templates are read-only but duplicable; another business's are not found", async () => {
    const d = deps(db().prisma);
    const { business: a } = await installTestBusiness(d);
    const { business: b } = await installTestBusiness(d);
    const system = await db().prisma.messageTemplate.findFirstOrThrow({ where: { systemKey: "email_first_ask" } });
    expect(await rejection(updateTemplate(d, a.id, system.id, EMAIL))).toBeInstanceOf(ForbiddenError);
    expect(await rejection(deleteTemplate(d, a.id, system.id))).toBeInstanceOf(ForbiddenError);
    const copy = await duplicateTemplate(d, a.id, system.id);
    expect(copy).toMatchObject({ businessId: a.id, name: "Email: first ask (copy)", subject: system.subject, body: system.body, channel: "email" });
    expect(copy.systemKey).toBeNull();

    const theirs = await createTemplate(d, b.id, EMAIL);
    const before = await db().prisma.messageTemplate.findUniqueOrThrow({ where: { id: theirs.id } });
    expect(await rejection(updateTemplate(d, a.id, theirs.id, { ...EMAIL, name: "hijacked" }))).toBeInstanceOf(NotFoundError);
    expect(await rejection(duplicateTemplate(d, a.id, theirs.id))).toBeInstanceOf(NotFoundError);
    expect(await rejection(deleteTemplate(d, a.id, theirs.id))).toBeInstanceOf(NotFoundError);
    expect(await db().prisma.messageTemplate.findUniqueOrThrow({ where: { id: theirs.id } })).toEqual(before);
  });

  it("refuses to delete a template a live campaign uses (409), and deletes it once unused", async () => {
    const d = deps(db().prisma);
    const { business, campaignId } = await installTestBusiness(d);
    const campaign = await db().prisma.campaign.findUniqueOrThrow({ where: { id: campaignId }, include: { touches: { orderBy: { position: "asc" } } } });
    const used = campaign.touches[0]!.templateId;

    const err = (await rejection(deleteTemplate(d, business.id, used))) as ConflictError;
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.status).toBe(409);
    expect(err.message).toContain('"Standard"');
    expect((await db().prisma.messageTemplate.findUniqueOrThrow({ where: { id: used } })).deletedAt).toBeNull();

    // Point the touch elsewhere: now it can go, and disappears from lists.
    const other = await createTemplate(d, business.id, EMAIL);
    await updateCampaign(d, business.id, campaignId, {
      name: campaign.name,
      touches: campaign.touches.map((t, i) => ({ channel: t.channel, delayHours: t.delayHours, templateId: i === 0 ? other.id : t.templateId })),
    });
    await deleteTemplate(d, business.id, used);
    expect((await db().prisma.messageTemplate.findUniqueOrThrow({ where: { id: used } })).deletedAt).toEqual(d.clock.now());
    expect((await listTemplates(db().prisma, business.id)).map((t) => t.id)).not.toContain(used);
    expect(await rejection(getTemplate(db().prisma, business.id, used))).toBeInstanceOf(NotFoundError);
    // A deleted template can't be picked for a campaign any more.
    const pick = (await rejection(
      updateCampaign(d, business.id, campaignId, {
        name: campaign.name,
        touches: [{ channel: "email", delayHours: 24, templateId: used }],
      }),
    )) as ValidationError;
    expect(pick.fieldErrors["touches.0.templateId"]).toBe("template not found");
  });
});
