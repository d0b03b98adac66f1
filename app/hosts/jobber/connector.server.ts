// Jobber (developer.getjobber.com). OAuth 2 authorization code with mandatory refresh-token
// rotation; webhooks carry only an item id, so the job, visit or client is read back by GraphQL.
import { z } from "zod";
import { type Clock, systemClock } from "~/lib/clock.server";
import { hmacSha256Base64, timingSafeEqualStrings } from "~/lib/crypto.server";
import { ValidationError, zodFieldErrors } from "~/lib/errors.server";
import { type Connector, HostApiError, type HostTokens, type InstallGrant, type Sleep } from "../connector";
import type { DomainEvent, HostWebhook, JobInput } from "../events";
import type { HostManifest } from "../manifest.server";
import {
  accessTokenExpiry,
  buildAuthorizeUrl,
  type Fetch,
  lazyFetch,
  parseScopes,
  requestToken,
  type TokenResponse,
} from "../install/oauth.server";
import { readJsonObject } from "../webhook-body.server";
import { isJobberDisconnectedMessage, JobberGraphqlClient } from "./graphql.server";
import { jobberCustomer, jobberJob, jobberJobEvent } from "./mapping";
import {
  ACCOUNT_QUERY,
  accountResponseSchema,
  CLIENT_QUERY,
  clientResponseSchema,
  JOB_QUERY,
  jobResponseSchema,
  VISIT_QUERY,
  visitResponseSchema,
} from "./queries";

export const JOBBER_HMAC_HEADER = "X-Jobber-Hmac-SHA256";

/**
 * Topics Kudos acts on; others (APP_CONNECT, ...) are accepted and ignored. JOB_CLOSED is not in
 * Jobber's documented WebHookTopicEnum and not subscribed (the manifest lists what is), but
 * handled like JOB_UPDATE should Jobber send it.
 */
export const JOBBER_TOPICS = {
  jobUpdate: "JOB_UPDATE",
  jobClosed: "JOB_CLOSED",
  visitComplete: "VISIT_COMPLETE",
  clientUpdate: "CLIENT_UPDATE",
  appDisconnect: "APP_DISCONNECT",
} as const;

const webhookSchema = z.object({
  data: z.object({
    webHookEvent: z.object({
      topic: z.string().trim().min(1, "is required"),
      appId: z.string().optional(),
      accountId: z.string().trim().min(1, "is required"),
      itemId: z.string().trim().min(1, "is required"),
      occurredAt: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }),
    }),
  }),
});

function readEvent(payload: unknown) {
  const parsed = webhookSchema.safeParse(payload);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  return parsed.data.data.webHookEvent;
}

/**
 * Jobber sends no event id; a redelivery repeats topic, item and time, so together they are one.
 * The time is re-serialised so "…+00:00" and "…Z" spellings of one instant dedupe too.
 */
export function jobberEventId(topic: string, itemId: string, occurredAt: string): string {
  return `${topic}:${itemId}:${new Date(occurredAt).toISOString()}`;
}

export interface JobberConnectorOptions {
  manifest: HostManifest;
  clientId: string;
  clientSecret: string;
  /** env JOBBER_GRAPHQL_VERSION */
  graphqlVersion: string;
  fetch?: Fetch;
  sleep?: Sleep;
  clock?: Clock;
  graphqlUrl?: string;
}

