// The pure half of the save bar (components/SaveBar.tsx): whether a form differs from what is
// saved, and whether a navigation leaves the page. Browser-safe.

/** Every string trimmed, deeply: the domain stores names trimmed, so spaces alone change nothing. */
export function trimStrings<T>(value: T): T {
  if (typeof value === "string") return value.trim() as T;
  if (Array.isArray(value)) return value.map(trimStrings) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimStrings(v)])) as T;
  }
  return value;
}

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, stable((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Deep equality of JSON-like values, whatever the key order. */
export function sameValues(a: unknown, b: unknown): boolean {
  return JSON.stringify(stable(a)) === JSON.stringify(stable(b));
}

interface PathLike {
  pathname: string;
  search: string;
}

/** A navigation to another page or other query leaves the form; a change of #hash does not. */
export function isLeaving(current: PathLike, next: PathLike): boolean {
  return current.pathname !== next.pathname || current.search !== next.search;
}

export type GuardState = "idle" | "waiting" | "asking" | "proceed";

/**
 * What the guard does about a blocked navigation: nothing to do without one; let it through when
 * the form is saved after all (a save finished while it waited); wait for a save in flight; else
 * ask the merchant.
 */
export function guardState(blocked: boolean, dirty: boolean, saving: boolean): GuardState {
  if (!blocked) return "idle";
  if (!dirty) return "proceed";
  if (saving) return "waiting";
  return "asking";
}

/**
 * A template form against its saved values, as the domain would store it: name and subject are
 * stored trimmed (the body as typed), and an SMS has no subject.
 */
export function templateChanged(
  saved: { name: string; channel: string; subject: string; body: string },
  current: { name: string; channel: string; subject: string; body: string },
): boolean {
  const stored = (v: typeof saved) => ({ name: v.name.trim(), channel: v.channel, subject: v.channel === "email" ? v.subject.trim() : "", body: v.body });
  return !sameValues(stored(saved), stored(current));
}

interface CampaignForm {
  name: string;
  serviceType: string;
  touches: { channel: string; delay: string; unit: "hours" | "days"; templateId: string }[];
}

/**
 * A campaign form against its saved values, as the domain would store it: trimmed name and
 * service type, delays in hours (2 days is 48 hours), the touches in order.
 */
export function campaignChanged(saved: CampaignForm, current: CampaignForm): boolean {
  const hours = (t: CampaignForm["touches"][number]) =>
    /^\d+(\.\d+)?$/.test(t.delay.trim()) ? Number(t.delay.trim()) * (t.unit === "days" ? 24 : 1) : `${t.delay}|${t.unit}`;
  const stored = (v: CampaignForm) => ({
    name: v.name.trim(),
    serviceType: v.serviceType.trim(),
    touches: v.touches.map((t) => [t.channel, hours(t), t.templateId]),
  });
  return !sameValues(stored(saved), stored(current));
}
