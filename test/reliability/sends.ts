// Every send call, counted per touch and per request, on the app's side of the transport
// interface: a recorder wraps the real transports (inside withRetries, so each attempt is seen)
// and keeps what each call handed over and what came back. Independent of the outbox's unique
// key and of send_log: a touch handed to a provider twice shows up here even when the provider
// (or the outbox) deduplicates it. A touch handed over again after a call that sent it (answered
// "sent") or that never answered (its process died) is a double send, except, for email, as the
// identical request: a replay Resend answers from its idempotency cache. After a call answered
// "failed" it is a retry; whether the failed call had in fact reached the provider only the
// provider's own record can tell (test/reliability/providers.ts), so the suites check both.
import type { EmailTransport, OutgoingEmail, SendResult, SmsTransport } from "~/engine/transports/types";

export interface SendCall {
  channel: "email" | "sms";
  /** Touches in this call, in order (`<enrollment>#<position>`). */
  touches: string[];
  /** The whole request as handed over: identical requests are replays. */
  request: string;
  /** Per touch, what the transport answered; unset while in flight or if it never answered. */
  results?: ("sent" | "failed")[];
}

export interface DoubleSend {
  touch: string;
  channel: "email" | "sms";
  calls: number;
  detail: string;
}

export interface SendCounts {
  emailCalls: number;
  smsCalls: number;
  /** Touches handed over at least once, per channel. */
  emailTouches: number;
  smsTouches: number;
  /** Email calls that repeated, identically, a request that had sent or never answered. */
  replays: number;
  /** Calls after a failed one for the same touch. */
  retries: number;
  doubleSends: DoubleSend[];
}

const emailTouch = (e: OutgoingEmail) => `${e.tags.enrollment_id}#${e.tags.touch}`;
const smsTouch = (callback: string) => {
  const url = new URL(callback);
  return `${url.searchParams.get("e")}#${url.searchParams.get("p")}`;
};
const outcome = (r: SendResult | undefined): "sent" | "failed" => (r?.ok ? "sent" : "failed");

/** JSON with object keys sorted: two requests with the same content are the same request. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export function createSendRecorder() {
  const calls: SendCall[] = [];
  return {
    calls,
    email(transport: EmailTransport): EmailTransport {
      return {
        provider: transport.provider,
        async sendBatch(emails) {
          const call: SendCall = { channel: "email", touches: emails.map(emailTouch), request: canonical(emails) };
          calls.push(call);
          const results = await transport.sendBatch(emails);
          call.results = emails.map((_, i) => outcome(results[i]));
          return results;
        },
      };
    },
    sms(transport: SmsTransport): SmsTransport {
      return {
        provider: transport.provider,
        async send(sms) {
          const call: SendCall = { channel: "sms", touches: [smsTouch(sms.statusCallbackUrl)], request: canonical(sms) };
          calls.push(call);
          const result = await transport.send(sms);
          call.results = [outcome(result)];
          return result;
        },
      };
    },
    counts(): SendCounts {
      return countSends(calls);
    },
  };
}

export type SendRecorder = ReturnType<typeof createSendRecorder>;

/** Counts calls per touch and finds double sends (see the file comment for the rule). */
export function countSends(calls: readonly SendCall[]): SendCounts {
  const byTouch = new Map<string, { channel: "email" | "sms"; touch: string; calls: { request: string; result: "sent" | "failed" | undefined }[] }>();
  for (const call of calls) {
    call.touches.forEach((touch, i) => {
      const id = `${call.channel}:${touch}`;
      const entry = byTouch.get(id) ?? { channel: call.channel, touch, calls: [] };
      entry.calls.push({ request: call.request, result: call.results?.[i] });
      byTouch.set(id, entry);
    });
  }
  let retries = 0;
  const doubleSends: DoubleSend[] = [];
  for (const { channel, touch, calls: mine } of byTouch.values()) {
    let doubled = 0;
    mine.forEach((call, i) => {
      // Earlier calls that may have sent it: answered "sent", or never answered.
      const out = mine.slice(0, i).filter((e) => e.result !== "failed");
      if (out.length === 0) retries += i > 0 ? 1 : 0;
      else if (channel === "sms" || out.some((e) => e.request !== call.request)) doubled += 1;
    });
    if (doubled) doubleSends.push({ touch, channel, calls: mine.length, detail: `handed over ${doubled} more time(s) after a call that sent it or never answered` });
  }
  // Email requests made again, identically, after that request had sent (or never answered).
  const outRequests = new Set<string>();
  let replays = 0;
  for (const call of calls) {
    if (call.channel !== "email") continue;
    if (outRequests.has(call.request)) replays += 1;
    if (call.results === undefined || call.results.includes("sent")) outRequests.add(call.request);
  }
  return {
    emailCalls: calls.filter((c) => c.channel === "email").length,
    smsCalls: calls.filter((c) => c.channel === "sms").length,
    emailTouches: [...byTouch.values()].filter((t) => t.channel === "email").length,
    smsTouches: [...byTouch.values()].filter((t) => t.channel === "sms").length,
    replays,
    retries,
    doubleSends,
  };
}
