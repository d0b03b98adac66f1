// Guards the queue's performance contract: the claim walks its partial index and never scans
// the enrollment table, whatever later migrations do.
import { describe, expect, it } from "vitest";
import { CLAIM_SQL } from "~/engine/sql/claim.sql";
import { useTestDatabase } from "../helpers/db";

describe("claim statement plan", () => {
  const db = useTestDatabase();

  it("uses enrollment_due_idx and performs no sequential scan of enrollment", async () => {
    const client = await db().pool.connect();
    try {
      await client.query("BEGIN");
      // Small test tables would make a seq scan look cheap; make the planner show its real choice.
      await client.query("SET LOCAL enable_seqscan = off");
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${CLAIM_SQL}`, [new Date(), 500, 300_000, crypto.randomUUID()]);
      const plan = JSON.stringify(rows[0]["QUERY PLAN"]);
      expect(plan).toContain("enrollment_due_idx");
      const scans = [...plan.matchAll(/"Node Type":"Seq Scan","[^}]*?"Relation Name":"(\w+)"/g)].map((m) => m[1]);
      expect(scans).not.toContain("enrollment");
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
  });

  it("keeps its index partial on active enrollments", async () => {
    const { rows } = await db().pool.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'enrollment_due_idx'`);
    expect(rows[0].indexdef).toMatch(/\(next_due_at\) WHERE \(status = 'active'/);
  });
});
