// Hostile input, property-based (fast-check): random and adversarial bodies, headers and
// signatures on every webhook route, template sources, and form posts (unsubscribe, feedback)
// with wrong types, huge strings, unicode, NUL bytes, HTML and SQL fragments. Never a 500, never a
// partial write (nothing changes on a rejection), always a clear 4xx; and customer or merchant
// text containing HTML comes out escaped in the email.
import { randomUUID } from "node:crypto";
import { createRequestHandler } from "@remix-run/node";
import fc from "fast-check";
import { Webhook } from "svix";
import twilioSdk from "twilio";
import { describe, expect, it } from "vitest";
import { recordJob } from "~/domain/enrollment.server";
import { processBatch } from "~/engine/processor.server";
import { renderEmail, renderSms, SAMPLE_RENDER_CONTEXT, validateTemplate } from "~/engine/render";
import { genericWebhookHeaders } from "~/hosts/generic/signature.server";
import { getServices } from "~/services.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS, processorDeps, TEST_APP_URL } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";
import { LONG, report } from "../reliability/harness";
import { RESEND_SECRET, resendEvent, sentFirstTouch, TOUCH_DUE, TWILIO_TOKEN, useRouteEnv } from "../stops/helpers";
import { ManualClock } from "~/lib/clock.server";
import { publicRoutesBuild } from "./public-build";

const db = useTestDatabase();
useRouteEnv(db);
const handle = (request: Request) => createRequestHandler(publicRoutesBuild(), "production")(request, {});
const RUNS = LONG ? 400 : 60;
let inputsTried = 0;

/** Strings an attacker or a broken client would send. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "\u0000",
    "a\u0000b",
    "%00",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE enrollment; --",
    "' OR '1'='1",
    "{{review_link}}{{",
    "\u202Eevil\u202C",
    "💥".repeat(50),
    "x".repeat(70_000),
    "STOP",
    "null",
    "[]",
    "{}",
  ),
);
const hostileJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(hostileString, fc.oneof(hostileString, fc.integer(), fc.constant(null))));

async function state() {
  const p = db().prisma;
  return Promise.all([
    p.providerEvent.count(),
    p.hostEvent.count(),
    p.suppression.count(),
    p.feedback.count(),
    p.enrollment.count({ where: { status: "stopped" } }),
    p.sendLog.count({ where: { status: { in: ["delivered", "bounced", "complained", "opened", "clicked"] } } }),
  ]);
}

/** Sends one request; a thrown error counts as the 500 Remix would answer. */
async function answer(request: Request): Promise<{ status: number; body: string }> {
  inputsTried += 1;
  try {
    const res = await handle(request);
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { status: 500, body: String(err) };
  }
}

async function expectCleanAnswer(request: Request, allowed: number[]) {
  const before = await state();
  const res = await answer(request);
  expect(res.status, res.body.slice(0, 300)).not.toBe(500);
  expect(allowed, `status ${res.status}: ${res.body.slice(0, 200)}`).toContain(res.status);
  if (res.status >= 400) {
    expect(res.body.trim().length, "a 4xx says why").toBeGreaterThan(0);
    expect(await state(), `no write on a ${res.status}`).toEqual(before);
  }
  return res;
}

