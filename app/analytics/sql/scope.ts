// Which enrollments an analytics statement counts: one business's (or one of its campaigns')
// enrollments enrolled within [start, end). Every statement is driven by this predicate on the
// enrollment alias `e`, so the planner can start from a range scan of
//   enrollment (business_id, enrolled_at)   for the whole business, or
//   enrollment (campaign_id, enrolled_at)   for one campaign (business_id is re-checked as well,
//                                           so a campaign id alone never reaches another tenant).
// The two scopes are two SQL texts rather than one with `$4 IS NULL OR ...`: a predicate the
// planner cannot resolve at plan time would stop it from choosing the campaign index.

export interface AnalyticsScope {
  businessId: string;
  /** Null: every campaign of the business. */
  campaignId: string | null;
  /** Inclusive lower bound on enrolled_at; null = no bound (all time). */
  start: Date | null;
  /** Exclusive upper bound on enrolled_at; null = no bound. */
  end: Date | null;
}

export interface ScopedSql {
  text: string;
  values: unknown[];
}

/**
 * Fills `{{scope}}` in a statement with the scope predicate and returns the statement with its
 * parameters ($1 business, $2 start, $3 end, $4 campaign). Unbounded ends are passed as
 * ±infinity so the range condition, and therefore the plan shape, is the same for every range.
 */
export function scoped(template: string, scope: AnalyticsScope): ScopedSql {
  const range = "e.enrolled_at >= $2::timestamptz AND e.enrolled_at < $3::timestamptz";
  const predicate = scope.campaignId
    ? `e.campaign_id = $4::uuid AND e.business_id = $1::uuid AND ${range}`
    : `e.business_id = $1::uuid AND ${range}`;
  const values: unknown[] = [
    scope.businessId,
    scope.start ?? "-infinity",
    scope.end ?? "infinity",
    ...(scope.campaignId ? [scope.campaignId] : []),
  ];
  return { text: template.replaceAll("{{scope}}", predicate), values };
}
