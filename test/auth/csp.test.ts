import { describe, expect, it } from "vitest";
import { frameAncestorsHeader } from "~/auth/csp.server";

const manifests = [
  { adminOrigins: ["https://secure.getjobber.com"] },
  { adminOrigins: ["self"] },
];

describe("frameAncestorsHeader", () => {
  it("lets the hosts' admin origins frame /app and its pages", () => {
    for (const path of ["/app", "/app/campaigns/123"]) {
      expect(frameAncestorsHeader(path, manifests)).toEqual({
        name: "Content-Security-Policy",
        value: "frame-ancestors https://secure.getjobber.com 'self'",
      });
    }
  });

  it("forbids framing everywhere else", () => {
    for (const path of ["/", "/apply", "/r/abc", "/sandbox", "/webhooks/hosts/jobber"]) {
      expect(frameAncestorsHeader(path, manifests).value).toBe("frame-ancestors 'none'");
    }
  });

  it("forbids framing /app too when no host is enabled", () => {
    expect(frameAncestorsHeader("/app", []).value).toBe("frame-ancestors 'none'");
  });
});
