// Campaigns: presets, duplication, editing, pause/resume/delete. Every query is scoped by the
// business; presets (business_id NULL) can be read and duplicated, never changed.
import { z } from "zod";
import { Prisma, type Campaign, type CampaignTouch, type Channel } from "~/generated/prisma/client";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, zodFieldErrors } from "~/lib/errors.server";
import { distinctCopyName, templateNameForCampaign } from "./copy-names";
import { PRESETS, SYSTEM_TEMPLATES } from "./presets";
import { stopEnrollments } from "./stops.server";
import { TEMPLATE_NAME_MAX } from "./templates.server";
import type { DomainDeps, Tx } from "./types";

export const MAX_TOUCHES = 4;
export const MAX_DELAY_HOURS = 2160;
export const CAMPAIGN_NAME_MAX = 100;

export const touchInputSchema = z.object({
  channel: z.enum(["email", "sms"], { error: "must be email or sms" }),
  delayHours: z.coerce
    .number({ error: "must be a number of hours" })
    .int("must be a whole number of hours")
    .min(1, "must be at least 1 hour")
    .max(MAX_DELAY_HOURS, `must be at most ${MAX_DELAY_HOURS} hours (90 days)`),
  templateId: z.string({ error: "is required" }).uuid("must be a template id"),
});

export const campaignInputSchema = z.object({
  name: z
    .string({ error: "is required" })
    .trim()
    .min(1, "is required")
    .max(CAMPAIGN_NAME_MAX, `must be at most ${CAMPAIGN_NAME_MAX} characters`),
  serviceType: z
    .string()
    .trim()
    .max(100, "must be at most 100 characters")
    .nullish()
    .transform((v) => (v ? v : null)),
  touches: z
    .array(touchInputSchema, { error: "is required" })
    .min(1, "a campaign needs at least one touch")
    .max(MAX_TOUCHES, `a campaign has at most ${MAX_TOUCHES} touches`),
});

export type CampaignInput = z.input<typeof campaignInputSchema>;
export type ValidCampaignInput = z.output<typeof campaignInputSchema>;

export type CampaignWithTouches = Campaign & { touches: (CampaignTouch & { template: { id: string; name: string; channel: Channel } })[] };

const withTouches = {
  touches: {
    orderBy: { position: "asc" },
    include: { template: { select: { id: true, name: true, channel: true } } },
  },
} as const satisfies Prisma.CampaignInclude;

export function parseCampaignInput(input: unknown): ValidCampaignInput {
  const parsed = campaignInputSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  return parsed.data;
}

/** Seeds the system templates and the three presets; safe to run any number of times. */
export async function seedPresets(db: Tx): Promise<{ templates: number; presets: number }> {
  const ids = new Map<string, string>();
  for (const t of SYSTEM_TEMPLATES) {
    const row = await db.messageTemplate.upsert({
      where: { systemKey: t.key },
      create: { systemKey: t.key, channel: t.channel, name: t.name, subject: t.subject ?? null, body: t.body },
      update: { channel: t.channel, name: t.name, subject: t.subject ?? null, body: t.body },
      select: { id: true },
    });
    ids.set(t.key, row.id);
  }
  for (const p of PRESETS) {
    const touches = p.touches.map((t, i) => ({
      position: i + 1,
      channel: t.channel,
      delayHours: t.delayHours,
      templateId: ids.get(t.template)!,
    }));
    const existing = await db.campaign.findUnique({ where: { presetKey: p.key }, select: { id: true } });
    if (existing) {
      await db.$executeRaw`SET CONSTRAINTS ALL DEFERRED`;
      await db.campaign.update({
        where: { id: existing.id },
        data: { name: p.name, description: p.description, touches: { deleteMany: {}, create: touches } },
      });
    } else {
      await db.campaign.create({
        data: {
          presetKey: p.key,
          isPreset: true,
          name: p.name,
          description: p.description,
          status: "paused",
          touches: { create: touches },
        },
      });
    }
  }
  return { templates: SYSTEM_TEMPLATES.length, presets: PRESETS.length };
}

export async function listPresets(db: Tx): Promise<CampaignWithTouches[]> {
  const rows = await db.campaign.findMany({ where: { isPreset: true }, include: withTouches });
  const order = PRESETS.map((p) => p.key);
  return rows.sort((a, b) => order.indexOf(a.presetKey as never) - order.indexOf(b.presetKey as never));
}

export async function listCampaigns(db: Tx, businessId: string): Promise<CampaignWithTouches[]> {
  return db.campaign.findMany({
    where: { businessId, deletedAt: null },
    include: withTouches,
    orderBy: [{ status: "asc" }, { createdAt: "asc" }],
  });
}

