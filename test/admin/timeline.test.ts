import { describe, expect, it } from "vitest";
import { timelinePreview } from "~/admin/timeline.server";

const business = {
  timezone: "America/New_York",
  quietHoursStart: 8 * 60,
  quietHoursEnd: 21 * 60,
  serviceTypeDelays: { "Lawn care": 2 },
};
// 10:00 AM in New York.
const NOW = new Date("2026-01-05T15:00:00Z");

describe("campaign timeline preview", () => {
  it("schedules each touch from the previous one's due time and defers those in quiet hours", () => {
    const t = timelinePreview(business, null, [
      { channel: "email", delayHours: 24 },
      { channel: "sms", delayHours: 11 },
      { channel: "email", delayHours: 48 },
    ], NOW);
    expect(t).toMatchObject({ timezone: "America/New_York", windowLabel: "08:00–21:00", overrideHours: null });
    expect(t.completedLabel).toBe("Mon, Jan 5, 10:00 AM EST");
    expect(t.entries.map((e) => [e.scheduledAt, e.sendAt, e.deferred])).toEqual([
      ["2026-01-06T15:00:00.000Z", "2026-01-06T15:00:00.000Z", false],
      // 9 PM local is outside the window: sent at 8 AM the next morning.
      ["2026-01-07T02:00:00.000Z", "2026-01-07T13:00:00.000Z", true],
      // Anchored to touch 2's due time, not to its deferred send.
      ["2026-01-09T02:00:00.000Z", "2026-01-09T13:00:00.000Z", true],
    ]);
    expect(t.entries[1]).toMatchObject({ scheduledLabel: "Tue, Jan 6, 9:00 PM EST", sendLabel: "Wed, Jan 7, 8:00 AM EST" });
  });

  it("applies the business's service-type override to touch 1 and says so", () => {
    const t = timelinePreview(business, "Lawn care", [{ channel: "sms", delayHours: 24 }, { channel: "email", delayHours: 24 }], NOW);
    expect(t.overrideHours).toBe(2);
    expect(t.entries.map((e) => [e.delayHours, e.overridden, e.scheduledAt])).toEqual([
      [2, true, "2026-01-05T17:00:00.000Z"],
      [24, false, "2026-01-06T17:00:00.000Z"],
    ]);
  });

  it("the legal window wins over a wider business window", () => {
    const t = timelinePreview({ ...business, quietHoursStart: 0, quietHoursEnd: 1440 }, null, [{ channel: "sms", delayHours: 12 }], NOW);
    expect(t.windowLabel).toBe("08:00–21:00");
    expect(t.entries[0]).toMatchObject({ scheduledAt: "2026-01-06T03:00:00.000Z", sendAt: "2026-01-06T13:00:00.000Z", deferred: true });
  });
});
