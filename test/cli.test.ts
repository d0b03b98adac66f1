import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseNow, runCli } from "~/cli/kudos";
import { recordJob } from "~/domain/enrollment.server";
import { createOutboxEmailTransport } from "~/engine/transports/index.server";
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
    for (const bad of ["+1x", "1d", "+", "+1.5d", "+d", "1"]) {
      const r = await run(["tick", "--now", bad]);
      expect(r.code).toBe(2);
      expect(r.err).toContain("--now must be");
    }
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

  it("reads --now as an ISO time or a signed duration from now", () => {
    const current = new Date("2026-12-04T10:00:00Z");
    expect(parseNow("+1d", current)).toEqual(new Date("2026-12-05T10:00:00Z"));
    expect(parseNow("+36h", current)).toEqual(new Date("2026-12-05T22:00:00Z"));
    expect(parseNow("-90m", current)).toEqual(new Date("2026-12-04T08:30:00Z"));
    expect(parseNow("+1w2d3h4m5s", current)).toEqual(new Date("2026-12-13T13:04:05Z"));
    expect(parseNow("2026-01-05T16:00:00Z", current)).toEqual(new Date("2026-01-05T16:00:00Z"));
    for (const bad of ["+1x", "1d", "+", "+1.5d", "tomorrow", "1", "December 1, 2026", "2026-13-45"]) expect(parseNow(bad, current)).toBeNull();
  });

  it("tick --now +1d drains as of a day from now (the README's example)", async () => {
    process.env.DATABASE_URL = db().url;
    const before = Date.now();
    const tick = await run(["tick", "--now", "+1d"]);
    expect(tick.code).toBe(0);
    const at = new Date((JSON.parse(tick.out) as { now: string }).now).getTime();
    expect(at).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 86_400_000);
  });

  it("writes all of a large output into a pipe that is read slowly, then exits by itself", async () => {
    const clock = new ManualClock("2026-02-02T16:00:00Z");
    const { business } = await installTestBusiness(deps(db().prisma, clock));
    const outbox = createOutboxEmailTransport({ db: db().prisma, clock });
    const COUNT = 200;
    const html = `<p>${"A review request, padded so the listing is megabytes long. ".repeat(80)}</p>`;
    await outbox.sendBatch(
      Array.from({ length: COUNT }, (_, i) => ({
        businessId: business.id,
        idempotencyKey: `pipe-${i}`,
        from: "reviews@kudos.localhost",
        to: `customer${i}@example.com`,
        subject: "How did we do?",
        html,
        text: "How did we do?",
        headers: {},
        tags: { touch: "1" },
      })),
    );

    // The real CLI, as `npm run kudos` starts it, with its stdout in a pipe.
    const child = spawn(process.execPath, ["--import", "tsx", "app/cli/main.ts", "outbox", "--json", "--limit", String(COUNT), "--business", business.id], {
      env: { ...process.env, DATABASE_URL: db().url, LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // A slow reader (a pager, a busy `jq`): after the first chunk it stops reading for a while,
    // so the pipe fills and the CLI must wait for it instead of exiting.
    child.stdout.once("data", () => {
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 2_000);
    });
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));

    const output = Buffer.concat(chunks).toString("utf8");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(output.length).toBeGreaterThan(512 * 1024);
    const messages = JSON.parse(output) as { to: string }[];
    expect(messages).toHaveLength(COUNT);
    expect(new Set(messages.map((m) => m.to)).size).toBe(COUNT);
  }, 60_000);
});