/** A campaign of this business, or a preset (read-only). Anything else is "not found". */
export async function getCampaign(db: Tx, businessId: string, campaignId: string): Promise<CampaignWithTouches> {
  if (!z.string().uuid().safeParse(campaignId).success) throw new NotFoundError("Campaign not found");
  const campaign = await db.campaign.findFirst({
    where: { id: campaignId, deletedAt: null, OR: [{ businessId }, { isPreset: true }] },
    include: withTouches,
  });
  if (!campaign) throw new NotFoundError("Campaign not found");
  return campaign;
}

async function getOwnCampaign(db: Tx, businessId: string, campaignId: string): Promise<CampaignWithTouches> {
  const campaign = await getCampaign(db, businessId, campaignId);
  if (campaign.isPreset) throw new ForbiddenError("Presets can't be changed: duplicate it to make your own copy");
  return campaign;
}

/** Each touch's template must be this business's (or a system one) and of the touch's channel. */
async function checkTemplates(db: Tx, businessId: string, input: ValidCampaignInput): Promise<void> {
  const ids = [...new Set(input.touches.map((t) => t.templateId))];
  const templates = await db.messageTemplate.findMany({
    where: { id: { in: ids }, deletedAt: null, OR: [{ businessId }, { businessId: null }] },
    select: { id: true, channel: true },
  });
  const byId = new Map(templates.map((t) => [t.id, t.channel]));
  const errors: Record<string, string> = {};
  input.touches.forEach((t, i) => {
    const channel = byId.get(t.templateId);
    if (!channel) errors[`touches.${i}.templateId`] = "template not found";
    else if (channel !== t.channel) errors[`touches.${i}.templateId`] = `must be an ${t.channel === "sms" ? "SMS" : "email"} template`;
  });
  if (Object.keys(errors).length) throw new ValidationError(errors);
}

function isActiveConflict(err: unknown): boolean {
  return (
    err instanceof Prisma.PrismaClientKnownRequestError &&
    err.code === "P2002" &&
    JSON.stringify(err.meta ?? {}).includes("campaign_one_active_per_service_type")
  ) || (err instanceof Error && err.message.includes("campaign_one_active_per_service_type"));
}

function activeConflict(serviceType: string | null): ConflictError {
  return new ConflictError(
    serviceType
      ? `Another active campaign already covers "${serviceType}" jobs: pause it first`
      : "Another active campaign already covers all services: pause it first",
    { serviceType: "another active campaign already covers this service type" },
  );
}

export async function createCampaign(
  { db }: DomainDeps,
  businessId: string,
  input: unknown,
  opts: { active?: boolean } = {},
): Promise<CampaignWithTouches> {
  const data = parseCampaignInput(input);
  await checkTemplates(db, businessId, data);
  try {
    return await db.campaign.create({
      data: {
        businessId,
        name: data.name,
        serviceType: data.serviceType,
        status: opts.active ? "active" : "paused",
        touches: { create: data.touches.map((t, i) => ({ position: i + 1, ...t })) },
      },
      include: withTouches,
    });
  } catch (err) {
    if (isActiveConflict(err)) throw activeConflict(data.serviceType);
    throw err;
  }
}

