import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  REVIEW_BUTTON_LABEL,
  SAMPLE_RENDER_CONTEXT,
  TEMPLATE_VARIABLES,
  renderEmail,
  singleLine,
  templateFieldErrors,
  validateTemplate,
  type RenderContext,
} from "~/engine/render";

const ctx = (over: Partial<RenderContext> = {}): RenderContext => ({ ...SAMPLE_RENDER_CONTEXT, ...over });

const emailTemplate = {
  subject: "How did {{ business_name }} do, {{customer_first_name}}?",
  body: [
    "Hi {{customer_first_name}},",
    "",
    "Thanks for choosing {{business_name}} for your {{service_type}}.",
    "Would you take a minute to leave a review?",
    "",
    "{{review_link}}",
    "",
    "Thanks!",
  ].join("\n"),
};

const messages = (errors: { field: string; message: string }[]) => errors.map((e) => `${e.field}: ${e.message}`);

describe("validateTemplate", () => {
  it("accepts a complete email and a complete SMS template", () => {
    expect(validateTemplate({ channel: "email", ...emailTemplate })).toEqual([]);
    expect(validateTemplate({ channel: "sms", body: "Thanks {{customer_first_name}}! {{review_link}}" })).toEqual([]);
  });

  it("rejects an unknown variable, naming it and its field", () => {
    const errors = validateTemplate({ channel: "email", subject: "Hi {{ nickname }}", body: "Hi {{first_name}} {{review_link}}" });
    expect(messages(errors)).toEqual(["subject: Unknown variable {{nickname}}", "body: Unknown variable {{first_name}}"]);
  });

  it("reports an unknown variable once even when it repeats", () => {
    const errors = validateTemplate({ channel: "sms", body: "{{x}} {{x}} {{review_link}}" });
    expect(messages(errors)).toEqual(["body: Unknown variable {{x}}"]);
  });

  it("rejects unclosed braces and malformed placeholders", () => {
    expect(messages(validateTemplate({ channel: "sms", body: "Hi {{customer_first_name} {{review_link}}" }))).toEqual([
      'body: Unclosed braces: "{{customer_first_name} {…" has no matching }}',
    ]);
    expect(messages(validateTemplate({ channel: "sms", body: "Hi {{customer_first_name {{review_link}}" }))[0]).toMatch(
      /^body: Unclosed braces/,
    );
    expect(messages(validateTemplate({ channel: "sms", body: "{{review_link}} {{" }))[0]).toMatch(/^body: Unclosed braces/);
    expect(messages(validateTemplate({ channel: "sms", body: "{{review_link}} {{ first name }}" }))).toEqual([
      "body: Invalid placeholder {{ first name }}",
    ]);
    expect(messages(validateTemplate({ channel: "sms", body: "{{review_link}} {{}}" }))).toEqual(["body: Empty placeholder {{}}"]);
  });

  it("requires {{review_link}} in the body (spaces inside the braces allowed)", () => {
    expect(messages(validateTemplate({ channel: "sms", body: "Thanks for your business!" }))).toEqual([
      "body: Body must include {{review_link}}: a review request needs the link",
    ]);
    expect(validateTemplate({ channel: "sms", body: "Review us: {{  review_link  }}" })).toEqual([]);
    // In the subject only is not enough.
    expect(messages(validateTemplate({ channel: "email", subject: "{{review_link}}", body: "Hello" }))).toContain(
      "body: Body must include {{review_link}}: a review request needs the link",
    );
  });

  it("rejects {{unsubscribe_link}} in SMS but accepts it in email", () => {
    expect(messages(validateTemplate({ channel: "sms", body: "{{review_link}} stop: {{unsubscribe_link}}" }))).toEqual([
      "body: {{unsubscribe_link}} is not available in SMS: recipients opt out by replying STOP",
    ]);
    expect(validateTemplate({ channel: "email", subject: "Hi", body: "{{review_link}} {{unsubscribe_link}}" })).toEqual([]);
  });

  it("requires an email subject of at most 200 characters on one line, and a non-empty body", () => {
    expect(messages(validateTemplate({ channel: "email", subject: "  ", body: "{{review_link}}" }))).toEqual([
      "subject: Subject is required for email",
    ]);
    expect(messages(validateTemplate({ channel: "email", body: "{{review_link}}" }))).toEqual(["subject: Subject is required for email"]);
    expect(validateTemplate({ channel: "email", subject: "a".repeat(200), body: "{{review_link}}" })).toEqual([]);
    expect(messages(validateTemplate({ channel: "email", subject: "a".repeat(201), body: "{{review_link}}" }))).toEqual([
      "subject: Subject must be at most 200 characters",
    ]);
    expect(messages(validateTemplate({ channel: "email", subject: "a\r\nBcc: x@y.z", body: "{{review_link}}" }))).toEqual([
      "subject: Subject must be a single line",
    ]);
    expect(messages(validateTemplate({ channel: "email", subject: "Hi", body: " \n " }))).toEqual(["body: Body is required"]);
  });

  it("limits an SMS body to 1,600 characters", () => {
    const at = `{{review_link}}${"a".repeat(1600 - 15)}`;
    expect(at).toHaveLength(1600);
    expect(validateTemplate({ channel: "sms", body: at })).toEqual([]);
    expect(messages(validateTemplate({ channel: "sms", body: `${at}a` }))).toEqual(["body: Body must be at most 1,600 characters"]);
  });

  it("turns the list into ValidationError's field map", () => {
    const errors = validateTemplate({ channel: "email", subject: "", body: "{{nope}}" });
    expect(templateFieldErrors(errors)).toEqual({
      subject: "Subject is required for email",
      body: "Unknown variable {{nope}}; Body must include {{review_link}}: a review request needs the link",
    });
  });
});

