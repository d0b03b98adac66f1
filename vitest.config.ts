import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "~": path.resolve(import.meta.dirname, "app") } },
  test: {
    include: ["test/**/*.test.ts", "app/**/*.test.ts"],
    exclude: ["test/bench/**", "node_modules/**"],
    globalSetup: ["test/setup/global-db.ts"],
    setupFiles: ["test/setup/env.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Browser tests build and start the app themselves; keep them off the shared workers' clock.
    fileParallelism: true,
  },
});
