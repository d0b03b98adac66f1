// Names for copies: a duplicated campaign or template gets a name no other one of the business
// has, so the merchant can tell them apart in lists and pickers ("Standard (copy)", then
// "Standard (copy 2)"). Pure: the caller passes the names already taken.

const COPY_SUFFIX = / \(copy(?: \d+)?\)$/;

/** "Standard (copy 3)" → "Standard": copying a copy numbers from the original name. */
export function stripCopySuffix(name: string): string {
  return name.replace(COPY_SUFFIX, "");
}

/** Cuts `text` so that `text + suffix` fits in `max` characters, marking the cut with "…". */
export function fitName(text: string, suffix: string, max: number): string {
  if (text.length + suffix.length <= max) return text + suffix;
  return `${text.slice(0, Math.max(0, max - suffix.length - 1)).trimEnd()}…${suffix}`;
}

/**
 * The first of `name` (when `keepName`), "<name> (copy)", "<name> (copy 2)", … that is not taken
 * (compared case-insensitively, ignoring surrounding spaces) and fits in `max` characters.
 */
export function distinctCopyName(
  name: string,
  taken: Iterable<string>,
  opts: { max: number; keepName?: boolean },
): string {
  const used = new Set([...taken].map((n) => n.trim().toLowerCase()));
  const free = (candidate: string) => !used.has(candidate.trim().toLowerCase());
  const trimmed = name.trim();
  if (opts.keepName && trimmed && free(fitName(trimmed, "", opts.max))) return fitName(trimmed, "", opts.max);
  const base = stripCopySuffix(trimmed);
  for (let n = 1; ; n++) {
    const candidate = fitName(base, n === 1 ? " (copy)" : ` (copy ${n})`, opts.max);
    if (free(candidate)) return candidate;
  }
}

/**
 * A template copied along with a campaign is named after it: "Email: first ask – My campaign".
 * A template that was itself copied with `fromCampaign` loses that campaign's name first.
 */
export function templateNameForCampaign(templateName: string, campaignName: string, fromCampaign: string | null, max: number): string {
  const own = fromCampaign ? ` – ${fromCampaign}` : null;
  const base = own && templateName.endsWith(own) ? templateName.slice(0, -own.length) : templateName;
  const suffix = ` – ${campaignName.trim()}`;
  // The template's own name matters most: the campaign part is cut first.
  return base.length > max - 6 ? fitName(base, "", max) : base + fitName(suffix, "", max - base.length);
}
