// Small HTTP helpers shared by the public stop endpoints (/r, /u, /f) and the provider webhooks.
// Public pages are resource-route responses: plain HTML, no app shell, no scripts, so they work
// in any mail client's browser and never depend on Remix's client runtime.

/** Public pages carry tokens in their URL: never cache them, index them or leak them as a referrer. */
const PAGE_HEADERS: Record<string, string> = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "X-Robots-Tag": "noindex, nofollow",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

export function htmlResponse(html: string, status = 200): Response {
  return new Response(html, { status, headers: PAGE_HEADERS });
}

/** A 302 that does not hand the token-bearing URL to the review site as a referrer. */
export function redirectResponse(location: string): Response {
  return new Response(null, {
    status: 302,
    headers: { Location: location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" },
  });
}

/** Plain-text answers for machines (webhooks): status and a one-line reason. */
export function textResponse(message: string, status: number, headers: Record<string, string> = {}): Response {
  return new Response(message, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers },
  });
}

export function methodNotAllowed(allowed: readonly string[]): Response {
  return textResponse(`Method not allowed: use ${allowed.join(" or ")}`, 405, { Allow: allowed.join(", ") });
}

/** The form fields of an urlencoded body, duplicates kept as arrays (what Twilio signs). */
export function formParams(raw: string): Record<string, string | string[]> {
  // No prototype: a field named "__proto__" must stay a field (it is part of what was signed).
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(raw)) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** A single-valued field: the first value when repeated, undefined when absent. */
export function field(params: Record<string, string | string[]>, name: string): string | undefined {
  const v = params[name];
  return Array.isArray(v) ? v[0] : v;
}

export function isFormContentType(request: Request): boolean {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  return type === "application/x-www-form-urlencoded";
}
