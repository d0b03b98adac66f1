// Reading a webhook's raw body as a JSON object, with the 400 the protocol promises when it is not.
import { ValidationError } from "~/lib/errors.server";
import { JsonTooDeepError, parseUntrustedJson } from "~/lib/json.server";
import type { JsonObject } from "./events";

export function readJsonObject(rawBody: string | Uint8Array): JsonObject {
  const text = typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8");
  let value: unknown;
  try {
    value = parseUntrustedJson(text);
  } catch (err) {
    if (err instanceof JsonTooDeepError) throw new ValidationError({ body: `must not be nested more than ${err.maxDepth} levels deep` });
    throw new ValidationError({ body: "must be valid JSON" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError({ body: "must be a JSON object" });
  }
  return value as JsonObject;
}
