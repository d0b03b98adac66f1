// What every host connector turns its webhooks into: host-neutral domain events, with contact data
// already normalised (lower-case emails, E.164 phones, two-letter regions). Ingestion only ever
// sees these types, never a host's own payload shapes.
import { IANAZone } from "luxon";

export interface CustomerInput {
  hostCustomerId: string;
  firstName?: string;
  lastName?: string;
  /** Lower-cased; absent when the host had none or only an unusable one. */
  email?: string;
  /** E.164; absent when the host had none or only an unparseable one. */
  phone?: string;
  /** IANA zone name (e.g. America/Chicago). */
  timezone?: string;
  /** Two-letter state/province code (e.g. FL) when known. */
  region?: string;
  /** ISO 3166-1 alpha-2 (e.g. US) when known. */
  country?: string;
}

export interface JobInput {
  hostJobId: string;
  title?: string;
  serviceType?: string | null;
  /** The host's own status word (completed, requires_invoicing, ...), kept for display. */
  status: string;
  completedAt?: Date | null;
  /** The host's per-job "do not ask for a review" flag. */
  noReviewRequest?: boolean;
  /** The host's time for this state; older events must never overwrite newer state. */
  occurredAt?: Date;
  customer: CustomerInput;
}

export type DomainEvent =
  | { type: "job.completed" | "job.updated" | "job.cancelled"; job: JobInput }
  | { type: "customer.updated"; customer: CustomerInput; occurredAt?: Date }
  | { type: "app.uninstalled" }
  | { type: "customers.data_request"; hostCustomerId: string }
  | { type: "customers.redact"; hostCustomerId: string }
  | { type: "account.redact" };

export type DomainEventType = DomainEvent["type"];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A verified, parsed webhook as stored (host_event) before processing. */
export interface HostWebhook {
  /** The host's event id, or one derived deterministically from the payload: the dedupe key. */
  eventId: string;
  topic: string;
  /** The host's account id (business.external_account_id). */
  accountId: string;
  occurredAt?: Date;
  /** The body as received (JSON); toDomainEvents re-reads it, so a stored row can be replayed. */
  payload: JsonObject;
}

// ---------------------------------------------------------------------------------------------
// Normalisation. Junk is dropped (undefined), never stored: a wrong address is worse than none.

const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[^\s@"(),:;<>[\\\]]+\.[a-z]{2,}$/i;

export function normalizeEmail(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) return undefined;
  return email;
}

/** Countries whose numbers are written nationally as 10 NANP digits (+1). */
const NANP_COUNTRIES = new Set(["US", "CA", "PR", "VI", "GU", "AS", "MP"]);

function validNanp(tenDigits: string): boolean {
  // NPA and NXX both start with 2-9 (no leading 0/1), e.g. 415-555-0100.
  return /^[2-9]\d{2}[2-9]\d{6}$/.test(tenDigits);
}

/**
 * To E.164. International forms (+44..., 0044...) are kept when plausible; national numbers are
 * only understood for NANP (10 digits, or 11 starting with 1), the hosts' home market, unless
 * the customer's country says otherwise. Extensions are dropped.
 */
