// The Inngest client. With INNGEST_EVENT_KEY / INNGEST_SIGNING_KEY set (Inngest cloud) the cron
// below runs there; without them the in-process scheduler (app/engine/scheduler.server.ts) calls
// the same drain every few seconds.
import { Inngest } from "inngest";

export const inngest = new Inngest({ id: "kudos" });
