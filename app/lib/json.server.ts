// Untrusted JSON is measured before it is parsed. V8's JSON.parse copes with any depth, but
// JSON.stringify (Prisma's Json columns, logs) and any recursive walk overflow the stack on a
// deeply nested value: a signed 200,000-deep array from a webhook would be a 500 instead of a 400.
// No event Kudos accepts is nested more than a few levels, so anything deeper is refused.

export const MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting of arrays and objects in a JSON text, scanning once without recursion, and
 * stopping as soon as `stopAt` is passed. Brackets inside strings do not count.
 */
export function jsonDepth(text: string, stopAt = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAt) return max;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return max;
}

export class JsonTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nested more than ${maxDepth} levels deep`);
    this.name = "JsonTooDeepError";
  }
}

/** JSON.parse for untrusted text: throws JsonTooDeepError past `maxDepth`, SyntaxError when invalid. */
export function parseUntrustedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepth(text, maxDepth) > maxDepth) throw new JsonTooDeepError(maxDepth);
  return JSON.parse(text) as unknown;
}
