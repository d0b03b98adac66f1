// Secrets and tokens never reach the logs: a child process runs a send (with provider failures),
// provider and host webhooks, a rejected install and a deliberately careless log call through the
// process logger at trace level; everything it wrote is searched for every secret and token.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db";

const db = useTestDatabase();
const ROOT = path.resolve(import.meta.dirname, "../..");

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/security/log-child.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "trace", NODE_ENV: "test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("logs", () => {
  it("carry no secret, token or signature, and no customer contact data", async () => {
    const secrets = {
      resendApiKey: `re_${randomBytes(12).toString("hex")}`,
      resendWebhookSecret: `whsec_${randomBytes(24).toString("base64")}`,
      twilioSid: `AC${randomBytes(16).toString("hex")}`,
      twilioToken: `tw${randomBytes(16).toString("hex")}`,
      linkSecret: `link-${randomBytes(24).toString("hex")}`,
      encryptionKey: randomBytes(32).toString("base64"),
      accessToken: `at-${randomBytes(16).toString("hex")}`,
      refreshToken: `rt-${randomBytes(16).toString("hex")}`,
      sessionToken: `eyJ${randomBytes(24).toString("base64url")}`,
      oauthCode: `code${randomBytes(12).toString("hex")}`,
      accountId: `acct-${randomBytes(4).toString("hex")}`,
      email: `secret.customer.${randomBytes(4).toString("hex")}@example.com`,
      phone: `+1305555${String(1000 + Math.floor(Math.random() * 8999))}`,
    };
    const { code, output } = await run([db().url, JSON.stringify(secrets)]);
    expect(code, output.slice(-2_000)).toBe(0);
    const lines = output.split("\n").filter((l) => l.startsWith("{"));
    // The run did log what it should: failures, webhooks, the rejected install, the careless call.
    for (const message of ["email send failures", "sms send failed", "host webhook rejected: bad signature", "install callback rejected: bad state", "sms keyword", "careless log"]) {
      expect(lines.some((l) => l.includes(`"${message}"`)), message).toBe(true);
    }
    expect(output).toContain("[redacted]");
    const leaked = Object.entries(secrets)
      .filter(([name]) => name !== "accountId" && name !== "twilioSid")
      .filter(([, value]) => output.includes(value))
      .map(([name]) => name);
    expect(leaked, `found in the logs: ${leaked.join(", ")}`).toEqual([]);
    // Link tokens (in message links) are secrets too: no /r/, /u/ or /f/ token in any line.
    expect(output).not.toMatch(/\/[ruf]\/[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{10,}/);
  }, 60_000);
});
