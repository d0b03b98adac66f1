// All configuration, parsed once at start-up. A bad or missing variable stops the process with
// one message naming every problem, instead of failing later somewhere deep in a request.
import { z } from "zod";

const TRUE_WORDS = ["1", "true", "yes", "on"];
const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off"])
  .transform((v) => TRUE_WORDS.includes(v));

/**
 * INNGEST_DEV read exactly as the inngest SDK reads it (node_modules/inngest/helpers/env.js
 * `parseAsBoolean`, components/Inngest.js `mode` and `explicitDevUrl`): "1"/"true" and
 * "0"/"false" in any case, else the dev server's URL. The SDK takes any other word for a host
 * name ("yes" is http://yes/), so those are refused here; undefined: not a value we accept.
 */
export function parseInngestDev(raw: string): boolean | string | undefined {
  const word = raw.trim().toLowerCase();
  if (word === "1" || word === "true") return true;
  if (word === "0" || word === "false") return false;
  try {
    const url = new URL(raw.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const inngestDev = z.string().transform((v, ctx) => {
  const parsed = parseInngestDev(v);
  if (parsed !== undefined) return parsed;
  ctx.addIssue({ code: "custom", message: "must be 1, true, 0, false or the dev server's URL (e.g. http://localhost:8288)" });
  return z.NEVER;
});

const optionalUrl = z.string().url().optional();

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().min(1).default("0.0.0.0"),
    /** Public origin of the app as the outside world reaches it (links in messages, OAuth redirects). */
    APP_URL: optionalUrl,
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

    /** Postgres connection string. Unset: an embedded PostgreSQL is started with data in DATA_DIR. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    /** Local state for the embedded default: Postgres data, the generated encryption key. */
    DATA_DIR: z.string().min(1).default(".data"),
    EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54329),

    // Secrets. In production both are required; the embedded default generates them once and
    // keeps them in DATA_DIR/secrets.json (app/lib/secrets.server.ts).
    /** 32 bytes, base64: AES-256-GCM key for host tokens at rest. */
    ENCRYPTION_KEY: z
      .string()
      .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded")
      .optional(),
    /** Signs tracked review links, unsubscribe links and other public tokens (>= 32 chars). */
    LINK_SECRET: z.string().min(32, "must be at least 32 characters").optional(),

    // Host platforms. A host is enabled when its client id and secret are set: the variables its
    // manifest names (app/hosts/manifest.server.ts reads them, whatever they are called).
    /** Where the host manifests are (extensions/<handle>/kudos.extension.toml). */
    EXTENSIONS_DIR: z.string().min(1).default("extensions"),
    JOBBER_CLIENT_ID: z.string().min(1).optional(),
    JOBBER_CLIENT_SECRET: z.string().min(1).optional(),
    JOBBER_GRAPHQL_VERSION: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD").default("2025-04-16"),
    /** The built-in sandbox host under /sandbox. Default: on unless NODE_ENV=production. */
    SANDBOX_HOST: bool.optional(),
    /** When set, every /sandbox request must present it (HTTP Basic password or Bearer token). */
    SANDBOX_SECRET: z.string().min(16, "must be at least 16 characters").optional(),

    // Email (Resend). Unset API key: the outbox transport stores messages instead.
    RESEND_API_KEY: z.string().startsWith("re_", "must start with re_").optional(),
    RESEND_WEBHOOK_SECRET: z.string().startsWith("whsec_", "must start with whsec_").optional(),
    /** Sending address on a verified domain, e.g. reviews@mail.example.com. */
    EMAIL_FROM: z.string().email().default("reviews@kudos.localhost"),
    /**
     * Resend requests per second for the whole team (Resend documents 10/s per team, not per
     * process): paced through the rate-limit store below, so every process shares it.
     */
    RESEND_REQUESTS_PER_SECOND: z.coerce.number().int().min(1).max(1_000).default(10),

    // SMS (Twilio). Unset: the outbox transport.
    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must look like AC followed by 32 hex digits").optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_FROM_NUMBER: z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number like +15551234567").optional(),
    TWILIO_MESSAGING_SERVICE_SID: z.string().regex(/^MG[0-9a-fA-F]{32}$/, "must look like MG followed by 32 hex digits").optional(),
    // Who answers STOP/START/HELP texts: Twilio's default opt-out handling ("twilio"), or Kudos
    // ("kudos", for accounts where Twilio support disabled it). See README, "Texting keywords".
    SMS_KEYWORD_REPLIES: z.enum(["twilio", "kudos"]).default("twilio"),

    // Rate-limit storage: Upstash REST in production, a Redis URL, or in-process when neither is set.
    UPSTASH_REDIS_REST_URL: optionalUrl,
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://").optional(),
    /** Requests per minute per IP on public endpoints (/r, /u, /f, webhooks). */
    PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
    /** Requests per minute per source IP on webhook routes (a platform's servers, not people). */
    WEBHOOK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60_000),

    // The standalone admin's sessions (hosts that do not frame apps, like Jobber).
    /** Signed out after this many hours without a request. */
    ADMIN_SESSION_IDLE_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
    /** Signed out this many days after signing in, whatever the activity. */
    ADMIN_SESSION_MAX_DAYS: z.coerce.number().positive().max(90).default(7),

    // Scheduling: Inngest cloud when both keys are set, a local Inngest dev server with
    // INNGEST_DEV, else the in-process scheduler (see inngestMode).
    INNGEST_EVENT_KEY: z.string().min(1).optional(),
    INNGEST_SIGNING_KEY: z.string().min(1).optional(),
    INNGEST_SIGNING_KEY_FALLBACK: z.string().min(1).optional(),
    INNGEST_DEV: inngestDev.optional(),
    /** How often the in-process scheduler drains due touches. */
    SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(250).default(5_000),
  })
  .transform((env) => ({
    ...env,
    APP_URL: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ""),
    SANDBOX_HOST: env.SANDBOX_HOST ?? env.NODE_ENV !== "production",
  }));

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Rules across variables, checked on the raw values so they are reported with the rest. */
function crossCheck(env: Record<string, string>): string[] {
  const problems: string[] = [];
  const pair = (a: string, b: string) => {
    if (Boolean(env[a]) !== Boolean(env[b])) {
      problems.push(`${env[a] ? b : a}: must be set together with ${env[a] ? a : b}`);
    }
  };
  pair("JOBBER_CLIENT_ID", "JOBBER_CLIENT_SECRET");
  pair("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN");
  pair("UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN");
  if (env.TWILIO_ACCOUNT_SID && !env.TWILIO_FROM_NUMBER && !env.TWILIO_MESSAGING_SERVICE_SID) {
    problems.push("TWILIO_FROM_NUMBER: set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID");
  }
  if (env.NODE_ENV === "production") {
    for (const key of ["ENCRYPTION_KEY", "LINK_SECRET", "APP_URL"]) {
      if (!env[key]) problems.push(`${key}: is required in production`);
    }
  }
  // The sandbox lists accounts, mints admin sessions and sends whatever it is told to whoever
  // reaches it: never next to real transports or in production, unless only this machine can
  // reach it or it asks for SANDBOX_SECRET.
  const sandboxOn = env.SANDBOX_HOST ? TRUE_WORDS.includes(env.SANDBOX_HOST) : (env.NODE_ENV ?? "development") !== "production";
  const exposure = [...(env.NODE_ENV === "production" ? ["NODE_ENV=production"] : []), ...["RESEND_API_KEY", "TWILIO_ACCOUNT_SID"].filter((k) => env[k])];
  const host = env.HOST ?? "0.0.0.0";
  if (sandboxOn && exposure.length > 0 && !isLoopbackHost(host) && !env.SANDBOX_SECRET) {
    problems.push(
      `SANDBOX_HOST: the sandbox (/sandbox) is on with ${exposure.join(" and ")} while HOST=${host} lets other machines reach it, ` +
        "so anyone could mint admin sessions and send messages from this deployment. " +
        `Either ${env.NODE_ENV === "production" ? "unset SANDBOX_HOST" : "set SANDBOX_HOST=0"}, bind HOST=127.0.0.1, ` +
        "or set SANDBOX_SECRET (16+ characters) to require it on every /sandbox request",
    );
  }
  // Inngest cloud needs both keys: without the signing key its handler answers every call 500,
  // without the event key no event reaches it. Either way nothing would ever be sent.
  if (parseInngestDev(env.INNGEST_DEV ?? "false") === false && Boolean(env.INNGEST_EVENT_KEY) !== Boolean(env.INNGEST_SIGNING_KEY)) {
    const [missing, present] = env.INNGEST_EVENT_KEY ? ["INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY"] : ["INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY"];
    problems.push(`${missing}: must be set together with ${present} for Inngest cloud (for a local Inngest dev server set INNGEST_DEV=1 instead)`);
  }
  return problems;
}

/** HOST values only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export type InngestMode = "cloud" | "dev" | "off";

/**
 * Who runs scheduled work: Inngest cloud (both keys), a local Inngest dev server (INNGEST_DEV
 * true or a URL, no keys needed) or, "off", the in-process scheduler and host-event worker.
 */
export function inngestMode(env: Pick<Env, "INNGEST_DEV" | "INNGEST_EVENT_KEY" | "INNGEST_SIGNING_KEY">): InngestMode {
  if (env.INNGEST_DEV === true || typeof env.INNGEST_DEV === "string") return "dev";
  return env.INNGEST_EVENT_KEY && env.INNGEST_SIGNING_KEY ? "cloud" : "off";
}

/** Parses a source of variables (process.env by default); empty strings count as unset. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  );
  const result = envSchema.safeParse(cleaned);
  const problems = [
    ...(result.success ? [] : result.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`)),
    ...crossCheck(cleaned),
  ];
  if (problems.length > 0 || !result.success) throw new EnvError(problems);
  return result.data;
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv();
  return cached;
}

/** For tests and the CLI, which set variables before the first read. */
export function resetEnvForTests(): void {
  cached = undefined;
}

