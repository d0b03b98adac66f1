// The generic host protocol (docs/host-protocol.md): any platform that speaks it installs Kudos
// with OAuth 2 and pushes complete job and customer data in signed webhooks, so no API calls back.
import { z } from "zod";
import { type Clock, systemClock } from "~/lib/clock.server";
import { ValidationError, zodFieldErrors, type FieldErrors } from "~/lib/errors.server";
import { type Connector, HostApiError, type HostTokens, type InstallGrant } from "../connector";
import { type DomainEvent, type HostWebhook, type JobInput, normalizeCustomer, normalizeTimezone } from "../events";
import type { HostManifest } from "../manifest.server";
import { accessTokenExpiry, buildAuthorizeUrl, type Fetch, lazyFetch, parseScopes, requestToken } from "../install/oauth.server";
import { readJsonObject } from "../webhook-body.server";
import {
  GENERIC_HEADERS,
  type GenericCustomer,
  type GenericJob,
  type GenericPayload,
  type GenericTopic,
  genericPayloadSchemas,
  isGenericTopic,
} from "./schema";
import { verifyGenericSignature } from "./signature.server";

export interface GenericConnectorOptions {
  manifest: HostManifest;
  clientId: string;
  clientSecret: string;
  /** Kudos's public origin: relative OAuth endpoints (the built-in sandbox) resolve against it. */
  appUrl: string;
  fetch?: Fetch;
  clock?: Clock;
}

/** The token response of a generic host also names the account being installed. */
const installFields = z.object({
  account_id: z.union([z.string().min(1), z.number()]).transform(String),
  account_name: z.string().optional(),
  timezone: z.string().optional(),
});

function validatePayload<T extends GenericTopic>(topic: T, payload: unknown): GenericPayload<T> {
  const schema: z.ZodType = genericPayloadSchemas[topic];
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  return parsed.data as GenericPayload<T>;
}

function toCustomer(c: GenericCustomer) {
  return normalizeCustomer({
    hostCustomerId: c.id,
    firstName: c.first_name,
    lastName: c.last_name,
    emails: [c.email],
    phones: [c.phone],
    timezone: c.timezone,
    region: c.region,
    country: c.country,
  });
}

/** Job fields left out stay unknown (not in the result); explicit nulls clear them. */
function toJob(job: GenericJob, topic: GenericTopic, occurredAt: Date | undefined): JobInput {
  const result: JobInput = {
    hostJobId: job.id,
    status: job.status,
    noReviewRequest: job.no_review_request,
    customer: toCustomer(job.customer),
  };
  if (job.title !== undefined) result.title = job.title?.trim() || undefined;
  if (job.service_type !== undefined) result.serviceType = job.service_type?.trim() || null;
  if (job.completed_at !== undefined) result.completedAt = job.completed_at ? new Date(job.completed_at) : null;
  // A completion without its own time happened when the event did.
  if (topic === "job.completed" && !result.completedAt) result.completedAt = occurredAt ?? null;
  if (occurredAt) result.occurredAt = occurredAt;
  return result;
}

