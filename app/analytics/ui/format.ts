// Number formatting for the analytics page: fixed locale, so the server render and the browser's
// hydration agree.
const counts = new Intl.NumberFormat("en-US");

export function formatCount(n: number): string {
  return counts.format(n);
}

export function formatRate(rate: number | null): string {
  return rate === null ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export function formatAverage(avg: number | null): string {
  return avg === null ? "—" : avg.toFixed(2);
}

const days = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

/** A week of the trend, from its first to its last local day (YYYY-MM-DD): "Jan 5 – Jan 11". */
export function formatWeek(from: string, through: string): string {
  const day = (d: string) => days.format(new Date(`${d}T00:00:00Z`));
  return from === through ? day(from) : `${day(from)} – ${day(through)}`;
}

/** The trend chart's label for a week: its first day, "Jan 5". */
export function formatWeekStart(from: string): string {
  return days.format(new Date(`${from}T00:00:00Z`));
}

/** Jobs without a service type fall under the campaigns that cover every service. */
export function serviceTypeLabel(serviceType: string | null): string {
  return serviceType ?? "All/unspecified";
}
