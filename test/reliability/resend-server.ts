// A stand-in for Resend's sending API as a real HTTP server on 127.0.0.1, for processors running
// in child processes (msw only intercepts inside its own process). It keeps Resend's idempotency
// rules (a repeated Idempotency-Key with the same body gets the first answer and sends nothing;
// with another body, 409) and records every email it accepted, by the touch its tags name: the
// provider's side of "no touch sent twice".
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ProviderDelivery } from "./invariants";

export type ResendServerFailure = "rate_limit" | "server_error" | "malformed";

export interface ResendServer {
  url: string;
  /** Emails accepted (each once, whatever the replays). */
  deliveries: ProviderDelivery[];
  /** Every request, replays and rejections included. */
  requests: { path: string; key: string | null; status: number }[];
  /** The next requests fail in this order. */
  queueFailures(...failures: ResendServerFailure[]): void;
  /**
   * Called once a request's emails are accepted, before the answer is written: a test can kill
   * the sender here, so the provider has the emails and the sender never learns it.
   */
  onAccepted: ((info: { path: string; emails: number }) => Promise<void> | void) | null;
  close(): Promise<void>;
}

interface EmailBody {
  tags?: { name?: unknown; value?: unknown }[];
}

function touchOf(email: EmailBody): { enrollmentId: string; position: number } | null {
  const tags = Object.fromEntries((email.tags ?? []).map((t) => [String(t.name), String(t.value)]));
  const position = Number(tags.touch);
  return tags.enrollment_id && Number.isInteger(position) ? { enrollmentId: tags.enrollment_id, position } : null;
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

export async function startResendServer(): Promise<ResendServer> {
  const deliveries: ProviderDelivery[] = [];
  const requests: ResendServer["requests"] = [];
  const failures: ResendServerFailure[] = [];
  const byKey = new Map<string, { body: string; response: unknown } | "in_flight">();

  const self: Pick<ResendServer, "onAccepted"> = { onAccepted: null };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? "").split("?")[0]!;
      const key = (req.headers["idempotency-key"] as string | undefined) ?? null;
      const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
        requests.push({ path, key, status });
        send(res, status, body, headers);
      };
      if (req.method !== "POST" || (path !== "/emails" && path !== "/emails/batch")) return answer(404, { statusCode: 404, name: "not_found", message: "Not found" });
      const failure = failures.shift();
      if (failure === "rate_limit") return answer(429, { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" }, { "retry-after": "1" });
      if (failure === "server_error") return answer(500, { statusCode: 500, name: "internal_server_error", message: "An unexpected error occurred." });
      if (failure === "malformed") return answer(200, '{"id": "4ef9a417-02e9');
      if (!String(req.headers.authorization ?? "").startsWith("Bearer re_")) return answer(401, { statusCode: 401, name: "missing_api_key", message: "Missing API key" });
      if (key) {
        const seen = byKey.get(key);
        if (seen === "in_flight") return answer(409, { statusCode: 409, name: "concurrent_idempotent_requests", message: "Same idempotency key is being processed" });
        if (seen && seen.body !== raw) return answer(409, { statusCode: 409, name: "invalid_idempotent_request", message: "Same idempotency key used with a different request payload." });
        if (seen) return answer(200, seen.response);
        byKey.set(key, "in_flight");
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        if (key) byKey.delete(key);
        return answer(422, { statusCode: 422, name: "validation_error", message: "Invalid JSON" });
      }
      const emails = (path === "/emails" ? [parsed] : Array.isArray(parsed) ? parsed : []) as EmailBody[];
      const ids = emails.map(() => randomUUID());
      emails.forEach((email, i) => {
        const touch = touchOf(email);
        if (touch) deliveries.push({ provider: "resend", ...touch, messageId: ids[i]! });
      });
      const response = path === "/emails" ? { id: ids[0] } : { data: ids.map((id) => ({ id })), errors: [] };
      if (key) byKey.set(key, { body: raw, response });
      await self.onAccepted?.({ path, emails: emails.length });
      answer(200, response);
    })().catch((err: unknown) => send(res, 500, { statusCode: 500, name: "internal_server_error", message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(self, {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    requests,
    queueFailures: (...f: ResendServerFailure[]) => void failures.push(...f),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