export function createGenericConnector(options: GenericConnectorOptions): Connector {
  const { manifest, clientId, clientSecret, appUrl } = options;
  const fetch = lazyFetch(options.fetch);
  const clock = options.clock ?? systemClock;
  const host = manifest.handle;
  const tokenUrl = new URL(manifest.oauth.tokenUrl, appUrl).toString();

  function tokens(body: Awaited<ReturnType<typeof requestToken>>): HostTokens {
    return {
      accessToken: body.access_token,
      ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}),
      ...optionalDate("accessExpiresAt", accessTokenExpiry(body.access_token, body.expires_in, clock.now())),
      scopes: parseScopes(body.scope, manifest.oauth.scopes),
    };
  }

  return {
    host,
    manifest,
    clientId,

    authorizeUrl({ state, redirectUri }) {
      return buildAuthorizeUrl(manifest.oauth.authorizeUrl, appUrl, {
        response_type: "code",
        client_id: clientId,
        redirect_uri: redirectUri,
        scope: manifest.oauth.scopes.join(" ") || undefined,
        state,
      });
    },

    async exchangeCode({ code, redirectUri }): Promise<InstallGrant> {
      const body = await requestToken({
        host,
        url: tokenUrl,
        fetch,
        params: {
          grant_type: "authorization_code",
          code,
          redirect_uri: redirectUri,
          client_id: clientId,
          client_secret: clientSecret,
        },
      });
      const account = installFields.safeParse(body);
      if (!account.success) {
        throw new HostApiError(host, "Token response has no usable account_id", {
          code: "invalid_token_response",
          retryable: false,
        });
      }
      const timezone = normalizeTimezone(account.data.timezone);
      return {
        ...tokens(body),
        accountId: account.data.account_id,
        ...(account.data.account_name ? { accountName: account.data.account_name } : {}),
        ...(timezone ? { timezone } : {}),
      };
    },

    async refresh(refreshToken) {
      const body = await requestToken({
        host,
        url: tokenUrl,
        fetch,
        params: {
          grant_type: "refresh_token",
          refresh_token: refreshToken,
          client_id: clientId,
          client_secret: clientSecret,
        },
      });
      // Hosts that do not rotate answer without a refresh token: the old one stays valid.
      return { refreshToken, ...tokens(body) };
    },

    verifyWebhook(request) {
      return verifyGenericSignature(clientSecret, request);
    },

    parseWebhook({ headers, rawBody }): HostWebhook {
      const eventId = headers.get(GENERIC_HEADERS.eventId)?.trim();
      const topic = headers.get(GENERIC_HEADERS.topic)?.trim();
      const accountId = headers.get(GENERIC_HEADERS.accountId)?.trim();
      const missing: FieldErrors = {};
      if (!eventId) missing[GENERIC_HEADERS.eventId] = "header is required";
      else if (eventId.length > 255) missing[GENERIC_HEADERS.eventId] = "must be at most 255 characters";
      if (!topic) missing[GENERIC_HEADERS.topic] = "header is required";
      else if (!isGenericTopic(topic)) missing[GENERIC_HEADERS.topic] = `unknown topic "${topic}"`;
      if (!accountId) missing[GENERIC_HEADERS.accountId] = "header is required";
      if (Object.keys(missing).length > 0 || !eventId || !topic || !accountId || !isGenericTopic(topic)) {
        throw new ValidationError(missing);
      }
      const payload = readJsonObject(rawBody);
      const body = validatePayload(topic, payload);
      if (body.account_id !== accountId) {
        throw new ValidationError({ account_id: `does not match the ${GENERIC_HEADERS.accountId} header` });
      }
      return {
        eventId,
        topic,
        accountId,
        ...(body.occurred_at ? { occurredAt: new Date(body.occurred_at) } : {}),
        payload,
      };
    },

    async toDomainEvents(webhook): Promise<DomainEvent[]> {
      const topic = webhook.topic;
      if (!isGenericTopic(topic)) throw new ValidationError({ topic: `unknown topic "${topic}"` });
      const body = validatePayload(topic, webhook.payload);
      const occurredAt = webhook.occurredAt ?? (body.occurred_at ? new Date(body.occurred_at) : undefined);
      switch (topic) {
        case "job.completed":
        case "job.updated":
        case "job.cancelled": {
          const { job } = body as GenericPayload<typeof topic>;
          return [{ type: topic, job: toJob(job, topic, occurredAt) }];
        }
        case "customer.updated": {
          const { customer } = body as GenericPayload<typeof topic>;
          return [{ type: topic, customer: toCustomer(customer), ...(occurredAt ? { occurredAt } : {}) }];
        }
        case "customers.data_request":
        case "customers.redact": {
          const { customer } = body as GenericPayload<typeof topic>;
          return [{ type: topic, hostCustomerId: customer.id }];
        }
        case "app.uninstalled":
        case "account.redact":
          return [{ type: topic }];
      }
    },
  };
}

function optionalDate<K extends string>(key: K, value: Date | undefined): { [P in K]?: Date } {
  return (value ? { [key]: value } : {}) as { [P in K]?: Date };
}
