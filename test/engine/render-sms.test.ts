import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SAMPLE_RENDER_CONTEXT, SMS_OPT_OUT_LINE, renderSms, smsSegments, startsWithBrand, type SmsRenderContext } from "~/engine/render";

const ctx = (over: Partial<SmsRenderContext> = {}): SmsRenderContext => ({ ...SAMPLE_RENDER_CONTEXT, ...over });
const template = { body: "Hi {{customer_first_name}}, thanks for choosing {{business_name}}! Mind leaving a review? {{review_link}}" };

describe("renderSms", () => {
  it("adds the opt-out line to the first text a number receives, and not afterwards", () => {
    const first = renderSms(template, ctx(), { firstToNumber: true });
    // The name only in the middle does not identify the sender up front: it is prefixed (CTIA).
    expect(first.body).toBe(
      "Bright Plumbing: Hi Jordan, thanks for choosing Bright Plumbing! Mind leaving a review? https://kudos.example.com/r/sample\nReply STOP to opt out",
    );
    const later = renderSms(template, ctx(), { firstToNumber: false });
    expect(later.body).toBe("Bright Plumbing: Hi Jordan, thanks for choosing Bright Plumbing! Mind leaving a review? https://kudos.example.com/r/sample");
    expect(later.body).not.toContain("STOP");
  });

  it("does not repeat the opt-out line when the template already has it", () => {
    const own = renderSms({ body: "{{business_name}}: {{review_link}} reply stop to opt out" }, ctx(), { firstToNumber: true });
    expect(own.body).toBe("Bright Plumbing: https://kudos.example.com/r/sample reply stop to opt out");
    expect(own.body.toLowerCase().split(SMS_OPT_OUT_LINE.toLowerCase())).toHaveLength(2);
  });

  it("prefixes the business name when the text does not name the business", () => {
    const r = renderSms({ body: "Thanks {{customer_first_name}}! Review us: {{review_link}}" }, ctx(), { firstToNumber: false });
    expect(r.body).toBe("Bright Plumbing: Thanks Jordan! Review us: https://kudos.example.com/r/sample");
    // Named already (in any case): no prefix.
    const named = renderSms({ body: "BRIGHT PLUMBING thanks you! {{review_link}}" }, ctx(), { firstToNumber: false });
    expect(named.body).toBe("BRIGHT PLUMBING thanks you! https://kudos.example.com/r/sample");
  });

  it("substitutes every SMS variable, falls back when values are missing, and renders email-only ones empty", () => {
    const r = renderSms(
      {
        body: "{{customer_first_name}}|{{customer_name}}|{{business_name}}|{{service_type}}|{{job_title}}|{{business_phone}}|{{review_link}}|{{unsubscribe_link}}|{{nope}}",
      },
      ctx({ customer: { firstName: null, lastName: null }, serviceType: null, jobTitle: " ", unsubscribeLink: "https://u.test/x" }),
      { firstToNumber: false },
    );
    expect(r.body).toBe(
      "Bright Plumbing: there|there|Bright Plumbing|service|your recent job|(555) 010-0199|https://kudos.example.com/r/sample||{{nope}}",
    );
  });

  it("reports segments and encoding of the final text", () => {
    const gsm = renderSms({ body: "{{business_name}} {{review_link}}" }, ctx(), { firstToNumber: true });
    expect(gsm).toMatchObject({ encoding: "GSM-7", segments: 1 });
    const emoji = renderSms(template, ctx({ customer: { firstName: "Zoë 😀", lastName: null } }), { firstToNumber: true });
    expect(emoji.encoding).toBe("UCS-2");
    // 144 UTF-16 units (the "Bright Plumbing: " prefix counted): over two parts of 67, so three.
    // The same text in plain Latin is one GSM part (ë itself is not GSM-7).
    expect(emoji.body).toHaveLength(144);
    expect(emoji.segments).toBe(3);
    expect(renderSms(template, ctx({ customer: { firstName: "Zoe", lastName: null } }), { firstToNumber: true })).toMatchObject({
      encoding: "GSM-7",
      segments: 1,
    });
  });

  it("never throws and always opens with the business name, for arbitrary values", () => {
    const text = fc.string({ unit: "binary", maxLength: 60 });
    fc.assert(
      fc.property(text, fc.option(text, { nil: null }), text, fc.boolean(), (first, last, business, firstToNumber) => {
        const r = renderSms(template, ctx({ customer: { firstName: first, lastName: last }, business: { name: business, physicalAddress: null, phone: null } }), {
          firstToNumber,
        });
        expect(r.segments).toBe(smsSegments(r.body).segments);
        const name = business.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").replace(/ {2,}/g, " ").trim(); // eslint-disable-line no-control-regex
        if (name) expect(startsWithBrand(r.body, name)).toBe(true);
        expect(r.body.endsWith(SMS_OPT_OUT_LINE)).toBe(firstToNumber);
      }),
      { numRuns: 300 },
    );
  });
});

