// The customer-facing pages behind message links: small, self-contained HTML (no app shell, no
// scripts, inline styles), readable in any mail client's in-app browser. Every dynamic value is
// escaped: business names and review-site labels are merchant input.
import { escapeHtml } from "~/engine/render";

export interface PublicReviewLink {
  site: string;
  /** /r/<token>?site=i: records the click, stops the sequence and redirects. */
  href: string;
}

const STYLE = `
  body{margin:0;background:#f4f5f7;color:#202223;font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
  main{max-width:520px;margin:0 auto;padding:40px 20px}
  .card{background:#fff;border-radius:12px;padding:28px 24px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
  h1{font-size:22px;line-height:1.3;margin:0 0 12px}
  h2{font-size:17px;margin:28px 0 8px}
  p{margin:0 0 12px}
  ul{list-style:none;padding:0;margin:0}
  li{margin:0 0 8px}
  a.site,button{display:block;width:100%;box-sizing:border-box;padding:12px 16px;border-radius:8px;font-size:16px;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}
  a.site{background:#1a73e8;color:#fff}
  button{background:#202223;color:#fff;border:0;margin-top:12px}
  button.secondary{background:#fff;color:#202223;border:1px solid #8c9196}
  label{display:block;font-weight:600;margin:0 0 6px}
  textarea{width:100%;box-sizing:border-box;min-height:120px;padding:10px;border:1px solid #c9cccf;border-radius:8px;font:inherit}
  .error{color:#b42318;font-weight:600}
  .muted{color:#6d7175;font-size:14px}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body><main><div class="card">
${body}
</div></main></body>
</html>`;
}

function reviewLinksList(links: PublicReviewLink[]): string {
  const items = links
    .map((l) => `<li><a class="site" href="${escapeHtml(l.href)}" rel="noreferrer">Review us on ${escapeHtml(l.site)}</a></li>`)
    .join("\n");
  return `<ul>\n${items}\n</ul>`;
}

export function notFoundPage(): string {
  return page(
    "Link not found",
    `<h1>We couldn't find that page</h1>
<p>This link isn't valid. It may be incomplete: if you copied it from a message, make sure you copied all of it.</p>
<p class="muted">There's nothing else you need to do.</p>`,
  );
}

/** After a review click when the business has no review site configured, or after feedback. */
export function thankYouPage(opts: { businessName: string; heading?: string; text?: string; links?: PublicReviewLink[] }): string {
  const links = opts.links ?? [];
  return page(
    `Thank you from ${opts.businessName}`,
    `<h1>${escapeHtml(opts.heading ?? `Thank you from ${opts.businessName}!`)}</h1>
<p>${escapeHtml(opts.text ?? "We appreciate you taking the time. Thanks for choosing us.")}</p>
${links.length ? `<h2>Would you also share a public review?</h2>\n${reviewLinksList(links)}` : ""}`,
  );
}

export const FEEDBACK_FIELD = "message";

/**
 * Every customer sees the same thing: all public review sites and the private form, side by
 * side. No rating decides what is shown (review gating is against Google's policy and 16 CFR 465).
 */
export function feedbackPage(opts: {
  businessName: string;
  links: PublicReviewLink[];
  formAction: string;
  maxLength: number;
  error?: string;
  message?: string;
}): string {
  const publicPart = opts.links.length
    ? `<h2>Leave a public review</h2>\n${reviewLinksList(opts.links)}`
    : "";
  return page(
    `How did ${opts.businessName} do?`,
    `<h1>How did ${escapeHtml(opts.businessName)} do?</h1>
<p>Thanks for choosing us. We'd love to hear about your experience.</p>
${publicPart}
<h2>Send us a private message</h2>
<form method="post" action="${escapeHtml(opts.formAction)}">
<label for="${FEEDBACK_FIELD}">Your message to ${escapeHtml(opts.businessName)}</label>
${opts.error ? `<p class="error" id="${FEEDBACK_FIELD}-error">${escapeHtml(opts.error)}</p>` : ""}
<textarea id="${FEEDBACK_FIELD}" name="${FEEDBACK_FIELD}" maxlength="${opts.maxLength}" required${opts.error ? ` aria-describedby="${FEEDBACK_FIELD}-error"` : ""}>${escapeHtml(opts.message ?? "")}</textarea>
<button type="submit">Send message</button>
</form>
<p class="muted">Your message goes only to ${escapeHtml(opts.businessName)}.</p>`,
  );
}

/** What an unsubscribe stops, in the words both pages use (docs/compliance.md). */
function stoppedWhat(businessName: string, keepTexts: boolean): string {
  const name = escapeHtml(businessName);
  return keepTexts
    ? `review request emails from ${name}; texts from ${name} continue`
    : `review requests from ${name}, by email and by text`;
}

export function unsubscribeConfirmPage(opts: {
  businessName: string;
  maskedEmail: string | null;
  formAction: string;
  /** The person also has a phone number on file: offer to keep texts. */
  hasPhone: boolean;
}): string {
  const who = opts.maskedEmail ? ` (${escapeHtml(opts.maskedEmail)})` : "";
  const keep = opts.hasPhone
    ? `
<form method="post" action="${escapeHtml(opts.formAction)}">
<input type="hidden" name="keep_texts" value="1">
<button type="submit" class="secondary">Stop emails only, keep texts</button>
</form>`
    : "";
  return page(
    "Unsubscribe",
    `<h1>Unsubscribe from ${escapeHtml(opts.businessName)}?</h1>
<p>You${who} will get no more ${stoppedWhat(opts.businessName, false)}.</p>
<form method="post" action="${escapeHtml(opts.formAction)}">
<input type="hidden" name="confirm" value="1">
<button type="submit">Unsubscribe</button>
</form>${keep}`,
  );
}

export function unsubscribedPage(opts: { businessName: string; maskedEmail: string | null; keepTexts?: boolean }): string {
  const who = opts.maskedEmail ? `${escapeHtml(opts.maskedEmail)} is` : "You're";
  return page(
    "Unsubscribed",
    `<h1>You're unsubscribed</h1>
<p>${who} unsubscribed. You'll get no more ${stoppedWhat(opts.businessName, opts.keepTexts ?? false)}.</p>`,
  );
}

/** d•••@example.com: confirms the address without showing all of it to whoever holds the link. */
export function maskEmail(email: string | null | undefined): string | null {
  if (!email) return null;
  const at = email.lastIndexOf("@");
  if (at < 1) return null;
  return `${email[0]}•••${email.slice(at)}`;
}
