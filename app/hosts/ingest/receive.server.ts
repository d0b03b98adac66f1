// Receiving host webhooks: verify, parse, store, answer. Nothing else happens in the request:
// Jobber wants an answer within a second and every host retries what it does not get a 200 for,
// so the event is stored (deduplicated by the host's event id) and processed afterwards by the
// host-event worker (process.server.ts), through Inngest or the in-process loop.
import type pg from "pg";
import type { PrismaClient } from "~/generated/prisma/client";
import type { Clock } from "~/lib/clock.server";
import { BODY_LIMITS } from "~/lib/body-limit.server";
import { errorBody, ValidationError } from "~/lib/errors.server";
import type { Logger } from "~/logger.server";
import type { HostWebhook } from "../events";
import { storeHostEventRow } from "./sql.server";
import type { HostRegistry } from "../registry.server";

/** Real webhooks are a few KB; anything this big is not one of them. */
export const MAX_WEBHOOK_BYTES = BODY_LIMITS.webhooks;

export interface IngestDeps {
  db: PrismaClient;
  /** The pool under `db`: the request's one statement runs on it directly (sql.server.ts). */
  pool: Pick<pg.Pool, "query">;
  clock: Clock;
  hosts: Pick<HostRegistry, "get">;
  logger: Logger;
  /**
   * Hands a newly stored event to asynchronous processing (an Inngest event, or a poke of the
   * host-event worker). Not awaited: the answer never waits for it, and an event whose hand-off
   * fails is still picked up by the worker's sweep of pending rows.
   */
  enqueue(hostEventId: string): Promise<void> | void;
}

export type IngestOutcome =
  | { status: "stored"; hostEventId: string }
  | { status: "duplicate"; hostEventId: string | null }
  | { status: "ignored"; reason: "unknown_account" };

/** What to answer: the status and the JSON body (sent with Cache-Control: no-store). */
export interface WebhookAnswer {
  status: number;
  body: unknown;
}

/** The raw body, or "too_large" past MAX_WEBHOOK_BYTES; throws when it cannot be read. */
export type BodyReader = () => Promise<Uint8Array | "too_large">;

const NO_STORE = { "Cache-Control": "no-store" };

function errorAnswer(status: number, code: string, message: string): WebhookAnswer {
  return { status, body: { error: { code, message } } };
}

async function readBody(request: Request): Promise<Uint8Array | "too_large"> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > MAX_WEBHOOK_BYTES) return "too_large";
  const body = new Uint8Array(await request.arrayBuffer());
  return body.byteLength > MAX_WEBHOOK_BYTES ? "too_large" : body;
}

/**
 * POST /webhooks/hosts/<host> on a Fetch Request (the Remix route, tests). The server's Express
 * fast path answers the same from Node's request (http.server.ts); both go through
 * ingestWebhook.
 */
export async function receiveWebhook(deps: IngestDeps, host: string, request: Request): Promise<Response> {
  const answer = await ingestWebhook(deps, host, request.headers, () => readBody(request));
  return Response.json(answer.body, { status: answer.status, headers: NO_STORE });
}

/**
 * Answers (docs/host-protocol.md §4): 404 unknown or disabled host, 401 bad signature (nothing
 * stored), 400 malformed (naming the field), 200 stored or duplicate. An account with no
 * installation is answered 200 and dropped: the host must not retry it. Throws when the event
 * could not be stored (the database is away): the caller answers 5xx and the host redelivers.
 */
