// The campaign editor's form → the domain's campaign input. The form sends each touch's delay as
// a number and a unit (hours or days); the domain stores whole hours. Anything the form cannot
// convert is passed on as is, so the domain reports every problem at once under its own keys
// (touches.2.delayHours), which the editor shows next to the right field.
import { z } from "zod";
import { MAX_TOUCHES, touchInputSchema } from "~/domain/campaigns.server";
import { zodFieldErrors, type FieldErrors } from "~/lib/errors.server";
import { indexedRows } from "./http.server";

const NUMBER = /^\d+(\.\d+)?$/;

const touchRowSchema = z
  .object({
    channel: z.string().optional(),
    delay: z.string().optional(),
    unit: z.enum(["hours", "days"], { error: "must be hours or days" }).default("hours"),
    templateId: z.string().optional(),
  })
  .transform(({ channel, delay, unit, templateId }) => {
    const raw = (delay ?? "").trim();
    // 1.5 days is 36 hours; a fraction of an hour is left for the domain to reject.
    const delayHours = NUMBER.test(raw) ? Math.round(Number(raw) * (unit === "days" ? 24 : 1) * 1e6) / 1e6 : raw;
    return { channel, delayHours, templateId };
  });

const campaignFormSchema = z.object({
  name: z.string().optional(),
  serviceType: z.string().optional(),
  touches: z.array(touchRowSchema),
});

export type CampaignFormInput = z.output<typeof campaignFormSchema>;

/** Unit problems are reported on the delay field they belong to. */
function remapKeys(errors: FieldErrors): FieldErrors {
  const out: FieldErrors = {};
  for (const [k, v] of Object.entries(errors)) out[k.replace(/\.(delay|unit)$/, ".delayHours")] ??= v;
  return out;
}

export function readCampaignForm(
  values: Record<string, string>,
): { ok: true; input: CampaignFormInput } | { ok: false; fieldErrors: FieldErrors } {
  const parsed = campaignFormSchema.safeParse({
    name: values.name,
    serviceType: values.serviceType,
    touches: indexedRows(values, "touches", MAX_TOUCHES),
  });
  if (!parsed.success) return { ok: false, fieldErrors: remapKeys(zodFieldErrors(parsed.error.issues)) };
  return { ok: true, input: parsed.data };
}

const previewSchema = z.object({
  serviceType: z
    .string()
    .trim()
    .optional()
    .transform((v) => v || null),
  touches: z
    .array(touchInputSchema.pick({ channel: true, delayHours: true }))
    .min(1, "a campaign needs at least one touch")
    .max(MAX_TOUCHES, `a campaign has at most ${MAX_TOUCHES} touches`),
});

/** The touches to preview (channels and delays only: templates do not change when they go out). */
export function readPreviewForm(
  values: Record<string, string>,
):
  | { ok: true; serviceType: string | null; touches: { channel: "email" | "sms"; delayHours: number }[] }
  | { ok: false; fieldErrors: FieldErrors } {
  const form = readCampaignForm(values);
  if (!form.ok) return form;
  const parsed = previewSchema.safeParse(form.input);
  if (!parsed.success) return { ok: false, fieldErrors: zodFieldErrors(parsed.error.issues) };
  return { ok: true, serviceType: parsed.data.serviceType, touches: parsed.data.touches };
}
