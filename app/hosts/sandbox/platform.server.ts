// The sandbox as a field-service platform: accounts, customers and jobs, and the signed webhooks
// it delivers to Kudos over real HTTP (docs/host-protocol.md §4), exactly as an outside platform
// would. The automation API installs Kudos into an account by driving the real OAuth flow over
// HTTP too: install start → consent → callback → token exchange.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { PrismaClient } from "~/generated/prisma/client";
import { isValidTimezone } from "~/domain/business.server";
import type { Clock } from "~/lib/clock.server";
import { ValidationError, zodFieldErrors } from "~/lib/errors.server";
import type { Logger } from "~/logger.server";
import { genericWebhookHeaders } from "../generic/signature.server";
import type { Fetch } from "../install/oauth.server";
import { sandboxAuthHeaders } from "./access.server";
import { revokeAccountTokens, type SandboxOAuthConfig } from "./oauth.server";
import {
  sandboxId,
  type SandboxAccount,
  type SandboxCustomer,
  type SandboxDelivery,
  type SandboxJob,
  type SandboxStore,
} from "./store.server";

export const SANDBOX_HOST = "sandbox";
const DELIVERIES_KEPT = 10;

export interface SandboxDeps {
  store: SandboxStore;
  /** Kudos's origin: where webhooks and the install flow go. */
  appUrl: string;
  oauth: SandboxOAuthConfig;
  clock: Clock;
  /** Every call to Kudos goes through this (tests dispatch it to the route handlers in-process). */
  fetch: Fetch;
  db: PrismaClient;
  logger: Logger;
  /** SANDBOX_SECRET: the sandbox's own calls to its consent screen present it like a browser. */
  accessSecret?: string;
}

// ---------------------------------------------------------------------------------------------
// Input validation (the UI forms and the automation API share it).

const name = z.string().trim().min(1, "is required").max(120, "must be at most 120 characters");
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => v || null);

export const accountInputSchema = z.object({
  name,
  timezone: z
    .string()
    .trim()
    .default("America/New_York")
    .refine(isValidTimezone, "must be an IANA timezone like America/Chicago"),
});

export const customerInputSchema = z.object({
  firstName: name,
  lastName: optionalText(120),
  email: z
    .string()
    .trim()
    .max(254)
    .email("must be an email address")
    .nullish()
    .or(z.literal(""))
    .transform((v) => v || null),
  phone: optionalText(40),
});

export const jobInputSchema = z
  .object({
    customer: customerInputSchema,
    title: optionalText(200),
    serviceType: optionalText(100),
    completed: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    if (!v.customer.email && !v.customer.phone) {
      ctx.addIssue({ code: "custom", path: ["customer", "email"], message: "give an email or a phone so the customer can be asked for a review" });
    }
  });

export type AccountInput = z.input<typeof accountInputSchema>;
export type JobInputBody = z.input<typeof jobInputSchema>;

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodFieldErrors(parsed.error.issues));
  return parsed.data as z.output<T>;
}

// ---------------------------------------------------------------------------------------------
// Accounts, customers, jobs.

