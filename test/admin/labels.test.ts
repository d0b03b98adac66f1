// Every code the code base can store and the admin can show has words in app/admin/labels.ts.
// The codes are read from the sources that write them, so a new code without a label fails here.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  deliveryLabel,
  JOB_STATUS_LABELS,
  LABELLED_CODES,
  resumeRefusalLabel,
  skipReasonLabel,
  stopReasonLabel,
  touchBadge,
  touchReasonLabel,
} from "~/admin/labels";
import { JOB_STATUS_FILTERS } from "~/domain/jobs-search.sql";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
const SNAKE = /"([a-z]+(?:_[a-z]+)+)"|'([a-z]+(?:_[a-z]+)+)'/g;
const literals = (text: string) => [...text.matchAll(SNAKE)].map((m) => m[1] ?? m[2]!);

/** The values of a Prisma enum. */
function prismaEnum(name: string): string[] {
  const block = new RegExp(`enum ${name} \\{([^}]*)\\}`).exec(read("prisma/schema.prisma"))?.[1] ?? "";
  return block
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^[a-z_]+$/.test(l));
}

/** The members of a string-literal union type `export type <name> = | "a" | "b";`. */
function unionType(file: string, name: string): string[] {
  const body = new RegExp(`export type ${name} =([^;]*);`).exec(read(file))?.[1] ?? "";
  return [...body.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]!);
}

/** Touch reasons: what the processor records for a skipped touch, and the SQL's literal reasons. */
function touchReasons(): string[] {
  const processor = read("app/engine/processor.server.ts")
    .split("\n")
    .filter((l) => /outcome: "skipped"|const reason =/.test(l))
    .flatMap(literals);
  const sqlDir = "app/engine/sql";
  const sql = readdirSync(path.join(root, sqlDir)).flatMap((f) =>
    [...read(`${sqlDir}/${f}`).matchAll(/\breason = '([a-z_]+)'/g)].map((m) => m[1]!),
  );
  return [...new Set([...processor, ...sql])];
}

/** The send log's statuses, as its schema comment lists them, and "sending" (the intent row). */
function deliveryStatuses(): string[] {
  const line = /\/\/\/ (sent \| [a-z_ |]+)\n\s+status\s+String/.exec(read("prisma/schema.prisma"))?.[1] ?? "";
  return ["sending", ...line.split("|").map((s) => s.trim())];
}

const plain = (label: string | null, code: string) => {
  expect(label, code).toBeTruthy();
  expect(label, code).not.toBe(code);
  expect(label, code).not.toMatch(/_/);
};

describe("labels for every stored code", () => {
  it("finds the codes where the code base writes them (so this test cannot pass on an empty list)", () => {
    expect(prismaEnum("StopReason")).toEqual(expect.arrayContaining(["review_clicked", "manual", "customer_redacted"]));
    expect(unionType("app/domain/enrollment.server.ts", "SkipReason")).toEqual(expect.arrayContaining(["cooldown", "no_contact", "stale_completion"]));
    expect(touchReasons()).toEqual(
      expect.arrayContaining(["no_email", "no_phone", "email_suppressed", "sms_undeliverable", "sms_opted_out", "no_physical_address", "removed_from_campaign"]),
    );
    expect(deliveryStatuses()).toEqual(expect.arrayContaining(["sending", "delivered", "delivery_delayed", "clicked", "undelivered"]));
    expect(unionType("app/domain/enrollment.server.ts", "ResumeRefusal")).toEqual(expect.arrayContaining(["too_late", "not_this_stop"]));
  });

  it("every stop reason (enum StopReason) has words, also as the reason of the touches it cancelled", () => {
    for (const code of prismaEnum("StopReason")) {
      expect(LABELLED_CODES.stop, code).toContain(code);
      plain(stopReasonLabel(code), code);
      plain(touchReasonLabel(code), code);
    }
  });

  it("every job skip reason (SkipReason in app/domain/enrollment.server.ts) has words", () => {
    for (const code of unionType("app/domain/enrollment.server.ts", "SkipReason")) {
      expect(LABELLED_CODES.skip, code).toContain(code);
      plain(skipReasonLabel(code), code);
    }
  });

  it("every touch reason the processor and the engine's SQL write has words", () => {
    for (const code of touchReasons()) {
      expect(LABELLED_CODES.touch, code).toContain(code);
      plain(touchReasonLabel(code), code);
    }
  });

  it("every delivery status has a sentence-case badge", () => {
    for (const code of deliveryStatuses()) {
      expect(LABELLED_CODES.delivery, code).toContain(code);
      plain(deliveryLabel(code), code);
      const badge = touchBadge({ status: "sent", delivery: code, clicked: false });
      plain(badge.label, code);
      expect(badge.label.charAt(0), code).toMatch(/[A-Z]/);
    }
  });

  it("every reason an undo is refused has words", () => {
    for (const code of unionType("app/domain/enrollment.server.ts", "ResumeRefusal")) {
      const label = resumeRefusalLabel(code);
      plain(label, code);
      expect(label, code).not.toMatch(/changed since you stopped it\.$/); // the fallback
    }
  });

  it("the jobs page's state filter offers exactly the states the server accepts", () => {
    expect(Object.keys(JOB_STATUS_LABELS)).toEqual([...JOB_STATUS_FILTERS]);
  });

  it("a touch shows one sentence-case badge, and a click outranks its delivery status", () => {
    expect(touchBadge({ status: "sent", delivery: "clicked", clicked: true })).toEqual({ label: "Review link opened", tone: "success" });
    expect(touchBadge({ status: "sent", delivery: "delivered", clicked: true }).label).toBe("Review link opened");
    expect(touchBadge({ status: "sent", delivery: null, clicked: false }).label).toBe("Sent");
    expect(touchBadge({ status: "pending", delivery: null, clicked: false }).label).toBe("Scheduled");
    expect(touchBadge({ status: "cancelled", delivery: null, clicked: false }).label).toBe("Not sent");
  });
});
