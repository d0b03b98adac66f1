// Email rendering: one template body (plain text with placeholders) becomes an HTML part and a
// plain-text part, both ending in the CAN-SPAM footer (physical address, unsubscribe link), plus
// the RFC 8058 one-click unsubscribe headers. Every substituted value is HTML-escaped: customer
// names come from the host platform and may contain markup.
import { parseTemplate, type TemplatePart } from "./template";
import { findTemplateVariable, singleLine, variableValue, type RenderContext } from "./variables";

export interface EmailTemplateSource {
  subject?: string | null;
  body: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** List-Unsubscribe and List-Unsubscribe-Post (omitted only when the link is not a usable URL). */
  headers: Record<string, string>;
}

export const REVIEW_BUTTON_LABEL = "Leave a review";

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** http(s) URLs without whitespace, controls or characters that would break an attribute or header. */
export function isSafeLink(url: string): boolean {
  return /^https?:\/\/[^\s<>"\\\u0000-\u001f\u007f]+$/i.test(url); // eslint-disable-line no-control-regex
}

/** A placeholder's text value; unknown placeholders stay as written so a broken template shows. */
function resolve(part: Extract<TemplatePart, { kind: "variable" }>, ctx: RenderContext): string {
  const variable = findTemplateVariable(part.name);
  return variable ? variableValue(variable, ctx) : part.raw;
}

function renderPlain(source: string, ctx: RenderContext): string {
  return parseTemplate(source)
    .parts.map((p) => (p.kind === "text" ? p.text : resolve(p, ctx)))
    .join("");
}

// --- HTML -------------------------------------------------------------------------------------

const STYLE = {
  body: "margin:0;padding:0;background-color:#f4f5f7;",
  container:
    "max-width:560px;margin:0 auto;padding:32px 24px;background-color:#ffffff;color:#202223;" +
    "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;",
  p: "margin:0 0 16px 0;",
  buttonP: "margin:24px 0;text-align:center;",
  button:
    "display:inline-block;padding:12px 28px;background-color:#1a73e8;color:#ffffff;text-decoration:none;" +
    "border-radius:6px;font-weight:600;",
  link: "color:#1a73e8;",
  hr: "border:none;border-top:1px solid #e1e3e5;margin:32px 0 16px 0;",
  footer: "margin:0 0 8px 0;font-size:12px;line-height:1.5;color:#6d7175;",
  footerLink: "color:#6d7175;",
};

function anchor(url: string, label: string, style: string): string {
  return `<a href="${escapeHtml(url)}" style="${style}" target="_blank" rel="noopener">${escapeHtml(label)}</a>`;
}

function inlineHtml(part: TemplatePart, ctx: RenderContext): string {
  if (part.kind === "text") return escapeHtml(part.text);
  const value = resolve(part, ctx);
  const variable = findTemplateVariable(part.name);
  if (variable?.isLink && isSafeLink(value)) return anchor(value, value, STYLE.link);
  return escapeHtml(value);
}

type Line = TemplatePart[];

/** Splits parts at the template's own line breaks (values never contain one). */
function toLines(parts: TemplatePart[]): Line[] {
  const lines: Line[] = [[]];
  for (const part of parts) {
    if (part.kind === "variable") {
      lines[lines.length - 1]!.push(part);
      continue;
    }
    part.text.split("\n").forEach((chunk, i) => {
      if (i > 0) lines.push([]);
      if (chunk) lines[lines.length - 1]!.push({ kind: "text", text: chunk });
    });
  }
  return lines;
}

const isBlank = (line: Line) => line.every((p) => p.kind === "text" && p.text.trim() === "");

/** A line that is only {{review_link}} becomes the button; anywhere else it is an inline link. */
function isReviewButtonLine(line: Line): boolean {
  const meaningful = line.filter((p) => !(p.kind === "text" && p.text.trim() === ""));
  return meaningful.length === 1 && meaningful[0]!.kind === "variable" && meaningful[0]!.name === "review_link";
}

function bodyHtml(source: string, ctx: RenderContext): string {
  const lines = toLines(parseTemplate(source).parts);
  const blocks: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push(`<p style="${STYLE.p}">${paragraph.join("<br>\n")}</p>`);
    paragraph = [];
  };
  for (const line of lines) {
    if (isBlank(line)) {
      flush();
    } else if (isReviewButtonLine(line) && isSafeLink(ctx.reviewLink)) {
      flush();
      blocks.push(`<p style="${STYLE.buttonP}">${anchor(ctx.reviewLink, REVIEW_BUTTON_LABEL, STYLE.button)}</p>`);
    } else {
      paragraph.push(line.map((p) => inlineHtml(p, ctx)).join(""));
    }
  }
  flush();
  return blocks.join("\n");
}

// --- Footer (CAN-SPAM) --------------------------------------------------------------------------

function addressLines(ctx: RenderContext): string[] {
  return (ctx.business.physicalAddress ?? "")
    .split(/\r?\n/)
    .map(singleLine)
    .filter(Boolean);
}

function businessName(ctx: RenderContext): string {
  return singleLine(ctx.business.name ?? "");
}

function footerText(ctx: RenderContext): string {
  const name = businessName(ctx);
  const lines = ["--", name ? `You received this email because ${name} recently completed a job for you.` : "", ...addressLines(ctx)];
  lines.push(`Unsubscribe: ${singleLine(ctx.unsubscribeLink)}`);
  return lines.filter(Boolean).join("\n");
}

function footerHtml(ctx: RenderContext): string {
  const name = businessName(ctx);
  const about = name ? `You received this email because ${escapeHtml(name)} recently completed a job for you.` : "";
  const address = addressLines(ctx).map(escapeHtml).join("<br>\n");
  const link = isSafeLink(ctx.unsubscribeLink)
    ? anchor(ctx.unsubscribeLink, "Unsubscribe", STYLE.footerLink)
    : `Unsubscribe: ${escapeHtml(singleLine(ctx.unsubscribeLink))}`;
  return [
    `<hr style="${STYLE.hr}">`,
    about && `<p style="${STYLE.footer}">${about}</p>`,
    address && `<p style="${STYLE.footer}">${address}</p>`,
    `<p style="${STYLE.footer}">${link} from review requests${name ? ` from ${escapeHtml(name)}` : ""}.</p>`,
  ]
    .filter(Boolean)
    .join("\n");
}

// --- Public -----------------------------------------------------------------------------------

export function renderEmail(template: EmailTemplateSource, ctx: RenderContext): RenderedEmail {
  const source = (template.body ?? "").replace(/\r\n?/g, "\n");
  const subject = singleLine(renderPlain(template.subject ?? "", ctx));

  const text = `${renderPlain(source, ctx).trim()}\n\n${footerText(ctx)}\n`;

  const html = [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    "</head>",
    `<body style="${STYLE.body}">`,
    `<div style="${STYLE.container}">`,
    bodyHtml(source, ctx),
    footerHtml(ctx),
    "</div>",
    "</body>",
    "</html>",
    "",
  ].join("\n");

  const headers: Record<string, string> = {};
  if (isSafeLink(ctx.unsubscribeLink)) {
    headers["List-Unsubscribe"] = `<${ctx.unsubscribeLink}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }
  return { subject, html, text, headers };
}
