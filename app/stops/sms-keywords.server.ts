// The SMS keywords a customer can text back (CTIA messaging principles), in one place. A message
// is a keyword when, once surrounding spaces, punctuation and symbols are dropped and case is
// ignored, it is one of these words (" stop. ", "Stop!", "STOP 🛑", "stop all").
import { MAX_TOUCHES } from "~/domain/campaigns.server";

export const SMS_KEYWORDS = {
  optOut: ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"],
  optIn: ["START", "UNSTOP", "YES"],
  help: ["HELP", "INFO"],
} as const;

export type SmsKeywordKind = keyof typeof SMS_KEYWORDS;

const EDGES = /^[\s\p{P}\p{S}\p{Cf}]+|[\s\p{P}\p{S}\p{Cf}]+$/gu;

export function normalizeSmsText(body: string): string {
  return body.normalize("NFKC").replace(EDGES, "").toUpperCase();
}

/** The keyword's kind, or null for any other message (which gets no automatic answer). */
export function classifySmsKeyword(body: string): SmsKeywordKind | null {
  const text = normalizeSmsText(body);
  // "STOP ALL" and "UN SUBSCRIBE" are the same intent as their one-word forms.
  const candidates = [text, text.replace(/\s+/g, "")];
  for (const kind of Object.keys(SMS_KEYWORDS) as SmsKeywordKind[]) {
    const words: readonly string[] = SMS_KEYWORDS[kind];
    if (candidates.some((c) => words.includes(c))) return kind;
  }
  return null;
}

/** Message frequency as HELP must state it: one message per touch, at most MAX_TOUCHES per job. */
export const SMS_FREQUENCY = `up to ${MAX_TOUCHES} msgs per job`;
export const SMS_RATES = "Msg & data rates may apply";

export function optOutReply(brand: string): string {
  return `${brand}: You're unsubscribed and will receive no more texts from us. Reply START to resubscribe.`;
}

export function optInReply(brand: string): string {
  return `${brand}: You're resubscribed to review request texts, ${SMS_FREQUENCY}. ${SMS_RATES}. Reply HELP for help, STOP to opt out.`;
}

export function helpReply(brand: string, contact: string | null): string {
  const help = contact ? ` Help: ${contact}.` : "";
  return `${brand} review requests, ${SMS_FREQUENCY}.${help} ${SMS_RATES}. Reply STOP to opt out.`;
}
