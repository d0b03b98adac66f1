// What a texted reply means, in one place (docs/compliance.md, "Texting keywords").
//
// The keyword lists are Twilio's reserved keywords (/work reference: integrations.md), which are
// also the CTIA and FCC per-se opt-out words: when Twilio's default opt-out handling is on, Twilio
// itself answers them and blocks the number after STOP. The FCC's revocation rule (47 CFR
// 64.1200(a)(10)) also accepts "any reasonable means": the phrases below ("stop texting me",
// "please remove me", "opt out") are opt-outs too, though Twilio neither answers nor blocks them.
import { MAX_TOUCHES } from "~/domain/campaigns.server";

export const SMS_KEYWORDS = {
  optOut: ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"],
  optIn: ["START", "UNSTOP", "YES"],
  help: ["HELP", "INFO"],
} as const;

export type SmsKeywordKind = keyof typeof SMS_KEYWORDS;

/** Who answers the reserved keywords (SMS_KEYWORD_REPLIES). */
export type KeywordReplies = "twilio" | "kudos";

export interface SmsKeyword {
  kind: SmsKeywordKind;
  /**
   * The message is exactly one of Twilio's reserved keywords (trimmed, any case): with Twilio's
   * default handling on, Twilio has answered it already.
   */
  reservedByTwilio: boolean;
}

/** Words that add nothing to a one-word instruction ("STOP please", "please stop, thanks"). */
const FILLER = new Set(["PLEASE", "IT", "ME", "PLS", "PLZ", "PLEASEE", "NOW", "THANKS", "THANK", "YOU", "THX", "TY", "OK", "OKAY", "JUST", "ALL"]);

/**
 * Other ways of saying stop, matched on the message's words joined by single spaces (upper case,
 * apostrophes kept). Each is a whole instruction about messages, not a word that merely appears
 * ("I'll stop by" and "don't stop" are not opt-outs).
 */
const OPT_OUT_PHRASES: readonly RegExp[] = [
  /^(STOP|QUIT|CEASE|END) (TEXTING|MESSAGING|SENDING|CONTACTING|SPAMMING|BOTHERING|TXTING|MSGING)\b/,
  /^(STOP|END|QUIT|CANCEL|UNSUBSCRIBE)( ALL)?( THE| THESE| THIS| YOUR| THOSE)? (TEXTS?|MESSAGES?|MSGS?|SMS|TXTS?)\b/,
  /\b(REMOVE|UNSUBSCRIBE|DELETE) ME\b/,
  /\bOPT ME OUT\b/,
  /\bTAKE ME OFF\b/,
  /\b(DO NOT|DON'T|DONT) (TEXT|MESSAGE|CONTACT|SMS|TXT|EMAIL) ME\b/,
  /\bNO MORE (TEXTS?|MESSAGES?|MSGS?|TXTS?)\b/,
  /^LEAVE ME ALONE\b/,
  /^WRONG (NUMBER|PERSON|#)\b/,
];

const EDGES = /^[\s\p{P}\p{S}\p{Cf}]+|[\s\p{P}\p{S}\p{Cf}]+$/gu;

export function normalizeSmsText(body: string): string {
  return body.normalize("NFKC").replace(/[\u2018\u2019\u02bc]/g, "'").replace(EDGES, "").toUpperCase();
}

function words(text: string): string[] {
  return text.split(/[^\p{L}\p{N}']+/u).filter(Boolean);
}

function keywordKind(text: string): SmsKeywordKind | null {
  // "STOP ALL", "OPT OUT", "OPT-OUT" and "UN SUBSCRIBE" are the same word as "STOPALL", "OPTOUT"...
  const candidates = [text, text.replace(/[\s-]+/g, "")];
  for (const kind of Object.keys(SMS_KEYWORDS) as SmsKeywordKind[]) {
    const list: readonly string[] = SMS_KEYWORDS[kind];
    if (candidates.some((c) => list.includes(c))) return kind;
  }
  return null;
}

/** The message's meaning, or null for any other message (which gets no automatic answer). */
export function classifySmsKeyword(body: string): SmsKeyword | null {
  const reservedByTwilio = (kind: SmsKeywordKind) => (SMS_KEYWORDS[kind] as readonly string[]).includes(body.trim().toUpperCase());
  const text = normalizeSmsText(body);
  const exact = keywordKind(text);
  if (exact) return { kind: exact, reservedByTwilio: reservedByTwilio(exact) };
  const all = words(text);
  const meaningful = all.filter((w) => !FILLER.has(w));
  // A keyword with only polite words around it: "STOP please", "please stop thank you".
  if (meaningful.length > 0 && meaningful.length <= 2) {
    const kind = keywordKind(meaningful.join(" "));
    if (kind && kind !== "optIn") return { kind, reservedByTwilio: false };
  }
  // Matched as written and without leading polite words ("Please stop texting me").
  const lead = all.findIndex((w) => !FILLER.has(w));
  const forms = [all.join(" "), all.slice(Math.max(lead, 0)).join(" ")];
  if (OPT_OUT_PHRASES.some((re) => forms.some((f) => re.test(f)))) return { kind: "optOut", reservedByTwilio: false };
  return null;
}

/** Twilio's inbound OptOutType parameter (present when Twilio's opt-out handling acted). */
export function keywordFromOptOutType(value: string | null | undefined): SmsKeywordKind | null {
  switch (value?.trim().toUpperCase()) {
    case "STOP":
      return "optOut";
    case "START":
      return "optIn";
    case "HELP":
      return "help";
    default:
      return null;
  }
}

/** Message frequency as HELP must state it: one message per touch, at most MAX_TOUCHES per job. */
export const SMS_FREQUENCY = `up to ${MAX_TOUCHES} msgs per job`;
export const SMS_RATES = "Msg & data rates may apply";

/**
 * Says exactly what a texted STOP stopped (docs/compliance.md): texts from this number and, when a
 * business knows the person, that business's review requests by email too.
 */
export function optOutReply(brand: string, knownBusiness = true): string {
  return knownBusiness
    ? `${brand}: You're unsubscribed: no more texts from this number, and no more review requests from ${brand} by text or email. Reply START for texts again.`
    : `${brand}: You're unsubscribed and will get no more texts from this number. Reply START for texts again.`;
}

export function optInReply(brand: string): string {
  return `${brand}: You're resubscribed to review request texts, ${SMS_FREQUENCY}. ${SMS_RATES}. Reply HELP for help, STOP to opt out.`;
}

export function helpReply(brand: string, contact: string | null): string {
  const help = contact ? ` Help: ${contact}.` : "";
  return `${brand} review requests, ${SMS_FREQUENCY}.${help} ${SMS_RATES}. Reply STOP to opt out.`;
}
