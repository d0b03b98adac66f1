// SMS rendering: plain text that always opens with the sender's name (CTIA: identify the brand)
// and, on the first text a number receives from the business, tells the recipient how to opt out.
// The admin's preview and segment count call the same renderSms, so what is counted is what is sent.
import { smsSegments, type SmsEncoding } from "./sms-segments";
import { parseTemplate } from "./template";
import { findTemplateVariable, singleLine, variableValue, type SmsRenderContext } from "./variables";

export const SMS_OPT_OUT_LINE = "Reply STOP to opt out";

export interface SmsTemplateSource {
  body: string;
}

export interface RenderSmsOptions {
  /** True when this number has never received a text from this business. */
  firstToNumber: boolean;
}

export interface RenderedSms {
  body: string;
  segments: number;
  encoding: SmsEncoding;
}

// Letters, digits and combining marks in any script: what continues a word.
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/**
 * CTIA's sender identification: does the text open with the business name as a whole word? Case
 * is ignored, and so is leading whitespace. Only the start counts: a name found further in, or
 * inside a longer word ("Pro" in "provide..."), does not tell the reader who is texting.
 * Plain string comparison, never a RegExp built from the name ("A+ Plumbing", "Joe's (HVAC)").
 */
export function startsWithBrand(body: string, name: string): boolean {
  const text = body.trimStart().toLowerCase();
  const brand = singleLine(name).toLowerCase();
  if (!brand || !text.startsWith(brand)) return false;
  // Whole word: the name ends the text, ends in a non-word character, or is followed by one.
  const last = Array.from(brand).at(-1)!;
  const next = Array.from(text.slice(brand.length))[0];
  return next === undefined || !WORD_CHAR.test(last) || !WORD_CHAR.test(next);
}

export function renderSms(template: SmsTemplateSource, ctx: SmsRenderContext, options: RenderSmsOptions): RenderedSms {
  const source = (template.body ?? "").replace(/\r\n?/g, "\n");
  let body = parseTemplate(source)
    .parts.map((part) => {
      if (part.kind === "text") return part.text;
      const variable = findTemplateVariable(part.name);
      // Unknown names stay visible (validation rejects them); email-only ones render empty.
      if (!variable) return part.raw;
      return variable.channels.includes("sms") ? variableValue(variable, ctx) : "";
    })
    .join("")
    .trim();

  const name = singleLine(ctx.business.name ?? "");
  if (name && !startsWithBrand(body, name)) body = body ? `${name}: ${body}` : name;
  if (options.firstToNumber && !body.toLowerCase().includes(SMS_OPT_OUT_LINE.toLowerCase())) {
    body = body ? `${body}\n${SMS_OPT_OUT_LINE}` : SMS_OPT_OUT_LINE;
  }

  const { segments, encoding } = smsSegments(body);
  return { body, segments, encoding };
}
