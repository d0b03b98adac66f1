// OAuth 2 authorization-code plumbing shared by the connectors: the token endpoint call (form
// encoded, client credentials in the body, as Jobber and most Doorkeeper-style servers expect)
// and reading an access token's expiry.
import { decodeJwt } from "jose";
import { z } from "zod";
import { HostApiError, HostDisconnectedError } from "../connector";

export type Fetch = typeof globalThis.fetch;

/** The given fetch, or whatever globalThis.fetch is at call time (instrumentation and msw patch it). */
export function lazyFetch(fetch?: Fetch): Fetch {
  return fetch ?? ((input, init) => globalThis.fetch(input, init));
}

const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive().optional(),
  scope: z.string().optional(),
});

export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export interface TokenRequest {
  host: string;
  url: string;
  params: Record<string, string>;
  fetch: Fetch;
  /** Recognises the host's "the app was disconnected" answer. */
  isDisconnected?: (bodyText: string) => boolean;
}

export async function requestToken(req: TokenRequest): Promise<TokenResponse> {
  let response: Response;
  try {
    response = await req.fetch(req.url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(req.params),
    });
  } catch (err) {
    throw new HostApiError(req.host, `Token endpoint unreachable: ${(err as Error).message}`, { retryable: true });
  }
  const text = await response.text();
  if (req.isDisconnected?.(text)) throw new HostDisconnectedError(req.host);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as { error?: unknown } | undefined)?.error;
    const code = typeof error === "string" ? error : `http_${response.status}`;
    // invalid_grant: the code or refresh token is dead (used, expired, revoked): retrying cannot help.
    throw new HostApiError(req.host, `Token endpoint answered ${response.status} (${code})`, {
      status: response.status,
      code,
      retryable: response.status >= 500 || response.status === 429,
    });
  }
  const parsed = tokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new HostApiError(req.host, "Token endpoint answered without an access_token", {
      status: response.status,
      code: "invalid_token_response",
      retryable: false,
    });
  }
  return parsed.data;
}

/**
 * When an access token expires: the JWT `exp` claim if the token is a JWT (Jobber's are; read,
 * not verified: it is the host's token), else `expires_in` from the token response.
 */
export function accessTokenExpiry(accessToken: string, expiresIn: number | undefined, now: Date): Date | undefined {
  try {
    const { exp } = decodeJwt(accessToken);
    if (typeof exp === "number") return new Date(exp * 1000);
  } catch {
    // Not a JWT: opaque tokens are fine.
  }
  return expiresIn !== undefined ? new Date(now.getTime() + expiresIn * 1000) : undefined;
}

export function parseScopes(scope: string | undefined, fallback: string[]): string[] {
  if (scope === undefined) return [...fallback];
  return scope.split(/[\s,]+/).filter(Boolean);
}

/** Builds the authorize redirect; relative endpoints (the built-in sandbox) resolve against appUrl. */
export function buildAuthorizeUrl(
  endpoint: string,
  appUrl: string,
  params: Record<string, string | undefined>,
): string {
  const url = new URL(endpoint, appUrl);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}