export async function createAccount(deps: Pick<SandboxDeps, "store" | "clock">, input: AccountInput): Promise<SandboxAccount> {
  const valid = parseInput(accountInputSchema, input);
  const id = sandboxId("acct");
  const account: SandboxAccount = {
    id,
    name: valid.name,
    timezone: valid.timezone,
    // What a merchant would type into Kudos's settings; the sandbox fills them in on install so
    // emails can go out (CAN-SPAM: no postal address, no email).
    address: "100 Sandbox Way, Springfield, IL 62701",
    googleReviewUrl: `https://search.google.com/local/writereview?placeid=sandbox-${id}`,
    appInstalled: false,
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.store.update((s) => {
    s.accounts.push(account);
  });
  return account;
}

export function getAccount(store: SandboxStore, accountId: string): Promise<SandboxAccount | undefined> {
  return store.read((s) => s.accounts.find((a) => a.id === accountId));
}

export function listAccounts(store: SandboxStore): Promise<SandboxAccount[]> {
  return store.read((s) => [...s.accounts].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
}

export interface AccountJobs {
  customers: SandboxCustomer[];
  jobs: Array<SandboxJob & { customer: SandboxCustomer | undefined }>;
}

export function listJobs(store: SandboxStore, accountId: string): Promise<AccountJobs> {
  return store.read((s) => {
    const customers = s.customers.filter((c) => c.accountId === accountId);
    const jobs = s.jobs
      .filter((j) => j.accountId === accountId)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map((j) => ({ ...j, customer: customers.find((c) => c.id === j.customerId) }));
    return { customers, jobs };
  });
}

export class SandboxNotFoundError extends Error {
  readonly status = 404;
  constructor(what: string) {
    super(`${what} not found`);
    this.name = "SandboxNotFoundError";
  }
}

/** Creates a customer and a job (optionally completed at once) and tells Kudos. */
export async function createJob(
  deps: SandboxDeps,
  accountId: string,
  input: JobInputBody,
): Promise<{ job: SandboxJob; delivery: SandboxDelivery }> {
  const valid = parseInput(jobInputSchema, input);
  const now = deps.clock.now().toISOString();
  const job = await deps.store.update((s) => {
    if (!s.accounts.some((a) => a.id === accountId)) throw new SandboxNotFoundError("Account");
    // The same email on the same account is the same customer, as on a real platform.
    let customer = valid.customer.email ? s.customers.find((c) => c.accountId === accountId && c.email === valid.customer.email) : undefined;
    if (customer) Object.assign(customer, valid.customer);
    else {
      customer = { id: sandboxId("cus"), accountId, ...valid.customer, createdAt: now };
      s.customers.push(customer);
    }
    const created: SandboxJob = {
      id: sandboxId("job"),
      accountId,
      customerId: customer.id,
      title: valid.title ?? (valid.serviceType ? `${valid.serviceType} visit` : "Service visit"),
      serviceType: valid.serviceType,
      status: valid.completed ? "completed" : "scheduled",
      completedAt: valid.completed ? now : null,
      createdAt: now,
      updatedAt: now,
      deliveries: [],
    };
    s.jobs.push(created);
    return created;
  });
  const delivery = await deliverJobEvent(deps, job.id, valid.completed ? "job.completed" : "job.updated");
  return { job: { ...job, deliveries: [delivery] }, delivery };
}

/** Marks a job completed or cancelled and tells Kudos. */
export async function setJobStatus(
  deps: SandboxDeps,
  accountId: string,
  jobId: string,
  status: "completed" | "cancelled",
): Promise<SandboxDelivery> {
  const now = deps.clock.now().toISOString();
  await deps.store.update((s) => {
    const job = s.jobs.find((j) => j.id === jobId && j.accountId === accountId);
    if (!job) throw new SandboxNotFoundError("Job");
    job.status = status;
    job.updatedAt = now;
    if (status === "completed") job.completedAt ??= now;
  });
  return deliverJobEvent(deps, jobId, status === "completed" ? "job.completed" : "job.cancelled");
}

// ---------------------------------------------------------------------------------------------
// Webhooks.

function jobPayload(account: SandboxAccount, job: SandboxJob, customer: SandboxCustomer, topic: string, occurredAt: string) {
  return {
    topic,
    account_id: account.id,
    occurred_at: occurredAt,
    job: {
      id: job.id,
      title: job.title,
      service_type: job.serviceType,
      status: job.status,
      completed_at: job.completedAt,
      no_review_request: false,
      customer: {
        id: customer.id,
        first_name: customer.firstName,
        last_name: customer.lastName,
        email: customer.email,
        phone: customer.phone,
        timezone: account.timezone,
      },
    },
  };
}

async function deliverJobEvent(deps: SandboxDeps, jobId: string, topic: "job.completed" | "job.updated" | "job.cancelled"): Promise<SandboxDelivery> {
  const found = await deps.store.read((s) => {
    const job = s.jobs.find((j) => j.id === jobId);
    const account = job && s.accounts.find((a) => a.id === job.accountId);
    const customer = job && s.customers.find((c) => c.id === job.customerId);
    return job && account && customer ? { job, account, customer } : undefined;
  });
  if (!found) throw new SandboxNotFoundError("Job");
  const payload = jobPayload(found.account, found.job, found.customer, topic, found.job.updatedAt);
  const delivery = await deliverWebhook(deps, found.account.id, topic, payload);
  await deps.store.update((s) => {
    const job = s.jobs.find((j) => j.id === jobId);
    if (job) job.deliveries = [delivery, ...job.deliveries].slice(0, DELIVERIES_KEPT);
  });
  return delivery;
}

/** POSTs one signed webhook to Kudos and reports its answer (status 0: unreachable). */
export async function deliverWebhook(
  deps: Pick<SandboxDeps, "appUrl" | "oauth" | "clock" | "fetch" | "logger">,
  accountId: string,
  topic: string,
  payload: Record<string, unknown>,
): Promise<SandboxDelivery> {
  const eventId = `evt_${randomUUID()}`;
  const body = JSON.stringify(payload);
  const now = deps.clock.now();
  const headers = genericWebhookHeaders({ secret: deps.oauth.clientSecret, eventId, topic, accountId, body, now });
  const at = now.toISOString();
  try {
    const response = await deps.fetch(`${deps.appUrl}/webhooks/hosts/${SANDBOX_HOST}`, { method: "POST", headers, body });
    const delivery: SandboxDelivery = { eventId, topic, status: response.status, at };
    if (!response.ok) delivery.error = (await response.text()).slice(0, 500);
    return delivery;
  } catch (err) {
    deps.logger.warn({ err, topic }, "sandbox webhook delivery failed");
    return { eventId, topic, status: 0, error: (err as Error).message, at };
  }
}

// ---------------------------------------------------------------------------------------------
// Installing and uninstalling Kudos.

export class SandboxInstallError extends Error {
  constructor(
    message: string,
    readonly step: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "SandboxInstallError";
  }
}

function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!.trim())
    .filter((c) => !c.endsWith("="))
    .join("; ");
}

