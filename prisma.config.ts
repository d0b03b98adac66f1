// Used by the Prisma CLI: `prisma generate` (via prisma/generate.js) and, on Fly's release
// machine, `prisma migrate deploy`. Local migrations go through app/db/schema-engine.server.ts.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // Generating the client needs no database; only migrate deploy reads this.
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
