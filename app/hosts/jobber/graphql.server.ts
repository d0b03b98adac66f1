// Jobber's GraphQL API: bearer token, the mandatory version header, and Jobber's two rate limits.
// - Query cost (leaky bucket): every response reports extensions.cost.throttleStatus; before a
//   query whose expected cost exceeds what is left, wait (cost - available) / restoreRate s.
//   A THROTTLED error means we guessed wrong: wait the same way and retry.
// - HTTP 429 (2,500 requests / 300 s per app and account): back off and retry, a bounded number
//   of times, then give up with HostRateLimitedError so the caller retries the event later.
import { z } from "zod";
import { type Clock, systemClock } from "~/lib/clock.server";
import { HostApiError, HostDisconnectedError, HostRateLimitedError, realSleep, type Sleep } from "../connector";
import { type Fetch, lazyFetch } from "../install/oauth.server";
import type { JobberOperation } from "./queries";

export const JOBBER_GRAPHQL_URL = "https://api.getjobber.com/api/graphql";
export const JOBBER_VERSION_HEADER = "X-JOBBER-GRAPHQL-VERSION";

const HOST = "jobber";
const MAX_BUDGETS = 1_000;

/** Jobber's answer once the merchant disconnected the app ("... Please delete this token"). */
export function isJobberDisconnectedMessage(text: string): boolean {
  return /has disconnected this app/i.test(text);
}

const costSchema = z.object({
  requestedQueryCost: z.number().optional(),
  actualQueryCost: z.number().nullish(),
  throttleStatus: z
    .object({ maximumAvailable: z.number(), currentlyAvailable: z.number(), restoreRate: z.number().positive() })
    .optional(),
});

const responseSchema = z.object({
  data: z.unknown().optional(),
  errors: z
    .array(z.looseObject({ message: z.string().default(""), extensions: z.looseObject({ code: z.string().optional() }).optional() }))
    .optional(),
  extensions: z.looseObject({ cost: costSchema.optional() }).optional(),
});

interface Budget {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
  /** When currentlyAvailable was true. */
  at: number;
}

export interface JobberGraphqlOptions {
  /** YYYY-MM-DD (env JOBBER_GRAPHQL_VERSION). */
  version: string;
  url?: string;
  fetch?: Fetch;
  sleep?: Sleep;
  clock?: Clock;
  /** Retries after a 429 or THROTTLED answer before giving up. */
  maxRetries?: number;
}

export class JobberGraphqlClient {
  private readonly url: string;
  private readonly fetch: Fetch;
  private readonly sleep: Sleep;
  private readonly clock: Clock;
  private readonly maxRetries: number;
  /** Last known bucket per access token (tokens are per account). */
  private readonly budgets = new Map<string, Budget>();
  /** Last requested cost Jobber reported per operation: the best guess for the next one. */
  private readonly costs = new Map<string, number>();

  constructor(private readonly options: JobberGraphqlOptions) {
    this.url = options.url ?? JOBBER_GRAPHQL_URL;
    this.fetch = lazyFetch(options.fetch);
    this.sleep = options.sleep ?? realSleep;
    this.clock = options.clock ?? systemClock;
    this.maxRetries = options.maxRetries ?? 3;
  }

  async request<T>(
    accessToken: string,
    operation: JobberOperation,
    variables: Record<string, unknown>,
    schema: z.ZodType<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.waitForBudget(accessToken, this.costs.get(operation.name) ?? operation.estimatedCost);
      const response = await this.send(accessToken, operation, variables);

      if (response.status === 429) {
        if (attempt >= this.maxRetries) throw new HostRateLimitedError(HOST);
        await this.sleep(retryAfterMs(response.headers.get("Retry-After"), this.clock.now()) ?? 1_000 * 2 ** attempt);
        continue;
      }

      const text = await response.text();
      if (isJobberDisconnectedMessage(text)) throw new HostDisconnectedError(HOST, "Jobber: the account disconnected the app");
      const body = parseBody(text);
      if (!response.ok || !body) {
        throw new HostApiError(HOST, `Jobber GraphQL answered HTTP ${response.status}`, {
          status: response.status,
          code: response.status === 401 ? "unauthorized" : `http_${response.status}`,
          retryable: response.status >= 500,
        });
      }

      const cost = body.extensions?.cost;
      if (cost?.requestedQueryCost !== undefined) this.costs.set(operation.name, cost.requestedQueryCost);
      if (cost?.throttleStatus) this.remember(accessToken, cost.throttleStatus);

      const errors = body.errors ?? [];
      if (errors.some((e) => e.extensions?.code === "THROTTLED")) {
        if (attempt >= this.maxRetries) throw new HostRateLimitedError(HOST, "Jobber query cost throttled");
        // Without a throttle status to wait on, back off blindly.
        if (!cost?.throttleStatus) await this.sleep(1_000 * 2 ** attempt);
        continue;
      }
      if (errors.length > 0) {
        throw new HostApiError(HOST, `Jobber GraphQL error: ${errors.map((e) => e.message).join("; ")}`, {
          status: response.status,
          code: errors[0]?.extensions?.code ?? "graphql_error",
          retryable: false,
        });
      }
      const data = schema.safeParse(body.data);
      if (!data.success) {
        throw new HostApiError(HOST, `Jobber ${operation.name} answered an unexpected shape: ${data.error.message}`, {
          status: response.status,
          code: "unexpected_response",
          retryable: false,
        });
      }
      return data.data;
    }
  }

  private async send(accessToken: string, operation: JobberOperation, variables: Record<string, unknown>) {
    try {
      return await this.fetch(this.url, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${accessToken}`,
          "Content-Type": "application/json",
          Accept: "application/json",
          [JOBBER_VERSION_HEADER]: this.options.version,
        },
        body: JSON.stringify({ operationName: operation.name, query: operation.query, variables }),
      });
    } catch (err) {
      throw new HostApiError(HOST, `Jobber unreachable: ${(err as Error).message}`, { retryable: true });
    }
  }

  private remember(accessToken: string, status: Omit<Budget, "at">): void {
    this.budgets.delete(accessToken);
    if (this.budgets.size >= MAX_BUDGETS) {
      const oldest = this.budgets.keys().next().value;
      if (oldest !== undefined) this.budgets.delete(oldest);
    }
    this.budgets.set(accessToken, { ...status, at: this.clock.now().getTime() });
  }

  private async waitForBudget(accessToken: string, cost: number): Promise<void> {
    const budget = this.budgets.get(accessToken);
    if (!budget) return;
    const now = this.clock.now().getTime();
    const restored = ((now - budget.at) / 1000) * budget.restoreRate;
    const available = Math.min(budget.maximumAvailable, budget.currentlyAvailable + restored);
    const needed = Math.min(cost, budget.maximumAvailable);
    if (needed <= available) return;
    await this.sleep(Math.ceil(((needed - available) / budget.restoreRate) * 1000));
    // The bucket has refilled to what we need by now; measure from here on.
    this.budgets.set(accessToken, { ...budget, currentlyAvailable: needed, at: this.clock.now().getTime() });
  }
}

function parseBody(text: string): z.infer<typeof responseSchema> | undefined {
  try {
    const parsed = responseSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds or as an HTTP date, capped at a minute. */
function retryAfterMs(value: string | null, now: Date): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : new Date(value).getTime() - now.getTime();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), 60_000);
}
