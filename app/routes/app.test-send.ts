// POST /app/test-send: send the merchant a test of a template (the editor's channel, subject and
// body, or a saved template's id) at their own address or number (app/admin/test-send.server.ts).
// Answers JSON {ok, message} (200), or {ok: false, message, fieldErrors} with 400 (bad field),
// 404 (not this business's template), 422 (the message cannot be sent as it stands) or 502 (the
// provider refused it). Plain Responses: a resource route's answer does not go through the
// layout's headers, so each carries no-store itself.
import type { ActionFunctionArgs } from "@remix-run/node";
import { BAD_FORM_MESSAGE, NO_STORE, readForm } from "~/admin/http.server";
import { transportsForBusiness } from "~/admin/send-transports.server";
import { sendTestMessage } from "~/admin/test-send.server";
import { requireAdmin } from "~/auth/require-admin.server";
import { DomainError, ValidationError } from "~/lib/errors.server";
import { getServices } from "~/services.server";

const answer = (status: number, body: Record<string, unknown>) => Response.json(body, { status, headers: NO_STORE });

const FIELD_LABELS: Record<string, string> = { to: "Send to", channel: "Channel", subject: "Subject", body: "Body", templateId: "Template" };

/** The first problem in words (the toast shows it), e.g. "Send to must be an email address, …". */
function firstProblem(fieldErrors: Record<string, string>): string {
  const [field, problem] = Object.entries(fieldErrors)[0] ?? ["_form", "is not valid"];
  return `${FIELD_LABELS[field] ?? field} ${problem}`;
}

export async function action({ request }: ActionFunctionArgs) {
  const { business } = await requireAdmin(request);
  if (request.method !== "POST") return answer(405, { ok: false, message: "Use POST to send a test", fieldErrors: {} });
  const form = await readForm(request);
  if (!form) return answer(400, { ok: false, message: BAD_FORM_MESSAGE, fieldErrors: {} });
  const { domain, processor, env } = getServices();
  try {
    const sent = await sendTestMessage(
      { db: domain.db, clock: domain.clock, transports: transportsForBusiness(processor, business.host), emailFrom: env.EMAIL_FROM, appUrl: env.APP_URL },
      business,
      form,
    );
    return answer(200, { ok: true, ...sent });
  } catch (err) {
    if (err instanceof ValidationError) return answer(400, { ok: false, message: firstProblem(err.fieldErrors), fieldErrors: err.fieldErrors });
    if (err instanceof DomainError) return answer(err.status, { ok: false, message: err.message, fieldErrors: err.fieldErrors });
    throw err;
  }
}
