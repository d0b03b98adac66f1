// Inngest's endpoint (inngest/remix): Inngest cloud calls it to run the cron and other functions.
import { serve } from "inngest/remix";
import { inngest } from "../../inngest/client";
import { functions } from "../../inngest/functions";

const handler = serve({ client: inngest, functions });

export { handler as loader, handler as action };
