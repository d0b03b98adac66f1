// The JSON examples in docs/host-protocol.md are what integrators copy: keep them valid.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { genericPayloadSchemas, GENERIC_HEADERS, GENERIC_TOPICS, isGenericTopic } from "~/hosts/generic/schema";
import { signGenericWebhook, verifyGenericSignature } from "~/hosts/generic/signature.server";

const doc = readFileSync("docs/host-protocol.md", "utf8");
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
const payloads = examples.filter((e) => typeof e.topic === "string");

describe("docs/host-protocol.md", () => {
  it("has a valid example for every topic", () => {
    expect(new Set(payloads.map((p) => p.topic))).toEqual(new Set(GENERIC_TOPICS));
    for (const payload of payloads) {
      const topic = String(payload.topic);
      expect(isGenericTopic(topic), topic).toBe(true);
      if (!isGenericTopic(topic)) continue;
      const result = genericPayloadSchemas[topic].safeParse(payload);
      expect(result.success, `${topic}: ${result.error?.message}`).toBe(true);
    }
  });

  it("documents the install answer with an account id", () => {
    expect(examples.some((e) => typeof e.access_token === "string" && typeof e.account_id === "string")).toBe(true);
  });

  it("publishes a signed delivery that Kudos accepts, and whose signature any HMAC library reproduces", () => {
    const match = doc.match(/With the\s+client secret `([^`]+)`[\s\S]*?```http\n([\s\S]*?)\n```/);
    expect(match, "the worked signature example").toBeTruthy();
    const [, secret, request] = match!;
    const [head, body] = request!.split("\n\n") as [string, string];
    const headers = new Headers(
      head
        .split("\n")
        .slice(1)
        .map((line) => line.split(/:\s*/, 2) as [string, string]),
    );
    const timestamp = headers.get(GENERIC_HEADERS.timestamp)!;
    const signature = headers.get(GENERIC_HEADERS.signature)!;
    // Recomputed here from the documented recipe, not with the app's signer.
    expect(createHmac("sha256", secret!).update(`${timestamp}.${body}`).digest("base64")).toBe(signature);
    expect(signGenericWebhook(secret!, timestamp, body)).toBe(signature);
    const at = new Date(Number(timestamp) * 1000 + 60_000);
    expect(verifyGenericSignature(secret!, { headers, rawBody: Buffer.from(body, "utf8"), now: at })).toEqual({ ok: true });
    expect(verifyGenericSignature(secret!, { headers, rawBody: body.replace("Dana", "Dan"), now: at })).toMatchObject({ ok: false, status: 401 });
    // The body is a valid payload whose topic and account match the headers.
    const payload = JSON.parse(body) as Record<string, unknown>;
    expect(payload.topic).toBe(headers.get(GENERIC_HEADERS.topic));
    expect(payload.account_id).toBe(headers.get(GENERIC_HEADERS.accountId));
    expect(genericPayloadSchemas["job.completed"].safeParse(payload).success).toBe(true);
  });
});
