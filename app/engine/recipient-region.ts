// Where a recipient is, for quiet hours: their time zone(s) and the region(s) whose sending rules
// apply. Pure: no I/O, no clock.
import { AREA_CODE_GROUPS } from "./data/nanp-area-codes";
import { REGION_ALIASES, REGIONS, type RegionCountry } from "./data/regions";

export type TimezoneSource = "customer" | "phone" | "region" | "business";

export interface RecipientLocale {
  /** The main zone: the customer's own, else the phone's, else the address region's. */
  timezone: string;
  /**
   * Every further zone the recipient may be in (the phone's and the address's zones, states and
   * area codes spanning zones): quiet hours must hold in each of them too.
   */
  otherTimezones?: readonly string[];
  timezoneSource: TimezoneSource;
  /** The customer's region (state/province code) when known, else the phone's area-code region. */
  region: string | null;
  /**
   * Every region whose sending rules apply: the customer's region and the phone's area-code
   * region(s). Absent (hand-built locales): `region` alone.
   */
  ruleRegions?: readonly string[];
}

/** What resolveRecipientLocale returns: every field filled. */
export type ResolvedRecipientLocale = Required<RecipientLocale>;

export interface RecipientContact {
  timezone?: string | null;
  phone?: string | null;
  region?: string | null;
  country?: string | null;
}

export interface AreaCodeInfo {
  areaCode: number;
  regions: readonly string[];
  timezone: string;
  otherTimezones: readonly string[];
}

/** Used when even the business's own zone is unusable (the schema's default). */
export const FALLBACK_TIMEZONE = "America/New_York";

const AREA_CODES: ReadonlyMap<number, AreaCodeInfo> = new Map(
  AREA_CODE_GROUPS.flatMap((g) =>
    g.codes.map((code) => [
      code,
      { areaCode: code, regions: g.regions, timezone: g.timezone, otherTimezones: g.otherTimezones ?? [] },
    ]),
  ),
);

export function lookupAreaCode(areaCode: number): AreaCodeInfo | null {
  return AREA_CODES.get(areaCode) ?? null;
}

/**
 * A canonical IANA zone name, or null. Only "Area/Location" names (and UTC): bare abbreviations
 * such as "EST" are fixed offsets without daylight saving time and would put sends an hour off.
 */
// Building an Intl.DateTimeFormat costs ~0.1 ms, paid for every touch of a batch without this
// cache; the set of zone names is small (IANA has ~600), so it stays bounded in practice.
const canonicalZones = new Map<string, string | null>();
const CANONICAL_CACHE_LIMIT = 5_000;

export function canonicalTimezone(tz: string | null | undefined): string | null {
  const name = tz?.trim();
  if (!name || !(name.includes("/") || /^(UTC|GMT)$/i.test(name))) return null;
  const cached = canonicalZones.get(name);
  if (cached !== undefined) return cached;
  let canonical: string | null;
  try {
    canonical = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    canonical = null;
  }
  if (canonicalZones.size >= CANONICAL_CACHE_LIMIT) canonicalZones.clear();
  canonicalZones.set(name, canonical);
  return canonical;
}

type CountryClass = RegionCountry | "other" | null;

const COUNTRY_NAMES: Readonly<Record<string, RegionCountry>> = {
  us: "US",
  usa: "US",
  "u.s.": "US",
  "u.s.a.": "US",
  "united states": "US",
  "united states of america": "US",
  // Territories in the NANP: their region codes live with the US ones.
  pr: "US",
  "puerto rico": "US",
  vi: "US",
  gu: "US",
  guam: "US",
  as: "US",
  mp: "US",
  ca: "CA",
  can: "CA",
  canada: "CA",
};

function fold(s: string): string {
  return s.trim().toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ");
}

function classifyCountry(country: string | null | undefined): CountryClass {
  if (!country?.trim()) return null;
  return COUNTRY_NAMES[fold(country)] ?? "other";
}

