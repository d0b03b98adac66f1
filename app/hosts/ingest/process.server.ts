// Processing stored host webhooks (host_event) into the domain: jobs, customers, uninstalls and
// the privacy topics. Runs in the host-event worker (in-process loop or Inngest), never in the
// webhook request.
//
// Claiming works like the touch queue (app/engine/sql/claim.sql.ts): one statement takes a batch
// of due rows with FOR UPDATE SKIP LOCKED over the partial index host_event_pending_idx
// (run_after WHERE processed_at IS NULL) and leases them by moving run_after to now + lease. A
// worker that dies mid-event leaves the row due again once the lease runs out, so nothing stored
// is ever lost. The claim also counts the attempt; the count doubles as the lease token: a
// worker whose lease was taken over cannot record its outcome over the new owner's.
import type { OptOutContext } from "~/lib/opt-out-key.server";
import type pg from "pg";
import type { PrismaClient } from "~/generated/prisma/client";
import { uninstallBusiness } from "~/domain/business.server";
import {
  CANCELLED_STATUSES,
  COMPLETED_STATUSES,
  recordJob,
  upsertCustomer,
  type CustomerInput as DomainCustomer,
  type JobInput as DomainJob,
} from "~/domain/enrollment.server";
import type { Clock } from "~/lib/clock.server";
import { DomainError } from "~/lib/errors.server";
import type { Logger } from "~/logger.server";
import { HostApiError, HostDisconnectedError, type HostApiAccess } from "../connector";
import { createHostApiAccess, expireAccessToken } from "../install/credentials.server";
import type { CustomerInput, DomainEvent, HostWebhook, JobInput, JsonObject } from "../events";
import { isUuid } from "./receive.server";
import { storeCustomerDataExport } from "../data-exports.server";
import { redactAccount, redactCustomer } from "../privacy.server";
import type { HostRegistry } from "../registry.server";

export const HOST_EVENT_LEASE_MS = 5 * 60_000;
export const HOST_EVENT_MAX_ATTEMPTS = 12;
export const HOST_EVENT_BATCH_SIZE = 20;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 6 * 3_600_000;

/** 30 s, 1 min, 2 min, ... capped at 6 h: about 15 hours of retries over 12 attempts. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(attempts - 1, 0), MAX_RETRY_MS);
}

export interface HostEventProcessDeps {
  db: PrismaClient;
  pool: pg.Pool;
  clock: Clock;
  hosts: Pick<HostRegistry, "get">;
  logger: Logger;
  encryptionKey: Buffer;
  /** Durable opt-outs checked at enrollment (services.domain.optOuts). */
  optOuts?: OptOutContext;
  leaseMs?: number;
  maxAttempts?: number;
}

export interface ClaimedHostEvent {
  id: string;
  host: string;
  eventId: string;
  topic: string;
  accountId: string;
  businessId: string | null;
  payload: JsonObject;
  occurredAt: Date | null;
  receivedAt: Date;
  /** Including this one. */
  attempts: number;
}

interface ClaimRow {
  id: string;
  host: string;
  event_id: string;
  topic: string;
  account_id: string;
  business_id: string | null;
  payload: JsonObject;
  occurred_at: Date | null;
  received_at: Date;
  attempts: number;
}

const RETURNING = `h.id::text, h.host, h.event_id, h.topic, h.account_id, h.business_id::text, h.payload,
                   h.occurred_at, h.received_at, h.attempts`;

export const CLAIM_HOST_EVENTS_SQL = `
WITH due AS (
  SELECT id
    FROM host_event
   WHERE processed_at IS NULL
     AND run_after <= $1
   ORDER BY run_after
   LIMIT $2
     FOR UPDATE SKIP LOCKED
)
UPDATE host_event h
   SET run_after = $1::timestamptz + make_interval(secs => $3::float8 / 1000),
       attempts = h.attempts + 1
  FROM due
 WHERE h.id = due.id
RETURNING ${RETURNING}`;

