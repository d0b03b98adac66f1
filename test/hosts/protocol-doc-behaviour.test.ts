// docs/host-protocol.md tells platforms how Kudos behaves beyond the payloads: the authorize URL,
// the session cookie, when touches of a late job are due, the legal send windows and the outbox
// JSON. Each statement is checked here against what the code really does.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sessionCookie } from "~/auth/admin-session.server";
import { runCli } from "~/cli/kudos";
import { recordJob } from "~/domain/enrollment.server";
import { SEND_WINDOW_RULES } from "~/engine/data/send-window-rules";
import { createGenericConnector } from "~/hosts/generic/connector.server";
import { parseHostManifest } from "~/hosts/manifest.server";
import { ManualClock } from "~/lib/clock.server";
import { useTestDatabase } from "../helpers/db";
import { BUSINESS_SETTINGS } from "../helpers/engine";
import { completedJob, deps, installTestBusiness } from "../helpers/fixtures";

const doc = readFileSync("docs/host-protocol.md", "utf8");
/** The prose with line breaks folded, for sentences that wrap. */
const prose = doc.replace(/\s+/g, " ");
const APP_URL = "https://kudos.example.com";

/** The raw (still encoded) value of a query parameter. */
function rawParam(query: string, name: string): string | undefined {
  return query
    .split("&")
    .find((pair) => pair.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

type Json = null | string | number | boolean | Json[] | { [key: string]: Json };

/** The shape of a JSON value: its keys (recursively for objects) and each leaf's JSON type. */
function shape(value: Json): unknown {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape(value[k]!)]));
  return typeof value;
}

