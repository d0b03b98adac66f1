// The settings form → updateSettings' input. The editable lists (service-type timings, review
// links) arrive as indexed rows; blank rows are dropped, and the domain's errors are mapped back
// to the row the merchant sees (serviceTypeDelays.<row>.hours, reviewLinks.<row>.url).
import { z } from "zod";
import type { FieldErrors } from "~/lib/errors.server";
import { zodFieldErrors } from "~/lib/errors.server";
import { indexedRows } from "./http.server";

const MAX_ROWS = 50;

const settingsFormSchema = z.object({
  name: z.string().optional(),
  timezone: z.string().optional(),
  quietHoursStart: z.string().optional(),
  quietHoursEnd: z.string().optional(),
  cooldownDays: z.string().optional(),
  emailHourlyLimit: z.string().optional(),
  smsHourlyLimit: z.string().optional(),
  senderName: z.string().optional(),
  replyTo: z.string().optional(),
  contactPhone: z.string().optional(),
  physicalAddress: z.string().optional(),
  feedbackPageEnabled: z.enum(["true", "false", "on"], { error: "must be on or off" }).optional(),
  feedbackNotify: z.enum(["true", "false", "on"], { error: "must be on or off" }).optional(),
});

const delayRow = z.object({ serviceType: z.string().default(""), hours: z.string().default("") });
const linkRow = z.object({ site: z.string().default(""), url: z.string().default("") });

export interface SettingsForm {
  input: Record<string, unknown>;
  /** Domain error keys → the row keys the form shows. */
  mapErrors(errors: FieldErrors): FieldErrors;
}

export function readSettingsForm(values: Record<string, string>): { ok: true; form: SettingsForm } | { ok: false; fieldErrors: FieldErrors } {
  const base = settingsFormSchema.safeParse(values);
  const errors: FieldErrors = base.success ? {} : zodFieldErrors(base.error.issues);

  const delays: Record<string, string> = {};
  const delayRowOf = new Map<string, number>();
  indexedRows(values, "serviceTypeDelays", MAX_ROWS).forEach((raw, i) => {
    const row = delayRow.parse(raw);
    const serviceType = row.serviceType.trim();
    const hours = row.hours.trim();
    if (!serviceType && !hours) return;
    if (!serviceType) errors[`serviceTypeDelays.${i}.serviceType`] = "is required";
    else if (serviceType.length > 100) errors[`serviceTypeDelays.${i}.serviceType`] = "must be at most 100 characters";
    else if (delayRowOf.has(serviceType)) errors[`serviceTypeDelays.${i}.serviceType`] = "is listed twice";
    else {
      delays[serviceType] = hours;
      delayRowOf.set(serviceType, i);
    }
  });

  const links: { site: string; url: string }[] = [];
  const linkRowOf: number[] = [];
  indexedRows(values, "reviewLinks", MAX_ROWS).forEach((raw, i) => {
    const row = linkRow.parse(raw);
    if (!row.site.trim() && !row.url.trim()) return;
    links.push(row);
    linkRowOf.push(i);
  });

  if (!base.success || Object.keys(errors).length) return { ok: false, fieldErrors: errors };
  const v = base.data;
  return {
    ok: true,
    form: {
      input: {
        name: v.name,
        timezone: v.timezone,
        quietHoursStart: v.quietHoursStart,
        quietHoursEnd: v.quietHoursEnd,
        cooldownDays: v.cooldownDays,
        emailHourlyLimit: v.emailHourlyLimit,
        smsHourlyLimit: v.smsHourlyLimit,
        serviceTypeDelays: delays,
        reviewLinks: links,
        senderName: v.senderName,
        replyTo: v.replyTo,
        contactPhone: v.contactPhone,
        physicalAddress: v.physicalAddress,
        // A real boolean: the schema's coercion would read the string "false" as true.
        feedbackPageEnabled: v.feedbackPageEnabled === "true" || v.feedbackPageEnabled === "on",
        // Absent: unchanged.
        feedbackNotify: v.feedbackNotify === undefined ? undefined : v.feedbackNotify === "true" || v.feedbackNotify === "on",
      },
      mapErrors(domainErrors) {
        const out: FieldErrors = {};
        for (const [key, message] of Object.entries(domainErrors)) {
          const delay = /^serviceTypeDelays\.(.+)$/.exec(key);
          const link = /^reviewLinks\.(\d+)\.(site|url)$/.exec(key);
          if (delay && delayRowOf.has(delay[1]!)) out[`serviceTypeDelays.${delayRowOf.get(delay[1]!)}.hours`] = message;
          else if (link) out[`reviewLinks.${linkRowOf[Number(link[1])] ?? link[1]}.${link[2]}`] = message;
          else out[key] = message;
        }
        return out;
      },
    },
  };
}
