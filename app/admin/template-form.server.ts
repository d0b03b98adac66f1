// The template editor's posted fields → the domain's template input.
import { z } from "zod";

export const templateFormSchema = z.object({
  name: z.string().optional(),
  channel: z.string().optional(),
  // Absent for SMS (the form has no subject field then).
  subject: z.string().optional(),
  body: z.string().optional(),
});

export function templateInput(values: z.output<typeof templateFormSchema>) {
  return { name: values.name ?? "", channel: values.channel, subject: values.subject ?? null, body: values.body ?? "" };
}
