// A route `headers` export that keeps a thrown 401's challenge (WWW-Authenticate), so the browser
// asks for the credentials itself. Remix hands a thrown response's headers only to the `headers`
// of the route whose error is rendered: the root on document requests (the error bubbles up to
// its boundary), the throwing route itself on single-fetch data requests. Hence both export it.
import type { HeadersFunction } from "@remix-run/node";

export const keepAuthChallenge: HeadersFunction = ({ errorHeaders }) => {
  const challenge = errorHeaders?.get("WWW-Authenticate");
  const headers: Record<string, string> = {};
  if (challenge) Object.assign(headers, { "WWW-Authenticate": challenge, "Cache-Control": "no-store" });
  return headers;
};
