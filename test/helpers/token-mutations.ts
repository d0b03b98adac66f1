// Mutations of VALID link tokens (`<base64url body>.<base64url MAC>`), for properties that must
// reach the inputs an attacker would try: one character changed, cut short, extended, a foreign
// character inserted, or the body and MAC of two genuine tokens recombined. Random strings almost
// never get past the split on "."; these do, and land on the MAC check and the payload decoding.
import fc from "fast-check";
import { type LinkKind, type LinkPayload, signLinkToken } from "~/links/tokens.server";

export const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export const linkPayload: fc.Arbitrary<LinkPayload> = fc.record({
  kind: fc.constantFrom<LinkKind>("review", "unsubscribe", "feedback"),
  enrollmentId: fc.uuid(),
  position: fc.integer({ min: 1, max: 4 }),
});

/** Characters a lenient decoder might skip or fold: padding, whitespace, standard base64, junk. */
const stray = fc.constantFrom("=", "==", " ", "\t", "+", "/", "!", "%", "~", "\u00a0", ".");

export type TokenMutation =
  | { type: "flip"; at: number; to: string }
  | { type: "truncate"; keep: number }
  | { type: "extend"; tail: string }
  | { type: "insert"; at: number; text: string }
  | { type: "swap-mac" | "swap-body"; other: LinkPayload };

export const tokenMutation: fc.Arbitrary<TokenMutation> = fc.oneof(
  fc.record({ type: fc.constant("flip" as const), at: fc.nat(), to: fc.constantFrom(...BASE64URL) }),
  fc.record({ type: fc.constant("truncate" as const), keep: fc.nat() }),
  fc.record({ type: fc.constant("extend" as const), tail: fc.oneof(fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 1, maxLength: 4 }), stray) }),
  fc.record({ type: fc.constant("insert" as const), at: fc.nat(), text: stray }),
  fc.record({ type: fc.constantFrom("swap-mac" as const, "swap-body" as const), other: linkPayload }),
);

/** The token after the mutation; may equal the token (swapping with itself): callers skip those. */
export function mutateToken(secret: string, token: string, m: TokenMutation): string {
  const [body, mac] = token.split(".") as [string, string];
  switch (m.type) {
    case "flip": {
      const at = m.at % token.length;
      // Always a different character: the next one in the alphabet when the draw is the same.
      const to = token[at] === m.to ? BASE64URL[(BASE64URL.indexOf(m.to) + 1) % BASE64URL.length]! : m.to;
      return token.slice(0, at) + to + token.slice(at + 1);
    }
    case "truncate":
      return token.slice(0, m.keep % token.length);
    case "extend":
      return token + m.tail;
    case "insert": {
      const at = m.at % (token.length + 1);
      return token.slice(0, at) + m.text + token.slice(at);
    }
    case "swap-mac":
      return `${body}.${signLinkToken(secret, m.other).split(".")[1]}`;
    case "swap-body":
      return `${signLinkToken(secret, m.other).split(".")[0]}.${mac}`;
  }
}
