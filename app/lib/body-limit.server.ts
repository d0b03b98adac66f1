// Request bodies are capped per route group before they are read: a declared Content-Length over
// the cap is refused without reading a byte, and a chunked body is counted as it arrives and cut
// off at the cap. Routes read bodies lazily, so a route that checks its configuration or its
// signature headers first (webhooks without a secret) answers without reading the body at all.
import type { IncomingMessage } from "node:http";
import type { RouteGroup } from "./request-path.server";

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The caps. Links and forms carry a token and a short message; webhooks are JSON events or
 * form-encoded callbacks (Resend, Twilio and hosts send single events well under 1 MB); the admin's
 * largest form is a template; Inngest posts a function run with its event and step state.
 */
export const BODY_LIMITS: Readonly<Record<RouteGroup, number>> = {
  links: 64 * KiB,
  forms: 64 * KiB,
  webhooks: 1 * MiB,
  admin: 1 * MiB,
  inngest: 4 * MiB,
};

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request bodies here are limited to ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** True when the request declares a body longer than `limit`. */
export function declaresTooLarge(req: Pick<IncomingMessage, "headers">, limit: number): boolean {
  const declared = Number(req.headers["content-length"] ?? "");
  return Number.isFinite(declared) && declared > limit;
}

/**
 * The request body as a web stream that errors with BodyTooLargeError once more than `limit`
 * bytes arrived (and then stops reading the socket). Pull-based: nothing is read until the route
 * reads the body, and at most one chunk is held at a time.
 */
export function limitedBody(req: IncomingMessage, limit: number, onTooLarge: () => void): ReadableStream<Uint8Array> {
  let received = 0;
  let done = false;
  const detach = () => {
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", onError);
    req.off("aborted", onAborted);
  };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const finish = (err?: Error) => {
    if (done) return;
    done = true;
    detach();
    if (err) controller.error(err);
    else controller.close();
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) {
      req.pause();
      onTooLarge();
      finish(new BodyTooLargeError(limit));
      return;
    }
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  const onEnd = () => finish();
  const onError = (err: Error) => finish(err);
  const onAborted = () => finish(new Error("request aborted"));
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        req.on("data", onData);
        req.on("end", onEnd);
        req.on("error", onError);
        req.on("aborted", onAborted);
        // Attaching "data" starts the flow; wait for the first read instead.
        req.pause();
      },
      pull() {
        if (!done) req.resume();
      },
      cancel() {
        done = true;
        detach();
        req.pause();
      },
    },
    // Nothing is read ahead: the socket is read only while the route reads the body.
    { highWaterMark: 0 },
  );
}