export function createJobberConnector(options: JobberConnectorOptions): Connector {
  const { manifest, clientId, clientSecret } = options;
  const fetch = lazyFetch(options.fetch);
  const clock = options.clock ?? systemClock;
  const host = manifest.handle;
  const graphql = new JobberGraphqlClient({
    version: options.graphqlVersion,
    fetch,
    clock,
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.graphqlUrl ? { url: options.graphqlUrl } : {}),
  });

  const token = (params: Record<string, string>) =>
    requestToken({
      host,
      url: manifest.oauth.tokenUrl,
      fetch,
      isDisconnected: isJobberDisconnectedMessage,
      params: { ...params, client_id: clientId, client_secret: clientSecret },
    });

  function tokens(body: TokenResponse): HostTokens & { refreshToken: string } {
    // Rotation is mandatory: every grant returns the refresh token to use next time.
    if (!body.refresh_token) {
      throw new HostApiError(host, "Jobber answered without a refresh token", {
        code: "missing_refresh_token",
        retryable: false,
      });
    }
    const expiresAt = accessTokenExpiry(body.access_token, body.expires_in, clock.now());
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      ...(expiresAt ? { accessExpiresAt: expiresAt } : {}),
      // Jobber grants what the app's Developer Center settings say; it may not echo a scope.
      scopes: parseScopes(body.scope, manifest.oauth.scopes),
    };
  }

  async function fetchJob(accessToken: string, hostJobId: string): Promise<JobInput | null> {
    const { job } = await graphql.request(accessToken, JOB_QUERY, { id: hostJobId }, jobResponseSchema);
    return job ? jobberJob(job) : null;
  }

  return {
    host,
    manifest,
    clientId,

    authorizeUrl({ state, redirectUri }) {
      return buildAuthorizeUrl(manifest.oauth.authorizeUrl, manifest.oauth.authorizeUrl, {
        response_type: "code",
        client_id: clientId,
        redirect_uri: redirectUri,
        state,
      });
    },

    async exchangeCode({ code, redirectUri }): Promise<InstallGrant> {
      const granted = tokens(await token({ grant_type: "authorization_code", code, redirect_uri: redirectUri }));
      // Which account this is: the same id Jobber's webhooks carry as accountId (unconfirmed).
      const { account, user } = await graphql.request(granted.accessToken, ACCOUNT_QUERY, {}, accountResponseSchema);
      return {
        ...granted,
        accountId: account.id,
        ...(account.name ? { accountName: account.name } : {}),
        ...(user?.id ? { userId: user.id } : {}),
      };
    },

    async refresh(refreshToken) {
      return tokens(await token({ grant_type: "refresh_token", refresh_token: refreshToken }));
    },

    verifyWebhook({ headers, rawBody }) {
      const signature = headers.get(JOBBER_HMAC_HEADER);
      if (!signature) return { ok: false, status: 401, reason: `missing ${JOBBER_HMAC_HEADER} header` };
      const expected = hmacSha256Base64(clientSecret, rawBody);
      if (!timingSafeEqualStrings(signature.trim(), expected)) {
        return { ok: false, status: 401, reason: "signature mismatch" };
      }
      return { ok: true };
    },

    parseWebhook({ rawBody }): HostWebhook {
      const payload = readJsonObject(rawBody);
      const event = readEvent(payload);
      return {
        eventId: jobberEventId(event.topic, event.itemId, event.occurredAt),
        topic: event.topic,
        accountId: event.accountId,
        occurredAt: new Date(event.occurredAt),
        payload,
      };
    },

    async toDomainEvents(webhook, api): Promise<DomainEvent[]> {
      const event = readEvent(webhook.payload);
      const occurredAt = new Date(event.occurredAt);
      switch (event.topic) {
        case JOBBER_TOPICS.appDisconnect:
          // The token is already dead: nothing to read.
          return [{ type: "app.uninstalled" }];
        case JOBBER_TOPICS.jobUpdate:
        case JOBBER_TOPICS.jobClosed: {
          // Any edit sends JOB_UPDATE: the job's status read back says whether the work is done.
          const { job } = await graphql.request(
            await api.accessToken(),
            JOB_QUERY,
            { id: event.itemId },
            jobResponseSchema,
          );
          return job ? [jobberJobEvent(job, { occurredAt })] : [];
        }
        case JOBBER_TOPICS.visitComplete: {
          const { visit } = await graphql.request(
            await api.accessToken(),
            VISIT_QUERY,
            { id: event.itemId },
            visitResponseSchema,
          );
          if (!visit?.job) return [];
          return [jobberJobEvent(visit.job, { occurredAt, visitCompletedAt: visit.completedAt })];
        }
        case JOBBER_TOPICS.clientUpdate: {
          const { client } = await graphql.request(
            await api.accessToken(),
            CLIENT_QUERY,
            { id: event.itemId },
            clientResponseSchema,
          );
          return client ? [{ type: "customer.updated", customer: jobberCustomer(client), occurredAt }] : [];
        }
        default:
          return [];
      }
    },

    fetchJob,
  };
}
