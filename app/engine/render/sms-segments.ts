// How many SMS parts a text costs, counted the way carriers split it: GSM-7 when every character
// is in the GSM 03.38 default alphabet or its extension table (extension characters take two
// septets), otherwise UCS-2 (UTF-16 code units). A concatenated message loses room to the UDH
// header, and a part never ends in the middle of an escape sequence or a surrogate pair.

export type SmsEncoding = "GSM-7" | "UCS-2";

export interface SmsSegmentInfo {
  encoding: SmsEncoding;
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text occupies. */
  units: number;
  /** Room per part at this length: 160/153 for GSM-7, 70/67 for UCS-2. */
  unitsPerSegment: number;
}

export const SMS_LIMITS = {
  "GSM-7": { single: 160, multi: 153 },
  "UCS-2": { single: 70, multi: 67 },
} as const;

const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION = "^{}\\[~]|€\f";

const basic = new Set(GSM_BASIC);
const extension = new Set(GSM_EXTENSION);

/** Septets a character takes in GSM-7, or null when it is not representable. */
function gsmSeptets(ch: string): 1 | 2 | null {
  if (basic.has(ch)) return 1;
  if (extension.has(ch)) return 2;
  return null;
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (gsmSeptets(ch) === null) return false;
  return true;
}

/** Packs characters of the given widths into parts of `size` units, never splitting one. */
function packParts(widths: number[], size: number): number {
  let parts = 1;
  let used = 0;
  for (const w of widths) {
    if (used + w > size) {
      parts += 1;
      used = 0;
    }
    used += w;
  }
  return parts;
}

export function smsSegments(text: string): SmsSegmentInfo {
  const gsm = isGsm7(text);
  const encoding: SmsEncoding = gsm ? "GSM-7" : "UCS-2";
  const limits = SMS_LIMITS[encoding];
  // Iterating a string yields code points: a surrogate pair is one item of width 2.
  const widths = Array.from(text, (ch) => (gsm ? (gsmSeptets(ch) ?? 1) : ch.length));
  const units = widths.reduce((a, b) => a + b, 0);
  if (units === 0) return { encoding, segments: 0, units, unitsPerSegment: limits.single };
  if (units <= limits.single) return { encoding, segments: 1, units, unitsPerSegment: limits.single };
  return { encoding, segments: packParts(widths, limits.multi), units, unitsPerSegment: limits.multi };
}
