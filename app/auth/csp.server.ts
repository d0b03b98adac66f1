// Who may frame Kudos. The embedded admin (/app) may be framed by the enabled hosts' admin
// origins (as a Shopify app allows its shop's admin); every other page by nobody (clickjacking).
import type { HostManifest } from "~/hosts/manifest.server";

export const CSP_HEADER = "Content-Security-Policy";

export function isEmbeddedPath(pathname: string): boolean {
  return pathname === "/app" || pathname.startsWith("/app/");
}

export function frameAncestors(pathname: string, manifests: ReadonlyArray<Pick<HostManifest, "adminOrigins">>): string {
  if (!isEmbeddedPath(pathname)) return "frame-ancestors 'none'";
  const sources = new Set<string>();
  for (const m of manifests) for (const origin of m.adminOrigins) sources.add(origin === "self" ? "'self'" : origin);
  return sources.size > 0 ? `frame-ancestors ${[...sources].join(" ")}` : "frame-ancestors 'none'";
}

/** The header to set on a response for `pathname`: `headers.set(h.name, h.value)`. */
export function frameAncestorsHeader(
  pathname: string,
  manifests: ReadonlyArray<Pick<HostManifest, "adminOrigins">>,
): { name: typeof CSP_HEADER; value: string } {
  return { name: CSP_HEADER, value: frameAncestors(pathname, manifests) };
}
