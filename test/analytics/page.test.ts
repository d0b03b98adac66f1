// The analytics page as the merchant gets it: the route loaders over the known history of
// scenario.ts (plain-word labels, rates as 0–100 % percentages, the weekly trend, and
// "Delivered" only where the business's transport can confirm deliveries), and the page itself
// rendered to HTML from that data.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { MemoryRouter } from "react-router-dom";
import { AppProvider } from "@shopify/polaris";
import enTranslations from "@shopify/polaris/locales/en.json";
import { beforeAll, describe, expect, it } from "vitest";
import { deliveryReporting } from "~/analytics/delivery.server";
import type { AnalyticsPageData } from "~/analytics/page.server";
import { AnalyticsPage } from "~/analytics/ui/AnalyticsPage";
import { deliveryNote, METRICS } from "~/analytics/ui/labels";
import { installBusiness } from "~/domain/business.server";
import { resetEnvForTests } from "~/env.server";
import { loader as overallLoader } from "~/routes/app.analytics";
import { closeServices, getServices } from "~/services.server";
import { call, cookieSessionFor, sessionFor, useAdminServices } from "../admin/helpers";
import { seedScenario, type Scenario } from "./scenario";

const db = useAdminServices();
let s: Scenario;

beforeAll(async () => {
  s = await seedScenario(db());
}, 60_000);

const JANUARY = "/app/analytics?from=2026-01-01&to=2026-02-01";

async function load(path = JANUARY, business = s.business): Promise<AnalyticsPageData> {
  const res = await call<AnalyticsPageData>(overallLoader, await (await sessionFor(business)).get(path));
  expect(res.status).toBe(200);
  return res.data;
}

function render(data: AnalyticsPageData): string {
  return renderToStaticMarkup(
    createElement(AppProvider, { i18n: enTranslations }, createElement(MemoryRouter, null, createElement(AnalyticsPage, { data }))),
  );
}

/** The page's visible words, without markup. */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

/** Every rate the loader returns, as fractions. */
function rates(d: AnalyticsPageData): (number | null)[] {
  const f = d.analytics.funnel;
  return [
    f.total.clickRate,
    ...f.byPosition.map((p) => p.clickRate),
    ...f.byChannel.map((c) => c.clickRate),
    ...d.analytics.serviceTypes.map((t) => t.clickRate),
    ...d.trend.weeks.map((w) => w.clickRate),
  ];
}

describe("analytics page of a business whose messages go to the outbox", () => {
  let data: AnalyticsPageData;
  let html: string;
  beforeAll(async () => {
    data = await load();
    html = render(data);
  });

  it("loads the weekly trend of requests sent and clicked, adding up to the totals", () => {
    // Every scenario customer but j8 started on Jan 4 (a Sunday in New York): the first week,
    // cut at Jan 1; j8 on Jan 20, nothing sent yet.
    expect(data.trend).toEqual({
      truncated: false,
      weeks: [
        { from: "2026-01-01", through: "2026-01-04", sent: 11, clicked: 3, clickRate: 3 / 11 },
        { from: "2026-01-05", through: "2026-01-11", sent: 0, clicked: 0, clickRate: null },
        { from: "2026-01-12", through: "2026-01-18", sent: 0, clicked: 0, clickRate: null },
        { from: "2026-01-19", through: "2026-01-25", sent: 0, clicked: 0, clickRate: null },
        { from: "2026-01-26", through: "2026-01-31", sent: 0, clicked: 0, clickRate: null },
      ],
    });
    expect(data.trend.weeks.reduce((n, w) => n + w.sent, 0)).toBe(data.analytics.funnel.total.sent);
  });

  it("says Delivered cannot be counted for either channel, because of the outbox", () => {
    expect(data.delivery).toEqual({ email: "outbox", sms: "outbox" });
  });

  it("names every number in plain words, each with its one-line explanation", () => {
    const t = text(html);
    for (const jargon of [/Enrollments enrolled/i, /Average touches until stop/i, /\btouch(es)?\b/i, /\benrollments?\b/i, /\benrolled\b/i, /Scheduled|Pending|Cancelled/]) {
      expect(t).not.toMatch(jargon);
    }
    for (const m of Object.values(METRICS).filter((m) => m !== METRICS.delivered)) {
      expect(t, m.label).toContain(m.label);
      expect(t, m.label).toContain(m.help);
    }
    expect(t).toContain("Requests per customer");
    expect(t).toContain("Request 1");
    expect(t).toContain("Requests sent and clicked, week by week");
  });

  it("shows rates as percentages from 0 to 100, and their bars on a 0–100 scale", () => {
    for (const r of rates(data)) if (r !== null) expect(r >= 0 && r <= 1, String(r)).toBe(true);
    const percents = [...text(html).matchAll(/(-?\d+(?:\.\d+)?)\s?%/g)].map((m) => Number(m[1]));
    expect(percents.length).toBeGreaterThan(5);
    for (const p of percents) expect(p >= 0 && p <= 100, `${p}%`).toBe(true);
    // Total: 3 clicks of 11 sent.
    expect(text(html)).toContain("27.3%");
    const bars = [...html.matchAll(/<progress[^>]*>/g)].map((m) => m[0]);
    expect(bars.length).toBe(data.analytics.funnel.byPosition.length + data.analytics.funnel.byChannel.length);
    for (const bar of bars) {
      expect(bar).toMatch(/max="100"/);
      const value = Number(/value="([\d.]+)"/.exec(bar)![1]);
      expect(value >= 0 && value <= 100).toBe(true);
    }
  });

  it("hides Delivered and says why in a note", () => {
    const t = text(html);
    expect(html).not.toMatch(/>Delivered</);
    expect(t).not.toMatch(/confirmed delivered/i);
    expect(t).toContain(deliveryNote(data.delivery)!);
    expect(t).toContain("Delivered is not shown: for emails and texts, they go to the outbox");
  });

  it("offers the trend's numbers as a table behind a disclosure, and names the charts", () => {
    expect(html).toMatch(/<button[^>]*aria-controls="[^"]+"[^>]*aria-expanded="false"[^>]*>|<button[^>]*aria-expanded="false"[^>]*aria-controls="[^"]+"/);
    expect(text(html)).toContain("Show the numbers as a table");
    expect(html).toMatch(/<figure aria-labelledby="[^"]+"/);
  });
});

