// Small builders for domain tests. Everything goes through the real domain functions.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "~/generated/prisma/client";
import { installBusiness } from "~/domain/business.server";
import type { JobInput } from "~/domain/enrollment.server";
import type { DomainDeps } from "~/domain/types";
import { ManualClock } from "~/lib/clock.server";

export function deps(db: PrismaClient, clock = new ManualClock()): DomainDeps & { clock: ManualClock } {
  return { db, clock };
}

/** Installs a business (which gives it an active copy of the standard preset). */
export async function installTestBusiness(
  d: DomainDeps,
  overrides: { name?: string; timezone?: string; externalAccountId?: string } = {},
) {
  const { business, campaignId } = await installBusiness(d, {
    host: "sandbox",
    externalAccountId: overrides.externalAccountId ?? `acct-${randomUUID()}`,
    name: overrides.name ?? "Acme Plumbing",
    timezone: overrides.timezone ?? "America/New_York",
  });
  return { business, campaignId: campaignId! };
}

let seq = 0;
export function completedJob(overrides: Partial<Omit<JobInput, "customer">> & { customer?: Partial<JobInput["customer"]> } = {}): JobInput {
  seq += 1;
  const { customer, ...rest } = overrides;
  return {
    hostJobId: `job-${seq}-${randomUUID().slice(0, 8)}`,
    title: "Water heater replacement",
    serviceType: "plumbing",
    status: "completed",
    completedAt: new Date("2026-01-05T14:00:00Z"),
    ...rest,
    customer: {
      hostCustomerId: `cust-${seq}-${randomUUID().slice(0, 8)}`,
      firstName: "Dana",
      lastName: "Reyes",
      email: `dana.${seq}@example.com`,
      phone: `+1305555${String(1000 + (seq % 9000)).padStart(4, "0")}`,
      ...customer,
    },
  };
}
