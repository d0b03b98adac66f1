// How /app loaders and actions answer. Loaders return plain JSON-safe objects (the layout's
// `headers` export adds Cache-Control: no-store and frame-ancestors to every /app response);
// actions answer with data({ ok, ... }) and a status, or a redirect that carries no-store itself
// (a single-fetch redirect does not go through the route's headers).
import { data, redirect } from "@remix-run/node";
import type { z } from "zod";
import { DomainError, ValidationError, zodFieldErrors, type FieldErrors } from "~/lib/errors.server";

export const NO_STORE = { "Cache-Control": "no-store" } as const;

export interface ActionFailure {
  ok: false;
  message: string;
  fieldErrors: FieldErrors;
}

export type ActionSuccess<T extends object = object> = { ok: true; message?: string } & T;

/** What a page reads from useActionData / fetcher.data. */
export type ActionResult<T extends object = object> = ActionSuccess<T> | ActionFailure;

export function success<T extends object>(value: T & { message?: string }) {
  return data({ ok: true as const, ...value }, { status: 200, headers: NO_STORE });
}

export function failure(status: number, message: string, fieldErrors: FieldErrors = {}) {
  return data<ActionFailure>({ ok: false, message, fieldErrors }, { status, headers: NO_STORE });
}

/** A domain error becomes its status, message and field errors; anything else is a real failure. */
export function domainFailure(err: unknown) {
  if (err instanceof ValidationError && Object.keys(err.fieldErrors).length > 0) {
    // Each problem is shown next to its field; the summary only points there.
    return failure(err.status, "Check the highlighted fields", err.fieldErrors);
  }
  if (err instanceof DomainError) return failure(err.status, err.message, err.fieldErrors);
  throw err;
}

/** For loaders: a domain error (404 for another business's id) is thrown as an error response. */
export function throwDomainError(err: unknown): never {
  if (err instanceof DomainError) {
    throw Response.json({ error: { code: err.code, message: err.message } }, { status: err.status, headers: NO_STORE });
  }
  throw err;
}

export function notFound(message = "Not found"): never {
  throw Response.json({ error: { code: "not_found", message } }, { status: 404, headers: NO_STORE });
}

export function adminRedirect(url: string) {
  return redirect(url, { headers: NO_STORE });
}

/** The posted form as a plain object; a body that is not a form is a 400 answer. */
export async function readForm(request: Request): Promise<Record<string, string> | null> {
  try {
    const form = await request.formData();
    const out: Record<string, string> = {};
    for (const [key, value] of form) if (typeof value === "string") out[key] = value;
    return out;
  } catch {
    return null;
  }
}

export const BAD_FORM_MESSAGE = "The form could not be read: reload the page and try again";

/** zod-parses the posted fields; on failure, the answer to return (400 with field errors). */
export function parseForm<S extends z.ZodType>(
  schema: S,
  values: unknown,
): { ok: true; data: z.output<S> } | { ok: false; response: ReturnType<typeof failure> } {
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, response: failure(400, "Check the highlighted fields", zodFieldErrors(parsed.error.issues)) };
}

/**
 * Indexed form fields ("touches.0.channel", "touches.1.channel") as an array of objects, in index
 * order. Gaps are dropped; at most `max` + 1 rows are read so an oversized list is still reported.
 */
export function indexedRows(values: Record<string, string>, prefix: string, max: number): Record<string, string>[] {
  const rows = new Map<number, Record<string, string>>();
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d{1,3})\\.([A-Za-z]+)$`);
  for (const [key, value] of Object.entries(values)) {
    const m = re.exec(key);
    if (!m) continue;
    const index = Number(m[1]);
    const row = rows.get(index) ?? {};
    row[m[2]!] = value;
    rows.set(index, row);
  }
  return [...rows.entries()]
    .sort((a, b) => a[0] - b[0])
    .slice(0, max + 1)
    .map(([, row]) => row);
}
