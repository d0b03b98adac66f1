// One canonical form for every request path, so that the per-IP budgets, the body-size caps and
// the log redaction all see the path the router will act on.
//
// Remix matches static segments case-insensitively and decodes percent-escapes, and the URL
// parser resolves dot segments: `/R/<token>`, `/%72/<token>`, `/x/../r/<token>` and `//r/<token>`
// all reach the review-link route. A path is canonical when it has no empty, "." or ".." segment,
// no needless percent-escape (only characters that must be escaped are), no trailing slash, and a
// lower-case first segment (every route's first segment is static and lower-case). The server
// redirects anything else to its canonical form (app/server/http.server.ts), so the router only
// ever sees canonical paths; grouping and redaction run on the canonical form as well.

/** Which budget and body cap a path belongs to. */
export type RouteGroup = "links" | "webhooks" | "inngest" | "forms" | "admin";

export type CanonicalPath =
  | { ok: true; pathname: string; search: string; canonical: boolean }
  | { ok: false; reason: string };

// RFC 3986 pchar without pct-encoded: unreserved / sub-delims / ":" / "@". Everything else in a
// decoded segment is escaped again (a decoded "/" stays %2F: it never splits a segment).
const PCHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;

function encodeSegment(decoded: string): string {
  let out = "";
  for (const ch of decoded) {
    if (PCHAR.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * The canonical form of a request target (`/path?query`, or the absolute form a proxy may send).
 * Not ok when a segment's escapes are not UTF-8 (the router could not decode them either).
 */
export function canonicalRequestPath(target: string): CanonicalPath {
  let raw = target;
  // Absolute form (`GET http://host/path`): only the path and query count.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    try {
      const u = new URL(raw);
      raw = u.pathname + u.search;
    } catch {
      return { ok: false, reason: "unparseable request target" };
    }
  }
  const q = raw.indexOf("?");
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  const search = q === -1 ? "" : raw.slice(q);
  // The router sees a backslash as a slash (WHATWG URL), so does this.
  const segments = rawPath.replace(/\\/g, "/").split("/");
  const out: string[] = [];
  for (const segment of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { ok: false, reason: "malformed percent-escape in the path" };
    }
    if (decoded === "" || decoded === ".") continue;
    if (decoded === "..") {
      out.pop();
      continue;
    }
    out.push(encodeSegment(decoded));
  }
  if (out.length > 0) out[0] = out[0]!.toLowerCase();
  const pathname = `/${out.join("/")}`;
  return { ok: true, pathname, search, canonical: pathname === rawPath };
}

/** The group of a canonical pathname. */
export function routeGroup(pathname: string): RouteGroup {
  const first = pathname.split("/", 2)[1] ?? "";
  if (first === "r" || first === "u" || first === "f") return "links";
  if (first === "webhooks") return "webhooks";
  if (first === "api" && /^\/api\/inngest$/.test(pathname)) return "inngest";
  if (first === "app") return "admin";
  return "forms";
}

/** Query parameters whose values are credentials (OAuth codes and states, session tokens, signatures). */
const SECRET_PARAM = /token|code|state|secret|signature|hmac|password|session|key|nonce/i;

function redactSearch(search: string): string {
  if (!search || search === "?") return search;
  const parts = search.slice(1).split("&").map((pair) => {
    const eq = pair.indexOf("=");
    if (eq === -1) return pair;
    let name = pair.slice(0, eq);
    try {
      name = decodeURIComponent(name.replace(/\+/g, " "));
    } catch {
      return `${pair.slice(0, eq)}=[redacted]`;
    }
    return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=[redacted]` : pair;
  });
  return `?${parts.join("&")}`;
}

/** A canonical pathname with the token segment of the public links replaced. */
function redactPathname(pathname: string): string {
  return pathname.replace(/^\/([ruf])\/[^/]+/, "/$1/[token]");
}

/**
 * What a log may show of a request target or a Location header: the canonical path with link
 * tokens and credential-bearing query values replaced. An absolute URL keeps its origin.
 */
export function redactUrl(value: string): string {
  let origin = "";
  let target = value;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const u = new URL(value);
      origin = u.origin;
      target = u.pathname + u.search;
    } catch {
      return "[unparseable url]";
    }
  }
  const canonical = canonicalRequestPath(target);
  if (!canonical.ok) return `${origin}[${canonical.reason}]`;
  return origin + redactPathname(canonical.pathname) + redactSearch(canonical.search);
}
