// Session tokens for the embedded admin (/app), modelled on Shopify's: a JWT (HS256) the host's
// admin signs with the app's client secret, living one minute, sent as `Authorization: Bearer`
// on fetches and as the `id_token` query parameter on document loads. The business is always
// taken from the token's claims (host + acct), never from a request parameter.
import { decodeJwt, errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { DomainError } from "~/lib/errors.server";

export const SESSION_TOKEN_LIFETIME_SECONDS = 60;
export const SESSION_TOKEN_LEEWAY_SECONDS = 10;
/** The claim carrying the host account id (business.external_account_id). */
export const ACCOUNT_CLAIM = "acct";

export type SessionTokenFailure =
  | "missing"
  | "malformed"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "issued_in_future"
  | "lifetime_too_long"
  | "wrong_audience"
  | "wrong_issuer"
  | "missing_claim"
  | "unknown_app";

export class SessionTokenError extends DomainError {
  constructor(
    public readonly reason: SessionTokenFailure,
    message: string,
  ) {
    super(message, 401, "invalid_session_token");
  }
}

export interface SessionClaims {
  /** The host handle (jobber, sandbox): with accountId, identifies the business. */
  host: string;
  accountId: string;
  userId: string;
  /** The admin origin that signed it (iss/dest). */
  adminOrigin: string;
  issuedAt: Date;
  expiresAt: Date;
  tokenId?: string;
}

export interface SignSessionTokenInput {
  secret: string;
  clientId: string;
  accountId: string;
  userId: string;
  adminOrigin: string;
  now: Date;
  lifetimeSeconds?: number;
  tokenId?: string;
}

const secretKey = (secret: string) => new TextEncoder().encode(secret);
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** What a host admin (the sandbox admin shell, tests) does to hand /app a session. */
export async function signSessionToken(input: SignSessionTokenInput): Promise<string> {
  const iat = seconds(input.now);
  const jwt = new SignJWT({ dest: input.adminOrigin, [ACCOUNT_CLAIM]: input.accountId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(input.adminOrigin)
    .setAudience(input.clientId)
    .setSubject(input.userId)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + (input.lifetimeSeconds ?? SESSION_TOKEN_LIFETIME_SECONDS));
  if (input.tokenId) jwt.setJti(input.tokenId);
  return jwt.sign(secretKey(input.secret));
}

export interface VerifySessionTokenOptions {
  host: string;
  secret: string;
  clientId: string;
  now: Date;
  /** When given, dest must be one of these and iss must start with dest. */
  adminOrigins?: string[];
}

function fail(reason: SessionTokenFailure, message: string): never {
  throw new SessionTokenError(reason, message);
}

function mapJoseError(err: unknown): never {
  if (err instanceof joseErrors.JWTExpired) fail("expired", "Session token expired");
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === "aud") fail("wrong_audience", "Session token is for another app");
    if (err.claim === "nbf") fail("not_yet_valid", "Session token is not valid yet");
    if (err.claim === "iat") fail("issued_in_future", "Session token was issued in the future");
    fail("missing_claim", `Session token claim ${err.claim} is invalid`);
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) fail("bad_signature", "Session token signature is invalid");
  if (err instanceof joseErrors.JOSEError) fail("malformed", "Session token is malformed");
  throw err;
}

export async function verifySessionToken(token: string, options: VerifySessionTokenOptions): Promise<SessionClaims> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, secretKey(options.secret), {
      algorithms: ["HS256"],
      audience: options.clientId,
      currentDate: options.now,
      clockTolerance: SESSION_TOKEN_LEEWAY_SECONDS,
      // Also makes jose reject an iat in the future (beyond the leeway).
      maxTokenAge: SESSION_TOKEN_LIFETIME_SECONDS + SESSION_TOKEN_LEEWAY_SECONDS,
      requiredClaims: ["exp", "iat", "sub", "iss", "dest", ACCOUNT_CLAIM],
    }));
  } catch (err) {
    mapJoseError(err);
  }
  const now = seconds(options.now);
  const exp = payload.exp as number;
  if (exp - now > SESSION_TOKEN_LIFETIME_SECONDS + SESSION_TOKEN_LEEWAY_SECONDS) {
    fail("lifetime_too_long", "Session token expires too far in the future");
  }
  const { sub, iss } = payload;
  const dest = payload.dest;
  const accountId = payload[ACCOUNT_CLAIM];
  if (typeof sub !== "string" || !sub) fail("missing_claim", "Session token has no sub");
  if (typeof accountId !== "string" || !accountId) fail("missing_claim", `Session token has no ${ACCOUNT_CLAIM}`);
  if (typeof dest !== "string" || typeof iss !== "string") fail("missing_claim", "Session token has no iss/dest");
  if (options.adminOrigins && (!options.adminOrigins.includes(dest) || !iss.startsWith(dest))) {
    fail("wrong_issuer", "Session token was not issued by the host's admin");
  }
  return {
    host: options.host,
    accountId,
    userId: sub,
    adminOrigin: dest,
    issuedAt: new Date((payload.iat as number) * 1000),
    expiresAt: new Date(exp * 1000),
    ...(typeof payload.jti === "string" ? { tokenId: payload.jti } : {}),
  };
}

/** The token of a request: `Authorization: Bearer`, or `id_token` on a document load (GET/HEAD). */
export function readSessionToken(request: Request): string | null {
  const auth = request.headers.get("Authorization");
  const bearer = auth?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (bearer) return bearer;
  if (request.method === "GET" || request.method === "HEAD") {
    const idToken = new URL(request.url).searchParams.get("id_token");
    if (idToken) return idToken;
  }
  return null;
}

export interface SessionKey {
  host: string;
  clientId: string;
  secret: string;
  adminOrigins?: string[];
}

/**
 * Reads and verifies a request's session token against every enabled host: the (unverified)
 * audience picks the host, whose secret then verifies it. Throws SessionTokenError (401).
 */
export async function authenticateSessionToken(
  request: Request,
  keys: ReadonlyArray<SessionKey>,
  now: Date,
): Promise<SessionClaims> {
  const token = readSessionToken(request);
  if (!token) fail("missing", "Session token missing");
  let aud: unknown;
  try {
    aud = decodeJwt(token).aud;
  } catch {
    fail("malformed", "Session token is malformed");
  }
  const audiences = Array.isArray(aud) ? aud : [aud];
  const key = keys.find((k) => audiences.includes(k.clientId));
  if (!key) fail("unknown_app", "Session token is for no enabled host");
  return verifySessionToken(token, {
    host: key.host,
    secret: key.secret,
    clientId: key.clientId,
    now,
    ...(key.adminOrigins ? { adminOrigins: key.adminOrigins } : {}),
  });
}
