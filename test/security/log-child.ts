// Runs a webhook, a send (with provider failures), host-webhook and install rejections and a
// deliberate log of secret-named fields, all through the process logger at LOG_LEVEL=trace, so the
// parent can read everything this process wrote and look for secrets and tokens in it.
//   node --import tsx test/security/log-child.ts <db url> <secrets json>
import { createServer } from "node:http";
import { deriveOptOutKey } from "~/lib/opt-out-key.server";
import type { AddressInfo } from "node:net";
import { Webhook } from "svix";
import twilioSdk from "twilio";
import { createDatabase } from "~/db.server";
import { installBusiness } from "~/domain/business.server";
import { recordJob } from "~/domain/enrollment.server";
import { processBatch } from "~/engine/processor.server";
import { InProcessSendRateLimiter } from "~/engine/rate-limit/index.server";
import { createResendTransport, createTwilioTransport, createPacer, withRetries } from "~/engine/transports/index.server";
import { storeHostTokens } from "~/hosts/install/credentials.server";
import { genericWebhookHeaders } from "~/hosts/generic/signature.server";
import { receiveWebhook } from "~/hosts/ingest/receive.server";
import { completeInstall } from "~/hosts/install/install.server";
import { ManualClock } from "~/lib/clock.server";
import { createLinkBuilder } from "~/links/tokens.server";
import { logger } from "~/logger.server";
import { resendWebhookResponse } from "~/stops/resend-webhooks.server";
import { twilioInboundResponse } from "~/stops/twilio-webhooks.server";
import { BUSINESS_SETTINGS } from "../helpers/engine";
import { completedJob } from "../helpers/fixtures";
import { installDeps, testRegistry } from "../sandbox/helpers";

const [url, secretsJson] = process.argv.slice(2);
const s = JSON.parse(secretsJson!) as Record<string, string>;
const db = createDatabase(url!, 4);
const clock = new ManualClock("2026-01-05T15:00:00Z");
const appUrl = "http://kudos.test";

// Stand-ins for the providers: Resend fails once, then accepts; Twilio refuses the number, quoting it.
let resendCalls = 0;
const providers = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    if (req.url?.startsWith("/2010-04-01")) {
      res.statusCode = 400;
      res.end(JSON.stringify({ code: 21211, message: `The 'To' number ${s.phone} is not a valid phone number.`, status: 400 }));
    } else if (resendCalls++ === 0) {
      res.statusCode = 500;
      res.end(JSON.stringify({ statusCode: 500, name: "internal_server_error", message: `failed for ${s.email}` }));
    } else {
      res.end(JSON.stringify(req.url === "/emails" ? { id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c" } : { data: [{ id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c" }] }));
    }
  });
});
await new Promise<void>((r) => providers.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(providers.address() as AddressInfo).port}`;

// An installation with host tokens, a customer, a send through Resend and Twilio.
const { business } = await installBusiness({ db: db.prisma, clock }, { host: "sandbox", externalAccountId: s.accountId!, name: "Log Test Plumbing" });
await db.prisma.business.update({ where: { id: business.id }, data: BUSINESS_SETTINGS });
await storeHostTokens(db.prisma, Buffer.from(s.encryptionKey!, "base64"), business.id, { accessToken: s.accessToken!, refreshToken: s.refreshToken!, scopes: ["read_jobs"] });
const job = await recordJob({ db: db.prisma, clock }, business.id, completedJob({ completedAt: new Date("2026-01-04T15:00:00Z"), customer: { email: s.email, phone: s.phone } }));
const deps = {
  db: db.prisma,
  pool: db.pool,
  clock,
  logger,
  email: withRetries(createResendTransport({ apiKey: s.resendApiKey!, logger, clock, baseUrl: base, pacer: createPacer({ ratePerSecond: 100 }) }), { baseDelayMs: 1 }),
  sms: withRetries(createTwilioTransport({ accountSid: s.twilioSid!, authToken: s.twilioToken!, fromNumber: "+15550001111", logger, clock, baseUrl: base }), { baseDelayMs: 1 }),
  limiter: new InProcessSendRateLimiter(clock),
  links: createLinkBuilder(appUrl, s.linkSecret!),
  emailFrom: "reviews@kudos.test",
  appUrl,
  optOuts: { key: deriveOptOutKey(s.linkSecret!), smsSenders: [] },
};
await processBatch(deps);
clock.advanceHours(80);
await processBatch(deps);
logger.info({ enrollmentId: (job.enrollment as { enrollmentId?: string } | null)?.enrollmentId }, "sends done");

// Provider webhooks: a forged one, a genuine STOP.
const whDeps = {
  db: db.prisma, clock, logger, linkSecret: s.linkSecret!, webhookSecret: s.resendWebhookSecret, authToken: s.twilioToken, appUrl,
  optOutKey: deriveOptOutKey(s.linkSecret!), keywordReplies: "kudos" as const,
};
const raw = JSON.stringify({ type: "email.delivered", data: { email_id: "4ef9a417-02e9-4d39-ad75-9611e0fcc33c" } });
const now = new Date();
await resendWebhookResponse(whDeps, new Request(`${appUrl}/webhooks/resend`, { method: "POST", headers: { "svix-id": "msg_1", "svix-timestamp": String(Math.floor(now.getTime() / 1000)), "svix-signature": new Webhook(s.resendWebhookSecret!).sign("msg_1", now, raw) }, body: raw }));
await resendWebhookResponse(whDeps, new Request(`${appUrl}/webhooks/resend`, { method: "POST", headers: { "svix-id": "msg_2", "svix-timestamp": "1", "svix-signature": "v1,forged" }, body: raw }));
const stop = { MessageSid: `SM${"b".repeat(32)}`, From: s.phone!, Body: "STOP" };
await twilioInboundResponse(whDeps, new Request(`${appUrl}/webhooks/twilio/inbound`, {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSdk.getExpectedTwilioSignature(s.twilioToken!, `${appUrl}/webhooks/twilio/inbound`, stop) },
  body: new URLSearchParams(stop).toString(),
}));

// Host side: a webhook signed with the wrong secret, an install callback with a forged state.
const registry = testRegistry({ clock });
const body = JSON.stringify({ topic: "job.completed", account_id: s.accountId, job: { id: "j1" } });
const headers = genericWebhookHeaders({ secret: "wrong-secret-0123456789abcdef0123456789", eventId: "evt-log", topic: "job.completed", accountId: s.accountId!, body, now: clock.now() });
await receiveWebhook({ db: db.prisma, pool: db.pool, clock, hosts: registry, logger, enqueue: () => {} }, "sandbox", new Request(`${appUrl}/webhooks/hosts/sandbox`, { method: "POST", headers, body }));
await completeInstall(installDeps({ db: db.prisma, pool: db.pool } as never, registry, clock, { logger }), "sandbox", new Request(`${appUrl}/auth/hosts/sandbox/callback?code=${s.oauthCode}&state=forged.${s.sessionToken}`));

// Whatever a careless call site might log: the redaction paths must catch it.
logger.info(
  { req: { headers: { authorization: `Bearer ${s.sessionToken}`, cookie: `kudos_install=${s.sessionToken}`, "x-twilio-signature": s.twilioToken, "svix-signature": s.resendWebhookSecret } }, credential: { accessToken: s.accessToken, refreshToken: s.refreshToken }, config: { apiKey: s.resendApiKey, secret: s.linkSecret, token: s.sessionToken } },
  "careless log",
);
logger.flush();
providers.close();
await db.prisma.$disconnect();
await db.pool.end();
setTimeout(() => process.exit(0), 100);
