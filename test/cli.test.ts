import { describe, expect, it } from "vitest";
import { runCli } from "~/cli/kudos";
import { recordJob } from "~/domain/enrollment.server";
import { ManualClock } from "~/lib/clock.server";
import { useTestDatabase } from "./helpers/db";
import { BUSINESS_SETTINGS } from "./helpers/engine";
import { completedJob, deps, installTestBusiness } from "./helpers/fixtures";

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("kudos CLI", () => {
  const db = useTestDatabase();

  it("prints usage and exits 2 on unknown commands and bad flags", async () => {
    const unknown = await run(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    expect(unknown.err).toContain("usage: kudos <command>");
    expect((await run([])).code).toBe(2);
    const badFlag = await run(["migrate", "--force"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toContain("Unknown option '--force'");
    process.env.DATABASE_URL = db().url;
    expect((await run(["tick", "--limit", "zero"])).code).toBe(2);
    expect((await run(["tick", "--now", "yesterday-ish"])).code).toBe(2);
    expect((await run(["--help"])).code).toBe(0);
  });

  it("migrate, seed, tick and outbox work against a database", async () => {
    process.env.DATABASE_URL = db().url;
    expect((await run(["migrate"])).out).toContain("up to date");
    expect((await run(["seed"])).out).toContain("3 presets");
    const clock = new ManualClock("2026-01-05T16:00:00Z");
    const d = deps(db().prisma, clock);
    const { business } = await installTestBusiness(d);
    await db().prisma.business.update({ where: { id: business.id }, data: BUSINESS_SETTINGS });
    await recordJob(d, business.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z"), customer: { email: "cli@example.com" } }));

    const tick = await run(["tick", "--now", "2026-01-05T16:00:00Z"]);
    expect(tick.code).toBe(0);
    expect(JSON.parse(tick.out)).toMatchObject({ claimed: 1, sent: 1, deferred: 0, skipped: 0, failed: 0 });
    const again = await run(["tick", "--now", "2026-01-05T16:00:00Z", "--limit", "10"]);
    expect(JSON.parse(again.out)).toMatchObject({ claimed: 0 });

    const outbox = await run(["outbox", "--json"]);
    const messages = JSON.parse(outbox.out) as { to: string; subject: string }[];
    expect(messages).toHaveLength(1);
    expect(messages[0]!.to).toBe("cli@example.com");
    expect((await run(["outbox"])).out).toContain("to cli@example.com");
  });
});
