// The Inngest client. With INNGEST_EVENT_KEY and INNGEST_SIGNING_KEY (Inngest cloud) or INNGEST_DEV
// (a local dev server) the cron below runs there; otherwise the in-process scheduler
// (app/engine/scheduler.server.ts) calls the same drain every few seconds.
import { Inngest } from "inngest";
import { getEnv, inngestMode, type Env } from "~/env.server";

/**
 * The mode Kudos parsed, handed to the SDK explicitly, so the SDK never decides differently from
 * usesInngestCloud (app/background.server.ts): dev for INNGEST_DEV true or a URL (which is then
 * the dev server's address), cloud otherwise.
 */
export function inngestClientOptions(env: Pick<Env, "INNGEST_DEV" | "INNGEST_EVENT_KEY" | "INNGEST_SIGNING_KEY">): { isDev: boolean; baseUrl?: string } {
  if (inngestMode(env) !== "dev") return { isDev: false };
  return typeof env.INNGEST_DEV === "string" ? { isDev: true, baseUrl: env.INNGEST_DEV } : { isDev: true };
}

export const inngest = new Inngest({ id: "kudos", ...inngestClientOptions(getEnv()) });
