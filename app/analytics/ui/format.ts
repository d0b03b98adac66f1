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

/** Jobs without a service type fall under the campaigns that cover every service. */
export function serviceTypeLabel(serviceType: string | null): string {
  return serviceType ?? "All/unspecified";
}
