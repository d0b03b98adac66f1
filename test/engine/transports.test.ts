import { describe, expect, it } from "vitest";
import {
  batchIdempotencyKey,
  createPacer,
  createResendTransport,
  resendTags,
  withRetries,
  type OutgoingEmail,
  type SendResult,
} from "~/engine/transports/index.server";
import { createLogger } from "~/logger.server";
import { setupResendMock, type ResendFailure } from "../mocks/resend";

const resend = setupResendMock();
const logger = createLogger("silent");

/** A pacer on a fake monotonic clock: waits are recorded and pass instantly. */
function fakePacer() {
  let t = 0;
  const waits: number[] = [];
  const pacer = createPacer({
    ratePerSecond: 2,
    now: () => t,
    sleep: async (ms) => {
      waits.push(ms);
      t += ms;
    },
  });
  return { pacer, waits };
}

function transport(options: { timeoutMs?: number } = {}) {
  const paced = fakePacer();
  return { ...paced, email: createResendTransport({ apiKey: "re_test_key", logger, pacer: paced.pacer, ...options }) };
}

/** Records retry sleeps instead of waiting. */
function sleeps() {
  const slept: number[] = [];
  return { slept, sleep: async (ms: number) => void slept.push(ms) };
}

function email(n: number, over: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    businessId: "7d3c2a0e-8a4b-4c1e-9f65-0a1b2c3d4e5f",
    idempotencyKey: `touch:enrollment-${n}:1`,
    from: '"Bright Plumbing" <reviews@mail.example.com>',
    to: `customer${n}@example.com`,
    replyTo: "office@brightplumbing.example",
    subject: `How did we do, #${n}?`,
    html: `<p>Hi #${n}</p>`,
    text: `Hi #${n}`,
    headers: {
      "List-Unsubscribe": `<https://kudos.example.com/u/token-${n}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
    tags: { enrollment_id: `enrollment-${n}`, touch_position: "1", business_id: "7d3c2a0e-8a4b-4c1e-9f65-0a1b2c3d4e5f" },
    ...over,
  };
}

const ids = (response: unknown) => ((response as { data: { id: string }[] }).data ?? []).map((d) => d.id);

describe("Resend transport", () => {
  it("sends one email to POST /emails with its idempotency key, tags and unsubscribe headers", async () => {
    const { email: t } = transport();
    const [result] = await t.sendBatch([email(1)]);

    expect(resend.requests).toHaveLength(1);
    const req = resend.requests[0]!;
    expect(req.path).toBe("/emails");
    expect(req.headers["idempotency-key"]).toBe("touch:enrollment-1:1");
    expect(req.headers.authorization).toBe("Bearer re_test_key");
    expect(req.body).toEqual({
      from: '"Bright Plumbing" <reviews@mail.example.com>',
      to: "customer1@example.com",
      reply_to: "office@brightplumbing.example",
      subject: "How did we do, #1?",
      html: "<p>Hi #1</p>",
      text: "Hi #1",
      headers: {
        "List-Unsubscribe": "<https://kudos.example.com/u/token-1>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      },
      tags: [
        { name: "enrollment_id", value: "enrollment-1" },
        { name: "touch_position", value: "1" },
        { name: "business_id", value: "7d3c2a0e-8a4b-4c1e-9f65-0a1b2c3d4e5f" },
      ],
    });
    expect(result).toEqual({ ok: true, providerMessageId: (req.response as { id: string }).id });
  });

  it("keeps the key stable per message: sending the same email again gets Resend's first answer", async () => {
    const { email: t } = transport();
    const [first] = await t.sendBatch([email(1)]);
    const [again] = await t.sendBatch([email(1)]);
    expect(resend.requests.map((r) => r.headers["idempotency-key"])).toEqual(["touch:enrollment-1:1", "touch:enrollment-1:1"]);
    expect(again).toEqual(first);
  });

  it("sends several emails as one permissive batch, with a key derived from the members' keys", async () => {
    const { email: t } = transport();
    const emails = [email(1), email(2), email(3)];
    const results = await t.sendBatch(emails);

    expect(resend.requests).toHaveLength(1);
    const req = resend.requests[0]!;
    expect(req.path).toBe("/emails/batch");
    expect(req.headers["x-batch-validation"]).toBe("permissive");
    expect(req.headers["idempotency-key"]).toBe(batchIdempotencyKey(emails));
    expect(req.headers["idempotency-key"]).toMatch(/^batch-[0-9a-f]{64}$/);
    const body = req.body as { to: string; headers: Record<string, string>; tags: unknown[] }[];
    expect(body.map((b) => b.to)).toEqual(["customer1@example.com", "customer2@example.com", "customer3@example.com"]);
    expect(body[1]!.headers["List-Unsubscribe"]).toBe("<https://kudos.example.com/u/token-2>");
    expect(body[2]!.tags).toContainEqual({ name: "enrollment_id", value: "enrollment-3" });
    expect(results).toEqual(ids(req.response).map((id) => ({ ok: true, providerMessageId: id })));

    // The same members in the same order → the same key; another order → another key.
    expect(batchIdempotencyKey([email(1), email(2), email(3)])).toBe(req.headers["idempotency-key"]);
    expect(batchIdempotencyKey([email(2), email(1), email(3)])).not.toBe(req.headers["idempotency-key"]);
  });

  it("maps a permissive batch's per-email errors to their positions, the ids to the rest in order", async () => {
    const { email: t } = transport();
    const results = await t.sendBatch([email(1), email(2, { to: "not-an-address" }), email(3)]);
    const [id1, id3] = ids(resend.requests[0]!.response);
    expect(results).toEqual([
      { ok: true, providerMessageId: id1 },
      { ok: false, retryable: false, code: "validation_error", error: expect.stringContaining("Invalid `to` field") },
      { ok: true, providerMessageId: id3 },
    ]);
  });

  it("splits 150 emails into batches of 100 and 50, paced by the token bucket", async () => {
    const { email: t, waits } = transport();
    const emails = Array.from({ length: 150 }, (_, i) => email(i));
    const results = await t.sendBatch(emails);

    expect(resend.requests.map((r) => [r.path, (r.body as unknown[]).length])).toEqual([
      ["/emails/batch", 100],
      ["/emails/batch", 50],
    ]);
    expect(resend.requests[0]!.headers["idempotency-key"]).toBe(batchIdempotencyKey(emails.slice(0, 100)));
    expect(resend.requests[1]!.headers["idempotency-key"]).toBe(batchIdempotencyKey(emails.slice(100)));
    expect(results).toHaveLength(150);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => r.ok && r.providerMessageId)).toEqual([
      ...ids(resend.requests[0]!.response),
      ...ids(resend.requests[1]!.response),
    ]);
    // 2 requests/s, no burst: the second call waits half a second.
    expect(waits).toEqual([500]);
  });

  it("sends a lone email left over after splitting (101 = 100 + 1) to /emails", async () => {
    const { email: t } = transport();
    await t.sendBatch(Array.from({ length: 101 }, (_, i) => email(i)));
    expect(resend.requests.map((r) => r.path)).toEqual(["/emails/batch", "/emails"]);
    expect(resend.requests[1]!.headers["idempotency-key"]).toBe("touch:enrollment-100:1");
  });

  it("sanitizes tags to ASCII letters, digits, _ and -", () => {
    expect(resendTags({ "enrollment id": "a b/c:d", "touch.position": "1", empty: "", "é": "ü" })).toEqual([
      { name: "enrollment_id", value: "a_b_c_d" },
      { name: "touch_position", value: "1" },
      { name: "_", value: "_" },
    ]);
  });

  it("maps a 429 to a retryable failure carrying Retry-After, and holds the pacer", async () => {
    const { email: t, waits } = transport();
    resend.queueFailures({ kind: "rate_limit", retryAfterSeconds: 3 });
    const [result] = await t.sendBatch([email(1)]);
    expect(result).toEqual({
      ok: false,
      retryable: true,
      code: "rate_limit_exceeded",
      error: "Too many requests. You can only make 2 requests per second.",
      retryAfterMs: 3000,
    });
    await t.sendBatch([email(1)]);
    expect(waits).toEqual([3000]);
  });

  it("maps 5xx, network errors and unreadable answers to retryable failures, without throwing", async () => {
    const { email: t } = transport();
    resend.queueFailures({ kind: "server_error" }, { kind: "network" }, { kind: "malformed" }, { kind: "malformed" });
    expect(await t.sendBatch([email(1)])).toEqual([
      { ok: false, retryable: true, code: "internal_server_error", error: "An unexpected error occurred." },
    ]);
    expect(await t.sendBatch([email(1)])).toEqual([{ ok: false, retryable: true, code: "application_error", error: expect.any(String) }]);
    expect(await t.sendBatch([email(1)])).toEqual([{ ok: false, retryable: true, code: "application_error", error: expect.any(String) }]);
    const batch = await t.sendBatch([email(1), email(2)]);
    expect(batch).toHaveLength(2);
    expect(batch.every((r) => !r.ok && r.retryable)).toBe(true);
  });

  it("maps a request that outlives the timeout to a retryable timeout", async () => {
    const { email: t } = transport({ timeoutMs: 50 });
    resend.queueFailures({ kind: "slow", delayMs: 2_000 });
    expect(await t.sendBatch([email(1)])).toEqual([
      { ok: false, retryable: true, code: "timeout", error: "Resend did not answer within 50 ms" },
    ]);
  });

  it("maps validation errors to non-retryable failures, and a spent daily quota to a deferral, with Resend's message", async () => {
    const { email: t } = transport();
    resend.queueFailures({ kind: "validation", message: "The `from` domain is not verified." }, { kind: "daily_quota" });
    expect(await t.sendBatch([email(1), email(2)])).toEqual([
      { ok: false, retryable: false, code: "validation_error", error: "The `from` domain is not verified." },
      { ok: false, retryable: false, code: "validation_error", error: "The `from` domain is not verified." },
    ]);
    // Deferred to the quota's reset, never a plain failure (test/engine/resend-quota.test.ts).
    expect(await t.sendBatch([email(1)])).toEqual([
      { ok: false, retryable: false, code: "daily_quota_exceeded", error: "You have reached your daily email sending quota.", deferUntil: expect.any(Date) },
    ]);
  });
});

describe("withRetries over Resend", () => {
  it("retries a 429 after Retry-After and succeeds, with the same idempotency key", async () => {
    const { email: t } = transport();
    const { slept, sleep } = sleeps();
    resend.queueFailures({ kind: "rate_limit", retryAfterSeconds: 2 });
    const [result] = await withRetries(t, { attempts: 3, baseDelayMs: 100, sleep, random: () => 0.5 }).sendBatch([email(1)]);

    expect(result).toEqual({ ok: true, providerMessageId: (resend.requests[1]!.response as { id: string }).id });
    expect(resend.requests.map((r) => r.headers["idempotency-key"])).toEqual(["touch:enrollment-1:1", "touch:enrollment-1:1"]);
    expect(slept).toEqual([2000]);
  });

  it("gives up after 3 attempts of 500 and returns the last failure, backing off exponentially", async () => {
    const { email: t } = transport();
    const { slept, sleep } = sleeps();
    resend.queueFailures({ kind: "server_error" }, { kind: "server_error" }, { kind: "server_error" });
    const [result] = await withRetries(t, { attempts: 3, baseDelayMs: 100, sleep, random: () => 0.5 }).sendBatch([email(1)]);

    expect(result).toEqual({ ok: false, retryable: true, code: "internal_server_error", error: "An unexpected error occurred." });
    expect(resend.requests).toHaveLength(3);
    // Equal jitter with random 0.5: 3/4 of 100·2^(n-1).
    expect(slept).toEqual([75, 150]);
  });

  it("does not retry a non-retryable failure", async () => {
    const { email: t } = transport();
    const { slept, sleep } = sleeps();
    resend.queueFailures({ kind: "validation" });
    const [result] = await withRetries(t, { sleep }).sendBatch([email(1)]);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(resend.requests).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it("resends only the emails whose batch failed, as the same batch with the same key", async () => {
    const { email: t } = transport();
    const { sleep } = sleeps();
    const emails = Array.from({ length: 150 }, (_, i) => email(i));
    resend.queueFailures({ kind: "server_error" }); // the first batch (emails 0..99)
    const results = await withRetries(t, { sleep, random: () => 0 }).sendBatch(emails);

    expect(resend.requests.map((r) => (r.body as unknown[]).length)).toEqual([100, 50, 100]);
    expect(resend.requests[2]!.headers["idempotency-key"]).toBe(resend.requests[0]!.headers["idempotency-key"]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.slice(0, 100).map((r) => r.ok && r.providerMessageId)).toEqual(ids(resend.requests[2]!.response));
  });

  it("returns at once when Retry-After is longer than it is willing to wait", async () => {
    const { email: t } = transport();
    const { slept, sleep } = sleeps();
    resend.queueFailures({ kind: "rate_limit", retryAfterSeconds: 120 });
    const [result] = await withRetries(t, { sleep, maxDelayMs: 30_000 }).sendBatch([email(1)]);
    expect(result).toMatchObject({ ok: false, retryable: true, retryAfterMs: 120_000 });
    expect(resend.requests).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it("an answer lost after Resend accepted (unreadable 200, 500, dropped connection, too late): the retry gets the first answer, one email each", async () => {
    const { email: t } = transport({ timeoutMs: 200 });
    const { sleep } = sleeps();
    const send = withRetries(t, { sleep });
    const lost: ResendFailure[] = [{ kind: "malformed" }, { kind: "server_error", accepted: true }, { kind: "network", accepted: true }, { kind: "slow", delayMs: 1_000 }];
    const results: SendResult[] = [];
    for (const [i, failure] of lost.entries()) {
      resend.queueFailures(failure);
      results.push(...(await send.sendBatch([email(i + 1)])));
    }
    // Each email was sent by its first request; the retry of the same request was a replay.
    expect(resend.requests.map((r) => r.outcome)).toEqual(["accepted", "replayed", "accepted", "replayed", "accepted", "replayed", "accepted", "replayed"]);
    expect(resend.emails.map((e) => e.idempotencyKey)).toEqual([1, 2, 3, 4].map((n) => `touch:enrollment-${n}:1`));
    expect(results).toEqual(resend.emails.map((e) => ({ ok: true, providerMessageId: e.id })));
  });

  it("attaches each answer to its own request when requests overlap", async () => {
    const { email: t } = transport();
    // The first request is answered after the second: its record must still hold its own answer.
    resend.queueFailures({ kind: "slow", delayMs: 100 });
    const [[first], [second]] = await Promise.all([t.sendBatch([email(1)]), t.sendBatch([email(2)])]);
    const byKey = Object.fromEntries(resend.requests.map((r) => [r.headers["idempotency-key"], (r.response as { id: string }).id]));
    expect(byKey).toEqual({
      "touch:enrollment-1:1": first!.ok && first!.providerMessageId,
      "touch:enrollment-2:1": second!.ok && second!.providerMessageId,
    });
  });

  it("keeps results in input order across rounds", async () => {
    const { email: t } = transport();
    const { sleep } = sleeps();
    resend.queueFailures({ kind: "network" });
    const results: SendResult[] = await withRetries(t, { sleep }).sendBatch([email(1), email(2, { to: "bad" }), email(3)]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(resend.requests).toHaveLength(2);
  });
});
