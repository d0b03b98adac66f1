// ═════════════════════════════════════════════════════════════════════════════════════════════
// SEND-WINDOW RULES: the one place where regulatory sending hours live.
//
// Regulatory facts change, so they are data here, never conditions in code. Times are minutes
// after the RECIPIENT's local midnight; start inclusive, end exclusive. The window a touch may be
// sent in is the business's own window intersected with every ENABLED rule that applies: the
// rules for "*" (every recipient) and those for each region the recipient is presumed to be in
// (the address region and the phone's area-code state: Florida presumes a Florida area code is a
// Florida resident).
//
// `confirmed` means the rule was checked against the compliance notes
// (/work/shared/reference/compliance.md). Only confirmed rules may be enabled: a test enforces it.
// Day-of-week and holiday rules (some states ban Sundays) are not modelled yet.
// ═════════════════════════════════════════════════════════════════════════════════════════════

export interface SendWindowRule {
  /** "*" for every recipient, else a region code from data/regions.ts. */
  appliesTo: string;
  startMinute: number;
  endMinute: number;
  citation: string;
  confirmed: boolean;
  enabled: boolean;
  note?: string;
}

export const SEND_WINDOW_RULES: readonly SendWindowRule[] = [
  {
    appliesTo: "*",
    startMinute: 8 * 60,
    endMinute: 21 * 60,
    citation: "TCPA 47 CFR 64.1200(c)(1)",
    confirmed: true,
    enabled: true,
    note: "Federal floor for US recipients; applied to Canadian recipients too, as the conservative choice.",
  },
  {
    appliesTo: "FL",
    startMinute: 8 * 60,
    endMinute: 20 * 60,
    citation: "Fla. Stat. §501.616",
    confirmed: true,
    enabled: true,
    note: "As amended 2021. Also caps messages at 3 per 24 h on the same subject (enforced elsewhere).",
  },

  // ── Unconfirmed: recalled from secondary sources, NOT enabled. Verify against the statute
  //    before setting confirmed/enabled. ───────────────────────────────────────────────────────
  {
    appliesTo: "MD",
    startMinute: 8 * 60,
    endMinute: 20 * 60,
    citation: "Maryland Stop the Spam Calls Act (2023)",
    confirmed: false,
    enabled: false,
  },
  {
    appliesTo: "WA",
    startMinute: 8 * 60,
    endMinute: 20 * 60,
    citation: "RCW 80.36.390",
    confirmed: false,
    enabled: false,
  },
  {
    appliesTo: "OK",
    startMinute: 8 * 60,
    endMinute: 21 * 60,
    citation: "Oklahoma Telephone Solicitation Act (2022)",
    confirmed: false,
    enabled: false,
    note: "Same hours as the federal floor; also a per-day message cap.",
  },
  {
    appliesTo: "TX",
    startMinute: 9 * 60,
    endMinute: 21 * 60,
    citation: "Tex. Bus. & Com. Code §301.051",
    confirmed: false,
    enabled: false,
    note: "Sundays reportedly 12:00-21:00, which this table cannot express yet.",
  },
];