export const CLAIM_HOST_EVENT_BY_ID_SQL = `
WITH due AS (
  SELECT id
    FROM host_event
   WHERE id = $2::uuid
     AND processed_at IS NULL
     AND run_after <= $1
     FOR UPDATE SKIP LOCKED
)
UPDATE host_event h
   SET run_after = $1::timestamptz + make_interval(secs => $3::float8 / 1000),
       attempts = h.attempts + 1
  FROM due
 WHERE h.id = due.id
RETURNING ${RETURNING}`;

function toClaimed(r: ClaimRow): ClaimedHostEvent {
  return {
    id: r.id,
    host: r.host,
    eventId: r.event_id,
    topic: r.topic,
    accountId: r.account_id,
    businessId: r.business_id,
    payload: r.payload,
    occurredAt: r.occurred_at,
    receivedAt: r.received_at,
    attempts: r.attempts,
  };
}

/** Takes up to `limit` due events (oldest first) and leases them for `leaseMs`. */
export async function claimHostEvents(
  pool: pg.Pool,
  args: { now: Date; limit: number; leaseMs: number },
): Promise<ClaimedHostEvent[]> {
  const { rows } = await pool.query<ClaimRow>({
    name: "kudos_claim_host_events",
    text: CLAIM_HOST_EVENTS_SQL,
    values: [args.now, args.limit, args.leaseMs],
  });
  return rows.map(toClaimed);
}

/** Takes one event when it is due and nobody holds it (the Inngest function's entry). */
export async function claimHostEvent(
  pool: pg.Pool,
  id: string,
  args: { now: Date; leaseMs: number },
): Promise<ClaimedHostEvent | null> {
  if (!isUuid(id)) return null;
  const { rows } = await pool.query<ClaimRow>({
    name: "kudos_claim_host_event",
    text: CLAIM_HOST_EVENT_BY_ID_SQL,
    values: [args.now, id, args.leaseMs],
  });
  return rows[0] ? toClaimed(rows[0]) : null;
}

export type HostEventOutcome =
  | { status: "processed"; note?: string }
  | { status: "retrying"; error: string; runAfter: Date }
  | { status: "failed"; error: string };

/** Errors that cannot get better by waiting: fail at once, visibly, instead of retrying for hours. */
function isPermanent(err: unknown): boolean {
  if (err instanceof HostApiError) return !err.retryable;
  // Validation of a stored payload, a missing business...: the data will not change by itself.
  return err instanceof DomainError;
}

function describe(err: unknown): string {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return message.slice(0, 2000);
}

/** Processes one claimed event and records the outcome (if the lease is still ours). */
export async function processClaimedHostEvent(deps: HostEventProcessDeps, event: ClaimedHostEvent): Promise<HostEventOutcome> {
  const log = deps.logger.child({ hostEventId: event.id, host: event.host, topic: event.topic });
  let outcome: HostEventOutcome;
  try {
    const note = await applyHostEvent(deps, event);
    outcome = { status: "processed", ...(note ? { note } : {}) };
  } catch (err) {
    const error = describe(err);
    const maxAttempts = deps.maxAttempts ?? HOST_EVENT_MAX_ATTEMPTS;
    if (err instanceof HostApiError && err.code === "unauthorized" && event.businessId) {
      // The host rejected a token it gave us an expiry for: refresh before the next attempt.
      await expireAccessToken(deps.db, event.businessId, deps.clock.now()).catch(() => {});
    }
    if (isPermanent(err) && !(err instanceof HostApiError && err.code === "unauthorized")) {
      outcome = { status: "failed", error };
    } else if (event.attempts >= maxAttempts) {
      outcome = { status: "failed", error: `${error} (gave up after ${event.attempts} attempts)` };
    } else {
      outcome = { status: "retrying", error, runAfter: new Date(deps.clock.now().getTime() + retryDelayMs(event.attempts)) };
    }
    log[outcome.status === "failed" ? "error" : "warn"]({ err, attempts: event.attempts }, `host event ${outcome.status}`);
  }
  await recordOutcome(deps, event, outcome);
  return outcome;
}

const RECORD_OUTCOME_SQL = `
UPDATE host_event
   SET processed_at = $3, run_after = $4, last_error = $5
 WHERE id = $1::uuid AND attempts = $2 AND processed_at IS NULL`;