/** "fl", "Florida", "US-FL" → "FL"; null when not a US/Canadian region (or not in `country`). */
export function normalizeRegion(region: string | null | undefined, country?: string | null): string | null {
  if (!region?.trim()) return null;
  const countryClass = classifyCountry(country);
  if (countryClass === "other") return null;
  const folded = fold(region).replace(/^(us|ca)-/, "");
  const upper = folded.toUpperCase();
  const code =
    Object.hasOwn(REGIONS, upper)
      ? upper
      : (REGION_ALIASES[folded] ??
        Object.entries(REGIONS).find(([, info]) => fold(info.name) === folded)?.[0] ??
        null);
  if (!code) return null;
  if (countryClass && REGIONS[code]?.country !== countryClass) return null;
  return code;
}

/**
 * The NANP area code of a phone number, or null. "+1..." numbers always count; numbers written
 * without a country code count unless the customer's country is outside the US and Canada.
 */
export function nanpAreaCode(phone: string | null | undefined, country?: string | null): number | null {
  if (!phone?.trim()) return null;
  const number = phone.trim().replace(/\s*(?:ext\.?|x|#)\s*\d+$/i, "");
  const digits = number.replace(/\D/g, "");
  let national: string;
  if (number.startsWith("+")) {
    if (digits.length !== 11 || !digits.startsWith("1")) return null;
    national = digits.slice(1);
  } else {
    if (classifyCountry(country) === "other") return null;
    if (digits.length === 10) national = digits;
    else if (digits.length === 11 && digits.startsWith("1")) national = digits.slice(1);
    else return null;
  }
  // NANP: area code and exchange both start with 2-9.
  if (!/^[2-9]\d{2}[2-9]\d{6}$/.test(national)) return null;
  return Number(national.slice(0, 3));
}

export function areaCodeOfPhone(phone: string | null | undefined, country?: string | null): AreaCodeInfo | null {
  const code = nanpAreaCode(phone, country);
  return code === null ? null : lookupAreaCode(code);
}

/**
 * Every zone the recipient may be in, without repeats: the customer's own IANA zone (when valid),
 * every zone of the phone's area code and every zone of the address region. The first of them is
 * the main zone (`timezone`); quiet hours must hold in each. Only when none of these is known is
 * the business's zone used. The region is the customer's when known, else the
 * area code's.
 *
 * An explicit customer zone joins the inferred ones rather than replacing them: platforms often
 * fill it with the account's own zone or leave it stale, and Florida presumes a Florida area code
 * belongs to a resident whatever else is on file. TCPA's safe reading is that the window must hold
 * wherever the recipient plausibly is, so a contradicting address or number narrows the window
 * instead of being ignored.
 */
export function resolveRecipientLocale(customer: RecipientContact, businessTimezone: string): ResolvedRecipientLocale {
  const customerRegion = normalizeRegion(customer.region, customer.country);
  const area = areaCodeOfPhone(customer.phone, customer.country);
  const region = customerRegion ?? area?.regions[0] ?? null;
  const ruleRegions = [...new Set([customerRegion, ...(area?.regions ?? [])].filter((r): r is string => r !== null))];
  const regionInfo = customerRegion ? REGIONS[customerRegion] : undefined;

  const own = canonicalTimezone(customer.timezone);
  const sources: Array<[TimezoneSource, readonly string[]]> = [
    ["customer", own ? [own] : []],
    ["phone", area ? [area.timezone, ...area.otherTimezones] : []],
    ["region", regionInfo ? [regionInfo.timezone, ...(regionInfo.otherTimezones ?? [])] : []],
  ];
  const zones: string[] = [];
  const seen = new Set<string>();
  let timezoneSource: TimezoneSource | null = null;
  for (const [source, names] of sources) {
    for (const name of names) {
      // Aliases (America/Indiana/Indianapolis, America/Indianapolis) count once.
      const key = canonicalTimezone(name) ?? name;
      if (seen.has(key)) continue;
      seen.add(key);
      zones.push(name);
      timezoneSource ??= source;
    }
  }
  if (timezoneSource === null) {
    return {
      region,
      ruleRegions,
      timezone: canonicalTimezone(businessTimezone) ?? FALLBACK_TIMEZONE,
      otherTimezones: [],
      timezoneSource: "business",
    };
  }
  return { region, ruleRegions, timezone: zones[0]!, otherTimezones: zones.slice(1), timezoneSource };
}
