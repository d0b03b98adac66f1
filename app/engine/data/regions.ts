// US states, DC, US territories in the NANP, and Canadian provinces/territories: the code a
// customer's address region is normalised to, and the time zones a customer with that address may
// be in. `timezone` is the zone most of the population lives in (shown as the customer's zone);
// `otherTimezones` lists EVERY other zone in which part of the region officially keeps time,
// however small (El Paso in Texas, Kenora in Ontario, Lloydminster in Saskatchewan): an address
// gives only the region, so quiet hours must hold in all of them.
// - Zones whose clocks always equal one already listed are left out: Creston, Dawson Creek and
//   Fort Nelson (BC) keep Mountain standard time all year, the same as Vancouver in summer and
//   Edmonton in winter; Atikokan (ON), Blanc-Sablon (QC) and Coral Harbour (NU) likewise.
// - Unofficial local observance is not modelled (Phenix City AL keeps Eastern time and Kenton OK
//   Mountain time, against their state's law).

export type RegionCountry = "US" | "CA";

export interface RegionInfo {
  country: RegionCountry;
  name: string;
  timezone: string;
  otherTimezones?: readonly string[];
}

const ET = "America/New_York";
const CT = "America/Chicago";
const MT = "America/Denver";
const PT = "America/Los_Angeles";

