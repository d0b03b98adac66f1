// The admin's Home (/app): answers the merchant's first question, "is this working?".
//   - sending status in one line: sending, test mode (the outbox), or blocked and why;
//   - this week's and last week's requests sent, review-link clicks and click rate (the analytics
//     module's figures, so Home and Analytics agree; weeks start on Monday in the business's zone);
//   - the next scheduled sends at their real send times (quiet hours in the recipient's zones, as
//     the processor decides them);
//   - what needs attention (failed sends, unread feedback, pending data requests);
//   - the setup checklist, until every item is done.
import { DateTime } from "luxon";
import type pg from "pg";
import { loadAnalytics } from "~/analytics/analytics.server";
import type { Db } from "~/db.server";
import { nextAllowedTime, resolveRecipientLocale } from "~/engine/quiet-hours.server";
import type { Business, Channel } from "~/generated/prisma/client";
import { countPendingDataRequests } from "~/hosts/data-exports.server";
import type { Clock } from "~/lib/clock.server";
import { ConflictError, NotFoundError } from "~/lib/errors.server";
import { countUnreadFeedback } from "~/stops/feedback-inbox.server";
import { parseReviewLinks } from "~/stops/review-link.server";
import { goesToOutbox, type BusinessTransports } from "./send-transports.server";

export interface HomeDeps {
  db: Db;
  /** For the analytics statements (read-only transactions on their own connections). */
  pool: pg.Pool;
  clock: Clock;
  /** The business's transports (send-transports.server.ts): what its messages really go through. */
  transports: BusinessTransports;
  /** NODE_ENV=production: there, the outbox means a provider is missing, not test mode. */
  production: boolean;
}

export type BlockReason = "no_campaign" | "campaign_paused" | "no_review_link" | "no_address" | "email_not_configured" | "sms_not_configured";

export interface StatusReason {
  code: BlockReason;
  message: string;
  action: { content: string; url: string } | null;
}

export interface SendingStatus {
  state: "sending" | "test_mode" | "blocked";
  /** The one line: "Sending …", "Sending in test mode: …", "Not sending: …". */
  headline: string;
  /** Every reason review requests are not (all) going out, most important first. */
  reasons: StatusReason[];
  /** Names of the active campaigns. */
  activeCampaigns: string[];
}

export interface WeekFigures {
  label: string;
  start: string;
  end: string;
  sent: number;
  clicked: number;
  /** clicked / sent; null when nothing was sent. */
  clickRate: number | null;
}

export interface NextSend {
  enrollmentId: string;
  customerName: string;
  channel: Channel;
  position: number;
  touches: number;
  campaignName: string;
  /** When the touch was scheduled (job completion + delays). */
  scheduledAt: string;
  /** When it will really go out: not before now, moved out of quiet hours in the recipient's zones. */
  sendAt: string;
  sendLabel: string;
  /** The send time was moved forward by quiet hours. */
  afterQuietHours: boolean;
}

export type ChecklistKey = "address" | "review_link" | "test_sent" | "campaign";

export interface ChecklistItem {
  key: ChecklistKey;
  done: boolean;
}

export interface Checklist {
  items: ChecklistItem[];
  done: number;
  total: number;
  complete: boolean;
  /** The default review link, for the "open it and confirm" step; null without one. */
  reviewLink: { site: string; url: string; confirmed: boolean } | null;
}

export interface HomeData {
  businessName: string;
  timezone: string;
  status: SendingStatus;
  weeks: { thisWeek: WeekFigures; lastWeek: WeekFigures };
  nextSends: NextSend[];
  attention: { failedSends: number; unreadFeedback: number; pendingDataRequests: number };
  checklist: Checklist;
  /** Where a test goes unless the merchant types another address or number. */
  testDefaults: { email: string; phone: string };
  /**
   * What "Send a test to myself" sends per channel: the active campaign's first touch of that
   * channel, else the system template of it; null when there is none.
   */
  testTemplates: Record<Channel, { id: string; name: string } | null>;
}

export const NEXT_SENDS_LIMIT = 5;
export const FAILED_SENDS_DAYS = 7;
const DAY_MS = 86_400_000;