/** Serialises the naming of copies within one business, so two copies never pick the same name. */
async function lockNames(tx: Tx, businessId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`copy-names:${businessId}`}, 0))`;
}

/**
 * Copies a preset or one of the business's campaigns, with its own copies of the templates, as a
 * paused campaign the business can edit. Names never repeat one of the business's: a preset's
 * first copy keeps the preset's name ("Standard"), later copies and copies of the business's own
 * campaigns are "Standard (copy)", "Standard (copy 2)"; each template copy is named after the new
 * campaign ("Email: first ask – Standard (copy)").
 */
export async function duplicateCampaign(
  deps: DomainDeps,
  businessId: string,
  sourceId: string,
  opts: { name?: string; active?: boolean; tx?: Tx } = {},
): Promise<CampaignWithTouches> {
  const run = async (tx: Tx) => {
    const source = await getCampaign(tx, businessId, sourceId);
    await lockNames(tx, businessId);
    const [campaignNames, templateNames] = await Promise.all([
      tx.campaign.findMany({ where: { businessId, deletedAt: null }, select: { name: true } }),
      tx.messageTemplate.findMany({ where: { businessId, deletedAt: null }, select: { name: true } }),
    ]);
    const name =
      opts.name ??
      distinctCopyName(
        source.name,
        campaignNames.map((c) => c.name),
        { max: CAMPAIGN_NAME_MAX, keepName: source.isPreset },
      );
    const takenTemplateNames = templateNames.map((t) => t.name);
    const templates = await tx.messageTemplate.findMany({
      where: { id: { in: source.touches.map((t) => t.templateId) } },
      orderBy: { name: "asc" },
    });
    const copies = new Map<string, string>();
    for (const t of templates) {
      const wanted = templateNameForCampaign(t.name, name, source.isPreset ? null : source.name, TEMPLATE_NAME_MAX);
      const templateName = distinctCopyName(wanted, takenTemplateNames, { max: TEMPLATE_NAME_MAX, keepName: true });
      takenTemplateNames.push(templateName);
      const copy = await tx.messageTemplate.create({
        data: { businessId, channel: t.channel, name: templateName, subject: t.subject, body: t.body },
        select: { id: true },
      });
      copies.set(t.id, copy.id);
    }
    return tx.campaign.create({
      data: {
        businessId,
        name,
        description: source.description,
        serviceType: source.serviceType,
        status: opts.active ? "active" : "paused",
        touches: {
          create: source.touches.map((t) => ({
            position: t.position,
            channel: t.channel,
            delayHours: t.delayHours,
            templateId: copies.get(t.templateId)!,
          })),
        },
      },
      include: withTouches,
    });
  };
  try {
    return opts.tx ? await run(opts.tx) : await deps.db.$transaction(run);
  } catch (err) {
    if (isActiveConflict(err)) throw activeConflict(null);
    throw err;
  }
}

/**
 * Replaces name, service type and the touch sequence. Enrollments already running keep their
 * schedule; from their next touch on they use the campaign's touch at that position.
 */
export async function updateCampaign(
  { db }: DomainDeps,
  businessId: string,
  campaignId: string,
  input: unknown,
): Promise<CampaignWithTouches> {
  const data = parseCampaignInput(input);
  await getOwnCampaign(db, businessId, campaignId);
  await checkTemplates(db, businessId, data);
  try {
    return await db.$transaction(async (tx) => {
      await tx.campaignTouch.deleteMany({ where: { campaignId } });
      return tx.campaign.update({
        where: { id: campaignId },
        data: {
          name: data.name,
          serviceType: data.serviceType,
          touches: { create: data.touches.map((t, i) => ({ position: i + 1, ...t })) },
        },
        include: withTouches,
      });
    });
  } catch (err) {
    if (isActiveConflict(err)) throw activeConflict(data.serviceType);
    throw err;
  }
}

/**
 * Pausing stops the campaign's active enrollments in the same transaction (a replaced campaign's
 * too: its customers stop finishing their sequence).
 */
export async function pauseCampaign(
  { db, clock }: DomainDeps,
  businessId: string,
  campaignId: string,
): Promise<{ campaign: Campaign; stoppedEnrollments: number }> {
  await getOwnCampaign(db, businessId, campaignId);
  return db.$transaction(async (tx) => {
    const campaign = await tx.campaign.update({ where: { id: campaignId }, data: { status: "paused", retiredAt: null } });
    const stopped = await stopEnrollments(tx, businessId, { campaignId }, "campaign_paused", clock.now());
    return { campaign, stoppedEnrollments: stopped.length };
  });
}

/** Resuming affects only future enrollments. */
export async function resumeCampaign(
  { db }: DomainDeps,
  businessId: string,
  campaignId: string,
): Promise<Campaign> {
  const existing = await getOwnCampaign(db, businessId, campaignId);
  try {
    return await db.campaign.update({ where: { id: campaignId }, data: { status: "active", retiredAt: null } });
  } catch (err) {
    if (isActiveConflict(err)) throw activeConflict(existing.serviceType);
    throw err;
  }
}

/** The active campaign another one would collide with: one active campaign per service type scope. */
export interface OverlappingCampaign {
  id: string;
  name: string;
  serviceType: string | null;
  /** Customers in the middle of its sequence. */
  activeEnrollments: number;
}

/**
 * How activating over an overlapping campaign treats it. "finish": it takes no new jobs, and its
 * customers get the rest of its sequence (retired). "stop": it is paused and its customers stop.
 */
export type ReplaceMode = "finish" | "stop";

const OVERLAP_SELECT = { id: true, name: true, serviceType: true } as const;

function overlapWhere(businessId: string, campaign: { id: string; serviceType: string | null }) {
  // The scope of the campaign_one_active_per_service_type index: (business, service type or all).
  return { businessId, status: "active", deletedAt: null, serviceType: campaign.serviceType, id: { not: campaign.id } } as const;
}

async function withEnrollmentCount(db: Tx, businessId: string, c: { id: string; name: string; serviceType: string | null }): Promise<OverlappingCampaign> {
  const activeEnrollments = await db.enrollment.count({ where: { businessId, campaignId: c.id, status: "active" } });
  return { ...c, activeEnrollments };
}

/** The business's active campaign with the same service type scope as this one, if any. */
export async function findOverlappingCampaign(db: Tx, businessId: string, campaignId: string): Promise<OverlappingCampaign | null> {
  const campaign = await getOwnCampaign(db, businessId, campaignId);
  const other = await db.campaign.findFirst({ where: overlapWhere(businessId, campaign), select: OVERLAP_SELECT });
  return other ? withEnrollmentCount(db, businessId, other) : null;
}

export interface ActivateResult {
  campaign: Campaign;
  /** The campaign it replaced, and what became of that one's customers. */
  replaced: (OverlappingCampaign & { mode: ReplaceMode; stoppedEnrollments: number }) | null;
}

/**
 * Makes the campaign the one that takes new jobs of its service type scope. When another active
 * campaign covers the same scope, `replace` says what becomes of it; without it the answer is a
 * 409 naming that campaign. Everything happens in one transaction: the merchant never sees two
 * active campaigns for a scope, nor none between the two steps.
 */
export async function activateCampaign(
  { db, clock }: DomainDeps,
  businessId: string,
  campaignId: string,
  opts: { replace?: ReplaceMode } = {},
): Promise<ActivateResult> {
  const existing = await getOwnCampaign(db, businessId, campaignId);
  try {
    return await db.$transaction(async (tx) => {
      const now = clock.now();
      // Locked: a concurrent pause or activation of the other campaign waits for this decision.
      const others = await tx.$queryRaw<{ id: string }[]>`
        SELECT id::text FROM campaign
         WHERE business_id = ${businessId}::uuid AND status = 'active' AND deleted_at IS NULL
           AND COALESCE(service_type, '') = COALESCE(${existing.serviceType}::text, '')
           AND id <> ${campaignId}::uuid
           FOR UPDATE`;
      let replaced: ActivateResult["replaced"] = null;
      const otherId = others[0]?.id;
      if (otherId) {
        const other = await withEnrollmentCount(
          tx,
          businessId,
          await tx.campaign.findUniqueOrThrow({ where: { id: otherId }, select: OVERLAP_SELECT }),
        );
        if (!opts.replace) throw overlapConflict(other);
        if (opts.replace === "finish") {
          await tx.campaign.update({ where: { id: other.id }, data: { status: "paused", retiredAt: now } });
          replaced = { ...other, mode: "finish", stoppedEnrollments: 0 };
        } else {
          await tx.campaign.update({ where: { id: other.id }, data: { status: "paused", retiredAt: null } });
          const stopped = await stopEnrollments(tx, businessId, { campaignId: other.id }, "campaign_paused", now);
          replaced = { ...other, mode: "stop", stoppedEnrollments: stopped.length };
        }
      }
      const campaign = await tx.campaign.update({ where: { id: campaignId }, data: { status: "active", retiredAt: null } });
      return { campaign, replaced };
    });
  } catch (err) {
    if (isActiveConflict(err)) throw activeConflict(existing.serviceType);
    throw err;
  }
}

function overlapConflict(other: OverlappingCampaign): ConflictError {
  const scope = other.serviceType ? `"${other.serviceType}" jobs` : "all services";
  return new ConflictError(`"${other.name}" is already active for ${scope}: replace it or pause it first`, {
    serviceType: "another active campaign already covers this service type",
  });
}

/** Soft delete: history stays for analytics; active enrollments stop with campaign_deleted. */
export async function deleteCampaign(
  { db, clock }: DomainDeps,
  businessId: string,
  campaignId: string,
): Promise<{ stoppedEnrollments: number }> {
  await getOwnCampaign(db, businessId, campaignId);
  return db.$transaction(async (tx) => {
    const now = clock.now();
    await tx.campaign.update({ where: { id: campaignId }, data: { status: "paused", deletedAt: now } });
    const stopped = await stopEnrollments(tx, businessId, { campaignId }, "campaign_deleted", now);
    return { stoppedEnrollments: stopped.length };
  });
}

/** "Email 24h → SMS +3d → Email +7d" */
export function touchSummary(touches: { channel: Channel; delayHours: number; position: number }[]): string {
  // Short first delays read better in hours ("24h"), later ones in days ("+3d").
  const fmt = (h: number, first: boolean) => (h % 24 === 0 && (!first || h > 48) ? `${h / 24}d` : `${h}h`);
  return [...touches]
    .sort((a, b) => a.position - b.position)
    .map((t, i) => `${t.channel === "sms" ? "SMS" : "Email"} ${i === 0 ? "" : "+"}${fmt(t.delayHours, i === 0)}`)
    .join(" → ");
}
