// A business is one installation of Kudos in a host account.
import { z } from "zod";
import type { Business } from "~/generated/prisma/client";
import { NotFoundError, ValidationError, zodFieldErrors } from "~/lib/errors.server";
import { duplicateCampaign, seedPresets } from "./campaigns.server";
import { stopEnrollments } from "./stops.server";
import type { DomainDeps } from "./types";

export interface InstallInput {
  host: string;
  externalAccountId: string;
  /** The account's name as the host gave it; a reinstall without one keeps the stored name. */
  name?: string | null;
  /** The name a first install uses when the host gave none. */
  fallbackName?: string;
  timezone?: string | null;
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * First install creates the business with an active copy of the standard preset, so review
 * requests flow from the first completed job. A reinstall reactivates the same business (its
 * campaigns and history are still there) without adding another campaign.
 */
export async function installBusiness(
  deps: DomainDeps,
  input: InstallInput,
): Promise<{ business: Business; firstInstall: boolean; campaignId: string | null }> {
  const now = deps.clock.now();
  const timezone = input.timezone && isValidTimezone(input.timezone) ? input.timezone : undefined;
  return deps.db.$transaction(async (tx) => {
    const existing = await tx.business.findUnique({
      where: { host_externalAccountId: { host: input.host, externalAccountId: input.externalAccountId } },
    });
    if (existing) {
      const business = await tx.business.update({
        where: { id: existing.id },
        data: { status: "installed", installedAt: existing.status === "installed" ? existing.installedAt : now, uninstalledAt: null, name: input.name?.trim() || existing.name },
      });
      return { business, firstInstall: false, campaignId: null };
    }
    const name = input.name?.trim() || input.fallbackName || `${input.host} account ${input.externalAccountId}`;
    const business = await tx.business.create({
      data: {
        host: input.host,
        externalAccountId: input.externalAccountId,
        name,
        senderName: name,
        ...(timezone ? { timezone } : {}),
        installedAt: now,
      },
    });
    await seedPresets(tx);
    const standard = await tx.campaign.findUniqueOrThrow({ where: { presetKey: "standard" }, select: { id: true } });
    const campaign = await duplicateCampaign(deps, business.id, standard.id, { active: true, tx });
    return { business, firstInstall: true, campaignId: campaign.id };
    // A first install seeds the presets and copies a campaign with its templates (a few dozen
    // statements): Prisma's 5 s default is too tight for a loaded database server.
  }, { timeout: 20_000 });
}

/** Uninstall stops every active enrollment and deletes the host tokens; data stays for a reinstall. */
export async function uninstallBusiness(deps: DomainDeps, businessId: string): Promise<{ stoppedEnrollments: number }> {
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    await tx.business.update({ where: { id: businessId }, data: { status: "uninstalled", uninstalledAt: now } });
    await tx.hostCredential.deleteMany({ where: { businessId } });
    const stopped = await stopEnrollments(tx, businessId, { all: true }, "app_uninstalled", now);
    return { stoppedEnrollments: stopped.length };
  });
}

export async function getBusiness(deps: Pick<DomainDeps, "db">, businessId: string): Promise<Business> {
  const business = await deps.db.business.findUnique({ where: { id: businessId } });
  if (!business) throw new NotFoundError("Business not found");
  return business;
}

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-4]):[0-5]\d$/, "must be a time like 08:00")
  .transform((v) => Number(v.slice(0, 2)) * 60 + Number(v.slice(3)));

const url = z.string().trim().url("must be a full URL starting with https://").refine((v) => /^https?:\/\//.test(v), "must start with https://");

export const settingsSchema = z
  .object({
    name: z.string().trim().min(1, "is required").max(120),
    timezone: z.string().refine(isValidTimezone, "must be an IANA timezone like America/Chicago"),
    quietHoursStart: hhmm,
    quietHoursEnd: hhmm,
    cooldownDays: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(0, "must be 0 or more").max(365, "must be at most 365"),
    emailHourlyLimit: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(100000),
    smsHourlyLimit: z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(100000),
    serviceTypeDelays: z
      .record(
        z.string().trim().min(1, "service type is required").max(100),
        z.coerce.number({ error: "must be a number of hours" }).int("must be whole hours").min(1, "must be at least 1 hour").max(2160, "must be at most 2160 hours"),
      )
      .default({}),
    reviewLinks: z
      .array(z.object({ site: z.string().trim().min(1, "is required").max(60), url }))
      .max(10)
      .default([]),
    senderName: z.string().trim().max(120).nullish().transform((v) => v || null),
    replyTo: z.string().trim().email("must be an email address").nullish().or(z.literal("")).transform((v) => v || null),
    contactPhone: z.string().trim().max(40).nullish().transform((v) => v || null),
    physicalAddress: z.string().trim().max(300).nullish().transform((v) => v || null),
    feedbackPageEnabled: z.coerce.boolean().default(false),
    // Omitted: unchanged (callers that predate the setting keep the business's choice).
    feedbackNotify: z.boolean({ error: "must be on or off" }).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.quietHoursStart >= v.quietHoursEnd) {
      ctx.addIssue({ code: "custom", path: ["quietHoursEnd"], message: "must be later than the start of the sending window" });
    }
  });

export type SettingsInput = z.input<typeof settingsSchema>;

export async function updateSettings(deps: Pick<DomainDeps, "db">, businessId: string, input: unknown): Promise<Business> {
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  const before = await getBusiness(deps, businessId);
  // The Home's "review link works" confirmation was for the default link: a new one needs a new check.
  const defaultUrl = (links: unknown) => (Array.isArray(links) ? ((links[0] as { url?: unknown } | undefined)?.url ?? null) : null);
  const linkChanged = defaultUrl(before.reviewLinks) !== (parsed.data.reviewLinks[0]?.url ?? null);
  return deps.db.business.update({ where: { id: businessId }, data: { ...parsed.data, ...(linkChanged ? { reviewLinkConfirmedAt: null } : {}) } });
}
