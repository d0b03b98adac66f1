import { describe, expect, it } from "vitest";
import { field, formParams } from "~/stops/http.server";

describe("webhook form fields", () => {
  // Found by the hostile-input property test: a field named __proto__ used to vanish into the
  // object's prototype, so a correctly signed request failed its signature check.
  it("keeps every field, including __proto__ and constructor, and repeated fields as arrays", () => {
    const params = formParams("__proto__=x&constructor=y&To=%2B1&To=%2B2&Body=STOP");
    expect(Object.keys(params).sort()).toEqual(["Body", "To", "__proto__", "constructor"]);
    expect(params["__proto__"]).toBe("x");
    expect(params.To).toEqual(["+1", "+2"]);
    expect(field(params, "To")).toBe("+1");
    expect(field(params, "Missing")).toBeUndefined();
  });
});
