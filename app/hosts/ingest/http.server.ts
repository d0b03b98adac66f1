// Host webhooks on Node's own request and response, for the server's fast path in front of Express
// (fast-path.server.ts): the same answers as the Remix route (both go through
// ingestWebhook), without Remix's route matching and the Fetch Request/Response it builds around
// every request, which together cost more CPU than verifying and storing the webhook.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ingestWebhook, type IngestDeps, MAX_WEBHOOK_BYTES } from "./receive.server";

function fetchHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** The body, or "too_large" (then the rest is not read and the connection closes after the answer). */
export function readNodeBody(req: IncomingMessage, limit = MAX_WEBHOOK_BYTES): Promise<Buffer | "too_large"> {
  const declared = Number(req.headers["content-length"] ?? "");
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve("too_large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        resolve("too_large");
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAborted = () => onError(new Error("request aborted"));
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...(close ? { Connection: "close" } : {}),
  });
  res.end(text);
}

/** POST /webhooks/hosts/<host>; never rejects (a failure to store is answered 500: the host redelivers). */
export async function handleWebhookHttp(deps: IngestDeps, host: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let tooLarge = false;
  try {
    const answer = await ingestWebhook(deps, host, fetchHeaders(req), async () => {
      const body = await readNodeBody(req);
      tooLarge = body === "too_large";
      return body;
    });
    send(res, answer.status, answer.body, tooLarge);
  } catch (err) {
    deps.logger.error({ err, host }, "host webhook failed");
    send(res, 500, { error: { code: "internal", message: "The webhook could not be stored; deliver it again" } });
  }
}

