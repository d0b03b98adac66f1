// SMS segment counts against an oracle independent of app/engine/render/sms-segments.ts: the GSM
// 03.38 alphabet typed here from 3GPP TS 23.038 §6.2.1 (by code position, not copied from the
// module), and segment counts written as literals worked out by hand from the standard's sizes:
// 160 septets in one part, 153 per part once concatenated (the UDH takes 7); 70 UTF-16 units in
// one part, 67 per part concatenated; an escape sequence or a surrogate pair never straddles parts.
import { describe, expect, it } from "vitest";
import { smsSegments } from "~/engine/render";

/** The default alphabet, code positions 0x00 to 0x7F; 0x1B is the escape to the extension table. */
const GSM_DEFAULT: Array<string | null> = [
  // 0x00
  "@", "£", "$", "¥", "è", "é", "ù", "ì", "ò", "Ç", "\n", "Ø", "ø", "\r", "Å", "å",
  // 0x10: Greek capitals (U+0394 Δ, U+03A6 Φ, U+0393 Γ, U+039B Λ, U+03A9 Ω, U+03A0 Π, U+03A8 Ψ, U+03A3 Σ, U+0398 Θ, U+039E Ξ)
  "\u0394", "_", "\u03a6", "\u0393", "\u039b", "\u03a9", "\u03a0", "\u03a8", "\u03a3", "\u0398", "\u039e", null, "Æ", "æ", "ß", "É",
  // 0x20
  " ", "!", '"', "#", "¤", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/",
  // 0x30
  "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ":", ";", "<", "=", ">", "?",
  // 0x40
  "¡", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O",
  // 0x50
  "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "Ä", "Ö", "Ñ", "Ü", "§",
  // 0x60
  "¿", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
  // 0x70
  "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "ä", "ö", "ñ", "ü", "à",
];
/** The extension table: ESC followed by 0x0A (form feed), 0x14, 0x28, 0x29, 0x2F, 0x3C, 0x3D, 0x3E, 0x40, 0x65. */
const GSM_EXTENSION = ["\f", "^", "{", "}", "\\", "[", "~", "]", "|", "€"];

const a = (n: number) => "a".repeat(n);

describe("smsSegments against GSM 03.38 typed from the standard", () => {
  it("has the 127 characters of the default alphabet and the 10 of the extension table", () => {
    expect(GSM_DEFAULT).toHaveLength(128);
    expect(GSM_DEFAULT.filter((c) => c !== null)).toHaveLength(127);
  });

  it("counts a default-alphabet character as one septet and an extension character as two", () => {
    for (const ch of GSM_DEFAULT) {
      if (ch === null) continue;
      expect(smsSegments(ch), JSON.stringify(ch)).toEqual({ encoding: "GSM-7", segments: 1, units: 1, unitsPerSegment: 160 });
      expect(smsSegments(ch.repeat(160)).segments, JSON.stringify(ch)).toBe(1);
    }
    for (const ch of GSM_EXTENSION) {
      expect(smsSegments(ch), JSON.stringify(ch)).toEqual({ encoding: "GSM-7", segments: 1, units: 2, unitsPerSegment: 160 });
    }
  });

  it("sends every other character of the Basic Multilingual Plane, and beyond, as UCS-2", () => {
    const gsm = new Set([...GSM_DEFAULT.filter((c): c is string => c !== null), ...GSM_EXTENSION]);
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // surrogate halves are not characters
      const ch = String.fromCodePoint(cp);
      if (gsm.has(ch)) continue;
      expect(smsSegments(`a${ch}`).encoding, `U+${cp.toString(16).padStart(4, "0")}`).toBe("UCS-2");
    }
    for (const ch of ["😀", "𝄞", "🇺🇸", "\u{10ffff}"]) expect(smsSegments(ch).encoding).toBe("UCS-2");
  });

  // [what, text, encoding, units, segments]: worked out by hand, see the header.
  const vectors: Array<[string, string, "GSM-7" | "UCS-2", number, number]> = [
    ["160 GSM-7 characters", a(160), "GSM-7", 160, 1],
    ["161 GSM-7 characters", a(161), "GSM-7", 161, 2],
    ["306 = 2 x 153", a(306), "GSM-7", 306, 2],
    ["307", a(307), "GSM-7", 307, 3],
    ["459 = 3 x 153", a(459), "GSM-7", 459, 3],
    ["460", a(460), "GSM-7", 460, 4],
    ["80 euro signs = 160 septets", "€".repeat(80), "GSM-7", 160, 1],
    ["81 euro signs", "€".repeat(81), "GSM-7", 162, 2],
    ["159 letters and a [", `${a(159)}[`, "GSM-7", 161, 2],
    ["each of {}[]~^|€\\ takes two", "{}[]~^|€\\", "GSM-7", 18, 1],
    ["a € that would straddle the first boundary moves to part two", `${a(152)}€${a(152)}`, "GSM-7", 306, 3],
    ["a € that ends part one exactly", `${a(151)}€${a(153)}`, "GSM-7", 306, 2],
    ["accented letters of the alphabet stay GSM-7", "Ça va? Très bien, Ørsted & Åsa: ¿Qué tal? Ünd ß", "GSM-7", 47, 1],
    ["70 UCS-2 characters", "ê".repeat(70), "UCS-2", 70, 1],
    ["71 UCS-2 characters", "ê".repeat(71), "UCS-2", 71, 2],
    ["134 = 2 x 67", "ê".repeat(134), "UCS-2", 134, 2],
    ["135", "ê".repeat(135), "UCS-2", 135, 3],
    ["201 = 3 x 67", "ê".repeat(201), "UCS-2", 201, 3],
    ["202", "ê".repeat(202), "UCS-2", 202, 4],
    ["one emoji makes 68 letters UCS-2: 70 units", `${a(68)}😀`, "UCS-2", 70, 1],
    ["one emoji after 69 letters: 71 units", `${a(69)}😀`, "UCS-2", 71, 2],
    ["a lower-case ç (not in GSM 03.38) after 159 letters", `${a(159)}ç`, "UCS-2", 160, 3],
    ["a phone's curly apostrophe", "It’s done", "UCS-2", 9, 1],
    ["extension characters count one unit in UCS-2", `${"€".repeat(69)}ê`, "UCS-2", 70, 1],
    ["... and 71 of them need two parts", `${"€".repeat(70)}ê`, "UCS-2", 71, 2],
    ["35 emoji = 70 units", "😀".repeat(35), "UCS-2", 70, 1],
    ["36 emoji: 33 fit in a part of 67", "😀".repeat(36), "UCS-2", 72, 2],
    ["67 emoji: 33 + 33 + 1, not ceil(134 / 67)", "😀".repeat(67), "UCS-2", 134, 3],
    ["a surrogate pair after 66 letters moves to part two", `${a(66)}${"😀".repeat(34)}`, "UCS-2", 134, 3],
    ["67 letters, 33 emoji and a letter fill two parts exactly", `${a(67)}${"😀".repeat(33)}a`, "UCS-2", 134, 2],
    ["a skin-tone emoji is two surrogate pairs", "👍🏽", "UCS-2", 4, 1],
  ];

  for (const [what, text, encoding, units, segments] of vectors) {
    it(`${what}: ${encoding}, ${units} units, ${segments} part${segments === 1 ? "" : "s"}`, () => {
      expect(smsSegments(text)).toMatchObject({ encoding, units, segments });
    });
  }
});
