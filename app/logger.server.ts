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

/** `destination`: where the lines go (stdout by default; tests read them back). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? "info", destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service: "kudos" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

const globalForLogger = globalThis as unknown as { __kudosLogger?: Logger };

/** The process-wide logger. */
export const logger: Logger = (globalForLogger.__kudosLogger ??= createLogger());

export type { Logger };
