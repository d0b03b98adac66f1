// The process's wired-up services, built once from the environment: what routes, the scheduler,
// Inngest functions and the CLI share. Tests build their own with explicit dependencies instead.
import { getDatabase, type Database } from "~/db.server";
import { getEnv, type Env } from "~/env.server";
import type { DomainDeps } from "~/domain/types";
import { type ProcessorDeps } from "~/engine/processor.server";
import { createSendRateLimiter } from "~/engine/rate-limit/index.server";
import { createEmailPacer, createOutboxTransports, createTransports, smsSenderScopes, withRetries } from "~/engine/transports/index.server";
import { systemClock, type Clock } from "~/lib/clock.server";
import { loadSecrets, type Secrets } from "~/lib/secrets.server";
import { loadHostManifests, manifestCredentialEnv } from "~/hosts/manifest.server";
import { createHostRegistry, type HostRegistry } from "~/hosts/registry.server";
import { SANDBOX_HOST } from "~/hosts/sandbox/platform.server";
import { createLinkBuilder } from "~/links/tokens.server";
import { logger } from "~/logger.server";

export interface Services {
  env: Env;
  database: Database;
  secrets: Secrets;
  domain: DomainDeps;
  processor: ProcessorDeps;
  /** The enabled host platforms (Jobber when configured, the sandbox when SANDBOX_HOST). */
  hosts: HostRegistry;
  /** Closes connections the services opened (the rate limiter's and the email pacer's Redis). */
  close(): Promise<void>;
}

export function createServices(env: Env, database: Database, clock: Clock = systemClock): Services {
  const secrets = loadSecrets(env);
  // Resend's rate is per team: the pace is shared by every process through the rate-limit store.
  const emailPacer = createEmailPacer(env, { logger });
  const transports = createTransports(env, { db: database.prisma, logger, clock, emailPacer });
  const outbox = createOutboxTransports(env, { db: database.prisma, logger, clock });
  const limiter = createSendRateLimiter(env, { logger, clock });
  const optOuts = { key: secrets.optOutKey, smsSenders: smsSenderScopes(env) };
  const processor: ProcessorDeps = {
    db: database.prisma,
    pool: database.pool,
    clock,
    logger,
    // Provider 429/5xx are retried with backoff a bounded number of times, then the touch fails;
    // a spent quota (Resend daily_quota_exceeded) defers the touch until it resets instead.
    email: withRetries(transports.email),
    sms: withRetries(transports.sms),
    // The sandbox's pretend businesses never reach a real provider, whatever is configured.
    hostTransports: { [SANDBOX_HOST]: { email: withRetries(outbox.email), sms: withRetries(outbox.sms) } },
    limiter,
    links: createLinkBuilder(env.APP_URL, secrets.linkSecret),
    emailFrom: env.EMAIL_FROM,
    appUrl: env.APP_URL,
    optOuts,
  };
  const manifests = loadHostManifests(env.EXTENSIONS_DIR);
  const hosts = createHostRegistry({
    manifests,
    env: { ...env, ...manifestCredentialEnv(manifests) },
    builtinCredentials: env.SANDBOX_HOST ? { sandbox: secrets.sandbox } : {},
    clock,
  });
  return { env, database, secrets, domain: { db: database.prisma, clock, optOuts }, processor, hosts, close: async () => void (await Promise.all([limiter.close(), emailPacer.close()])) };
}

const globalForServices = globalThis as unknown as { __kudosServices?: Services };

export async function closeServices(): Promise<void> {
  const services = globalForServices.__kudosServices;
  globalForServices.__kudosServices = undefined;
  await services?.close();
}

export function getServices(): Services {
  globalForServices.__kudosServices ??= createServices(getEnv(), getDatabase());
  return globalForServices.__kudosServices;
}
