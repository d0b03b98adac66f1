// The JSON examples in docs/host-protocol.md are what integrators copy: keep them valid.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { genericPayloadSchemas, GENERIC_TOPICS, isGenericTopic } from "~/hosts/generic/schema";

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
});
