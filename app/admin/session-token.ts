// The browser half of the session-token bridge (docs/host-protocol.md §3). Kudos runs in the host
// admin's iframe; every request to /app after the first document load must carry
// `Authorization: Bearer <token>`, and tokens live one minute, so the page asks the parent frame
// for fresh ones with postMessage and keeps each until shortly before it expires.
//
// Written against a minimal window shape so it can be tested without a browser.

export const TOKEN_REQUEST = "kudos:session-token-request";
export const TOKEN_RESPONSE = "kudos:session-token";
/** A token is renewed this long before it expires, so it cannot expire in flight. */
export const REFRESH_MARGIN_MS = 10_000;
/** How long to wait for the parent frame to answer. */
export const TOKEN_TIMEOUT_MS = 10_000;

export interface MessageTarget {
  postMessage(message: unknown, targetOrigin: string): void;
}

export interface TokenMessageEvent {
  data: unknown;
  origin: string;
  source: unknown;
}

export interface BridgeWindow {
  parent: MessageTarget;
  addEventListener(type: "message", listener: (event: TokenMessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: TokenMessageEvent) => void): void;
}

export interface SessionTokenSource {
  /** A token valid for at least REFRESH_MARGIN_MS more; asks the parent frame when needed. */
  getToken(): Promise<string>;
  dispose(): void;
}

export interface SessionTokenSourceOptions {
  win: BridgeWindow;
  /**
   * The host admin's origin (from the verified token's claims): requests are posted only to it
   * and answers accepted only from it. Null when it is not known yet (a page whose first load
   * failed): then the request goes to "*" and any answer from the parent frame is used. That is
   * safe because the token is verified by the server, and only admin origins may frame /app.
   */
  adminOrigin: string | null;
  now?: () => number;
  timeoutMs?: number;
}

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
  return atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

/** The token's lifetime in ms (exp - iat), or null when it is not a JWT with both claims. */
export function tokenLifetimeMs(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(base64UrlDecode(payload)) as { exp?: unknown; iat?: unknown };
    if (typeof claims.exp !== "number" || typeof claims.iat !== "number") return null;
    return (claims.exp - claims.iat) * 1000;
  } catch {
    return null;
  }
}

export function createSessionTokenSource(options: SessionTokenSourceOptions): SessionTokenSource {
  const { win, adminOrigin } = options;
  const now = options.now ?? (() => Date.now());
  const timeoutMs = options.timeoutMs ?? TOKEN_TIMEOUT_MS;
  // The expiry is counted on this browser's clock from when the token arrived (its lifetime is
  // exp - iat, both on the host's clock), so a skewed local clock does not matter.
  let cached: { token: string; renewAt: number } | null = null;
  let pending: { promise: Promise<string>; resolve(t: string): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> } | null =
    null;
  let disposed = false;

  const onMessage = (event: TokenMessageEvent) => {
    if (event.source !== win.parent) return;
    if (adminOrigin !== null && event.origin !== adminOrigin) return;
    const data = event.data as { type?: unknown; token?: unknown } | null;
    if (!data || typeof data !== "object" || data.type !== TOKEN_RESPONSE || typeof data.token !== "string") return;
    const lifetime = tokenLifetimeMs(data.token);
    if (lifetime === null) return;
    cached = { token: data.token, renewAt: now() + lifetime - REFRESH_MARGIN_MS };
    if (pending) {
      clearTimeout(pending.timer);
      pending.resolve(data.token);
      pending = null;
    }
  };
  win.addEventListener("message", onMessage);

  return {
    getToken() {
      if (disposed) return Promise.reject(new Error("session token source disposed"));
      if (cached && now() < cached.renewAt) return Promise.resolve(cached.token);
      // Concurrent requests share one round trip to the parent.
      if (pending) return pending.promise;
      let resolve!: (t: string) => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<string>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const timer = setTimeout(() => {
        pending = null;
        reject(new Error("The host admin did not answer the session token request"));
      }, timeoutMs);
      pending = { promise, resolve, reject, timer };
      win.parent.postMessage({ type: TOKEN_REQUEST }, adminOrigin ?? "*");
      return promise;
    },
    dispose() {
      disposed = true;
      win.removeEventListener("message", onMessage);
      if (pending) {
        clearTimeout(pending.timer);
        pending.reject(new Error("session token source disposed"));
        pending = null;
      }
    },
  };
}

/** Same-origin requests to the embedded admin: /app, /app/..., and their single-fetch .data URLs. */
export function isAdminRequest(url: URL, origin: string): boolean {
  return url.origin === origin && /^\/app(?:\.data)?(?:\/|$)/.test(url.pathname);
}

export interface FetchWindow {
  fetch: typeof fetch;
  location: { href: string; origin: string };
}

/**
 * Replaces win.fetch with one that sets a header on the requests for /app that `header` answers
 * (Remix navigations, fetchers and form posts all go through fetch); others pass untouched.
 * Returns the undo.
 */
function patchAdminFetch(
  win: FetchWindow,
  header: (method: string) => Promise<[name: string, value: string] | null>,
): () => void {
  const original = win.fetch;
  const patched: typeof fetch = async (input, init) => {
    const raw = input instanceof Request ? input.url : String(input);
    let url: URL;
    try {
      url = new URL(raw, win.location.href);
    } catch {
      return original.call(globalThis, input, init);
    }
    if (!isAdminRequest(url, win.location.origin)) return original.call(globalThis, input, init);
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    const set = await header(method);
    if (!set) return original.call(globalThis, input, init);
    if (input instanceof Request) {
      const request = new Request(input, init);
      request.headers.set(...set);
      return original.call(globalThis, request);
    }
    const headers = new Headers(init?.headers);
    headers.set(...set);
    return original.call(globalThis, input, { ...init, headers });
  };
  win.fetch = patched;
  return () => {
    if (win.fetch === patched) win.fetch = original;
  };
}

/** The embedded admin: `Authorization: Bearer <fresh token>` on every request for /app. */
export function installAuthenticatedFetch(win: FetchWindow, source: SessionTokenSource): () => void {
  return patchAdminFetch(win, async () => {
    try {
      return ["Authorization", `Bearer ${await source.getToken()}`];
    } catch (err) {
      // Sent without a token: the server answers 401 and the error page recovers the session.
      console.warn(err instanceof Error ? err.message : err);
      return null;
    }
  });
}

/** The URL to reload a page with on a document load: the current one with a fresh id_token. */
export function reauthenticatedUrl(href: string, token: string): string {
  const url = new URL(href);
  url.searchParams.set("id_token", token);
  return url.toString();
}

/**
 * The standalone admin's counterpart: the session's CSRF token (X-Kudos-CSRF) on every mutation
 * of /app. Returns the undo.
 */
export function installCsrfFetch(win: FetchWindow, csrfToken: string): () => void {
  return patchAdminFetch(win, async (method) => (method === "GET" || method === "HEAD" ? null : ["X-Kudos-CSRF", csrfToken]));
}
