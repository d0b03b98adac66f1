// The contract between Kudos and one host platform (Jobber, the generic protocol, the sandbox).
// Like a Shopify app: OAuth install, signed webhooks, and an API to read what the webhook names.
// One folder per host implementation (app/hosts/generic/, app/hosts/jobber/).
import type { DomainEvent, HostWebhook, JobInput } from "./events";
import type { HostManifest } from "./manifest.server";

export interface HostTokens {
  accessToken: string;
  /** Hosts that rotate (Jobber) return a new one on every refresh: always store the new one. */
  refreshToken?: string;
  accessExpiresAt?: Date;
  scopes: string[];
}

/** What an install's code exchange yields: tokens and the account they belong to. */
export interface InstallGrant extends HostTokens {
  accountId: string;
  accountName?: string;
  /** The host's id of the user who authorized (Jobber: GraphQL `user { id }`), when it says. */
  userId?: string;
  timezone?: string;
}

/** The parts of a webhook request a connector needs; rawBody exactly as received. */
export interface WebhookRequest {
  headers: Headers;
  rawBody: string | Uint8Array;
  now: Date;
}

export type WebhookVerification = { ok: true } | { ok: false; status: 401; reason: string };

/**
 * How a connector reaches the host's API while turning a webhook into domain events. Lazy, so
 * webhooks that carry everything (generic protocol) or need no API (uninstall) never load or
 * refresh a token. The caller refreshes and persists rotated tokens behind this.
 */
export interface HostApiAccess {
  accessToken(): Promise<string>;
}

export interface Connector {
  /** The manifest handle, e.g. "jobber"; also business.host. */
  readonly host: string;
  readonly manifest: HostManifest;
  readonly clientId: string;

  authorizeUrl(input: { state: string; redirectUri: string }): string;
  exchangeCode(input: { code: string; redirectUri: string }): Promise<InstallGrant>;
  refresh(refreshToken: string): Promise<HostTokens>;

  /** Authenticity only (signature, freshness). A failure is answered 401 and nothing is stored. */
  verifyWebhook(request: WebhookRequest): WebhookVerification;
  /** Shape only; throws ValidationError (400, naming the field) on a malformed webhook. */
  parseWebhook(request: Omit<WebhookRequest, "now">): HostWebhook;
  /**
   * The domain events a stored webhook means (often one, none for topics Kudos ignores).
   * May call the host's API; throws HostDisconnectedError when the host says the app is gone.
   */
  toDomainEvents(webhook: HostWebhook, api: HostApiAccess): Promise<DomainEvent[]>;
  /** For hosts whose webhooks carry only ids; null when the host no longer has the job. */
  fetchJob?(accessToken: string, hostJobId: string): Promise<JobInput | null>;
}

/** The host revoked the app (merchant disconnected it): the caller uninstalls the business. */
export class HostDisconnectedError extends Error {
  constructor(
    public readonly host: string,
    message = "The account has disconnected the app",
  ) {
    super(message);
    this.name = "HostDisconnectedError";
  }
}

/** Any other failure talking to a host. `retryable` says whether trying later may help. */
export class HostApiError extends Error {
  constructor(
    public readonly host: string,
    message: string,
    public readonly options: { status?: number; code?: string; retryable: boolean },
  ) {
    super(message);
    this.name = new.target.name;
  }
  get status(): number | undefined {
    return this.options.status;
  }
  get code(): string | undefined {
    return this.options.code;
  }
  get retryable(): boolean {
    return this.options.retryable;
  }
}

/** Still rate limited after the bounded retries: try the whole operation again later. */
export class HostRateLimitedError extends HostApiError {
  constructor(host: string, message = "Rate limited by the host") {
    super(host, message, { status: 429, code: "rate_limited", retryable: true });
  }
}

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