describe("Delivered where the transport reports deliveries", () => {
  const PROVIDER_ENV = {
    HOST: "127.0.0.1",
    RESEND_API_KEY: "re_test_0123456789",
    RESEND_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    EMAIL_FROM: "reviews@mail.example.com",
    TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`,
    TWILIO_AUTH_TOKEN: "twilio-auth-token",
    TWILIO_FROM_NUMBER: "+15550001111",
  };
  const configure = async (env: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnvForTests();
    await closeServices();
  };

  beforeAll(async () => {
    await configure(PROVIDER_ENV);
    return () => configure(Object.fromEntries(Object.keys(PROVIDER_ENV).map((k) => [k, undefined])));
  });

  /** A business on a platform of its own (not the sandbox, whose businesses always use the outbox). */
  async function platformBusiness() {
    const { business } = await installBusiness(getServices().domain, {
      host: "acme-fsm",
      externalAccountId: `acct-${Math.random().toString(36).slice(2)}`,
      name: "Platform Plumbing",
      timezone: "America/New_York",
    });
    return business;
  }

  it("shows it for Resend and Twilio with their webhooks configured", async () => {
    const business = await platformBusiness();
    const res = await call<AnalyticsPageData>(overallLoader, await (await cookieSessionFor(business)).get("/app/analytics?range=all"));
    expect(res.status).toBe(200);
    expect(res.data.delivery).toEqual({ email: null, sms: null });
    // The same data rendered: a Delivered column, the delivered count, no note.
    const html = render({ ...res.data, analytics: (await load()).analytics });
    expect(html).toMatch(/>Delivered</);
    expect(text(html)).toContain("3 confirmed delivered");
    expect(text(html)).toContain(METRICS.delivered.help);
    expect(text(html)).not.toContain("Delivered is not shown");
  });

  it("keeps it hidden for the sandbox's businesses, which use the outbox whatever is configured", async () => {
    expect((await load()).delivery).toEqual({ email: "outbox", sms: "outbox" });
  });

  it("counts texts only when Resend's webhooks are not configured", async () => {
    const data = { ...(await load()), delivery: deliveryReporting({ email: "resend", sms: "twilio" }, { RESEND_WEBHOOK_SECRET: undefined, TWILIO_AUTH_TOKEN: "t" }) };
    expect(data.delivery).toEqual({ email: "no_webhooks", sms: null });
    const t = text(render(data));
    expect(t).toContain("Delivered counts texts only: for emails, the provider's delivery reports are not set up");
    // The email row shows no Delivered count rather than a 0.
    // Planned, Waiting, Sent, Delivered (scenario.ts, with j8's touches still waiting).
    expect(t).toMatch(/\bEmail 16 3 8 — /);
    expect(t).toMatch(/\bSMS 9 1 3 2 /);
  });
});

describe("deliveryReporting", () => {
  it("decides per channel from the transport and its webhooks", () => {
    const env = { RESEND_WEBHOOK_SECRET: "whsec_x", TWILIO_AUTH_TOKEN: "t" };
    expect(deliveryReporting({ email: "outbox", sms: "outbox" }, env)).toEqual({ email: "outbox", sms: "outbox" });
    expect(deliveryReporting({ email: "resend", sms: "outbox" }, env)).toEqual({ email: null, sms: "outbox" });
    expect(deliveryReporting({ email: "resend", sms: "twilio" }, { RESEND_WEBHOOK_SECRET: undefined, TWILIO_AUTH_TOKEN: undefined })).toEqual({
      email: "no_webhooks",
      sms: "no_webhooks",
    });
  });
});
