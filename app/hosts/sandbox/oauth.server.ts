// The HOST side of the generic protocol's OAuth (docs/host-protocol.md §2), as the sandbox plays
// it: the authorize request it accepts, the single-use codes it issues, and its token endpoint
// (form-encoded or JSON, client credentials in the body; RFC 6749 error answers). Refresh tokens
// rotate like Jobber's: each refresh kills the one used.
import { randomBytes } from "node:crypto";
import { timingSafeEqualStrings } from "~/lib/crypto.server";
import { hashSecret, type SandboxAccount, type SandboxState, type SandboxStore } from "./store.server";

export const CODE_TTL_SECONDS = 5 * 60;
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const SANDBOX_SCOPES = ["read_jobs", "read_customers"];

export interface SandboxOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** Kudos's redirect_uri for the sandbox: APP_URL + the manifest's redirect_path. */
  redirectUri: string;
}

export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  scope: string;
  /** Preselected account (Kudos's ?account= install hint). */
  account: string | null;
}

/**
 * Validates an authorize request. Per RFC 6749 §4.1.2.1 a bad client_id or redirect_uri is shown
 * to the user, never redirected to (that would make the sandbox an open redirector).
 */
export function parseAuthorizeRequest(
  config: SandboxOAuthConfig,
  params: URLSearchParams,
): { ok: true; request: AuthorizeRequest } | { ok: false; error: string } {
  const clientId = params.get("client_id") ?? "";
  const redirectUri = params.get("redirect_uri") ?? "";
  if (clientId !== config.clientId) return { ok: false, error: "Unknown app (client_id does not match the installed Kudos app)." };
  if (redirectUri !== config.redirectUri) return { ok: false, error: "The redirect_uri is not the one registered for this app." };
  if ((params.get("response_type") ?? "code") !== "code") return { ok: false, error: "Only response_type=code is supported." };
  const state = params.get("state") ?? "";
  if (!state) return { ok: false, error: "The state parameter is required." };
  return {
    ok: true,
    request: {
      clientId,
      redirectUri,
      state,
      scope: params.get("scope") ?? SANDBOX_SCOPES.join(" "),
      account: params.get("account"),
    },
  };
}

/** Where the merchant's decision sends the browser: back to Kudos with a code, or with an error. */
export async function decideAuthorization(
  store: SandboxStore,
  request: AuthorizeRequest,
  decision: { approve: boolean; accountId: string; now: Date },
): Promise<{ ok: true; location: string } | { ok: false; error: string }> {
  const back = new URL(request.redirectUri);
  back.searchParams.set("state", request.state);
  if (!decision.approve) {
    back.searchParams.set("error", "access_denied");
    return { ok: true, location: back.toString() };
  }
  const code = `sbx_code_${randomBytes(18).toString("base64url")}`;
  const issued = await store.update((s) => {
    if (!s.accounts.some((a) => a.id === decision.accountId)) return false;
    s.codes = s.codes.filter((c) => new Date(c.expiresAt) > decision.now);
    s.codes.push({
      hash: hashSecret(code),
      accountId: decision.accountId,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      expiresAt: new Date(decision.now.getTime() + CODE_TTL_SECONDS * 1000).toISOString(),
    });
    return true;
  });
  if (!issued) return { ok: false, error: "Choose an existing account." };
  back.searchParams.set("code", code);
  return { ok: true, location: back.toString() };
}

export type TokenAnswer = { status: number; body: Record<string, unknown> };

const oauthError = (status: number, error: string, description?: string): TokenAnswer => ({
  status,
  body: { error, ...(description ? { error_description: description } : {}) },
});

function issueTokens(s: SandboxState, account: SandboxAccount, now: Date) {
  const accessToken = `sbx_at_${randomBytes(24).toString("base64url")}`;
  const refreshToken = `sbx_rt_${randomBytes(24).toString("base64url")}`;
  s.tokens.push(
    { kind: "access", hash: hashSecret(accessToken), accountId: account.id, expiresAt: new Date(now.getTime() + ACCESS_TOKEN_TTL_SECONDS * 1000).toISOString() },
    { kind: "refresh", hash: hashSecret(refreshToken), accountId: account.id, expiresAt: null },
  );
  account.appInstalled = true;
  return {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refreshToken,
    scope: SANDBOX_SCOPES.join(" "),
  };
}

/** POST /sandbox/oauth/token: the grant's parameters, however they were encoded. */
export async function tokenGrant(
  store: SandboxStore,
  config: SandboxOAuthConfig,
  params: Record<string, string | undefined>,
  now: Date,
): Promise<TokenAnswer> {
  if (!timingSafeEqualStrings(params.client_id ?? "", config.clientId) || !timingSafeEqualStrings(params.client_secret ?? "", config.clientSecret)) {
    return oauthError(401, "invalid_client");
  }
  if (params.grant_type === "authorization_code") {
    const code = params.code;
    if (!code) return oauthError(400, "invalid_request", "code is required");
    return store.update((s): TokenAnswer => {
      const hash = hashSecret(code);
      const grant = s.codes.find((c) => c.hash === hash);
      // Single use: gone whatever happens next.
      s.codes = s.codes.filter((c) => c.hash !== hash);
      if (!grant || new Date(grant.expiresAt) <= now || grant.redirectUri !== params.redirect_uri || grant.clientId !== params.client_id) {
        return oauthError(400, "invalid_grant");
      }
      const account = s.accounts.find((a) => a.id === grant.accountId);
      if (!account) return oauthError(400, "invalid_grant", "the account no longer exists");
      return {
        status: 200,
        body: { ...issueTokens(s, account, now), account_id: account.id, account_name: account.name, timezone: account.timezone },
      };
    });
  }
  if (params.grant_type === "refresh_token") {
    const refresh = params.refresh_token;
    if (!refresh) return oauthError(400, "invalid_request", "refresh_token is required");
    return store.update((s): TokenAnswer => {
      const hash = hashSecret(refresh);
      const token = s.tokens.find((t) => t.kind === "refresh" && t.hash === hash);
      const account = token && s.accounts.find((a) => a.id === token.accountId);
      if (!token || !account) return oauthError(400, "invalid_grant");
      // Rotation: the refresh token just used dies now; so do the account's older access tokens.
      s.tokens = s.tokens.filter((t) => t.hash !== hash && !(t.kind === "access" && t.accountId === account.id));
      return { status: 200, body: issueTokens(s, account, now) };
    });
  }
  return oauthError(400, "unsupported_grant_type");
}

/** The merchant removed the app: every token of the account stops working. */
export async function revokeAccountTokens(store: SandboxStore, accountId: string): Promise<void> {
  await store.update((s) => {
    s.tokens = s.tokens.filter((t) => t.accountId !== accountId);
    const account = s.accounts.find((a) => a.id === accountId);
    if (account) account.appInstalled = false;
  });
}
