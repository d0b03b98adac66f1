import { describe, expect, it } from "vitest";
import * as settingsRoute from "~/routes/app.settings";
import { getServices } from "~/services.server";
import { call, installTestBusiness, sessionFor, useAdminServices } from "./helpers";

type SettingsData = Awaited<ReturnType<typeof settingsRoute.loader>>;
interface Failure {
  ok: false;
  fieldErrors: Record<string, string>;
}

const VALID = {
  name: "Bright Plumbing",
  timezone: "America/Chicago",
  quietHoursStart: "09:30",
  quietHoursEnd: "24:00",
  cooldownDays: "45",
  emailHourlyLimit: "250",
  smsHourlyLimit: "60",
  senderName: "Bright Plumbing Team",
  replyTo: "owner@bright.example",
  contactPhone: "(555) 010-0199",
  physicalAddress: "1 Main St, Springfield, IL 62701",
  feedbackPageEnabled: "true",
  "serviceTypeDelays.0.serviceType": "Drain cleaning",
  "serviceTypeDelays.0.hours": "2",
  "serviceTypeDelays.1.serviceType": "",
  "serviceTypeDelays.1.hours": "",
  "serviceTypeDelays.2.serviceType": "Installation",
  "serviceTypeDelays.2.hours": "72",
  "reviewLinks.0.site": "Google",
  "reviewLinks.0.url": "https://g.page/r/bright/review",
  "reviewLinks.1.site": "Yelp",
  "reviewLinks.1.url": "https://www.yelp.com/biz/bright",
};

describe("settings page", () => {
  useAdminServices();

  it("shows the business's settings in the form's units (HH:MM, rows)", async () => {
    const business = await installTestBusiness();
    const session = await sessionFor(business);
    const res = await call<SettingsData>(settingsRoute.loader, await session.get("/app/settings"));
    expect(res.data.settings).toMatchObject({
      name: "Acme Plumbing",
      timezone: "America/New_York",
      quietHoursStart: "08:00",
      quietHoursEnd: "21:00",
      cooldownDays: "30",
      feedbackPageEnabled: false,
      serviceTypeDelays: [],
      reviewLinks: [],
      physicalAddress: "",
    });
  });

  it("saves every setting: times as minutes, blank rows dropped, review links in order, the checkbox both ways", async () => {
    const business = await installTestBusiness();
    const session = await sessionFor(business);
    const { db } = getServices().domain;
    const res = await call(settingsRoute.action, await session.post("/app/settings", VALID));
    expect(res).toMatchObject({ status: 200, data: { ok: true, message: "Settings saved" } });
    expect(await db.business.findUniqueOrThrow({ where: { id: business.id } })).toMatchObject({
      name: "Bright Plumbing",
      timezone: "America/Chicago",
      quietHoursStart: 570,
      quietHoursEnd: 1440,
      cooldownDays: 45,
      emailHourlyLimit: 250,
      smsHourlyLimit: 60,
      senderName: "Bright Plumbing Team",
      replyTo: "owner@bright.example",
      contactPhone: "(555) 010-0199",
      physicalAddress: "1 Main St, Springfield, IL 62701",
      feedbackPageEnabled: true,
      serviceTypeDelays: { "Drain cleaning": 2, Installation: 72 },
      reviewLinks: [
        { site: "Google", url: "https://g.page/r/bright/review" },
        { site: "Yelp", url: "https://www.yelp.com/biz/bright" },
      ],
    });
    const page = await call<SettingsData>(settingsRoute.loader, await session.get("/app/settings"));
    expect(page.data.settings.quietHoursEnd).toBe("24:00");

    // Reordered links, the feedback page off ("false" must not read as true), optional fields cleared.
    const off = await call(
      settingsRoute.action,
      await session.post("/app/settings", {
        ...VALID,
        feedbackPageEnabled: "false",
        replyTo: "",
        "reviewLinks.0.site": "Yelp",
        "reviewLinks.0.url": "https://www.yelp.com/biz/bright",
        "reviewLinks.1.site": "Google",
        "reviewLinks.1.url": "https://g.page/r/bright/review",
      }),
    );
    expect(off.status).toBe(200);
    const after = await db.business.findUniqueOrThrow({ where: { id: business.id } });
    expect(after).toMatchObject({ feedbackPageEnabled: false, replyTo: null });
    expect((after.reviewLinks as { site: string }[]).map((l) => l.site)).toEqual(["Yelp", "Google"]);
  });

  it("reports each problem next to its field and row (400) and changes nothing", async () => {
    const business = await installTestBusiness();
    const session = await sessionFor(business);
    const { db } = getServices().domain;
    const before = await db.business.findUniqueOrThrow({ where: { id: business.id } });

    const res = await call<Failure>(
      settingsRoute.action,
      await session.post("/app/settings", {
        ...VALID,
        timezone: "Mars/Olympus",
        quietHoursStart: "21:00",
        quietHoursEnd: "08:00",
        cooldownDays: "-1",
        replyTo: "not an email",
        "serviceTypeDelays.2.hours": "0",
        "reviewLinks.1.url": "yelp dot com",
      }),
    );
    expect(res.status).toBe(400);
    expect(res.data.fieldErrors).toMatchObject({
      timezone: expect.stringContaining("IANA"),
      quietHoursEnd: "must be later than the start of the sending window",
      cooldownDays: "must be 0 or more",
      replyTo: "must be an email address",
      // Row 2 as the form numbers it (row 1 was blank and dropped).
      "serviceTypeDelays.2.hours": "must be at least 1 hour",
      "reviewLinks.1.url": expect.stringContaining("URL"),
    });

    const rows = await call<Failure>(
      settingsRoute.action,
      await session.post("/app/settings", {
        ...VALID,
        quietHoursStart: "8am",
        "serviceTypeDelays.1.serviceType": "Drain cleaning",
        "serviceTypeDelays.1.hours": "5",
        "serviceTypeDelays.3.serviceType": "",
        "serviceTypeDelays.3.hours": "12",
      }),
    );
    expect(rows.status).toBe(400);
    expect(rows.data.fieldErrors).toMatchObject({
      "serviceTypeDelays.1.serviceType": "is listed twice",
      "serviceTypeDelays.3.serviceType": "is required",
    });
    const time = await call<Failure>(settingsRoute.action, await session.post("/app/settings", { ...VALID, quietHoursStart: "8am" }));
    expect(time.data.fieldErrors.quietHoursStart).toBe("must be a time like 08:00");
    const box = await call<Failure>(settingsRoute.action, await session.post("/app/settings", { ...VALID, feedbackPageEnabled: "maybe" }));
    expect(box.status).toBe(400);

    expect(await db.business.findUniqueOrThrow({ where: { id: business.id } })).toEqual(before);
  });
});
