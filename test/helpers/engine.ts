// A touch processor wired for tests: real database, outbox (or given) transports, in-process
// pacing, a manual clock.
import type { Database } from "~/db.server";
import type { ProcessorDeps } from "~/engine/processor.server";
import { InProcessSendRateLimiter, type SendRateLimiter } from "~/engine/rate-limit/index.server";
import { createOutboxEmailTransport, createOutboxSmsTransport } from "~/engine/transports/index.server";
import type { EmailTransport, SmsTransport } from "~/engine/transports/types";
import { ManualClock } from "~/lib/clock.server";
import { createLinkBuilder } from "~/links/tokens.server";
import { deriveOptOutKey, senderScope, type OptOutContext } from "~/lib/opt-out-key.server";
import { createLogger } from "~/logger.server";

export const TEST_LINK_SECRET = "test-link-secret-0123456789abcdef-0123";
export const TEST_APP_URL = "http://kudos.test";
/** The number the test transports send from (outbox and the Twilio stand-ins). */
export const TEST_SMS_FROM = "+15550001111";
/** The durable opt-out context every test dependency shares (keyed like production, from the link secret). */
export const TEST_OPT_OUTS: OptOutContext = { key: deriveOptOutKey(TEST_LINK_SECRET), smsSenders: [senderScope(TEST_SMS_FROM)] };

export function processorDeps(
  db: Database,
  opts: { clock?: ManualClock; email?: EmailTransport; sms?: SmsTransport } = {},
): ProcessorDeps & { clock: ManualClock } {
  const clock = opts.clock ?? new ManualClock();
  const logger = createLogger("silent");
  return {
    db: db.prisma,
    pool: db.pool,
    clock,
    logger,
    email: opts.email ?? createOutboxEmailTransport({ db: db.prisma, clock, logger }),
    sms: opts.sms ?? createOutboxSmsTransport({ db: db.prisma, clock, logger, fromNumber: "+15550001111" }),
    limiter: new InProcessSendRateLimiter(clock),
    links: createLinkBuilder(TEST_APP_URL, TEST_LINK_SECRET),
    emailFrom: "reviews@kudos.test",
    appUrl: TEST_APP_URL,
    optOuts: TEST_OPT_OUTS,
  };
}

/** Fills a business in the way the processor needs (a postal address for CAN-SPAM). */
export const BUSINESS_SETTINGS = {
  physicalAddress: "12 Main St, Springfield, IL 62701",
  reviewLinks: [{ site: "Google", url: "https://g.page/r/acme/review" }],
};

/**
 * A limiter that holds the processor on one business's touches (inside pacing, after the claim,
 * before the re-check in beginSends) until released: lets a test act in that moment.
 */
export function gateLimiter(businessId: string) {
  let arrive!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  const released = new Promise<void>((r) => (open = r));
  const limiter: SendRateLimiter = {
    async take(key) {
      if (key.businessId === businessId) {
        arrive();
        await released;
      }
      return { allowed: true };
    },
  };
  return { limiter, reached, release: open };
}
