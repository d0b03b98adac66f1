// A local Redis (REDIS_URL) for @upstash/ratelimit: ioredis takes scripts as
// `evalsha(sha, numKeys, ...keys, ...args)`, the library calls `evalsha(sha, keys[], args[])`.
// Errors pass through untouched: the library falls back to EVAL when their text says NOSCRIPT.
//
// Since ratelimit-js#154 (in 2.2.0) its scripts open with `#!lua flags=allow-key-locking`, a flag
// only Upstash knows; stock Redis 7 rejects the script ("Unexpected flag in script shebang") and
// Redis 6 has no shebangs at all. So scripts are rewritten without it, and the library's SHA (of
// the original text) is mapped to the SHA of the script Redis actually caches.
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "~/logger.server";
import type { ScriptRedis } from "./script-redis.server";

type ScriptArg = string | number;

/** The same encoding @upstash/redis uses for arguments, so both stores see identical scripts input. */
function encodeArg(arg: unknown): ScriptArg {
  if (typeof arg === "string" || typeof arg === "number") return arg;
  if (typeof arg === "boolean") return String(arg);
  return JSON.stringify(arg) ?? "";
}

const UPSTASH_ONLY_SCRIPT_FLAGS = new Set(["allow-key-locking"]);

/**
 * The script without Upstash-only shebang flags. A shebang left with no flags is dropped, giving
 * the classic EVAL semantics the library's scripts had before the flag was added.
 */
export function scriptForStockRedis(script: string): string {
  const lineEnd = script.indexOf("\n");
  const firstLine = lineEnd === -1 ? script : script.slice(0, lineEnd);
  if (!firstLine.startsWith("#!lua")) return script;
  const options = firstLine
    .split(/\s+/)
    .slice(1)
    .map((part) =>
      part.startsWith("flags=")
        ? `flags=${part
            .slice("flags=".length)
            .split(",")
            .filter((flag) => flag && !UPSTASH_ONLY_SCRIPT_FLAGS.has(flag))
            .join(",")}`
        : part,
    )
    .filter((part) => part !== "flags=");
  const rest = lineEnd === -1 ? "" : script.slice(lineEnd);
  return options.length === 0 ? rest.replace(/^\n/, "") : `#!lua ${options.join(" ")}${rest}`;
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

export function ioredisScriptRedis(client: Redis): ScriptRedis {
  // Library SHA → SHA of the rewritten script, learned on EVAL. Until then (and after SCRIPT
  // FLUSH) EVALSHA answers NOSCRIPT and the library sends the script with EVAL.
  const localSha = new Map<string, string>();
  return {
    evalsha: (sha, keys, args) =>
      client.evalsha(localSha.get(sha) ?? sha, keys.length, ...keys, ...args.map(encodeArg)),
    eval: (script, keys, args) => {
      const local = scriptForStockRedis(script);
      if (local !== script) localSha.set(sha1(script), sha1(local));
      return client.eval(local, keys.length, ...keys, ...args.map(encodeArg));
    },
  };
}

/**
 * A client whose every command settles within about `timeoutMs`: connection attempts and commands
 * are bounded, and while Redis is down a command fails after one reconnection attempt instead of
 * waiting in the offline queue.
 */
export function createSendRateRedisClient(url: string, options: { timeoutMs: number; logger: Logger }): Redis {
  const client = new Redis(url, {
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    lazyConnect: true,
  });
  // Without a listener ioredis reports every failed reconnection as an unhandled error event.
  let lastError = "";
  client.on("error", (err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    options.logger.warn({ err }, "rate-limit Redis connection error");
  });
  client.on("ready", () => {
    lastError = "";
  });
  return client;
}

export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === "ready") {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
}