describe("webhook routes under hostile input", () => {
  it("Resend: arbitrary bodies, correctly signed or not, are answered 200/400/401, never 500", async () => {
    const s = await sentFirstTouch(db());
    const body = fc.oneof(
      hostileString,
      hostileJson.map((j) => JSON.stringify(j)),
      fc.record({ type: fc.oneof(fc.constantFrom("email.delivered", "email.bounced", "email.complained", "email.opened"), hostileString), data: fc.record({ email_id: fc.oneof(hostileString, fc.constant(s.providerMessageId)), to: fc.oneof(hostileString, fc.array(hostileString)), tags: hostileJson, bounce: hostileJson }, { requiredKeys: [] }) }, { requiredKeys: [] }).map((e) => JSON.stringify(e)),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), fc.option(hostileString.filter((h) => /^[\x20-\x7e]*$/.test(h))), async (raw, sign, header) => {
        const id = `msg_${randomUUID().replace(/-/g, "")}`;
        const now = new Date();
        const signature = sign ? new Webhook(RESEND_SECRET).sign(id, now, raw) : (header ?? "");
        const request = new Request("http://internal:3000/webhooks/resend", {
          method: "POST",
          headers: { "content-type": "application/json", "svix-id": id, "svix-timestamp": String(Math.floor(now.getTime() / 1000)), "svix-signature": signature },
          body: raw,
        });
        await expectCleanAnswer(request, sign ? [200, 400] : [401]);
      }),
      { numRuns: RUNS },
    );
    // A genuine event with NUL and markup in its fields is refused cleanly, not stored.
    const raw = JSON.stringify(resendEvent("email.complained", `${s.providerMessageId}\u0000'; DROP TABLE send_log; --`));
    const id = `msg_${randomUUID().replace(/-/g, "")}`;
    const now = new Date();
    await expectCleanAnswer(
      new Request("http://internal:3000/webhooks/resend", { method: "POST", headers: { "svix-id": id, "svix-timestamp": String(Math.floor(now.getTime() / 1000)), "svix-signature": new Webhook(RESEND_SECRET).sign(id, now, raw) }, body: raw }),
      [400],
    );
  });

  it("Twilio status and inbound: arbitrary fields, signed, are answered 200/400, never 500", async () => {
    const s = await sentFirstTouch(db());
    const fields = fc.dictionary(fc.oneof(fc.constantFrom("MessageSid", "MessageStatus", "From", "Body", "ErrorCode", "SmsSid", "To"), hostileString), hostileString, { maxKeys: 6 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/webhooks/twilio/status", "/webhooks/twilio/inbound", `/webhooks/twilio/status?e=${s.enrollmentId}&p=1`), fields, fc.boolean(), async (path, params, known) => {
        if (known) Object.assign(params, path.includes("inbound") ? { From: s.phone } : { MessageSid: s.providerMessageId });
        const signature = twilioSdk.getExpectedTwilioSignature(TWILIO_TOKEN, `${TEST_APP_URL}${path}`, params);
        const request = new Request(`http://internal:3000${path}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
          body: new URLSearchParams(params).toString(),
        });
        await expectCleanAnswer(request, [200, 400]);
      }),
      { numRuns: RUNS },
    );
    // Not a form at all, or a JSON body with a made-up signature.
    await expectCleanAnswer(new Request("http://internal:3000/webhooks/twilio/inbound", { method: "POST", headers: { "content-type": "application/json" }, body: '{"From":"+1"}' }), [400, 401]);
    await expectCleanAnswer(new Request("http://internal:3000/webhooks/twilio/status", { method: "POST", body: "\u0000\u0000" }), [400, 401]);
  });

  it("host webhooks: arbitrary JSON, correctly signed, is answered 200/400/413, never 500", async () => {
    const { secrets } = getServices();
    const { business } = await installTestBusiness(deps(db().prisma));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileString, hostileJson.map((j) => JSON.stringify(j)), hostileJson.map((j) => JSON.stringify({ topic: "job.completed", account_id: business.externalAccountId, job: j }))),
        fc.oneof(fc.constantFrom("job.completed", "job.updated", "app.uninstalled"), hostileString.filter((h) => /^[\x20-\x7e]*$/.test(h))),
        async (raw, topic) => {
          const headers = genericWebhookHeaders({ secret: secrets.sandbox.clientSecret, eventId: `evt-${randomUUID()}`, topic, accountId: business.externalAccountId, body: raw, now: new Date() });
          await expectCleanAnswer(new Request("http://internal:3000/webhooks/hosts/sandbox", { method: "POST", headers, body: raw }), [200, 400, 413]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("customer-facing forms under hostile input", () => {
  it("feedback: wrong types, huge, NUL, markup: saved (200) or refused (400) with nothing written", async () => {
    const s = await sentFirstTouch(db(), { settings: { feedbackPageEnabled: true } });
    const feedbackToken = (await (await handle(new Request(`http://internal:3000/r/${s.reviewToken}`))).text()).match(/action="\/f\/([\w.-]+)"/)?.[1];
    expect(feedbackToken).toBeTruthy();
    const bodies = fc.oneof(
      hostileString.map((m) => ({ type: "form", body: new URLSearchParams({ message: m }).toString() })),
      hostileString.map((m) => ({ type: "json", body: JSON.stringify({ message: m }) })),
      hostileString.map((m) => ({ type: "multipart", body: m })),
      fc.constant({ type: "form", body: "message=a&message=b&message[]=c" }),
      fc.constant({ type: "form", body: "" }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async ({ type, body }) => {
        let request: Request;
        if (type === "multipart") {
          const form = new FormData();
          form.append("message", new Blob([body], { type: "text/html" }), "x.html");
          request = new Request(`http://internal:3000/f/${feedbackToken}`, { method: "POST", body: form });
        } else {
          request = new Request(`http://internal:3000/f/${feedbackToken}`, {
            method: "POST",
            headers: { "content-type": type === "json" ? "application/json" : "application/x-www-form-urlencoded" },
            body,
          });
        }
        const res = await expectCleanAnswer(request, [200, 400]);
        // What the page echoes back is escaped.
        expect(res.body).not.toContain("<script>alert(1)</script>");
        expect(res.body).not.toContain("<img src=x");
      }),
      { numRuns: RUNS },
    );
  });

  it("unsubscribe: any body, any token: 200 or 404, never 500", async () => {
    const s = await sentFirstTouch(db());
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant(s.unsubscribeToken), hostileString.filter((t) => t.trim() !== "" && !t.includes("/") && t !== "." && t !== "..")), hostileString, async (token, body) => {
        const res = await answer(new Request(`http://internal:3000/u/${encodeURIComponent(token)}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body }));
        expect([200, 404], res.body.slice(0, 200)).toContain(res.status);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("templates and rendering under hostile input", () => {
  it("validateTemplate answers with field errors for anything, and never throws", () => {
    fc.assert(
      fc.property(fc.constantFrom("email" as const, "sms" as const), fc.option(hostileString), hostileString, (channel, subject, body) => {
        inputsTried += 1;
        const errors = validateTemplate({ channel, subject, body });
        for (const e of errors) {
          expect(["subject", "body"]).toContain(e.field);
          expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it("a valid template using every variable renders any customer and business text without letting markup through", () => {
    // Every variable Kudos offers, in the subject, inline, and as the button line.
    const email = {
      subject: "{{customer_first_name}}, how did {{business_name}} do?",
      body: "Hi {{customer_name}} ({{customer_first_name}}),\n\nThanks for choosing {{business_name}} for {{service_type}}: {{job_title}}. Questions? {{business_phone}}\n\n{{review_link}}\n\nOr: {{review_link}} / {{unsubscribe_link}}",
    };
    const sms = { body: "{{customer_first_name}} {{customer_name}}, {{business_name}} ({{business_phone}}) did {{service_type}} / {{job_title}}: {{review_link}}" };
    expect(validateTemplate({ channel: "email", ...email })).toEqual([]);
    expect(validateTemplate({ channel: "sms", ...sms })).toEqual([]);

    const markup = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</a><a href=javascript:alert(1)>", "</p><p>", "<!--", "&lt;b&gt;", "'><svg/onload=alert(1)>"];
    const text = fc.oneof(hostileString, fc.constantFrom(...markup));
    const context = (v: { first: string; last: string; business: string; phone: string; service: string; title: string }) => ({
      ...SAMPLE_RENDER_CONTEXT,
      customer: { firstName: v.first, lastName: v.last },
      business: { ...SAMPLE_RENDER_CONTEXT.business, name: v.business, phone: v.phone },
      serviceType: v.service,
      jobTitle: v.title,
    });
    // The tags of the same template rendered with plain values: hostile values may only remove
    // some (an empty business name drops its footer line), never add one.
    const tagCounts = (html: string) => {
      const counts = new Map<string, number>();
      for (const tag of html.match(/<[^>]*>/g) ?? []) counts.set(tag, (counts.get(tag) ?? 0) + 1);
      return counts;
    };
    const plain = tagCounts(renderEmail(email, context({ first: "x", last: "x", business: "x", phone: "x", service: "x", title: "x" })).html);
    // What a reader sees: tags removed, then the five entities decoded in one pass.
    const entities: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };
    const visible = (html: string) => html.replace(/<[^>]*>/g, "").replace(/&(amp|lt|gt|quot|#39);/g, (e) => entities[e]!);
    // How a value is shown: on one line (controls become spaces), trimmed.
    const shown = (v: string) => v.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").replace(/ {2,}/g, " ").trim(); // eslint-disable-line no-control-regex
    const values = fc.record({ first: text, last: text, business: text, phone: text, service: text, title: text });
    fc.assert(
      fc.property(values, (v) => {
        inputsTried += 1;
        const rendered = renderEmail(email, context(v));
        for (const [tag, count] of tagCounts(rendered.html)) {
          expect(count, `tag ${tag} in ${JSON.stringify(v)}`).toBeLessThanOrEqual(plain.get(tag) ?? 0);
        }
        // Escaped, not dropped: every value still reads as written.
        const page = visible(rendered.html);
        for (const value of Object.values(v)) if (shown(value)) expect(page).toContain(shown(value));
        expect(rendered.subject).not.toMatch(/[\r\n]/);
        const smsBody = renderSms(sms, context(v), { firstToNumber: true }).body;
        for (const value of Object.values(v)) if (shown(value)) expect(smsBody).toContain(shown(value));
      }),
      { numRuns: RUNS * 3, examples: [[{ first: markup[0]!, last: markup[1]!, business: markup[2]!, phone: markup[3]!, service: markup[4]!, title: markup[6]! }]] },
    );
  });

  it("a customer and a business named with HTML are escaped in the email that really goes out", async () => {
    const clock = new ManualClock(TOUCH_DUE[1]);
    const d = deps(db().prisma, clock);
    const { business } = await installTestBusiness(d, { name: "<b>Bold</b> & \"Co\" <script>alert('biz')</script>" });
    await db().prisma.business.update({ where: { id: business.id }, data: BUSINESS_SETTINGS });
    await recordJob(d, business.id, completedJob({ completedAt: new Date("2026-01-04T15:00:00Z"), customer: { firstName: "<img src=x onerror=alert(1)>", lastName: "</td><script>alert(2)</script>" } }));
    await processBatch(processorDeps(db(), { clock }));
    const message = await db().prisma.outboxMessage.findFirstOrThrow({ where: { businessId: business.id, channel: "email" } });
    expect(message.html).not.toContain("<img src=x");
    expect(message.html).not.toContain("<script>");
    expect(message.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(message.html).toContain("&lt;script&gt;alert(&#39;biz&#39;)&lt;/script&gt;");
    report("hostile-input", { inputsTried, violations: 0 });
  });
});
