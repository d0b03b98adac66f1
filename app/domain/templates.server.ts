// Message templates: the business's own (editable) and the system ones (shared, read-only but
// duplicable). Every query is scoped by the business; another business's template is "not found".
// Deleting is soft (touches of deleted campaigns and the send history still point at the row),
// and refused while a live campaign uses the template.
import { z } from "zod";
import type { Channel, MessageTemplate } from "~/generated/prisma/client";
import { templateFieldErrors, validateTemplate } from "~/engine/render";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, zodFieldErrors } from "~/lib/errors.server";
import { distinctCopyName } from "./copy-names";
import type { DomainDeps, Tx } from "./types";

export const TEMPLATE_NAME_MAX = 100;

const name = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(TEMPLATE_NAME_MAX, `must be at most ${TEMPLATE_NAME_MAX} characters`);

/** Subject and body are checked by validateTemplate (placeholders, {{review_link}}, lengths). */
const content = {
  name,
  subject: z.string().nullish(),
  body: z.string({ error: "is required" }),
};

export const templateCreateSchema = z.object({
  channel: z.enum(["email", "sms"], { error: "must be email or sms" }),
  ...content,
});

/** The channel is fixed once created: campaign touches reference (template, channel). */
export const templateUpdateSchema = z.object(content);

export type TemplateCreateInput = z.input<typeof templateCreateSchema>;
export type TemplateUpdateInput = z.input<typeof templateUpdateSchema>;

export interface TemplateUsage {
  campaignId: string;
  campaignName: string;
}

export type TemplateWithUsage = MessageTemplate & {
  /** True for system templates (read-only). */
  isSystem: boolean;
  /** The business's live (not deleted) campaigns with a touch using this template. */
  usedBy: TemplateUsage[];
};

const UUID = z.string().uuid();

function visibleTo(businessId: string) {
  return { deletedAt: null, OR: [{ businessId }, { businessId: null }] };
}

async function usageOf(db: Tx, businessId: string, templateIds: string[]): Promise<Map<string, TemplateUsage[]>> {
  const touches = await db.campaignTouch.findMany({
    where: { templateId: { in: templateIds }, campaign: { businessId, deletedAt: null } },
    select: { templateId: true, campaign: { select: { id: true, name: true } } },
    orderBy: { campaign: { name: "asc" } },
  });
  const out = new Map<string, TemplateUsage[]>();
  for (const t of touches) {
    const list = out.get(t.templateId) ?? [];
    if (!list.some((u) => u.campaignId === t.campaign.id)) list.push({ campaignId: t.campaign.id, campaignName: t.campaign.name });
    out.set(t.templateId, list);
  }
  return out;
}

function normalize(channel: Channel, subject: string | null | undefined): string | null {
  // SMS has no subject; an email subject is stored trimmed.
  return channel === "email" ? (subject ?? "").trim() : null;
}

function checkContent(channel: Channel, subject: string | null, body: string): void {
  const errors = validateTemplate({ channel, subject, body });
  if (errors.length) throw new ValidationError(templateFieldErrors(errors));
}

/** The business's templates and the system ones, system first, then by name. */
export async function listTemplates(
  db: Tx,
  businessId: string,
  opts: { channel?: Channel } = {},
): Promise<TemplateWithUsage[]> {
  const rows = await db.messageTemplate.findMany({
    where: { ...visibleTo(businessId), ...(opts.channel ? { channel: opts.channel } : {}) },
    orderBy: [{ name: "asc" }, { createdAt: "asc" }],
  });
  const usage = await usageOf(
    db,
    businessId,
    rows.map((r) => r.id),
  );
  return rows
    .map((r) => ({ ...r, isSystem: r.businessId === null, usedBy: usage.get(r.id) ?? [] }))
    .sort((a, b) => Number(b.isSystem) - Number(a.isSystem));
}

