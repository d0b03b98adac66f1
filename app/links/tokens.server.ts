// Public tokens in message links: /r/<token> (tracked review link), /u/<token> (unsubscribe),
// /f/<token> (feedback). A token is its payload plus an HMAC-SHA256 over it, so it cannot be
// guessed, enumerated or altered; the payload binds it to one enrollment and touch.
import { createHmac, timingSafeEqual } from "node:crypto";

export type LinkKind = "review" | "unsubscribe" | "feedback";

export interface LinkPayload {
  kind: LinkKind;
  enrollmentId: string;
  position: number;
}

const KIND_CODE: Record<LinkKind, string> = { review: "r", unsubscribe: "u", feedback: "f" };
const CODE_KIND: Record<string, LinkKind> = { r: "review", u: "unsubscribe", f: "feedback" };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** 128 bits of MAC: far beyond guessing, short enough for an SMS link. */
const MAC_BYTES = 16;

function mac(secret: string, data: string): Buffer {
  return createHmac("sha256", secret).update(data).digest().subarray(0, MAC_BYTES);
}

export function signLinkToken(secret: string, payload: LinkPayload): string {
  const id = Buffer.from(payload.enrollmentId.replace(/-/g, ""), "hex");
  const body = Buffer.concat([Buffer.from(KIND_CODE[payload.kind]), Buffer.from([payload.position]), id]).toString("base64url");
  return `${body}.${mac(secret, body).toString("base64url")}`;
}

/** The payload, or null for anything malformed, tampered with, or of another kind. */
export function verifyLinkToken(secret: string, token: string, kind?: LinkKind): LinkPayload | null {
  if (typeof token !== "string" || token.length > 200) return null;
  const [body, sig, extra] = token.split(".");
  if (!body || !sig || extra !== undefined) return null;
  // Compared as text, not decoded: Node's base64 decoder skips padding, junk and the last
  // character's unused bits, which would let many spellings of one MAC through.
  const expected = Buffer.from(mac(secret, body).toString("base64url"));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const raw = Buffer.from(body, "base64url");
  if (raw.length !== 18) return null;
  const k = CODE_KIND[String.fromCharCode(raw[0]!)];
  const position = raw[1]!;
  const hex = raw.subarray(2).toString("hex");
  const enrollmentId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  if (!k || (kind && k !== kind) || position < 1 || position > 4 || !UUID.test(enrollmentId)) return null;
  return { kind: k, enrollmentId, position };
}

export interface LinkBuilder {
  review(enrollmentId: string, position: number): string;
  unsubscribe(enrollmentId: string, position: number): string;
  feedback(enrollmentId: string, position: number): string;
}

export function createLinkBuilder(appUrl: string, secret: string): LinkBuilder {
  const base = appUrl.replace(/\/$/, "");
  const link = (kind: LinkKind, path: string) => (enrollmentId: string, position: number) =>
    `${base}/${path}/${signLinkToken(secret, { kind, enrollmentId, position })}`;
  return { review: link("review", "r"), unsubscribe: link("unsubscribe", "u"), feedback: link("feedback", "f") };
}
