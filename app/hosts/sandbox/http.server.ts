// JSON plumbing for the sandbox's automation API and OAuth endpoints: bad input is a 400 naming
// the field, an unknown account a 404, a failed install a 502 saying which step failed.
import { errorBody, ValidationError } from "~/lib/errors.server";
import { SandboxInstallError, SandboxNotFoundError } from "./platform.server";

const NO_STORE = { "Cache-Control": "no-store" };

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...NO_STORE, ...headers } });
}

export function methodNotAllowed(allowed: string): Response {
  return jsonResponse({ error: { code: "method_not_allowed", message: `Use ${allowed}` } }, 405, { Allow: allowed });
}

/** The request's JSON object body; an empty body counts as {}. */
export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError({ body: "must be valid JSON" });
  }
}

/** Form-encoded or JSON parameters (OAuth clients send either), as strings. */
export async function readParams(request: Request): Promise<Record<string, string | undefined>> {
  const type = (request.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  const text = await request.text();
  if (type === "application/json") {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return {};
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : v == null ? undefined : String(v)]),
    );
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** Runs an API handler, turning the sandbox's expected failures into their HTTP answers. */
export async function apiHandler(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Response) throw err;
    if (err instanceof ValidationError) return jsonResponse(errorBody(err), 400);
    if (err instanceof SandboxNotFoundError) return jsonResponse({ error: { code: "not_found", message: err.message } }, 404);
    if (err instanceof SandboxInstallError) {
      return jsonResponse({ error: { code: "install_failed", message: err.message, step: err.step, status: err.status } }, 502);
    }
    throw err;
  }
}