describe("smsSegments", () => {
  const a = (n: number) => "a".repeat(n);

  it("counts nothing for an empty text", () => {
    expect(smsSegments("")).toEqual({ encoding: "GSM-7", segments: 0, units: 0, unitsPerSegment: 160 });
  });

  it("GSM-7: 160 septets fit one part, 161 need two parts of 153", () => {
    expect(smsSegments(a(160))).toEqual({ encoding: "GSM-7", segments: 1, units: 160, unitsPerSegment: 160 });
    expect(smsSegments(a(161))).toEqual({ encoding: "GSM-7", segments: 2, units: 161, unitsPerSegment: 153 });
    expect(smsSegments(a(306)).segments).toBe(2);
    expect(smsSegments(a(307)).segments).toBe(3);
  });

  it("GSM-7: the default alphabet's accented letters and symbols stay GSM-7", () => {
    expect(smsSegments("é è ù ì ò Ç Ø å Ä Ö Ñ Ü ß ¡ ¿ £ ¥ § @ _ Δ Ω \n").encoding).toBe("GSM-7");
  });

  it("GSM-7: extension characters ^{}\\[~]|€ take two septets each", () => {
    for (const ch of "^{}\\[~]|€") {
      expect(smsSegments(ch)).toMatchObject({ encoding: "GSM-7", units: 2 });
    }
    expect(smsSegments("€".repeat(80))).toMatchObject({ segments: 1, units: 160 });
    expect(smsSegments(`${"€".repeat(80)}a`)).toMatchObject({ segments: 2, units: 161 });
    expect(smsSegments(`${a(159)}[`)).toMatchObject({ segments: 2, units: 161 });
  });

  it("GSM-7: an escape sequence is never split across parts", () => {
    // 306 septets would fit two parts of 153, but the € cannot straddle the first boundary.
    const text = `${a(152)}€${a(152)}`;
    expect(smsSegments(text)).toMatchObject({ encoding: "GSM-7", units: 306, segments: 3 });
    expect(smsSegments(`${a(151)}€${a(153)}`)).toMatchObject({ units: 306, segments: 2 });
  });

  it("UCS-2: any character outside GSM-7 switches the whole text; 70 units fit one part, 71 need two of 67", () => {
    expect(smsSegments("á".repeat(70))).toEqual({ encoding: "UCS-2", segments: 1, units: 70, unitsPerSegment: 70 });
    expect(smsSegments("á".repeat(71))).toEqual({ encoding: "UCS-2", segments: 2, units: 71, unitsPerSegment: 67 });
    expect(smsSegments("á".repeat(134)).segments).toBe(2);
    expect(smsSegments("á".repeat(135)).segments).toBe(3);
    expect(smsSegments(`${a(100)}ç`)).toMatchObject({ encoding: "UCS-2", segments: 2, units: 101 });
  });

  it("UCS-2: an emoji counts two UTF-16 units and a surrogate pair is never split", () => {
    expect(smsSegments("😀")).toMatchObject({ encoding: "UCS-2", units: 2, segments: 1 });
    expect(smsSegments("😀".repeat(35))).toMatchObject({ units: 70, segments: 1 });
    expect(smsSegments(`${"😀".repeat(35)}a`)).toMatchObject({ units: 71, segments: 2 });
    // 134 units would fit two parts of 67, but the emoji after 66 letters moves to part two.
    expect(smsSegments(`${a(66)}${"😀".repeat(34)}`)).toMatchObject({ units: 134, segments: 3 });
    expect(smsSegments(`${a(67)}${"😀".repeat(33)}a`)).toMatchObject({ units: 134, segments: 2 });
  });

  it("never lets a part exceed its size (property)", () => {
    const ch = fc.constantFrom("a", "€", "[", "é", "á", "😀", "👍🏽", "\n");
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 400 }), (chars) => {
        const text = chars.join("");
        const info = smsSegments(text);
        if (info.units === 0) {
          expect(info.segments).toBe(0);
          return;
        }
        expect(info.segments).toBeGreaterThanOrEqual(Math.ceil(info.units / info.unitsPerSegment));
        // Greedy packing wastes at most one unit per boundary (a 2-unit item that did not fit).
        expect(info.segments).toBeLessThanOrEqual(Math.ceil(info.units / (info.unitsPerSegment - 1)));
      }),
    );
  });
});