async function loadBusiness(db: Db, businessId: string): Promise<Business> {
  const business = await db.business.findUnique({ where: { id: businessId } });
  if (!business) throw new NotFoundError("Business not found");
  return business;
}

function zoneOf(timezone: string): string {
  return DateTime.now().setZone(timezone).isValid ? timezone : "UTC";
}

// --- Sending status ------------------------------------------------------------------------

interface CampaignFacts {
  name: string;
  status: "active" | "paused";
  channels: Channel[];
}

export function sendingStatus(
  business: Pick<Business, "physicalAddress" | "reviewLinks">,
  campaigns: CampaignFacts[],
  transports: BusinessTransports,
  production: boolean,
): SendingStatus {
  const active = campaigns.filter((c) => c.status === "active");
  const used = new Set(active.flatMap((c) => c.channels));
  const reasons: StatusReason[] = [];
  const toCampaigns = { content: "Go to campaigns", url: "/app/campaigns" };
  const toSettings = { content: "Open settings", url: "/app/settings" };

  if (active.length === 0) {
    const paused = campaigns.filter((c) => c.status === "paused");
    if (paused.length === 1) reasons.push({ code: "campaign_paused", message: `your campaign ${paused[0]!.name} is paused`, action: toCampaigns });
    else if (paused.length > 1) reasons.push({ code: "campaign_paused", message: `all ${paused.length} of your campaigns are paused`, action: toCampaigns });
    else reasons.push({ code: "no_campaign", message: "no campaign is chosen", action: { content: "Choose a campaign", url: "/app/campaigns" } });
  }
  if (parseReviewLinks(business.reviewLinks).length === 0) {
    reasons.push({ code: "no_review_link", message: "there is no review link for customers to follow", action: toSettings });
  }
  if (used.has("email") && !business.physicalAddress?.trim()) {
    reasons.push({ code: "no_address", message: "emails are skipped until you add your business's postal address", action: toSettings });
  }
  // In production the outbox is a missing provider, unless the host itself only uses the outbox
  // (the sandbox's pretend businesses): then it is the test mode it is meant to be.
  const realOutbox = production && !transports.hostOverride;
  if (realOutbox && used.has("email") && goesToOutbox(transports.email)) {
    reasons.push({ code: "email_not_configured", message: "email sending is not set up on this Kudos server: emails stay in the Outbox and reach no one", action: null });
  }
  if (realOutbox && used.has("sms") && goesToOutbox(transports.sms)) {
    reasons.push({ code: "sms_not_configured", message: "text sending is not set up on this Kudos server: texts stay in the Outbox and reach no one", action: null });
  }

  const activeCampaigns = active.map((c) => c.name);
  if (reasons.length > 0) {
    return { state: "blocked", headline: `Not sending: ${reasons[0]!.message}`, reasons, activeCampaigns };
  }
  const names = activeCampaigns.length === 1 ? activeCampaigns[0]! : `${activeCampaigns.length} campaigns (${activeCampaigns.join(", ")})`;
  const verb = activeCampaigns.length === 1 ? "is" : "are";
  const testEmail = used.has("email") && goesToOutbox(transports.email);
  const testSms = used.has("sms") && goesToOutbox(transports.sms);
  if (testEmail || testSms) {
    const what = testEmail && testSms ? "messages go" : testEmail ? "emails go" : "texts go";
    return { state: "test_mode", headline: `Sending: ${names} ${verb} active, in test mode: ${what} to the Outbox`, reasons, activeCampaigns };
  }
  return { state: "sending", headline: `Sending: ${names} ${verb} active`, reasons, activeCampaigns };
}

// --- This week and last week -----------------------------------------------------------------

async function weekFigures(deps: Pick<HomeDeps, "pool">, businessId: string, start: DateTime, end: DateTime, label: string): Promise<WeekFigures> {
  const analytics = await loadAnalytics(deps.pool, { businessId, campaignId: null, start: start.toJSDate(), end: end.toJSDate() });
  const { sent, clicked, clickRate } = analytics.funnel.total;
  return { label, start: start.toUTC().toISO()!, end: end.toUTC().toISO()!, sent, clicked, clickRate };
}

