// Receiving host webhooks: verify, parse, store, answer. Nothing else happens in the request:
// Jobber wants an answer within a second and every host retries what it does not get a 200 for,
// so the event is stored (deduplicated by the host's event id) and processed afterwards by the
// host-event worker (ingest-process.server.ts), through Inngest or the in-process loop.
import type { PrismaClient } from "~/generated/prisma/client";
import type { Clock } from "~/lib/clock.server";
import { errorBody, ValidationError } from "~/lib/errors.server";
import type { Logger } from "~/logger.server";
import type { HostWebhook } from "./events";
import type { HostRegistry } from "./registry.server";

/** Real webhooks are a few KB; anything this big is not one of them. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface IngestDeps {
  db: PrismaClient;
  clock: Clock;
  hosts: Pick<HostRegistry, "get">;
  logger: Logger;
  /**
   * Hands a newly stored event to asynchronous processing (an Inngest event, or a poke of the
   * in-process worker). Not awaited: the answer never waits for it, and an event whose hand-off
   * fails is still picked up by the worker's sweep of pending rows.
   */
  enqueue(hostEventId: string): Promise<void> | void;
}

export type IngestOutcome =
  | { status: "stored"; hostEventId: string }
  | { status: "duplicate"; hostEventId: string | null }
  | { status: "ignored"; reason: "unknown_account" };

const NO_STORE = { "Cache-Control": "no-store" };

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...NO_STORE, ...headers } });
}

function errorResponse(status: number, code: string, message: string): Response {
  return json({ error: { code, message } }, status);
}

async function readBody(request: Request): Promise<Uint8Array | "too_large"> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > MAX_WEBHOOK_BYTES) return "too_large";
  const body = new Uint8Array(await request.arrayBuffer());
  return body.byteLength > MAX_WEBHOOK_BYTES ? "too_large" : body;
}

/**
 * POST /webhooks/hosts/<host>. Answers (docs/host-protocol.md §4): 404 unknown or disabled host,
 * 401 bad signature (nothing stored), 400 malformed (naming the field), 200 stored or duplicate.
 * An account with no installation is answered 200 and dropped: the host must not retry it.
 */
export async function receiveWebhook(deps: IngestDeps, host: string, request: Request): Promise<Response> {
  const connector = deps.hosts.get(host);
  if (!connector) return errorResponse(404, "not_found", `Unknown host "${host}"`);

  let rawBody: Uint8Array | "too_large";
  try {
    rawBody = await readBody(request);
  } catch {
    return errorResponse(400, "invalid_input", "The request body could not be read");
  }
  if (rawBody === "too_large") return errorResponse(413, "too_large", `Webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes`);

  const now = deps.clock.now();
  const verified = connector.verifyWebhook({ headers: request.headers, rawBody, now });
  if (!verified.ok) {
    deps.logger.warn({ host, reason: verified.reason }, "host webhook rejected: bad signature");
    return errorResponse(401, "unauthorized", `Invalid webhook signature: ${verified.reason}`);
  }

  let webhook: HostWebhook;
  try {
    webhook = connector.parseWebhook({ headers: request.headers, rawBody });
  } catch (err) {
    if (err instanceof ValidationError) {
      deps.logger.warn({ host, fields: err.fieldErrors }, "host webhook rejected: malformed");
      return json(errorBody(err), 400);
    }
    throw err;
  }
  // Postgres jsonb cannot hold NUL characters; say so instead of failing on insert.
  if (JSON.stringify(webhook.payload).includes("\\u0000")) {
    return json(errorBody(new ValidationError({ body: "must not contain NUL (\\u0000) characters" })), 400);
  }

  const outcome = await storeHostEvent(deps, host, webhook, now);
  if (outcome.status === "stored") {
    // After the row is committed; the answer does not wait for the hand-off.
    void Promise.resolve()
      .then(() => deps.enqueue(outcome.hostEventId))
      .catch((err: unknown) => deps.logger.error({ err, host, hostEventId: outcome.hostEventId }, "host event hand-off failed; the sweep will pick it up"));
  } else if (outcome.status === "ignored") {
    deps.logger.warn({ host, topic: webhook.topic, accountId: webhook.accountId }, "host webhook for an account without an installation: ignored");
  }
  return json(outcome, 200);
}

/** Stores a verified webhook once per (host, event id); later deliveries of it change nothing. */
export async function storeHostEvent(
  deps: Pick<IngestDeps, "db">,
  host: string,
  webhook: HostWebhook,
  now: Date,
): Promise<IngestOutcome> {
  const business = await deps.db.business.findUnique({
    where: { host_externalAccountId: { host, externalAccountId: webhook.accountId } },
    select: { id: true },
  });
  if (!business) return { status: "ignored", reason: "unknown_account" };
  const rows = await deps.db.$queryRaw<{ id: string }[]>`
    INSERT INTO host_event (host, event_id, topic, account_id, business_id, payload, occurred_at, received_at, run_after)
    VALUES (${host}, ${webhook.eventId}, ${webhook.topic}, ${webhook.accountId}, ${business.id}::uuid,
            ${JSON.stringify(webhook.payload)}::jsonb, ${webhook.occurredAt ?? null}, ${now}, ${now})
    ON CONFLICT (host, event_id) DO NOTHING
    RETURNING id::text`;
  if (rows[0]) return { status: "stored", hostEventId: rows[0].id };
  const existing = await deps.db.hostEvent.findUnique({
    where: { host_eventId: { host, eventId: webhook.eventId } },
    select: { id: true },
  });
  return { status: "duplicate", hostEventId: existing?.id ?? null };
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

