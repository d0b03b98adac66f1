// Compiles the processor worker (and the app code it imports) to one JavaScript file, so the
// processors of the engine benchmark run as they would in production: plain node on compiled
// code, without tsx compiling TypeScript in-process (which alone costs ~100 MB of memory).
// Packages stay external and load from node_modules as usual.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const ROOT = process.cwd();
export const WORKER_BUNDLE = path.join(ROOT, "build", "bench", "processor-worker.mjs");

function resolveAppPath(spec: string): string | undefined {
  const base = path.resolve(ROOT, "app", spec.slice(2));
  for (const suffix of ["", ".ts", ".tsx", ".js", "/index.ts", "/index.js"]) {
    const candidate = base + suffix;
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

export async function buildWorkerBundle(): Promise<string> {
  await build({
    entryPoints: [path.join(ROOT, "test", "bench", "processor-worker.ts")],
    outfile: WORKER_BUNDLE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    plugins: [
      {
        name: "app-alias-and-external-packages",
        setup(b) {
          b.onResolve({ filter: /^~\// }, (args) => {
            const resolved = resolveAppPath(args.path);
            return resolved ? { path: resolved } : { errors: [{ text: `cannot resolve ${args.path}` }] };
          });
          b.onResolve({ filter: /^[^./~]/ }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
  return WORKER_BUNDLE;
}
