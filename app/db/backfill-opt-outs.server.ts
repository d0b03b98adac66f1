// One-time fill of the durable opt-out records (migration 20261204163043_opt_out) from the
// suppressions recorded before they existed, so those opt-outs also outlive their business. It
// needs the opt-out key, which the SQL migration cannot know: the migrating process runs it right
// after applying that migration. Idempotent (ON CONFLICT DO NOTHING).
import pg from "pg";
import { DURABLE_REASONS } from "~/engine/sql/suppression.sql";
import type { OptOutKey } from "~/lib/opt-out-key.server";

export const OPT_OUT_MIGRATION = "20261204163043_opt_out";

export async function backfillOptOuts(databaseUrl: string, key: OptOutKey): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query(
      `INSERT INTO opt_out (scope, channel, address_hash, reason, created_at)
       SELECT 'account:' || b.host || ':' || b.external_account_id, s.channel,
              opt_out_address_hash(s.address, $1, $2), s.reason, s.created_at
         FROM suppression s JOIN business b ON b.id = s.business_id
        WHERE s.reason = ANY($3::text[])
       ON CONFLICT (scope, channel, address_hash) DO NOTHING`,
      [key.ipad, key.opad, DURABLE_REASONS],
    );
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}