export const REGIONS: Readonly<Record<string, RegionInfo>> = {
  AL: { country: "US", name: "Alabama", timezone: CT },
  AK: { country: "US", name: "Alaska", timezone: "America/Anchorage", otherTimezones: ["America/Adak"] }, // Aleutians west of 169°30'W
  AZ: { country: "US", name: "Arizona", timezone: "America/Phoenix", otherTimezones: [MT] }, // Navajo Nation keeps daylight time
  AR: { country: "US", name: "Arkansas", timezone: CT },
  CA: { country: "US", name: "California", timezone: PT },
  CO: { country: "US", name: "Colorado", timezone: MT },
  CT: { country: "US", name: "Connecticut", timezone: ET },
  DE: { country: "US", name: "Delaware", timezone: ET },
  DC: { country: "US", name: "District of Columbia", timezone: ET },
  FL: { country: "US", name: "Florida", timezone: ET, otherTimezones: [CT] }, // western panhandle
  GA: { country: "US", name: "Georgia", timezone: ET },
  HI: { country: "US", name: "Hawaii", timezone: "Pacific/Honolulu" },
  ID: { country: "US", name: "Idaho", timezone: "America/Boise", otherTimezones: [PT] }, // north Idaho
  IL: { country: "US", name: "Illinois", timezone: CT },
  IN: { country: "US", name: "Indiana", timezone: "America/Indiana/Indianapolis", otherTimezones: [CT] }, // NW and SW corners
  IA: { country: "US", name: "Iowa", timezone: CT },
  KS: { country: "US", name: "Kansas", timezone: CT, otherTimezones: [MT] }, // four western counties
  KY: { country: "US", name: "Kentucky", timezone: ET, otherTimezones: [CT] }, // western Kentucky
  LA: { country: "US", name: "Louisiana", timezone: CT },
  ME: { country: "US", name: "Maine", timezone: ET },
  MD: { country: "US", name: "Maryland", timezone: ET },
  MA: { country: "US", name: "Massachusetts", timezone: ET },
  MI: { country: "US", name: "Michigan", timezone: "America/Detroit", otherTimezones: ["America/Menominee"] }, // four UP counties
  MN: { country: "US", name: "Minnesota", timezone: CT },
  MS: { country: "US", name: "Mississippi", timezone: CT },
  MO: { country: "US", name: "Missouri", timezone: CT },
  MT: { country: "US", name: "Montana", timezone: MT },
  NE: { country: "US", name: "Nebraska", timezone: CT, otherTimezones: [MT] }, // panhandle
  NV: { country: "US", name: "Nevada", timezone: PT, otherTimezones: [MT] }, // West Wendover
  NH: { country: "US", name: "New Hampshire", timezone: ET },
  NJ: { country: "US", name: "New Jersey", timezone: ET },
  NM: { country: "US", name: "New Mexico", timezone: MT },
  NY: { country: "US", name: "New York", timezone: ET },
  NC: { country: "US", name: "North Carolina", timezone: ET },
  ND: { country: "US", name: "North Dakota", timezone: CT, otherTimezones: [MT] }, // south-west
  OH: { country: "US", name: "Ohio", timezone: ET },
  OK: { country: "US", name: "Oklahoma", timezone: CT },
  OR: { country: "US", name: "Oregon", timezone: PT, otherTimezones: ["America/Boise"] }, // most of Malheur County
  PA: { country: "US", name: "Pennsylvania", timezone: ET },
  RI: { country: "US", name: "Rhode Island", timezone: ET },
  SC: { country: "US", name: "South Carolina", timezone: ET },
  SD: { country: "US", name: "South Dakota", timezone: CT, otherTimezones: [MT] }, // West River
  TN: { country: "US", name: "Tennessee", timezone: CT, otherTimezones: [ET] }, // East Tennessee
  TX: { country: "US", name: "Texas", timezone: CT, otherTimezones: [MT] }, // El Paso and Hudspeth counties
  UT: { country: "US", name: "Utah", timezone: MT },
  VT: { country: "US", name: "Vermont", timezone: ET },
  VA: { country: "US", name: "Virginia", timezone: ET },
  WA: { country: "US", name: "Washington", timezone: PT },
  WV: { country: "US", name: "West Virginia", timezone: ET },
  WI: { country: "US", name: "Wisconsin", timezone: CT },
  WY: { country: "US", name: "Wyoming", timezone: MT },
  // US territories that share the +1 country code.
  PR: { country: "US", name: "Puerto Rico", timezone: "America/Puerto_Rico" },
  VI: { country: "US", name: "U.S. Virgin Islands", timezone: "America/St_Thomas" },
  GU: { country: "US", name: "Guam", timezone: "Pacific/Guam" },
  AS: { country: "US", name: "American Samoa", timezone: "Pacific/Pago_Pago" },
  MP: { country: "US", name: "Northern Mariana Islands", timezone: "Pacific/Saipan" },

  AB: { country: "CA", name: "Alberta", timezone: "America/Edmonton" },
  BC: { country: "CA", name: "British Columbia", timezone: "America/Vancouver", otherTimezones: ["America/Edmonton"] }, // East Kootenay
  MB: { country: "CA", name: "Manitoba", timezone: "America/Winnipeg" },
  NB: { country: "CA", name: "New Brunswick", timezone: "America/Moncton" },
  NL: { country: "CA", name: "Newfoundland and Labrador", timezone: "America/St_Johns", otherTimezones: ["America/Goose_Bay"] }, // most of Labrador
  NS: { country: "CA", name: "Nova Scotia", timezone: "America/Halifax" },
  NT: { country: "CA", name: "Northwest Territories", timezone: "America/Edmonton" },
  NU: {
    country: "CA",
    name: "Nunavut",
    timezone: "America/Iqaluit",
    otherTimezones: ["America/Rankin_Inlet", "America/Cambridge_Bay"],
  },
  ON: { country: "CA", name: "Ontario", timezone: "America/Toronto", otherTimezones: ["America/Winnipeg"] }, // Kenora and Rainy River
  PE: { country: "CA", name: "Prince Edward Island", timezone: "America/Halifax" },
  QC: { country: "CA", name: "Quebec", timezone: "America/Toronto", otherTimezones: ["America/Halifax"] }, // Magdalen Islands
  SK: { country: "CA", name: "Saskatchewan", timezone: "America/Regina", otherTimezones: ["America/Edmonton"] }, // Lloydminster
  YT: { country: "CA", name: "Yukon", timezone: "America/Whitehorse" },
};

/** Other spellings seen in address data, lower-cased and without accents. */
export const REGION_ALIASES: Readonly<Record<string, string>> = {
  "washington dc": "DC",
  "washington d.c.": "DC",
  "d.c.": "DC",
  "us virgin islands": "VI",
  "virgin islands": "VI",
  "northern mariana islands": "MP",
  newfoundland: "NL",
  labrador: "NL",
  "newfoundland & labrador": "NL",
  nfld: "NL",
  "pei": "PE",
  "p.e.i.": "PE",
  pq: "QC",
  que: "QC",
  yukon: "YT",
  "yukon territory": "YT",
  nwt: "NT",
  "n.w.t.": "NT",
  // French names of the provinces.
  "colombie-britannique": "BC",
  "nouveau-brunswick": "NB",
  "terre-neuve-et-labrador": "NL",
  "nouvelle-ecosse": "NS",
  "territoires du nord-ouest": "NT",
  "ile-du-prince-edouard": "PE",
};