async function recordOutcome(deps: HostEventProcessDeps, event: ClaimedHostEvent, outcome: HostEventOutcome): Promise<void> {
  const now = deps.clock.now();
  const [processedAt, runAfter, lastError] =
    outcome.status === "processed"
      ? [now, null, null]
      : outcome.status === "retrying"
        ? [null, outcome.runAfter, outcome.error]
        : [null, null, outcome.error];
  // Matching the attempt count: a worker that lost its lease does not overwrite the new owner.
  // (After account.redact the row itself is gone with its business: nothing to record.)
  await deps.pool.query({ name: "kudos_record_host_event_outcome", text: RECORD_OUTCOME_SQL, values: [event.id, event.attempts, processedAt, runAfter, lastError] });
}

export interface HostEventBatchSummary {
  claimed: number;
  processed: number;
  retrying: number;
  failed: number;
}

export interface ProcessDueOptions {
  /** How many events one claim takes (default HOST_EVENT_BATCH_SIZE). */
  limit?: number;
  /** How many of them are processed at once (default 4). */
  concurrency?: number;
  /**
   * Awaited before each event: the in-process worker yields to web requests here
   * (worker.server.ts). Events already claimed wait in their lease meanwhile.
   */
  pace?: () => Promise<void>;
  /** Checked before each event: once true, the events not started yet are handed back. */
  stopping?: () => boolean;
}

/** Claims a batch of due events and processes them, a few at a time. */
export async function processDueHostEvents(deps: HostEventProcessDeps, opts: ProcessDueOptions = {}): Promise<HostEventBatchSummary> {
  const claimed = await claimHostEvents(deps.pool, {
    now: deps.clock.now(),
    limit: opts.limit ?? HOST_EVENT_BATCH_SIZE,
    leaseMs: deps.leaseMs ?? HOST_EVENT_LEASE_MS,
  });
  const summary: HostEventBatchSummary = { claimed: claimed.length, processed: 0, retrying: 0, failed: 0 };
  const queue = [...claimed];
  const work = async () => {
    for (;;) {
      if (opts.pace && queue.length > 0) await opts.pace();
      if (opts.stopping?.()) return;
      const event = queue.shift();
      if (!event) return;
      const outcome = await processClaimedHostEvent(deps, event);
      summary[outcome.status] += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, work));
  if (queue.length > 0) {
    // Stopping: give back what was never started, so another worker need not wait out the lease.
    await releaseHostEvents(deps.pool, queue, deps.clock.now());
    summary.claimed -= queue.length;
  }
  return summary;
}

const RELEASE_HOST_EVENTS_SQL = `
UPDATE host_event h
   SET run_after = $3, attempts = h.attempts - 1
  FROM unnest($1::uuid[], $2::int[]) AS r(id, attempts)
 WHERE h.id = r.id AND h.attempts = r.attempts AND h.processed_at IS NULL`;

/** Undoes the claim of events that were not processed (matching the attempt count, i.e. still ours). */
async function releaseHostEvents(pool: pg.Pool, events: ClaimedHostEvent[], now: Date): Promise<void> {
  await pool.query(RELEASE_HOST_EVENTS_SQL, [events.map((e) => e.id), events.map((e) => e.attempts), now]);
}

/** Processes one event by id if it is due and free; null when someone else has it or it is done. */
export async function processHostEventById(deps: HostEventProcessDeps, id: string): Promise<HostEventOutcome | null> {
  const event = await claimHostEvent(deps.pool, id, { now: deps.clock.now(), leaseMs: deps.leaseMs ?? HOST_EVENT_LEASE_MS });
  return event ? processClaimedHostEvent(deps, event) : null;
}

// ---------------------------------------------------------------------------------------------
// Applying an event to the domain.

class NotInstalledError extends Error {
  constructor() {
    super("The business is not installed");
    this.name = "NotInstalledError";
  }
}

