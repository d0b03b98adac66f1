// The plain pages Kudos shows outside the admin (install results, sign-in and sign-out): one
// heading, a few paragraphs, a link or a few; no scripts, never framed, never cached.
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export interface PageLink {
  href: string;
  label: string;
}

export function simplePage(title: string, paragraphs: string[], status: number, links?: PageLink | PageLink[], headers: Record<string, string> = {}): Response {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("");
  const action = (Array.isArray(links) ? links : links ? [links] : [])
    .map((link) => `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`)
    .join("");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,-apple-system,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#303030}h1{font-size:1.4rem}a{color:#005bd3}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}${action}</main></body></html>`;
  return new Response(html, {
    status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      ...headers,
    },
  });
}