export async function ingestWebhook(deps: IngestDeps, host: string, headers: Headers, read: BodyReader): Promise<WebhookAnswer> {
  const connector = deps.hosts.get(host);
  if (!connector) return errorAnswer(404, "not_found", `Unknown host "${host}"`);

  let rawBody: Uint8Array | "too_large";
  try {
    rawBody = await read();
  } catch {
    return errorAnswer(400, "invalid_input", "The request body could not be read");
  }
  if (rawBody === "too_large") return errorAnswer(413, "too_large", `Webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes`);

  const now = deps.clock.now();
  const verified = connector.verifyWebhook({ headers, rawBody, now });
  if (!verified.ok) {
    deps.logger.warn({ host, reason: verified.reason }, "host webhook rejected: bad signature");
    return errorAnswer(401, "unauthorized", `Invalid webhook signature: ${verified.reason}`);
  }

  let webhook: HostWebhook;
  try {
    webhook = connector.parseWebhook({ headers, rawBody });
  } catch (err) {
    if (err instanceof ValidationError) {
      deps.logger.warn({ host, fields: err.fieldErrors }, "host webhook rejected: malformed");
      return { status: 400, body: errorBody(err) };
    }
    throw err;
  }

  // Postgres jsonb cannot hold NUL characters; say so instead of failing on insert.
  const payloadJson = JSON.stringify(webhook.payload);
  if (payloadJson.includes("\\u0000")) {
    return { status: 400, body: errorBody(new ValidationError({ body: "must not contain NUL (\\u0000) characters" })) };
  }
  // One statement: the account's business looked up, the event stored once per (host, event id).
  const outcome: IngestOutcome = await storeHostEventRow(deps.pool, {
    host,
    eventId: webhook.eventId,
    topic: webhook.topic,
    accountId: webhook.accountId,
    payloadJson,
    occurredAt: webhook.occurredAt ?? null,
    receivedAt: now,
  });
  if (outcome.status === "stored") {
    // After the row is committed; the answer does not wait for the hand-off.
    void Promise.resolve()
      .then(() => deps.enqueue(outcome.hostEventId))
      .catch((err: unknown) => deps.logger.error({ err, host, hostEventId: outcome.hostEventId }, "host event hand-off failed; the sweep will pick it up"));
  } else if (outcome.status === "ignored") {
    deps.logger.warn({ host, topic: webhook.topic, accountId: webhook.accountId }, "host webhook for an account without an installation: ignored");
  }
  return { status: 200, body: outcome };
}

// ---------------------------------------------------------------------------------------------
// What the admin shows: received events and how their processing went.

/**
 * pending: waiting for its first attempt (or being processed); retrying: failed, another attempt
 * is scheduled; failed: gave up (see last_error; retryHostEvent tries again); processed: done.
 */
export type HostEventStatus = "pending" | "retrying" | "failed" | "processed";

export interface HostEventSummary {
  id: string;
  host: string;
  eventId: string;
  topic: string;
  status: HostEventStatus;
  occurredAt: Date | null;
  receivedAt: Date;
  processedAt: Date | null;
  attempts: number;
  lastError: string | null;
  runAfter: Date | null;
}

export function hostEventStatus(row: { processedAt: Date | null; runAfter: Date | null; lastError: string | null }): HostEventStatus {
  if (row.processedAt) return "processed";
  if (!row.runAfter) return "failed";
  return row.lastError ? "retrying" : "pending";
}

function statusWhere(status: HostEventStatus) {
  switch (status) {
    case "processed":
      return { processedAt: { not: null } };
    case "failed":
      return { processedAt: null, runAfter: null };
    case "retrying":
      return { processedAt: null, runAfter: { not: null }, lastError: { not: null } };
    case "pending":
      return { processedAt: null, runAfter: { not: null }, lastError: null };
  }
}

export async function listHostEvents(
  db: Pick<PrismaClient, "hostEvent">,
  businessId: string,
  opts: { status?: HostEventStatus; limit?: number } = {},
): Promise<HostEventSummary[]> {
  const rows = await db.hostEvent.findMany({
    where: { businessId, ...(opts.status ? statusWhere(opts.status) : {}) },
    orderBy: { receivedAt: "desc" },
    take: Math.min(Math.max(opts.limit ?? 100, 1), 500),
    select: {
      id: true,
      host: true,
      eventId: true,
      topic: true,
      occurredAt: true,
      receivedAt: true,
      processedAt: true,
      attempts: true,
      lastError: true,
      runAfter: true,
    },
  });
  return rows.map((r) => ({ ...r, status: hostEventStatus(r) }));
}

/** The merchant asks for a failed (or backing-off) event to be tried again now. */
export async function retryHostEvent(db: Pick<PrismaClient, "hostEvent">, businessId: string, id: string, now: Date): Promise<boolean> {
  const { count } = await db.hostEvent.updateMany({
    where: { id, businessId, processedAt: null },
    data: { runAfter: now },
  });
  return count > 0;
}

/** Whether a string can reach a ::uuid cast (ids from URLs and events are untrusted). */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

