// Errors the domain raises on purpose, and their HTTP shape. Bad input always gets a status and a
// message naming the field, and changes nothing.
export type FieldErrors = Record<string, string>;

export class DomainError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly code: string,
    public readonly fieldErrors: FieldErrors = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(fieldErrors: FieldErrors, message?: string) {
    const fields = Object.keys(fieldErrors);
    super(
      message ?? `Invalid ${fields.join(", ")}: ${Object.values(fieldErrors)[0] ?? "invalid input"}`,
      400,
      "invalid_input",
      fieldErrors,
    );
  }
}

export class NotFoundError extends DomainError {
  constructor(what = "Not found") {
    super(what, 404, "not_found");
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, fieldErrors: FieldErrors = {}) {
    super(message, 409, "conflict", fieldErrors);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super(message, 403, "forbidden");
  }
}

/** zod issues → { "touches.0.delayHours": "message" }. */
export function zodFieldErrors(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".") || "_form";
    out[key] ??= issue.message;
  }
  return out;
}

export function errorBody(err: DomainError) {
  return { error: { code: err.code, message: err.message, fields: err.fieldErrors } };
}

/** For JSON endpoints: a DomainError becomes its status and body; anything else is rethrown. */
export function domainErrorResponse(err: unknown): Response {
  if (err instanceof DomainError) return Response.json(errorBody(err), { status: err.status });
  throw err;
}