/** One of the business's templates or a system one; anything else is "not found". */
export async function getTemplate(db: Tx, businessId: string, templateId: string): Promise<TemplateWithUsage> {
  if (!UUID.safeParse(templateId).success) throw new NotFoundError("Template not found");
  const row = await db.messageTemplate.findFirst({ where: { id: templateId, ...visibleTo(businessId) } });
  if (!row) throw new NotFoundError("Template not found");
  const usage = await usageOf(db, businessId, [row.id]);
  return { ...row, isSystem: row.businessId === null, usedBy: usage.get(row.id) ?? [] };
}

async function getOwnTemplate(db: Tx, businessId: string, templateId: string): Promise<TemplateWithUsage> {
  const template = await getTemplate(db, businessId, templateId);
  if (template.isSystem) throw new ForbiddenError("System templates can't be changed: duplicate it to make your own copy");
  return template;
}

export async function createTemplate({ db }: DomainDeps, businessId: string, input: unknown): Promise<MessageTemplate> {
  const parsed = templateCreateSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  const { channel, body } = parsed.data;
  const subject = normalize(channel, parsed.data.subject);
  checkContent(channel, subject, body);
  return db.messageTemplate.create({ data: { businessId, channel, name: parsed.data.name, subject, body } });
}

/** Name, subject and body; a system template is forbidden, another business's not found. */
export async function updateTemplate(
  { db }: DomainDeps,
  businessId: string,
  templateId: string,
  input: unknown,
): Promise<MessageTemplate> {
  const existing = await getOwnTemplate(db, businessId, templateId);
  const parsed = templateUpdateSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  const subject = normalize(existing.channel, parsed.data.subject);
  checkContent(existing.channel, subject, parsed.data.body);
  return db.messageTemplate.update({
    where: { id: existing.id },
    data: { name: parsed.data.name, subject, body: parsed.data.body },
  });
}

/**
 * A copy owned by the business, of a system template or one of its own, named so that no other
 * template of the business has its name: "SMS: first ask (copy)", then "(copy 2)".
 */
export async function duplicateTemplate(
  { db }: DomainDeps,
  businessId: string,
  templateId: string,
  opts: { name?: string } = {},
): Promise<MessageTemplate> {
  const source = await getTemplate(db, businessId, templateId);
  return db.$transaction(async (tx) => {
    // The same lock as campaign copies (campaigns.server), which name template copies too.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`copy-names:${businessId}`}, 0))`;
    const taken = await tx.messageTemplate.findMany({ where: { businessId, deletedAt: null }, select: { name: true } });
    const copyName = opts.name?.trim()
      ? opts.name.trim().slice(0, TEMPLATE_NAME_MAX)
      : distinctCopyName(
          source.name,
          taken.map((t) => t.name),
          { max: TEMPLATE_NAME_MAX },
        );
    return tx.messageTemplate.create({
      data: { businessId, channel: source.channel, name: copyName, subject: source.subject, body: source.body },
    });
  });
}

/** Soft delete; refused (409) while a live campaign's touch uses the template. */
export async function deleteTemplate({ db, clock }: DomainDeps, businessId: string, templateId: string): Promise<void> {
  const template = await getOwnTemplate(db, businessId, templateId);
  await db.$transaction(async (tx) => {
    // FOR UPDATE waits for any campaign save in flight that references the row (its foreign-key
    // check holds a KEY SHARE lock), so the usage check below sees that save.
    await tx.$executeRaw`SELECT 1 FROM message_template WHERE id = ${template.id}::uuid FOR UPDATE`;
    const usage = (await usageOf(tx, businessId, [template.id])).get(template.id) ?? [];
    if (usage.length) {
      const names = usage.map((u) => `"${u.campaignName}"`).join(", ");
      throw new ConflictError(
        `This template is used by ${usage.length === 1 ? "the campaign" : "the campaigns"} ${names}: choose another template there first`,
      );
    }
    await tx.messageTemplate.update({ where: { id: template.id }, data: { deletedAt: clock.now() } });
  });
}
