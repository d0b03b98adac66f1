// The embedded default's stand-in for Resend and Twilio: each message is stored in outbox_message
// and shown by `kudos outbox` and the admin's outbox page. The idempotency key is unique, so a
// retried send stores nothing twice and answers with the first send's id, like Resend does.
import { Prisma } from "~/generated/prisma/client";
import type { Db } from "~/db.server";
import { systemClock, type Clock } from "~/lib/clock.server";
import type { Logger } from "~/logger.server";
import type { EmailTransport, SendResult, SmsTransport } from "./types";

export const OUTBOX_PROVIDER = "outbox";
export const OUTBOX_ID_PREFIX = "outbox_";

export interface OutboxDeps {
  db: Db;
  clock?: Clock;
  logger?: Logger;
}

interface OutboxRow {
  businessId: string;
  channel: "email" | "sms";
  idempotencyKey: string;
  to: string;
  from: string;
  replyTo: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  tags: Record<string, string>;
  segments: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function store(deps: OutboxDeps, row: OutboxRow): Promise<SendResult> {
  if (!UUID.test(row.businessId)) {
    return { ok: false, retryable: false, code: "invalid_business_id", error: "businessId must be a UUID" };
  }
  const createdAt = (deps.clock ?? systemClock).now();
  try {
    // The no-op update makes RETURNING yield the existing row's id on a repeated key.
    const rows = await deps.db.$queryRaw<{ id: string }[]>(Prisma.sql`
      INSERT INTO outbox_message
        (business_id, channel, idempotency_key, "to", "from", reply_to, subject, text, html, headers, tags, segments, created_at)
      VALUES
        (${row.businessId}::uuid, ${row.channel}::"Channel", ${row.idempotencyKey}, ${row.to}, ${row.from},
         ${row.replyTo}, ${row.subject}, ${row.text}, ${row.html}, ${JSON.stringify(row.headers)}::jsonb,
         ${JSON.stringify(row.tags)}::jsonb, ${row.segments}::smallint, ${createdAt})
      ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
      RETURNING id::text AS id`);
    const id = rows[0]?.id;
    if (!id) return { ok: false, retryable: true, code: "outbox_error", error: "outbox insert returned no row" };
    return { ok: true, providerMessageId: `${OUTBOX_ID_PREFIX}${id}` };
  } catch (err) {
    deps.logger?.warn({ provider: OUTBOX_PROVIDER, err: err instanceof Error ? err.message : String(err) }, "outbox store failed");
    return { ok: false, retryable: true, code: "outbox_error", error: err instanceof Error ? err.message : String(err) };
  }
}

/** Stores many rows in one statement (a drain's batch of emails is one round trip, not hundreds). */
async function storeMany(deps: OutboxDeps, rows: OutboxRow[]): Promise<SendResult[]> {
  const bad = rows.findIndex((r) => !UUID.test(r.businessId));
  if (bad !== -1) return Promise.all(rows.map((r) => store(deps, r)));
  const createdAt = (deps.clock ?? systemClock).now();
  const col = <K extends keyof OutboxRow>(k: K) => rows.map((r) => r[k]);
  try {
    // ON CONFLICT ... DO UPDATE (a no-op) returns the existing id for a repeated key, like store().
    const found = await deps.db.$queryRaw<{ id: string; idempotency_key: string }[]>(Prisma.sql`
      INSERT INTO outbox_message
        (business_id, channel, idempotency_key, "to", "from", reply_to, subject, text, html, headers, tags, segments, created_at)
      SELECT b::uuid, c::"Channel", k, t, f, r, s, x, h, hd::jsonb, tg::jsonb, sg::smallint, ${createdAt}
        FROM unnest(${col("businessId")}::text[], ${col("channel")}::text[], ${col("idempotencyKey")}::text[], ${col("to")}::text[],
                    ${col("from")}::text[], ${col("replyTo")}::text[], ${col("subject")}::text[], ${col("text")}::text[],
                    ${col("html")}::text[], ${rows.map((r) => JSON.stringify(r.headers))}::text[],
                    ${rows.map((r) => JSON.stringify(r.tags))}::text[], ${col("segments")}::int[])
             AS u(b, c, k, t, f, r, s, x, h, hd, tg, sg)
      ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
      RETURNING id::text AS id, idempotency_key`);
    const byKey = new Map(found.map((f) => [f.idempotency_key, f.id]));
    return rows.map((r): SendResult => {
      const id = byKey.get(r.idempotencyKey);
      return id
        ? { ok: true, providerMessageId: `${OUTBOX_ID_PREFIX}${id}` }
        : { ok: false, retryable: true, code: "outbox_error", error: "outbox insert returned no row" };
    });
  } catch (err) {
    // A batch with a key repeated inside it cannot use one ON CONFLICT statement; store one by one.
    if (new Set(rows.map((r) => r.idempotencyKey)).size !== rows.length) {
      const results: SendResult[] = [];
      for (const r of rows) results.push(await store(deps, r));
      return results;
    }
    deps.logger?.warn({ provider: OUTBOX_PROVIDER, err: err instanceof Error ? err.message : String(err) }, "outbox store failed");
    const error = err instanceof Error ? err.message : String(err);
    return rows.map(() => ({ ok: false, retryable: true, code: "outbox_error", error }));
  }
}

export function createOutboxEmailTransport(deps: OutboxDeps): EmailTransport {
  return {
    provider: OUTBOX_PROVIDER,
    async sendBatch(emails) {
      if (emails.length === 0) return [];
      return storeMany(
        deps,
        emails.map((e) => ({
          businessId: e.businessId,
          channel: "email" as const,
          idempotencyKey: e.idempotencyKey,
          to: e.to,
          from: e.from,
          replyTo: e.replyTo ?? null,
          subject: e.subject,
          text: e.text,
          html: e.html,
          headers: e.headers,
          tags: e.tags,
          segments: null,
        })),
      );
    },
  };
}

export function createOutboxSmsTransport(deps: OutboxDeps & { fromNumber?: string }): SmsTransport {
  return {
    provider: OUTBOX_PROVIDER,
    send(sms) {
      return store(deps, {
        businessId: sms.businessId,
        channel: "sms",
        idempotencyKey: sms.idempotencyKey,
        to: sms.to,
        from: deps.fromNumber ?? OUTBOX_PROVIDER,
        replyTo: null,
        subject: null,
        text: sms.body,
        html: null,
        // Kept so a local tool can play Twilio and post delivery callbacks.
        headers: { StatusCallback: sms.statusCallbackUrl },
        tags: sms.tags ?? {},
        segments: sms.segments,
      });
    },
  };
}

export interface OutboxEntry extends OutboxRow {
  id: string;
  /** What the transport returned: `outbox_<id>`. */
  providerMessageId: string;
  createdAt: Date;
}

/** The most entries one listing returns (the CLI's --limit and the admin page stay within it). */
export const OUTBOX_LIST_LIMIT = 500;

/** Newest first. */
export async function listOutbox(db: Db, options: { businessId?: string; limit?: number } = {}): Promise<OutboxEntry[]> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), OUTBOX_LIST_LIMIT);
  const rows = await db.outboxMessage.findMany({
    where: options.businessId ? { businessId: options.businessId } : {},
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
  });
  return rows.map(toEntry);
}