/** Returns a note when the event was deliberately ignored. Throws to retry or fail. */
async function applyHostEvent(deps: HostEventProcessDeps, event: ClaimedHostEvent): Promise<string | undefined> {
  const connector = deps.hosts.get(event.host);
  if (!connector) throw new HostApiError(event.host, `Host "${event.host}" is not enabled`, { code: "host_disabled", retryable: false });
  const business = await loadEventBusiness(deps.pool, event);
  if (!business) return "no installation for this account";
  const domain = { db: deps.db, clock: deps.clock, optOuts: deps.optOuts };
  const installed = business.status === "installed";

  const tokenAccess = createHostApiAccess({ ...deps, connector }, business.id);
  const api: HostApiAccess = {
    accessToken: () => (installed ? tokenAccess.accessToken() : Promise.reject(new NotInstalledError())),
  };
  const webhook: HostWebhook = {
    eventId: event.eventId,
    topic: event.topic,
    accountId: event.accountId,
    ...(event.occurredAt ? { occurredAt: event.occurredAt } : {}),
    payload: event.payload,
  };

  let events: DomainEvent[];
  try {
    events = await connector.toDomainEvents(webhook, api);
  } catch (err) {
    if (err instanceof NotInstalledError) return "business not installed: ignored";
    if (err instanceof HostDisconnectedError) {
      const { stoppedEnrollments } = await uninstallBusiness(domain, business.id);
      deps.logger.info({ businessId: business.id, host: event.host, stoppedEnrollments }, "host says the app was disconnected: uninstalled");
      return "host says the app was disconnected: uninstalled";
    }
    throw err;
  }

  const notes: string[] = [];
  for (const domainEvent of events) {
    switch (domainEvent.type) {
      case "job.completed":
      case "job.updated":
      case "job.cancelled": {
        if (!installed) {
          notes.push("business not installed: job ignored");
          break;
        }
        const job = await withKnownJobFields(deps.pool, business.id, domainEvent.job);
        await recordJob(domain, business.id, toDomainJob(domainEvent.type, job));
        break;
      }
      case "customer.updated": {
        if (!installed) {
          notes.push("business not installed: customer ignored");
          break;
        }
        const customer = await withKnownCustomerFields(deps.pool, business.id, domainEvent.customer);
        const now = deps.clock.now();
        await deps.db.$transaction((tx) => upsertCustomer(tx, business.id, customer, domainEvent.occurredAt, now));
        break;
      }
      case "app.uninstalled": {
        // A reinstall that happened after this event arrived wins over it.
        if (installed && business.installedAt.getTime() > event.receivedAt.getTime()) {
          notes.push("the account reinstalled since: uninstall ignored");
          break;
        }
        const { stoppedEnrollments } = await uninstallBusiness(domain, business.id);
        deps.logger.info({ businessId: business.id, host: event.host, stoppedEnrollments }, "app uninstalled");
        break;
      }
      case "customers.data_request": {
        // Stored encrypted for the merchant to download from the admin (Data requests), 30 days.
        const stored = await storeCustomerDataExport(
          { db: deps.db, clock: deps.clock, encryptionKey: deps.encryptionKey },
          business.id,
          domainEvent.hostCustomerId,
          { hostEventId: event.id },
        );
        // Counts only: the export is personal data and never goes to the logs.
        deps.logger.info(
          { businessId: business.id, hostCustomerId: domainEvent.hostCustomerId, exportId: stored.id, found: stored.found, created: stored.created, ...stored.counts },
          "customer data request: export stored",
        );
        notes.push(stored.found ? "customer data export stored" : "no data held for this customer: stored that answer");
        break;
      }
      case "customers.redact": {
        const result = await redactCustomer(domain, business.id, domainEvent.hostCustomerId);
        deps.logger.info({ businessId: business.id, hostCustomerId: domainEvent.hostCustomerId, ...result }, "customer redacted");
        break;
      }
      case "account.redact": {
        const result = await redactAccount(deps.db, business.id);
        deps.logger.info({ businessId: business.id, host: event.host, ...result }, "account redacted: every row of the business deleted");
        return "account erased";
      }
    }
  }
  return notes.length ? notes.join("; ") : undefined;
}

/**
 * The topic decides what happened to the job; the host's own status word is only for display.
 * recordJob enrolls on a completed status and stops on a cancelled one, so those two topics
 * carry a status it recognises (Jobber's closed jobs say "requires_invoicing", for one).
 */
function toDomainJob(type: "job.completed" | "job.updated" | "job.cancelled", job: DomainJob): DomainJob {
  const status = job.status.trim().toLowerCase();
  const domainStatus =
    type === "job.completed" && !COMPLETED_STATUSES.has(status)
      ? "completed"
      : type === "job.cancelled" && !CANCELLED_STATUSES.has(status)
        ? "cancelled"
        : status;
  return { ...job, status: domainStatus };
}