describe("the variable table", () => {
  it("has a description, a sample and a channel list for every variable, and the samples match the sample context", () => {
    for (const v of TEMPLATE_VARIABLES) {
      expect(v.description.length).toBeGreaterThan(0);
      expect(v.sample.length).toBeGreaterThan(0);
      expect(v.value(SAMPLE_RENDER_CONTEXT)).toBe(v.sample);
    }
    expect(TEMPLATE_VARIABLES.map((v) => v.name)).toEqual([
      "customer_first_name",
      "customer_name",
      "business_name",
      "service_type",
      "job_title",
      "business_phone",
      "review_link",
      "unsubscribe_link",
    ]);
  });
});

describe("renderEmail", () => {
  it("substitutes every variable in the subject, HTML and text parts", () => {
    const body = TEMPLATE_VARIABLES.map((v) => `${v.name}=[{{${v.name}}}]`).join("\n");
    const email = renderEmail({ subject: "{{customer_name}} / {{job_title}}", body }, SAMPLE_RENDER_CONTEXT);
    expect(email.subject).toBe("Jordan Rivera / Replace kitchen faucet");
    for (const v of TEMPLATE_VARIABLES) {
      expect(email.text).toContain(`${v.name}=[${v.sample}]`);
      expect(email.html).toContain(`${v.name}=[`);
    }
    expect(email.html).toContain("customer_first_name=[Jordan]");
    expect(email.html).toContain('review_link=[<a href="https://kudos.example.com/r/sample"');
    expect(email.text).not.toMatch(/\{\{|\}\}/);
    expect(email.html).not.toMatch(/\{\{|\}\}/);
  });

  it("escapes a customer-supplied name in HTML (and the <title>) but keeps it raw in the text part", () => {
    const evil = `<script>alert("x")</script>&'`;
    const email = renderEmail(emailTemplate, ctx({ customer: { firstName: evil, lastName: null } }));
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;,");
    expect(email.html).toContain("<title>How did Bright Plumbing do, &lt;script&gt;");
    expect(email.text).toContain(`Hi ${evil},`);
    expect(email.subject).toBe(`How did Bright Plumbing do, ${evil}?`);
  });

  it("escapes business fields too, including in the footer", () => {
    const email = renderEmail(
      emailTemplate,
      ctx({ business: { name: "A&B <Plumbing>", physicalAddress: "1 <b>Main</b> St", phone: null } }),
    );
    expect(email.html).toContain("A&amp;B &lt;Plumbing&gt;");
    expect(email.html).toContain("1 &lt;b&gt;Main&lt;/b&gt; St");
    expect(email.html).not.toContain("<b>");
  });

  it("turns blank lines into paragraphs, single line breaks into <br>, and a lone review link into a button", () => {
    const email = renderEmail(emailTemplate, SAMPLE_RENDER_CONTEXT);
    expect(email.html).toMatch(/<p[^>]*>Hi Jordan,<\/p>/);
    expect(email.html).toMatch(
      /<p[^>]*>Thanks for choosing Bright Plumbing for your water heater repair\.<br>\nWould you take a minute to leave a review\?<\/p>/,
    );
    expect(email.html).toMatch(
      new RegExp(`<a href="https://kudos\\.example\\.com/r/sample" style="display:inline-block;[^"]*"[^>]*>${REVIEW_BUTTON_LABEL}</a>`),
    );
    expect(email.text).toContain("\n\nhttps://kudos.example.com/r/sample\n\n");
  });

  it("renders an inline review link as a link, and never links a non-http URL", () => {
    const inline = renderEmail({ subject: "s", body: "Review us here: {{review_link}} thanks" }, SAMPLE_RENDER_CONTEXT);
    expect(inline.html).toContain('Review us here: <a href="https://kudos.example.com/r/sample"');
    expect(inline.html).not.toContain(REVIEW_BUTTON_LABEL);

    const hostile = renderEmail(emailTemplate, ctx({ reviewLink: 'javascript:alert("x")' }));
    expect(hostile.html).not.toContain("href=\"javascript:");
    expect(hostile.html).toContain("javascript:alert(&quot;x&quot;)");
  });

  it("ends both parts with the CAN-SPAM footer: business, physical address, unsubscribe link", () => {
    const email = renderEmail(
      emailTemplate,
      ctx({ business: { name: "Bright Plumbing", physicalAddress: "123 Main St\nSpringfield, IL 62701", phone: null } }),
    );
    expect(email.text).toMatch(
      /\n--\nYou received this email because Bright Plumbing recently completed a job for you\.\n123 Main St\nSpringfield, IL 62701\nUnsubscribe: https:\/\/kudos\.example\.com\/u\/sample\n$/,
    );
    const footer = email.html.slice(email.html.indexOf("<hr"));
    expect(footer).toContain("123 Main St<br>\nSpringfield, IL 62701");
    expect(footer).toMatch(/<a href="https:\/\/kudos\.example\.com\/u\/sample"[^>]*>Unsubscribe<\/a>/);
  });

  it("sets the RFC 8058 one-click unsubscribe headers", () => {
    expect(renderEmail(emailTemplate, SAMPLE_RENDER_CONTEXT).headers).toEqual({
      "List-Unsubscribe": "<https://kudos.example.com/u/sample>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
    // A link that would break the header is not sent as one.
    expect(renderEmail(emailTemplate, ctx({ unsubscribeLink: "https://x.test/u/a>\r\nBcc: y" })).headers).toEqual({});
  });

  it("degrades gracefully when values are missing", () => {
    const email = renderEmail(
      { subject: "Hi {{customer_first_name}}", body: "Hi {{customer_first_name}}, how was your {{service_type}}? {{business_phone}}\n{{review_link}}" },
      ctx({ customer: { firstName: null, lastName: "  " }, serviceType: "", jobTitle: undefined, business: { ...SAMPLE_RENDER_CONTEXT.business, phone: null } }),
    );
    expect(email.subject).toBe("Hi there");
    expect(email.text.startsWith("Hi there, how was your service? \nhttps://")).toBe(true);
  });

  it("keeps values on one line: a newline in a name cannot inject a header or break the layout", () => {
    const email = renderEmail(emailTemplate, ctx({ customer: { firstName: "Ann\r\nBcc: spy@example.com", lastName: null } }));
    expect(email.subject).toBe("How did Bright Plumbing do, Ann Bcc: spy@example.com?");
    expect(email.text).toContain("Hi Ann Bcc: spy@example.com,");
  });

  it("leaves an unknown placeholder visible instead of throwing", () => {
    const email = renderEmail({ subject: "{{nope}}", body: "Hi {{nope}} {{review_link}} {{" }, SAMPLE_RENDER_CONTEXT);
    expect(email.subject).toBe("{{nope}}");
    expect(email.text).toContain("Hi {{nope}} https://kudos.example.com/r/sample {{");
  });
});

describe("renderEmail properties", () => {
  // Arbitrary Unicode, plus strings dense in markup characters (rare in uniform generation).
  const markup = fc.constantFrom("<", ">", "&", '"', "'", "/", "=", "a", "script", " ", "\n", "\r", "\u00a0", "😀");
  const text = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: markup, maxLength: 20 }));
  const nullable = fc.option(text, { nil: null });
  const link = fc.tuple(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string({ maxLength: 10 }));
  const contexts = fc.record({
    firstName: nullable,
    lastName: nullable,
    business: text,
    address: nullable,
    phone: nullable,
    serviceType: nullable,
    jobTitle: nullable,
    review: link,
    unsubscribe: link,
  });
  const toContext = (v: typeof contexts extends fc.Arbitrary<infer T> ? T : never): RenderContext => ({
    customer: { firstName: v.firstName, lastName: v.lastName },
    business: { name: v.business, physicalAddress: v.address, phone: v.phone },
    serviceType: v.serviceType,
    jobTitle: v.jobTitle,
    reviewLink: v.review[0] + encodeURIComponent(v.review[1]),
    unsubscribeLink: v.unsubscribe[0] + encodeURIComponent(v.unsubscribe[1]),
  });
  // Same shape (which values are blank, multi-line), but harmless content.
  const harmless = (c: RenderContext): RenderContext => {
    // Split where the footer splits the address; blank stays blank, anything else becomes "x".
    const h = (s: string | null | undefined) =>
      s == null ? s : s.split(/\r?\n/).map((line) => (singleLine(line) ? "x" : line)).join("\n");
    return {
      customer: { firstName: h(c.customer.firstName), lastName: h(c.customer.lastName) },
      business: { name: h(c.business.name) ?? "", physicalAddress: h(c.business.physicalAddress), phone: h(c.business.phone) },
      serviceType: h(c.serviceType),
      jobTitle: h(c.jobTitle),
      reviewLink: "https://r.test/",
      unsubscribeLink: "https://u.test/",
    };
  };
  const lt = (s: string) => s.split("<").length - 1;
  const body = TEMPLATE_VARIABLES.map((v) => `{{${v.name}}}`).join(" ") + "\n\n{{review_link}}\n";

  it("never throws, and every < in the HTML is the renderer's own markup, never a value's", () => {
    fc.assert(
      fc.property(contexts, (v) => {
        const c = toContext(v);
        const email = renderEmail({ subject: "{{customer_name}} {{business_name}}", body }, c);
        expect(lt(email.html)).toBe(lt(renderEmail({ subject: "{{customer_name}} {{business_name}}", body }, harmless(c)).html));
        for (const tag of email.html.match(/<[^>]*>?/g) ?? []) {
          expect(tag).toMatch(/^<(!doctype html|\/?(html|head|meta|title|body|div|p|br|hr|a))[\s>]/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never throws for arbitrary template text either", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 200 }), contexts, (subject, tpl, v) => {
        const email = renderEmail({ subject, body: tpl }, toContext(v));
        expect(typeof email.html).toBe("string");
        expect(email.subject).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 200 },
    );
  });
});
