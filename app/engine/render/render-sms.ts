// SMS rendering: plain text that always names the sender (CTIA: identify the brand) and, on the
// first text a number receives from the business, tells the recipient how to opt out.
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
  if (name && !body.toLowerCase().includes(name.toLowerCase())) body = body ? `${name}: ${body}` : name;
  if (options.firstToNumber && !body.toLowerCase().includes(SMS_OPT_OUT_LINE.toLowerCase())) {
    body = body ? `${body}\n${SMS_OPT_OUT_LINE}` : SMS_OPT_OUT_LINE;
  }

  const { segments, encoding } = smsSegments(body);
  return { body, segments, encoding };
}
