// The save bar's logic (app/admin/unsaved.ts): when a form has unsaved changes, which navigations
// leave the page, and what the leave-page guard does with a blocked navigation.
import { describe, expect, it } from "vitest";
import { campaignChanged, guardState, isLeaving, sameValues, templateChanged, trimStrings } from "~/admin/unsaved";

describe("unsaved changes", () => {
  it("compares values deeply, whatever the key order, and trims every string", () => {
    expect(sameValues({ a: 1, b: [1, { c: "x" }] }, { b: [1, { c: "x" }], a: 1 })).toBe(true);
    expect(sameValues({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(trimStrings({ a: " x ", b: [" y"], c: 3, d: null })).toEqual({ a: "x", b: ["y"], c: 3, d: null });
  });

  it("a campaign form is changed only by what the domain would store differently", () => {
    const saved = { name: "Standard", serviceType: "", touches: [{ channel: "email", delay: "2", unit: "days" as const, templateId: "t1" }] };
    expect(campaignChanged(saved, { ...saved, name: "  Standard " })).toBe(false);
    expect(campaignChanged(saved, { ...saved, touches: [{ ...saved.touches[0]!, delay: "48", unit: "hours" }] })).toBe(false);
    expect(campaignChanged(saved, { ...saved, touches: [{ ...saved.touches[0]!, delay: "47", unit: "hours" }] })).toBe(true);
    expect(campaignChanged(saved, { ...saved, touches: [{ ...saved.touches[0]!, delay: "" }] })).toBe(true);
    expect(campaignChanged(saved, { ...saved, serviceType: "hvac" })).toBe(true);
    expect(campaignChanged(saved, { ...saved, touches: [...saved.touches, { channel: "sms", delay: "1", unit: "days", templateId: "t2" }] })).toBe(true);
  });

  it("a template form: trimmed name and subject, the body as typed, no subject for SMS", () => {
    const saved = { name: "Ask", channel: "sms", subject: "", body: "Hi {{review_link}}" };
    expect(templateChanged(saved, { ...saved, name: "Ask " })).toBe(false);
    expect(templateChanged(saved, { ...saved, subject: "ignored for SMS" })).toBe(false);
    expect(templateChanged(saved, { ...saved, body: "Hi {{review_link}} " })).toBe(true);
    expect(templateChanged({ ...saved, channel: "email" }, { ...saved, channel: "email", subject: "New" })).toBe(true);
  });

  it("another path or query leaves the page; a #hash does not", () => {
    const here = { pathname: "/app/templates/1", search: "" };
    expect(isLeaving(here, { pathname: "/app/templates", search: "" })).toBe(true);
    expect(isLeaving(here, { pathname: "/app/templates/1", search: "?customer=2" })).toBe(true);
    expect(isLeaving(here, { ...here })).toBe(false);
  });

  it("a blocked navigation asks, waits for a save in flight, or goes on once nothing is unsaved", () => {
    expect(guardState(false, true, false)).toBe("idle");
    expect(guardState(true, true, false)).toBe("asking");
    expect(guardState(true, true, true)).toBe("waiting");
    // The save finished (the loader's fresh values match the form): the navigation goes through.
    expect(guardState(true, false, false)).toBe("proceed");
    expect(guardState(true, false, true)).toBe("proceed");
  });
});