/** This week (Monday 00:00 in the business's zone up to next Monday) and the one before. */
export function weekBounds(now: Date, timezone: string) {
  const zone = zoneOf(timezone);
  const thisStart = DateTime.fromJSDate(now, { zone }).startOf("week");
  return { thisStart, thisEnd: thisStart.plus({ weeks: 1 }), lastStart: thisStart.minus({ weeks: 1 }) };
}

// --- Next sends -----------------------------------------------------------------------------

function sendFormatter(timezone: string) {
  return new Intl.DateTimeFormat("en-US", {
    timeZone: zoneOf(timezone),
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  });
}

const NEXT_SENDS_PAGE = 50;
const NEXT_SENDS_MAX_PAGES = 4;

/**
 * The active enrollments' next touches, in the order they will really go out. They are read in
 * due order (enrollment_due_idx: next_due_at of active enrollments, filtered to the business) a
 * page at a time; quiet hours only move a send later, so once five send times are no later than
 * the last due time read, no unread touch can come before them.
 */
async function nextSends(deps: Pick<HomeDeps, "db" | "clock">, business: Business): Promise<NextSend[]> {
  const now = deps.clock.now();
  const policy = { startMinute: business.quietHoursStart, endMinute: business.quietHoursEnd };
  const fmt = sendFormatter(business.timezone);
  const found: (NextSend & { sendMs: number })[] = [];
  for (let page = 0; page < NEXT_SENDS_MAX_PAGES; page++) {
    const rows = await deps.db.enrollment.findMany({
      where: { businessId: business.id, status: "active", nextDueAt: { not: null } },
      orderBy: [{ nextDueAt: "asc" }, { id: "asc" }],
      skip: page * NEXT_SENDS_PAGE,
      take: NEXT_SENDS_PAGE,
      select: {
        id: true,
        currentTouch: true,
        nextDueAt: true,
        campaign: { select: { name: true } },
        customer: { select: { firstName: true, lastName: true, timezone: true, phone: true, region: true, country: true } },
        touches: { select: { position: true, channel: true, scheduledAt: true, status: true } },
      },
    });
    for (const row of rows) {
      const touch = row.touches.find((t) => t.position === row.currentTouch && t.status === "pending");
      if (!touch) continue;
      // Due: the touch's scheduled time, or later if the processor deferred it (quiet hours,
      // pacing), and never before now (an overdue touch goes out at the next drain).
      const scheduled = Math.max(touch.scheduledAt.getTime(), now.getTime());
      const due = new Date(Math.max(scheduled, row.nextDueAt!.getTime()));
      const locale = resolveRecipientLocale(row.customer, business.timezone);
      const sendAt = nextAllowedTime(due, locale, policy);
      const quietFromSchedule = nextAllowedTime(new Date(scheduled), locale, policy).getTime() > scheduled;
      found.push({
        enrollmentId: row.id,
        customerName: [row.customer.firstName, row.customer.lastName].filter(Boolean).join(" ") || "A customer",
        channel: touch.channel,
        position: touch.position,
        touches: row.touches.length,
        campaignName: row.campaign.name,
        scheduledAt: touch.scheduledAt.toISOString(),
        sendAt: sendAt.toISOString(),
        sendLabel: fmt.format(sendAt),
        afterQuietHours: quietFromSchedule || sendAt.getTime() > due.getTime(),
        sendMs: sendAt.getTime(),
      });
    }
    const lastDue = rows.at(-1)?.nextDueAt?.getTime() ?? Number.POSITIVE_INFINITY;
    const settled = found.filter((f) => f.sendMs <= lastDue).length >= NEXT_SENDS_LIMIT;
    if (rows.length < NEXT_SENDS_PAGE || settled) break;
  }
  return found
    .sort((a, b) => a.sendMs - b.sendMs || a.enrollmentId.localeCompare(b.enrollmentId))
    .slice(0, NEXT_SENDS_LIMIT)
    .map(({ sendMs: _sendMs, ...rest }) => rest);
}

// --- Checklist ------------------------------------------------------------------------------

