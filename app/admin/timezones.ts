// Time zones offered in settings: the common ones for North American field-service businesses
// and a few beyond; the business's current zone is always added when it is not listed.
export const COMMON_TIMEZONES = [
  "America/New_York",
  "America/Detroit",
  "America/Indiana/Indianapolis",
  "America/Chicago",
  "America/Denver",
  "America/Boise",
  "America/Phoenix",
  "America/Los_Angeles",
  "America/Anchorage",
  "Pacific/Honolulu",
  "America/Puerto_Rico",
  "America/Halifax",
  "America/St_Johns",
  "America/Toronto",
  "America/Winnipeg",
  "America/Regina",
  "America/Edmonton",
  "America/Vancouver",
  "America/Mexico_City",
  "Europe/London",
  "Europe/Dublin",
  "Europe/Paris",
  "Europe/Berlin",
  "Australia/Sydney",
  "Pacific/Auckland",
  "UTC",
] as const;

export function timezoneOptions(current: string): { label: string; value: string }[] {
  const zones: string[] = [...COMMON_TIMEZONES];
  if (!zones.includes(current)) zones.unshift(current);
  return zones.map((z) => ({ label: z.replace(/_/g, " "), value: z }));
}