/** The business an event is for: by the id stored with it, or by its account (primary key / unique key). */
const BUSINESS_BY_ID_SQL = `SELECT id::text, status::text, installed_at FROM business WHERE id = $1::uuid`;
const BUSINESS_BY_ACCOUNT_SQL = `SELECT id::text, status::text, installed_at FROM business WHERE host = $1 AND external_account_id = $2`;

interface EventBusiness {
  id: string;
  status: string;
  installedAt: Date;
}

async function loadEventBusiness(pool: pg.Pool, event: ClaimedHostEvent): Promise<EventBusiness | null> {
  const { rows } = await pool.query<{ id: string; status: string; installed_at: Date }>(
    event.businessId
      ? { name: "kudos_host_event_business", text: BUSINESS_BY_ID_SQL, values: [event.businessId] }
      : { name: "kudos_host_event_business_by_account", text: BUSINESS_BY_ACCOUNT_SQL, values: [event.host, event.accountId] },
  );
  const row = rows[0];
  return row ? { id: row.id, status: row.status, installedAt: row.installed_at } : null;
}

/**
 * What Kudos knows of a job and its customer, in one round trip: both by their unique keys
 * (job_business_id_host_job_id_key, customer_business_id_host_customer_id_key).
 */
const KNOWN_FIELDS_SQL = `
SELECT j.id IS NOT NULL AS job_found, j.title, j.service_type, j.completed_at,
       c.id IS NOT NULL AS customer_found, c.first_name, c.last_name, c.email, c.phone, c.timezone, c.region, c.country
  FROM (SELECT 1) one
  LEFT JOIN job j ON j.business_id = $1::uuid AND j.host_job_id = $2
  LEFT JOIN customer c ON c.business_id = $1::uuid AND c.host_customer_id = $3`;

interface KnownFieldsRow {
  job_found: boolean;
  title: string | null;
  service_type: string | null;
  completed_at: Date | null;
  customer_found: boolean;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  timezone: string | null;
  region: string | null;
  country: string | null;
}

async function knownFields(pool: pg.Pool, businessId: string, hostJobId: string | null, hostCustomerId: string): Promise<KnownFieldsRow> {
  const { rows } = await pool.query<KnownFieldsRow>({ name: "kudos_host_event_known_fields", text: KNOWN_FIELDS_SQL, values: [businessId, hostJobId, hostCustomerId] });
  return rows[0]!;
}

/**
 * The protocol says a field left out (or unusable) leaves what Kudos knows unchanged, while
 * upsertCustomer/recordJob write every column: fill the gaps from the stored row first.
 */
function withKnownCustomer(input: CustomerInput, stored: KnownFieldsRow): DomainCustomer {
  if (!stored.customer_found) return input;
  return {
    hostCustomerId: input.hostCustomerId,
    firstName: input.firstName ?? stored.first_name,
    lastName: input.lastName ?? stored.last_name,
    email: input.email ?? stored.email,
    phone: input.phone ?? stored.phone,
    timezone: input.timezone ?? stored.timezone,
    region: input.region ?? stored.region,
    country: input.country ?? stored.country,
  };
}

async function withKnownCustomerFields(pool: pg.Pool, businessId: string, input: CustomerInput): Promise<DomainCustomer> {
  return withKnownCustomer(input, await knownFields(pool, businessId, null, input.hostCustomerId));
}

async function withKnownJobFields(pool: pg.Pool, businessId: string, input: JobInput): Promise<DomainJob> {
  const stored = await knownFields(pool, businessId, input.hostJobId, input.customer.hostCustomerId);
  const job: DomainJob = { ...input, customer: withKnownCustomer(input.customer, stored) };
  if (!stored.job_found) return job;
  // Left out = unchanged; an explicit null (serviceType, completedAt) clears.
  if (!("title" in input)) job.title = stored.title;
  if (!("serviceType" in input)) job.serviceType = stored.service_type;
  if (!("completedAt" in input)) job.completedAt = stored.completed_at;
  return job;
}