export function setupChecklist(
  business: Pick<Business, "physicalAddress" | "reviewLinks" | "reviewLinkConfirmedAt" | "testSentAt">,
  hasActiveCampaign: boolean,
): Checklist {
  const link = parseReviewLinks(business.reviewLinks)[0];
  const reviewLink = link ? { site: link.site, url: link.url, confirmed: business.reviewLinkConfirmedAt !== null } : null;
  const items: ChecklistItem[] = [
    { key: "address", done: Boolean(business.physicalAddress?.trim()) },
    { key: "review_link", done: reviewLink?.confirmed ?? false },
    { key: "test_sent", done: business.testSentAt !== null },
    { key: "campaign", done: hasActiveCampaign },
  ];
  const done = items.filter((i) => i.done).length;
  return { items, done, total: items.length, complete: done === items.length, reviewLink };
}

// --- The page -------------------------------------------------------------------------------

export async function loadHome(deps: HomeDeps, businessId: string): Promise<HomeData> {
  const business = await loadBusiness(deps.db, businessId);
  const now = deps.clock.now();
  const { thisStart, thisEnd, lastStart } = weekBounds(now, business.timezone);
  const day = (d: DateTime) => d.toFormat("LLL d");
  const [campaigns, thisWeek, lastWeek, upcoming, failedSends, unreadFeedback, pendingDataRequests] = await Promise.all([
    deps.db.campaign.findMany({
      where: { businessId, deletedAt: null },
      orderBy: [{ createdAt: "asc" }],
      select: {
        name: true,
        status: true,
        touches: { orderBy: { position: "asc" }, select: { channel: true, template: { select: { id: true, name: true } } } },
      },
    }),
    weekFigures(deps, businessId, thisStart, thisEnd, `This week (since ${thisStart.toFormat("cccc, LLL d")})`),
    weekFigures(deps, businessId, lastStart, thisStart, `Last week (${day(lastStart)} – ${day(thisStart.minus({ days: 1 }))})`),
    nextSends(deps, business),
    // send_log_business_id_recipient_idx (business_id, recipient) narrows it to the business.
    deps.db.sendLog.count({ where: { businessId, status: "failed", updatedAt: { gte: new Date(now.getTime() - FAILED_SENDS_DAYS * DAY_MS) } } }),
    countUnreadFeedback(deps.db, businessId),
    countPendingDataRequests({ db: deps.db, clock: deps.clock }, businessId),
  ]);
  const facts: CampaignFacts[] = campaigns.map((c) => ({ name: c.name, status: c.status, channels: c.touches.map((t) => t.channel) }));
  const testTemplate = async (channel: Channel) => {
    const touch = campaigns.filter((c) => c.status === "active").flatMap((c) => c.touches).find((t) => t.channel === channel);
    if (touch) return touch.template;
    return deps.db.messageTemplate.findFirst({ where: { businessId: null, channel, deletedAt: null }, orderBy: { createdAt: "asc" }, select: { id: true, name: true } });
  };
  return {
    businessName: business.name,
    timezone: business.timezone,
    status: sendingStatus(business, facts, deps.transports, deps.production),
    weeks: { thisWeek, lastWeek },
    nextSends: upcoming,
    attention: { failedSends, unreadFeedback, pendingDataRequests },
    checklist: setupChecklist(business, facts.some((c) => c.status === "active")),
    testDefaults: { email: business.replyTo ?? "", phone: business.contactPhone ?? "" },
    testTemplates: { email: await testTemplate("email"), sms: await testTemplate("sms") },
  };
}

/** "It works": the merchant opened their default review link and it is the right page. */
export async function confirmReviewLink(deps: Pick<HomeDeps, "db" | "clock">, businessId: string): Promise<Date> {
  const business = await loadBusiness(deps.db, businessId);
  if (parseReviewLinks(business.reviewLinks).length === 0) throw new ConflictError("Add a review link in Settings first", { reviewLinks: "add a review link in Settings" });
  const at = deps.clock.now();
  await deps.db.business.update({ where: { id: businessId }, data: { reviewLinkConfirmedAt: at } });
  return at;
}