describe("docs/host-protocol.md, behaviour", () => {
  const db = useTestDatabase();

  it("shows the authorize URL exactly as the generic connector encodes it (scope with +)", () => {
    const toml = doc.match(/```toml\n([\s\S]*?)```/)?.[1];
    expect(toml, "the manifest example").toBeTruthy();
    const manifest = parseHostManifest(toml!, "extensions/acme/kudos.extension.toml", "acme");
    expect(manifest.adminMode).toBe("embedded");
    const connector = createGenericConnector({ manifest, clientId: "acme-client", clientSecret: "s".repeat(32), appUrl: APP_URL });
    const built = new URL(
      connector.authorizeUrl({ state: "abc.def", redirectUri: new URL(manifest.oauth.redirectPath, APP_URL).toString() }),
    ).search.slice(1);

    const documented = doc.match(/GET \{authorize_url\}\?(\S+)/)?.[1];
    expect(documented, "the authorize request").toBeTruthy();
    for (const name of ["response_type", "redirect_uri", "scope"]) {
      expect(rawParam(documented!, name), name).toBe(rawParam(built, name));
    }
    expect(prose).toContain("`read_jobs+read_customers` means `read_jobs read_customers`");
  });

  it("documents the session cookie as Kudos sets it", () => {
    const documented = prose.match(/`(kudos_session=<id>; [^`]+)`/)?.[1];
    expect(documented, "the session cookie").toBeTruthy();
    const days = 7;
    const cookie = sessionCookie("<id>", { idleMs: 12 * 3_600_000, maxAgeMs: days * 86_400_000, appUrl: APP_URL });
    expect(documented!.replace("<ADMIN_SESSION_MAX_DAYS in seconds>", String(days * 86_400))).toBe(cookie);
    // Secure is the only attribute that depends on APP_URL's scheme.
    expect(sessionCookie("<id>", { idleMs: 1, maxAgeMs: days * 86_400_000, appUrl: "http://localhost:3000" })).toBe(cookie.replace("; Secure", ""));
  });

  it("gives the due times Kudos really schedules for a job reported late", async () => {
    const example = prose.match(
      /a job completed at (\S+) and reported at (\S+) gets its email at (\S+), the SMS at (\S+) and the last email at (\S+)\./,
    );
    expect(example, "the late-job example").toBeTruthy();
    const [completedAt, reportedAt, ...due] = example!.slice(1).map((t) => new Date(t));
    for (const t of [completedAt!, reportedAt!, ...due]) expect(Number.isNaN(t.getTime())).toBe(false);

    const d = deps(db().prisma, new ManualClock(reportedAt!.toISOString()));
    const { business } = await installTestBusiness(d); // an active copy of Standard
    const result = await recordJob(d, business.id, completedJob({ completedAt: completedAt! }));
    expect(result.enrollment).toMatchObject({ outcome: "enrolled" });
    const touches = await db().prisma.enrollmentTouch.findMany({
      where: { enrollmentId: (result.enrollment as { enrollmentId: string }).enrollmentId },
      orderBy: { position: "asc" },
    });
    expect(touches.map((t) => t.channel)).toEqual(["email", "sms", "email"]);
    expect(touches.map((t) => t.scheduledAt.toISOString())).toEqual(due.map((t) => t.toISOString()));
  });

  it("lists every send-window rule with its window, source and whether it is in force", () => {
    const section = doc.split("### States with stricter windows")[1]?.split("\n### ")[0];
    expect(section, "the send-window section").toBeTruthy();
    const rows = section!.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Applies") && !l.startsWith("| ---"));
    expect(rows).toHaveLength(SEND_WINDOW_RULES.length);
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    for (const rule of SEND_WINDOW_RULES) {
      const row = rows.find((r) => r.includes(`| ${rule.citation}`));
      expect(row, rule.citation).toBeTruthy();
      const cells = row!.split("|").map((c) => c.trim());
      expect(cells[1], rule.citation).toContain(rule.appliesTo === "*" ? "every recipient" : `(\`${rule.appliesTo}\`)`);
      expect(cells[2]!.startsWith(`${hhmm(rule.startMinute)}–${hhmm(rule.endMinute)}`), rule.citation).toBe(true);
      expect(cells[4]!.startsWith(rule.enabled ? "yes" : "no"), rule.citation).toBe(true);
    }
  });

  it("shows the outbox JSON that `kudos outbox --json` really prints, for an email and an SMS", async () => {
    const documented = [...doc.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((m) => JSON.parse(m[1]!) as Json)
      .find((v): v is Json[] => Array.isArray(v));
    expect(documented, "the outbox example").toBeTruthy();

    process.env.DATABASE_URL = db().url;
    const d = deps(db().prisma, new ManualClock("2026-01-04T16:00:00Z"));
    const { business } = await installTestBusiness(d);
    await db().prisma.business.update({ where: { id: business.id }, data: BUSINESS_SETTINGS });
    await recordJob(d, business.id, completedJob({ completedAt: new Date("2026-01-04T16:00:00Z") }));
    // Standard: the email 24 h after the job, the SMS 3 days after that (11:00 in the customer's Florida).
    expect(JSON.parse((await cli(["tick", "--now", "2026-01-05T16:00:00Z"])).out)).toMatchObject({ sent: 1 });
    expect(JSON.parse((await cli(["tick", "--now", "2026-01-08T16:00:00Z"])).out)).toMatchObject({ sent: 1 });
    const printed = await cli(["outbox", "--json"]);
    expect(printed.code).toBe(0);
    const real = JSON.parse(printed.out) as Array<Record<string, Json>>;
    expect(real.map((m) => m.channel)).toEqual(["sms", "email"]);

    const byChannel = (list: Json[], channel: string) => list.find((m) => (m as Record<string, Json>).channel === channel) as Record<string, Json>;
    for (const channel of ["email", "sms"]) {
      const doc = byChannel(documented!, channel);
      const out = byChannel(real, channel);
      expect(shape(doc), channel).toEqual(shape(out));
      for (const entry of [doc, out]) {
        expect(entry.providerMessageId).toBe(`outbox_${String(entry.id)}`);
        const tags = entry.tags as Record<string, string>;
        expect(entry.idempotencyKey).toBe(`kudos-touch-${tags.enrollment_id}-${tags.touch}`);
        expect(tags.business_id).toBe(entry.businessId);
      }
    }
  });
});
