// Every /app route module, with a sample path and params, for the checks that apply to all of
// them (authentication, headers). The list is read from app/routes (app.tsx and app.*.tsx), not
// written by hand: a route added there is swept by those checks without anyone remembering to.
import { readdirSync } from "node:fs";
import path from "node:path";

export const SOME_ID = "00000000-0000-4000-8000-000000000001";

export const ROUTES_DIR = path.resolve(import.meta.dirname, "../../app/routes");

export interface AdminRoute {
  file: string;
  path: string;
  params: Record<string, string>;
  module: { loader?: unknown; action?: unknown; headers?: unknown };
}

/** The /app route files: the layout (app.tsx) and its children (app.<segments>.tsx). */
export const ADMIN_ROUTE_FILES = readdirSync(ROUTES_DIR)
  .filter((f) => /^app(\.[^/]+)?\.tsx?$/.test(f))
  .sort();

/** A URL and params for a flat-routes file name: `$name` segments get SOME_ID, `_index` is an index route. */
export function sampleRequestTarget(file: string): { path: string; params: Record<string, string> } {
  const segments = file.replace(/\.tsx?$/, "").split(".");
  const params: Record<string, string> = {};
  const parts: string[] = [];
  let index = false;
  for (const segment of segments) {
    if (segment === "_index") {
      index = true;
    } else if (segment.startsWith("$")) {
      params[segment.slice(1)] = SOME_ID;
      parts.push(SOME_ID);
    } else {
      parts.push(segment);
    }
  }
  const pathname = `/${parts.join("/")}`;
  // Remix tells an index route from its parent layout by ?index; only the root needs it here.
  return { path: index && parts.length === 1 ? `${pathname}?index` : pathname, params };
}

export const ADMIN_ROUTES: AdminRoute[] = await Promise.all(
  ADMIN_ROUTE_FILES.map(async (file) => ({
    file,
    ...sampleRequestTarget(file),
    module: (await import(path.join(ROUTES_DIR, file))) as AdminRoute["module"],
  })),
);
