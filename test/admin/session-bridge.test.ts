// The browser half of the session-token bridge, driven with a stand-in window and parent frame.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createSessionTokenSource,
  installAuthenticatedFetch,
  installCsrfFetch,
  isAdminRequest,
  reauthenticatedUrl,
  tokenLifetimeMs,
  TOKEN_REQUEST,
  TOKEN_RESPONSE,
  type TokenMessageEvent,
} from "~/admin/session-token";

const ADMIN = "https://admin.example.com";

function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.signature`;
}

function fakeWindow() {
  const posted: { message: unknown; origin: string }[] = [];
  const parent = { postMessage: (message: unknown, origin: string) => void posted.push({ message, origin }) };
  const listeners = new Set<(e: TokenMessageEvent) => void>();
  return {
    posted,
    parent,
    addEventListener: (_: "message", l: (e: TokenMessageEvent) => void) => void listeners.add(l),
    removeEventListener: (_: "message", l: (e: TokenMessageEvent) => void) => void listeners.delete(l),
    listenerCount: () => listeners.size,
    /** The parent frame answering (or anyone else posting to the frame). */
    deliver(data: unknown, origin = ADMIN, source: unknown = parent) {
      for (const l of [...listeners]) l({ data, origin, source });
    },
  };
}


afterEach(() => {
  vi.useRealTimers();
});

describe("session token source", () => {
  it("asks the admin origin for a token and keeps it until 10 s before it expires", async () => {
    const win = fakeWindow();
    let now = 1_000_000;
    const source = createSessionTokenSource({ win, adminOrigin: ADMIN, now: () => now });
    const first = source.getToken();
    expect(win.posted).toEqual([{ message: { type: TOKEN_REQUEST }, origin: ADMIN }]);
    const token = jwt({ iat: 100, exp: 160 });
    win.deliver({ type: TOKEN_RESPONSE, token });
    await expect(first).resolves.toBe(token);

    now += 49_000; // 11 s left
    await expect(source.getToken()).resolves.toBe(token);
    expect(win.posted).toHaveLength(1);

    now += 2_000; // 9 s left: renewed
    const renewed = source.getToken();
    expect(win.posted).toHaveLength(2);
    const next = jwt({ iat: 151, exp: 211 });
    win.deliver({ type: TOKEN_RESPONSE, token: next });
    await expect(renewed).resolves.toBe(next);
    source.dispose();
    expect(win.listenerCount()).toBe(0);
  });

  it("counts the lifetime from the token's own iat/exp, so a skewed browser clock does not matter", async () => {
    const win = fakeWindow();
    let now = Date.UTC(2030, 0, 1); // the browser thinks it is years later than the host
    const source = createSessionTokenSource({ win, adminOrigin: ADMIN, now: () => now });
    const p = source.getToken();
    const token = jwt({ iat: 1_700_000_000, exp: 1_700_000_060 });
    win.deliver({ type: TOKEN_RESPONSE, token });
    await p;
    now += 30_000;
    await expect(source.getToken()).resolves.toBe(token);
    expect(win.posted).toHaveLength(1);
  });

  it("shares one round trip between concurrent requests", async () => {
    const win = fakeWindow();
    const source = createSessionTokenSource({ win, adminOrigin: ADMIN });
    const all = Promise.all([source.getToken(), source.getToken(), source.getToken()]);
    expect(win.posted).toHaveLength(1);
    const token = jwt({ iat: 1, exp: 61 });
    win.deliver({ type: TOKEN_RESPONSE, token });
    expect(await all).toEqual([token, token, token]);
  });

  it("ignores answers from another origin, another window, or of another shape; times out", async () => {
    vi.useFakeTimers();
    const win = fakeWindow();
    const source = createSessionTokenSource({ win, adminOrigin: ADMIN, timeoutMs: 5_000 });
    const p = source.getToken();
    const token = jwt({ iat: 1, exp: 61 });
    win.deliver({ type: TOKEN_RESPONSE, token }, "https://evil.example.com");
    win.deliver({ type: TOKEN_RESPONSE, token }, ADMIN, { postMessage() {} });
    win.deliver({ type: "something-else", token }, ADMIN);
    win.deliver({ type: TOKEN_RESPONSE, token: 42 }, ADMIN);
    win.deliver({ type: TOKEN_RESPONSE, token: "not-a-jwt" }, ADMIN);
    win.deliver(null, ADMIN);
    const settled = vi.fn();
    p.then(settled, settled);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await expect(p).rejects.toThrow(/did not answer/);
  });

  it("without a known admin origin (error-page recovery) asks any parent and takes its answer", async () => {
    const win = fakeWindow();
    const source = createSessionTokenSource({ win, adminOrigin: null });
    const p = source.getToken();
    expect(win.posted[0]!.origin).toBe("*");
    const token = jwt({ iat: 1, exp: 61 });
    win.deliver({ type: TOKEN_RESPONSE, token }, "https://whatever.example");
    await expect(p).resolves.toBe(token);
  });

  it("reads a JWT's lifetime", () => {
    expect(tokenLifetimeMs(jwt({ iat: 10, exp: 70 }))).toBe(60_000);
    expect(tokenLifetimeMs(jwt({ exp: 70 }))).toBeNull();
    expect(tokenLifetimeMs("a.b.c")).toBeNull();
    expect(tokenLifetimeMs("nope")).toBeNull();
  });
});

describe("authenticated fetch", () => {
  const ORIGIN = "https://kudos.example.com";

  function setup(getToken: () => Promise<string> = async () => "tok") {
    const calls: { url: string; auth: string | null; other: string | null }[] = [];
    const base: typeof fetch = async (input, init) => {
      const request = new Request(input instanceof Request ? input : new URL(String(input), ORIGIN), init);
      calls.push({ url: request.url, auth: request.headers.get("Authorization"), other: request.headers.get("X-Other") });
      return new Response("ok");
    };
    const win = { fetch: base, location: { href: `${ORIGIN}/app/jobs`, origin: ORIGIN } };
    const uninstall = installAuthenticatedFetch(win, { getToken, dispose() {} });
    return { win, calls, uninstall, base };
  }

  it("adds the bearer token to /app requests only, keeping the request's own headers", async () => {
    const { win, calls } = setup();
    await win.fetch("/app/campaigns.data?_routes=routes%2Fapp", { headers: { "X-Other": "1" } });
    await win.fetch(new URL(`${ORIGIN}/app.data`));
    await win.fetch(new Request(`${ORIGIN}/app/templates/abc.data`, { method: "POST", headers: { "X-Other": "2" }, body: "a=1" }));
    await win.fetch("/app");
    await win.fetch("/__manifest?p=%2Fapp");
    await win.fetch("/sandbox/accounts/x/session-token");
    await win.fetch("/application");
    await win.fetch("https://other.example.com/app/campaigns");
    expect(calls.map((c) => [new URL(c.url).pathname, c.auth, c.other])).toEqual([
      ["/app/campaigns.data", "Bearer tok", "1"],
      ["/app.data", "Bearer tok", null],
      ["/app/templates/abc.data", "Bearer tok", "2"],
      ["/app", "Bearer tok", null],
      ["/__manifest", null, null],
      ["/sandbox/accounts/x/session-token", null, null],
      ["/application", null, null],
      ["/app/campaigns", null, null],
    ]);
  });

  it("sends the request without a token when none can be had (the server then answers 401)", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { win, calls } = setup(() => Promise.reject(new Error("The host admin did not answer")));
    await win.fetch("/app/jobs.data");
    expect(calls[0]!.auth).toBeNull();
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it("uninstalling restores the original fetch", () => {
    const { win, uninstall, base } = setup();
    expect(win.fetch).not.toBe(base);
    uninstall();
    expect(win.fetch).toBe(base);
  });

  it("recognises admin URLs", () => {
    for (const p of ["/app", "/app/", "/app.data", "/app/jobs", "/app/campaigns/1.data"]) expect(isAdminRequest(new URL(p, ORIGIN), ORIGIN), p).toBe(true);
    for (const p of ["/apps", "/app.datax", "/sandbox", "/"]) expect(isAdminRequest(new URL(p, ORIGIN), ORIGIN), p).toBe(false);
  });

  it("reloads with a fresh id_token in place of the old one", () => {
    expect(reauthenticatedUrl(`${ORIGIN}/app/jobs?page=2&id_token=old`, "new")).toBe(`${ORIGIN}/app/jobs?page=2&id_token=new`);
  });
});


describe("the standalone admin's CSRF fetch", () => {
  const ORIGIN = "https://kudos.example.com";

  it("adds the session's X-Kudos-CSRF to mutations of /app only, and the undo restores fetch", async () => {
    const calls: [string, string, string | null][] = [];
    const base: typeof fetch = async (input, init) => {
      const request = new Request(input instanceof Request ? input : new URL(String(input), ORIGIN), init);
      calls.push([request.method, new URL(request.url).pathname, request.headers.get("X-Kudos-CSRF")]);
      return new Response("ok");
    };
    const win = { fetch: base, location: { href: `${ORIGIN}/app/settings`, origin: ORIGIN } };
    const uninstall = installCsrfFetch(win, "csrf-1");
    await win.fetch("/app/settings.data", { method: "POST", body: "a=1" });
    await win.fetch(new Request(`${ORIGIN}/app/jobs.data`, { method: "DELETE" }));
    await win.fetch("/app/settings.data");
    await win.fetch("/auth/logout", { method: "POST" });
    await win.fetch("https://evil.example/app/settings", { method: "POST" });
    expect(calls).toEqual([
      ["POST", "/app/settings.data", "csrf-1"],
      ["DELETE", "/app/jobs.data", "csrf-1"],
      ["GET", "/app/settings.data", null],
      ["POST", "/auth/logout", null],
      ["POST", "/app/settings", null],
    ]);
    uninstall();
    expect(win.fetch).toBe(base);
  });
});