export function normalizePhone(raw: string | null | undefined, country?: string): string | undefined {
  if (!raw) return undefined;
  const main = raw.trim().split(/\s*(?:ext\.?|extension|x|#)\s*\d+\s*$/i)[0] ?? "";
  if (/[a-z]/i.test(main)) return undefined;
  const international = main.startsWith("+") || main.startsWith("00");
  const digits = main.replace(/\D/g, "");
  if (international) {
    const e164 = main.startsWith("+") ? digits : digits.slice(2);
    if (e164.startsWith("1")) return e164.length === 11 && validNanp(e164.slice(1)) ? `+${e164}` : undefined;
    return /^[2-9]\d{7,14}$/.test(e164) ? `+${e164}` : undefined;
  }
  if (country && !NANP_COUNTRIES.has(country)) return undefined;
  if (digits.length === 10 && validNanp(digits)) return `+1${digits}`;
  if (digits.length === 11 && digits.startsWith("1") && validNanp(digits.slice(1))) return `+${digits}`;
  return undefined;
}

const COUNTRY_NAMES: Record<string, string> = {
  "united states": "US",
  "united states of america": "US",
  usa: "US",
  "u.s.": "US",
  "u.s.a.": "US",
  america: "US",
  canada: "CA",
  "united kingdom": "GB",
  uk: "GB",
  "great britain": "GB",
  england: "GB",
  australia: "AU",
  "new zealand": "NZ",
  ireland: "IE",
  "puerto rico": "PR",
};

export function normalizeCountry(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  const value = raw.trim();
  if (/^[a-z]{2}$/i.test(value)) return value.toUpperCase();
  return COUNTRY_NAMES[value.toLowerCase()];
}

const REGION_NAMES: Record<string, string> = {
  alabama: "AL", alaska: "AK", arizona: "AZ", arkansas: "AR", california: "CA", colorado: "CO",
  connecticut: "CT", delaware: "DE", "district of columbia": "DC", florida: "FL", georgia: "GA",
  hawaii: "HI", idaho: "ID", illinois: "IL", indiana: "IN", iowa: "IA", kansas: "KS", kentucky: "KY",
  louisiana: "LA", maine: "ME", maryland: "MD", massachusetts: "MA", michigan: "MI", minnesota: "MN",
  mississippi: "MS", missouri: "MO", montana: "MT", nebraska: "NE", nevada: "NV",
  "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
  "north carolina": "NC", "north dakota": "ND", ohio: "OH", oklahoma: "OK", oregon: "OR",
  pennsylvania: "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
  tennessee: "TN", texas: "TX", utah: "UT", vermont: "VT", virginia: "VA", washington: "WA",
  "west virginia": "WV", wisconsin: "WI", wyoming: "WY",
  alberta: "AB", "british columbia": "BC", manitoba: "MB", "new brunswick": "NB",
  "newfoundland and labrador": "NL", "nova scotia": "NS", ontario: "ON", "prince edward island": "PE",
  quebec: "QC", "québec": "QC", saskatchewan: "SK", "northwest territories": "NT", nunavut: "NU", yukon: "YT",
};

/** Two-letter state/province code; full US and Canadian names are mapped (quiet-hour rules are per state). */
export function normalizeRegion(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  const value = raw.trim();
  if (/^[a-z]{2}$/i.test(value)) return value.toUpperCase();
  return REGION_NAMES[value.toLowerCase().replace(/\s+/g, " ")];
}

export function normalizeTimezone(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  const zone = raw.trim();
  return IANAZone.isValidZone(zone) ? zone : undefined;
}

function cleanName(raw: string | null | undefined): string | undefined {
  const name = raw?.trim().replace(/\s+/g, " ");
  return name ? name.slice(0, 200) : undefined;
}

/** A customer as a host describes it, before normalisation. */
export interface RawCustomer {
  hostCustomerId: string;
  firstName?: string | null;
  lastName?: string | null;
  /** Candidates in order of preference; the first usable one wins. */
  emails?: ReadonlyArray<string | null | undefined>;
  phones?: ReadonlyArray<string | null | undefined>;
  timezone?: string | null;
  region?: string | null;
  country?: string | null;
}

export function normalizeCustomer(raw: RawCustomer): CustomerInput {
  const country = normalizeCountry(raw.country);
  const customer: CustomerInput = { hostCustomerId: raw.hostCustomerId };
  const set = <K extends keyof CustomerInput>(key: K, value: CustomerInput[K] | undefined) => {
    if (value !== undefined) customer[key] = value;
  };
  set("firstName", cleanName(raw.firstName));
  set("lastName", cleanName(raw.lastName));
  set("email", firstDefined(raw.emails ?? [], normalizeEmail));
  // A country we cannot place (Mexico also dials 10 digits) must not be read as NANP.
  const phoneCountry = country ?? (raw.country?.trim() ? "ZZ" : undefined);
  set("phone", firstDefined(raw.phones ?? [], (p) => normalizePhone(p, phoneCountry)));
  set("timezone", normalizeTimezone(raw.timezone));
  set("region", normalizeRegion(raw.region));
  set("country", country);
  return customer;
}

function firstDefined<T>(items: ReadonlyArray<T>, map: (item: T) => string | undefined): string | undefined {
  for (const item of items) {
    const value = map(item);
    if (value !== undefined) return value;
  }
  return undefined;
}
