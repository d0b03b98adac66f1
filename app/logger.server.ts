import pino, { type Logger } from "pino";

// Secrets and personal contact data never reach the logs (checked by the security suite).
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers[\"x-kudos-signature\"]",
  "req.headers[\"x-jobber-hmac-sha256\"]",
  "req.headers[\"x-twilio-signature\"]",
  "req.headers[\"svix-signature\"]",
  "res.headers[\"set-cookie\"]",
  "*.accessToken",
  "*.refreshToken",
  "*.password",
  "*.secret",
  "*.token",
  "*.apiKey",
];

export function createLogger(level: string = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    level,
    base: { service: "kudos" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

const globalForLogger = globalThis as unknown as { __kudosLogger?: Logger };

/** The process-wide logger. */
export const logger: Logger = (globalForLogger.__kudosLogger ??= createLogger());

export type { Logger };