async function expectRedirect(step: string, response: Response): Promise<string> {
  const location = response.headers.get("Location");
  if (response.status < 300 || response.status >= 400 || !location) {
    const text = (await response.text().catch(() => "")).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
    throw new SandboxInstallError(`${step} answered ${response.status}: ${text.slice(0, 300)}`, step, response.status);
  }
  return location;
}

/**
 * Installs Kudos into a sandbox account the way a merchant's browser would, without one: GET the
 * install start (keeping its cookie), approve on the sandbox's consent endpoint, follow the
 * redirect to Kudos's callback (which exchanges the code at the sandbox's token endpoint).
 */
export async function installKudosOverHttp(deps: SandboxDeps, accountId: string): Promise<{ businessId: string }> {
  const start = await deps.fetch(`${deps.appUrl}/auth/hosts/${SANDBOX_HOST}/install?account=${encodeURIComponent(accountId)}`, {
    redirect: "manual",
  });
  const authorizeUrl = new URL(await expectRedirect("install", start), deps.appUrl);
  const cookie = cookiesOf(start);

  const consent = new URLSearchParams(authorizeUrl.searchParams);
  consent.set("account_id", accountId);
  consent.set("decision", "approve");
  const approved = await deps.fetch(new URL(authorizeUrl.pathname, deps.appUrl).toString(), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...sandboxAuthHeaders(deps.accessSecret) },
    body: consent,
    redirect: "manual",
  });
  const callbackUrl = new URL(await expectRedirect("authorize", approved), deps.appUrl);

  const done = await deps.fetch(callbackUrl.toString(), { headers: { Cookie: cookie }, redirect: "manual" });
  if (done.status >= 400) await expectRedirect("callback", done);

  const business = await deps.db.business.findUnique({
    where: { host_externalAccountId: { host: SANDBOX_HOST, externalAccountId: accountId } },
    select: { id: true, status: true },
  });
  if (!business || business.status !== "installed") {
    throw new SandboxInstallError("The callback finished but no installed business was found", "callback", done.status);
  }
  return { businessId: business.id };
}

/** The merchant removes Kudos: its tokens die and Kudos is told (app.uninstalled). */
export async function uninstallKudos(deps: SandboxDeps, accountId: string): Promise<SandboxDelivery> {
  const account = await getAccount(deps.store, accountId);
  if (!account) throw new SandboxNotFoundError("Account");
  await revokeAccountTokens(deps.store, accountId);
  return deliverWebhook(deps, accountId, "app.uninstalled", {
    topic: "app.uninstalled",
    account_id: accountId,
    occurred_at: deps.clock.now().toISOString(),
  });
}
