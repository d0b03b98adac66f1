// CTIA: every text identifies its sender. The business name is prefixed unless the rendered text
// already opens with it as a whole word; found anywhere else (or inside a word) does not count.
import { describe, expect, it } from "vitest";
import { previewRenderContext, renderSms, SAMPLE_RENDER_CONTEXT, smsSegments, startsWithBrand, type SmsRenderContext } from "~/engine/render";

const withName = (name: string): SmsRenderContext => ({ ...SAMPLE_RENDER_CONTEXT, business: { ...SAMPLE_RENDER_CONTEXT.business, name } });
const render = (name: string, body: string) => renderSms({ body }, withName(name), { firstToNumber: false }).body;

describe("the business name opens every text", () => {
  // [business name, template body, text sent]
  const cases: [string, string, string][] = [
    // "Pro" inside "provide" is not the brand.
    ["Pro", "provide us a review? {{review_link}}", "Pro: provide us a review? https://kudos.example.com/r/sample"],
    ["Pro", "Pro here: a review? {{review_link}}", "Pro here: a review? https://kudos.example.com/r/sample"],
    ["Pro", "PRO: a review? {{review_link}}", "PRO: a review? https://kudos.example.com/r/sample"],
    ["Pro", "Pros recommend reviews {{review_link}}", "Pro: Pros recommend reviews https://kudos.example.com/r/sample"],
    // Names with RegExp metacharacters are matched literally.
    ["A+ Plumbing", "A+ Plumbing says thanks! {{review_link}}", "A+ Plumbing says thanks! https://kudos.example.com/r/sample"],
    ["A+ Plumbing", "AA Plumbing says thanks! {{review_link}}", "A+ Plumbing: AA Plumbing says thanks! https://kudos.example.com/r/sample"],
    ["A+ Plumbing", "A+ Plumbingco says thanks {{review_link}}", "A+ Plumbing: A+ Plumbingco says thanks https://kudos.example.com/r/sample"],
    ["Joe's (HVAC)", "Joe's (HVAC): thanks! {{review_link}}", "Joe's (HVAC): thanks! https://kudos.example.com/r/sample"],
    ["Joe's (HVAC)", "joe's (hvac) thanks you {{review_link}}", "joe's (hvac) thanks you https://kudos.example.com/r/sample"],
    ["Joe's (HVAC)", "Joe's HVAC thanks you {{review_link}}", "Joe's (HVAC): Joe's HVAC thanks you https://kudos.example.com/r/sample"],
    ["Joe's (HVAC)", "Joes (HVAC) thanks you {{review_link}}", "Joe's (HVAC): Joes (HVAC) thanks you https://kudos.example.com/r/sample"],
    // The name followed by punctuation opens the text.
    ["Bright Plumbing", "Bright Plumbing, thanks! {{review_link}}", "Bright Plumbing, thanks! https://kudos.example.com/r/sample"],
    ["Bright Plumbing", "Bright Plumbing! {{review_link}}", "Bright Plumbing! https://kudos.example.com/r/sample"],
    ["Bright Plumbing", "Bright Plumbing's team thanks you {{review_link}}", "Bright Plumbing's team thanks you https://kudos.example.com/r/sample"],
    ["Bright Plumbing", "{{business_name}}: {{review_link}}", "Bright Plumbing: https://kudos.example.com/r/sample"],
    // Leading whitespace is ignored.
    ["Bright Plumbing", "  \n Bright Plumbing - {{review_link}}", "Bright Plumbing - https://kudos.example.com/r/sample"],
    // The name only in the middle (or at the end) does not identify the sender up front.
    [
      "Bright Plumbing",
      "Hi {{customer_first_name}}, thanks for choosing {{business_name}}! {{review_link}}",
      "Bright Plumbing: Hi Jordan, thanks for choosing Bright Plumbing! https://kudos.example.com/r/sample",
    ],
    ["Bright Plumbing", "{{review_link}} from Bright Plumbing", "Bright Plumbing: https://kudos.example.com/r/sample from Bright Plumbing"],
    // A word continuing the name is another word, in any script.
    ["Café", "Cafés near you {{review_link}}", "Café: Cafés near you https://kudos.example.com/r/sample"],
    ["Café", "Café. {{review_link}}", "Café. https://kudos.example.com/r/sample"],
    ["Ace 1", "Ace 10 thanks you {{review_link}}", "Ace 1: Ace 10 thanks you https://kudos.example.com/r/sample"],
  ];

  it.each(cases)("%s / %j", (name, body, sent) => {
    expect(render(name, body)).toBe(sent);
  });

  it("matches the name as it is sent: control characters and runs of spaces collapsed", () => {
    expect(startsWithBrand("Bright Plumbing here", " Bright\n Plumbing ")).toBe(true);
    expect(render("Bright\tPlumbing", "Bright Plumbing here {{review_link}}")).toBe("Bright Plumbing here https://kudos.example.com/r/sample");
  });

  it("the name alone, or a text that is nothing else, needs no prefix", () => {
    expect(startsWithBrand("Pro", "Pro")).toBe(true);
    expect(startsWithBrand("pro", "Pro")).toBe(true);
    expect(startsWithBrand("", "Pro")).toBe(false);
    expect(startsWithBrand("anything", "")).toBe(false);
  });
});

describe("the admin preview counts the text that is sent", () => {
  it("renders under the merchant's own name, so the prefix and the segment count are the send's", () => {
    const body = "Pro tip: reviews help! {{review_link}}";
    // The preview of business "Pro" is what the engine sends for "Pro": no prefix.
    const preview = renderSms({ body }, previewRenderContext("Pro"), { firstToNumber: true });
    const sent = renderSms({ body }, withName("Pro"), { firstToNumber: true });
    expect(preview).toEqual(sent);
    expect(preview.body.startsWith("Pro tip")).toBe(true);
    // Under the sample name it would have counted a prefix that is never sent.
    const sample = renderSms({ body }, SAMPLE_RENDER_CONTEXT, { firstToNumber: true });
    expect(sample.body.startsWith("Bright Plumbing: ")).toBe(true);
    expect(smsSegments(preview.body).units).toBe(sent.body.length);
  });

  it("a long name that must be prefixed is counted in the segments", () => {
    const name = "Northside Heating, Cooling & Plumbing Services of Greater Springfield";
    const body = `Hi {{customer_first_name}}, a quick review of our work would mean a lot to the whole team here. {{review_link}}`;
    const preview = renderSms({ body }, previewRenderContext(name), { firstToNumber: true });
    expect(preview.body.startsWith(`${name}: Hi Jordan`)).toBe(true);
    expect(preview.segments).toBe(smsSegments(preview.body).segments);
    expect(preview.segments).toBeGreaterThan(renderSms({ body }, SAMPLE_RENDER_CONTEXT, { firstToNumber: true }).segments);
  });

  it("falls back to the sample name when the business has none", () => {
    expect(previewRenderContext("  ").business.name).toBe(SAMPLE_RENDER_CONTEXT.business.name);
    expect(previewRenderContext(null)).toBe(SAMPLE_RENDER_CONTEXT);
  });
});
