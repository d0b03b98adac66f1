// Secrets and tokens never reach the logs: a child process runs a send (with provider failures),
// provider and host webhooks, a rejected install and a deliberately careless log call through the
// process logger at trace level; everything it wrote is searched for every secret and token, as
// written and in the encodings a request carries them in (HTTP Basic, URL and form encoding,
// base64 at any offset of a larger blob, hex, JSON escapes).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db";

const db = useTestDatabase();

/**
 * What a secret looks like once encoded, keyed by encoding. Base64 of a secret inside a larger
 * blob (an Authorization header's `sid:token`) depends on the secret's offset modulo 3: for each
 * offset, the characters that encode only the secret's own bytes.
 */
function encodedForms(value: string): Record<string, string> {
  const bytes = Buffer.from(value, "utf8");
  const forms: Record<string, string> = {
    url: encodeURIComponent(value),
    form: new URLSearchParams({ v: value }).toString().slice(2),
    json: JSON.stringify(value).slice(1, -1),
    hex: bytes.toString("hex"),
  };
  for (let offset = 0; offset < 3; offset++) {
    const blob = Buffer.concat([Buffer.alloc(offset), bytes]);
    const whole = Math.floor(blob.length / 3) * 4; // characters of complete 3-byte groups
    const from = offset === 0 ? 0 : 4; // the first group mixes in bytes that are not the secret's
    forms[`base64@${offset}`] = blob.toString("base64").slice(from, whole);
    forms[`base64url@${offset}`] = blob.toString("base64url").slice(from, whole);
  }
  return forms;
}

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
    // Encoded: Twilio's HTTP Basic credentials, URL- and form-encoded tokens, base64 of the keys.
    const basic = Buffer.from(`${secrets.twilioSid}:${secrets.twilioToken}`).toString("base64");
    expect(output, "Twilio Basic credentials").not.toContain(basic);
    const lower = output.toLowerCase();
    const encodedLeaks = Object.entries(secrets)
      .filter(([name]) => name !== "accountId" && name !== "twilioSid")
      .flatMap(([name, value]) =>
        Object.entries(encodedForms(value))
          .filter(([encoding, form]) => form !== value && (encoding === "url" || encoding === "form" ? lower.includes(form.toLowerCase()) : output.includes(form)))
          .map(([encoding]) => `${name} (${encoding})`),
      );
    expect(encodedLeaks, `found encoded in the logs: ${encodedLeaks.join(", ")}`).toEqual([]);
    // Link tokens (in message links) are secrets too: no /r/, /u/ or /f/ token in any line.
    expect(output).not.toMatch(/\/[ruf]\/[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{10,}/);
  }, 60_000);

  it("finds a secret in each encoding it searches for (the search itself can fail)", () => {
    const sid = `AC${"0123456789abcdef".repeat(2)}`;
    const token = "tw0123456789abcdef0123456789abcd";
    const key = `whsec_${Buffer.from("some webhook secret bytes!?").toString("base64")}`;
    const header = `Authorization: Basic ${Buffer.from(`${sid}:${token}`).toString("base64")}`;
    expect(Object.values(encodedForms(token)).some((form) => header.includes(form))).toBe(true);
    for (const prefix of ["", "x", "xy"]) {
      const blob = Buffer.from(`${prefix}${key}`).toString("base64");
      expect(Object.values(encodedForms(key)).some((form) => blob.includes(form)), `offset ${prefix.length}`).toBe(true);
    }
    const url = `https://kudos.test/cb?secret=${encodeURIComponent(key)}`;
    expect(url.includes(key)).toBe(false);
    expect(url.includes(encodedForms(key).url!)).toBe(true);
  });
});