/** `s` as a LIKE pattern matching itself only: %, _ and the escape character (a backslash) escaped. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, "\\$&");
}

/**
 * One page of a business's outbox, newest first, and how many messages match in all: the
 * recipient filter is a case-insensitive substring match on the address or number (ILIKE, with
 * the search's own wildcards escaped). Both statements read outbox_message_business_id_created_at_idx
 * (business_id, created_at): the business's rows in order, the filter applied to them.
 */
export async function pageOutbox(
  db: Db,
  options: { businessId: string; recipient?: string | null; page: number; pageSize: number },
): Promise<{ entries: OutboxEntry[]; total: number }> {
  const where = {
    businessId: options.businessId,
    ...(options.recipient ? { to: { contains: escapeLike(options.recipient), mode: "insensitive" as const } } : {}),
  };
  const [rows, total] = await Promise.all([
    db.outboxMessage.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (options.page - 1) * options.pageSize,
      take: options.pageSize,
    }),
    db.outboxMessage.count({ where }),
  ]);
  return { entries: rows.map(toEntry), total };
}

function toEntry(r: {
  id: string;
  businessId: string;
  channel: "email" | "sms";
  idempotencyKey: string;
  to: string;
  from: string;
  replyTo: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  headers: unknown;
  tags: unknown;
  segments: number | null;
  createdAt: Date;
}): OutboxEntry {
  return {
    id: r.id,
    providerMessageId: `${OUTBOX_ID_PREFIX}${r.id}`,
    businessId: r.businessId,
    channel: r.channel,
    idempotencyKey: r.idempotencyKey,
    to: r.to,
    from: r.from,
    replyTo: r.replyTo,
    subject: r.subject,
    text: r.text,
    html: r.html,
    headers: stringRecord(r.headers),
    tags: stringRecord(r.tags),
    segments: r.segments,
    createdAt: r.createdAt,
  };
}

function stringRecord(json: unknown): Record<string, string> {
  if (!json || typeof json !== "object" || Array.isArray(json)) return {};
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)]));
}
