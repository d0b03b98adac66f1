// Upstash Redis REST, as @upstash/redis speaks it, backed by the real local Redis so the rate
// limiter's real Lua runs. Protocol (node_modules/@upstash/redis, HttpClient.request):
// - POST <base>/            body ["EVALSHA", sha, numkeys, ...]      → {result} | 4xx {error}
// - POST <base>/pipeline    body [[cmd...], [cmd...]]                → [{result} | {error}, ...]
// - POST <base>/multi-exec  same, atomically
// - Authorization: Bearer <token>; with "Upstash-Encoding: base64" every string in a result is
//   base64-encoded (numbers and nulls are not).
// - Upstash accepts its own script flag `#!lua flags=allow-key-locking`, which stock Redis
//   rejects: like Upstash, the mock keys scripts by the SHA of the text it was sent, and runs them
//   on the local Redis without that flag.
import { createHash } from "node:crypto";
import { delay, http, HttpResponse } from "msw";
import type { Redis } from "ioredis";

export interface UpstashRecordedRequest {
  path: "/" | "/pipeline" | "/multi-exec";
  authorized: boolean;
  base64: boolean;
  commands: string[][];
}

type Reply = { result: unknown } | { error: string };

function encodeBase64(value: unknown): unknown {
  if (typeof value === "string") return Buffer.from(value, "utf8").toString("base64");
  if (Array.isArray(value)) return value.map(encodeBase64);
  return value ?? null;
}

function toCommand(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new Error("ERR command must be a non-empty JSON array");
  return raw.map((part) => (typeof part === "string" ? part : JSON.stringify(part)));
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

function withoutUpstashFlags(script: string): string {
  return script.replace(/^#!lua flags=allow-key-locking[^\n]*\n/, "");
}

export function createUpstashMock(options: { url: string; token: string; redis: Redis }) {
  const base = options.url.replace(/\/$/, "");
  const requests: UpstashRecordedRequest[] = [];
  const localSha = new Map<string, string>();

  /** The command as the local Redis must run it, and the reply Upstash would give instead, if any. */
  function translate(command: string[]): { local: string[]; reply?: unknown } {
    const [name = "", ...args] = command;
    const verb = name.toUpperCase();
    if (verb === "EVAL" && args[0] !== undefined) {
      const local = withoutUpstashFlags(args[0]);
      localSha.set(sha1(args[0]), sha1(local));
      return { local: [name, local, ...args.slice(1)] };
    }
    if ((verb === "EVALSHA" || verb === "EVALSHA_RO") && args[0] !== undefined) {
      return { local: [name, localSha.get(args[0].toLowerCase()) ?? args[0], ...args.slice(1)] };
    }
    if (verb === "SCRIPT" && args[0]?.toUpperCase() === "LOAD" && args[1] !== undefined) {
      const local = withoutUpstashFlags(args[1]);
      localSha.set(sha1(args[1]), sha1(local));
      return { local: [name, "LOAD", local], reply: sha1(args[1]) };
    }
    return { local: command };
  }

  async function accept(request: Request, path: UpstashRecordedRequest["path"], parse: (body: unknown) => string[][]) {
    const authorized = request.headers.get("authorization") === `Bearer ${options.token}`;
    const base64 = request.headers.get("upstash-encoding") === "base64";
    let commands: string[][];
    try {
      commands = parse(await request.json());
    } catch (err) {
      return { error: HttpResponse.json({ error: (err as Error).message }, { status: 400 }) };
    }
    requests.push({ path, authorized, base64, commands });
    if (!authorized) return { error: HttpResponse.json({ error: "Unauthorized" }, { status: 401 }) };
    return { commands, encode: (v: unknown) => (base64 ? encodeBase64(v) : (v ?? null)) };
  }

  async function runBatch(commands: string[][], atomic: boolean, encode: (v: unknown) => unknown): Promise<Reply[]> {
    const translated = commands.map(translate);
    const batch = atomic ? options.redis.multi() : options.redis.pipeline();
    for (const { local: [name = "", ...args] } of translated) batch.call(name, ...args);
    const results = (await batch.exec()) ?? [];
    return results.map(([err, result], i) =>
      err ? { error: err.message } : { result: encode(translated[i]?.reply ?? result) },
    );
  }

  const handlers = [
    http.post(`${base}/`, async ({ request }) => {
      const accepted = await accept(request, "/", (body) => [toCommand(body)]);
      if ("error" in accepted) return accepted.error;
      const { local, reply } = translate(accepted.commands[0] ?? []);
      const [name = "", ...args] = local;
      try {
        const result = await options.redis.call(name, ...args);
        return HttpResponse.json({ result: accepted.encode(reply ?? result) });
      } catch (err) {
        return HttpResponse.json({ error: (err as Error).message }, { status: 400 });
      }
    }),
    http.post(`${base}/pipeline`, async ({ request }) => {
      const accepted = await accept(request, "/pipeline", (body) => (body as unknown[]).map(toCommand));
      if ("error" in accepted) return accepted.error;
      return HttpResponse.json(await runBatch(accepted.commands, false, accepted.encode));
    }),
    http.post(`${base}/multi-exec`, async ({ request }) => {
      const accepted = await accept(request, "/multi-exec", (body) => (body as unknown[]).map(toCommand));
      if ("error" in accepted) return accepted.error;
      try {
        return HttpResponse.json(await runBatch(accepted.commands, true, accepted.encode));
      } catch (err) {
        return HttpResponse.json({ error: (err as Error).message }, { status: 400 });
      }
    }),
  ];

  return { handlers, requests };
}

/** Upstash failing: a 5xx on every path, or requests that never get an answer. */
export function upstashOutage(url: string, mode: { status: number } | "hang") {
  const base = url.replace(/\/$/, "");
  const respond = async () => {
    if (mode === "hang") {
      await delay("infinite");
      return HttpResponse.json({ error: "unreachable" }, { status: 504 });
    }
    return HttpResponse.json({ error: "Service Unavailable" }, { status: mode.status });
  };
  return [http.post(`${base}/`, respond), http.post(`${base}/pipeline`, respond), http.post(`${base}/multi-exec`, respond)];
}
