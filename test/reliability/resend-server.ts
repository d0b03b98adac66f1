// A stand-in for Resend's sending API as a real HTTP server on 127.0.0.1, for processors running
// in child processes (msw only intercepts inside its own process). Modelled, like the msw mock
// (test/mocks/resend.ts), on what Resend does: a request that passes its checks is ACCEPTED (its
// emails sent, its Idempotency-Key cached with the answer) before the answer is written; a
// repeated key with the same body gets the cached answer and sends nothing, with another body a
// 409, and one still being processed a 409 "concurrent_idempotent_requests"
// (https://resend.com/docs/dashboard/emails/idempotency-keys). Queued failures refuse a request
// before acceptance (429, 500, dropped connection) or, for an unreadable 200, a late answer, or a
// 500 / dropped connection with `accepted: true`, spoil only the answer. Every email accepted is
// recorded once, by the touch its tags name: the provider's side of "no touch sent twice".
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ResendFailure } from "../mocks/resend";
import type { ProviderDelivery } from "./invariants";
import { touchFromTags } from "./providers";

export interface ResendServer {
  url: string;
  /** Emails accepted (each once, whatever the replays). */
  deliveries: ProviderDelivery[];
  /** Every request: replays (answered from the idempotency cache) and refusals included. */
  requests: { path: string; key: string | null; status: number | "network"; outcome: "accepted" | "replayed" | "refused" | null }[];
  /** The next requests fail in this order. */
  queueFailures(...failures: ResendFailure[]): void;
  /**
   * Called once a request's emails are accepted, before the answer is written: a test can kill
   * the sender here, so the provider has the emails and the sender never learns it.
   */
  onAccepted: ((info: { path: string; emails: number }) => Promise<void> | void) | null;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

const error = (statusCode: number, name: string, message: string) => ({ statusCode, name, message });

export async function startResendServer(): Promise<ResendServer> {
  const deliveries: ProviderDelivery[] = [];
  const requests: ResendServer["requests"] = [];
  const failures: ResendFailure[] = [];
  const byKey = new Map<string, { body: string; response: unknown } | "in_flight">();

  const self: Pick<ResendServer, "onAccepted"> = { onAccepted: null };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? "").split("?")[0]!;
      const key = (req.headers["idempotency-key"] as string | undefined) ?? null;
      // Each request keeps its own record, whatever else is in flight.
      const entry: ResendServer["requests"][number] = { path, key, status: 0, outcome: null };
      requests.push(entry);
      const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
        entry.status = status;
        send(res, status, body, headers);
      };
      const refuse = (status: number, body: unknown, headers?: Record<string, string>) => {
        entry.outcome = "refused";
        answer(status, body, headers);
      };
      const drop = () => {
        entry.status = "network";
        req.socket.destroy();
      };
      /** What a queued failure does to the answer of an accepted (or replayed) request. */
      const spoiled = async (failure: ResendFailure | undefined, response: unknown) => {
        if (failure?.kind === "malformed") return answer(200, '{"id": "4ef9a417-02e9');
        if (failure?.kind === "server_error") return answer(500, error(500, "internal_server_error", "An unexpected error occurred."));
        if (failure?.kind === "network") return drop();
        if (failure?.kind === "slow") await new Promise((r) => setTimeout(r, failure.delayMs));
        answer(200, response);
      };
      if (req.method !== "POST" || (path !== "/emails" && path !== "/emails/batch")) return refuse(404, error(404, "not_found", "Not found"));
      const failure = failures.shift();
      if (failure?.kind === "rate_limit") return refuse(429, error(429, "rate_limit_exceeded", "Too many requests"), { "retry-after": String(failure.retryAfterSeconds ?? 1) });
      if (failure?.kind === "daily_quota") return refuse(429, error(429, "daily_quota_exceeded", "You have reached your daily email sending quota."));
      if (failure?.kind === "validation") return refuse(422, error(422, "validation_error", failure.message ?? "Invalid `to` field."));
      if (failure?.kind === "server_error" && !failure.accepted) return refuse(500, error(500, "internal_server_error", "An unexpected error occurred."));
      if (failure?.kind === "network" && !failure.accepted) {
        entry.outcome = "refused";
        return drop();
      }
      if (!String(req.headers.authorization ?? "").startsWith("Bearer re_")) return refuse(401, error(401, "missing_api_key", "Missing API key"));
      if (key) {
        const seen = byKey.get(key);
        if (seen === "in_flight") return refuse(409, error(409, "concurrent_idempotent_requests", "Same idempotency key is being processed"));
        if (seen && seen.body !== raw) return refuse(409, error(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload."));
        if (seen) {
          entry.outcome = "replayed";
          return spoiled(failure, seen.response);
        }
        byKey.set(key, "in_flight");
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        if (key) byKey.delete(key);
        return refuse(422, error(422, "validation_error", "Invalid JSON"));
      }
      const emails = path === "/emails" ? [parsed] : Array.isArray(parsed) ? parsed : [];
      const ids = emails.map(() => randomUUID());
      emails.forEach((email, i) => {
        const touch = touchFromTags(email);
        if (touch) deliveries.push({ provider: "resend", ...touch, messageId: ids[i]! });
      });
      const response = path === "/emails" ? { id: ids[0] } : { data: ids.map((id) => ({ id })), errors: [] };
      if (key) byKey.set(key, { body: raw, response });
      entry.outcome = "accepted";
      await self.onAccepted?.({ path, emails: emails.length });
      await spoiled(failure, response);
    })().catch((err: unknown) => send(res, 500, error(500, "internal_server_error", String(err))));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(self, {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    requests,
    queueFailures: (...f: ResendFailure[]) => void failures.push(...f),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
