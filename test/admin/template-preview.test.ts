// The template editor's SMS preview and segment count render under the merchant's own business
// name (the loaders hand it to the editor), so the name prefix they show and count is the one
// the engine will send: for a business called "Pro", a text opening "Pro tip" gets no prefix.
// The preview also uses the business's review link, address, phone and time zone, and can be
// shown for one of its 10 most recent customers (another business's customer is a 404).
import { describe, expect, it } from "vitest";
import { templatePreviewContext, type PreviewBusiness, type PreviewCustomer, type PreviewCustomerOption } from "~/admin/preview";
import { recordJob } from "~/domain/enrollment.server";
import { previewRenderContext, renderEmail, renderSms, SAMPLE_RENDER_CONTEXT } from "~/engine/render";
import { createLinkBuilder } from "~/links/tokens.server";
import * as editRoute from "~/routes/app.templates.$id";
import * as newRoute from "~/routes/app.templates.new";
import { getServices } from "~/services.server";
import { completedJob } from "../helpers/fixtures";
import { APP_URL, call, installTestBusiness, sessionFor, useAdminServices } from "./helpers";

interface PreviewData {
  businessName: string;
  template: { body: string; subject: string };
  preview: PreviewBusiness;
  customers: PreviewCustomerOption[];
  previewCustomer: PreviewCustomer | null;
}

describe("template preview", () => {
  useAdminServices();

  it("the editor's loaders give the preview the business's own name", async () => {
    const business = await installTestBusiness("Pro");
    const session = await sessionFor(business);
    const created = await getServices().domain.db.messageTemplate.create({
      data: { businessId: business.id, channel: "sms", name: "Tip", body: "Pro tip: a review helps! {{review_link}}" },
    });
    const edit = await call<{ businessName: string; template: { body: string } }>(
      editRoute.loader,
      await session.get(`/app/templates/${created.id}`),
      { id: created.id },
    );
    const fresh = await call<{ businessName: string }>(newRoute.loader, await session.get("/app/templates/new?channel=sms"));
    expect([edit.data.businessName, fresh.data.businessName]).toEqual(["Pro", "Pro"]);

    // What the editor shows and counts is what the engine sends for this business.
    const preview = renderSms({ body: edit.data.template.body }, previewRenderContext(edit.data.businessName), { firstToNumber: true });
    const sent = renderSms(
      { body: edit.data.template.body },
      { ...SAMPLE_RENDER_CONTEXT, business: { name: business.name, physicalAddress: null, phone: SAMPLE_RENDER_CONTEXT.business.phone } },
      { firstToNumber: true },
    );
    expect(preview).toEqual(sent);
    expect(preview.body.startsWith("Pro tip: a review helps!")).toBe(true);
  });

  it("uses the business's own review link, address, phone and time zone", async () => {
    const business = await installTestBusiness("Harbor Lawn Care", "America/Chicago");
    const { db } = getServices().domain;
    await db.business.update({
      where: { id: business.id },
      data: { reviewLinks: [{ site: "Google", url: "https://g.page/r/harbor/review" }], physicalAddress: "12 Harbor Road, Miami, FL", contactPhone: "(305) 555-0199" },
    });
    const session = await sessionFor(business);
    const template = await db.messageTemplate.findFirstOrThrow({ where: { businessId: business.id, channel: "email" } });
    const page = await call<PreviewData>(editRoute.loader, await session.get(`/app/templates/${template.id}`), { id: template.id });
    expect(page.data.preview).toMatchObject({
      name: "Harbor Lawn Care",
      reviewUrl: "https://g.page/r/harbor/review",
      physicalAddress: "12 Harbor Road, Miami, FL",
      phone: "(305) 555-0199",
      timezone: "America/Chicago",
    });
    // The tracked link has the real one's length, so the SMS counter counts what is sent.
    const real = createLinkBuilder(APP_URL, "any-secret").review("3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", 1);
    expect(page.data.preview.reviewLink).toHaveLength(real.length);
    const email = renderEmail(page.data.template, templatePreviewContext(page.data.preview, page.data.businessName, null));
    expect(email.html).toContain("12 Harbor Road, Miami, FL");
    expect(email.html).toContain(page.data.preview.reviewLink);
  });

  it("shows the message for one of the 10 most recent customers, and never another business's (404)", async () => {
    const business = await installTestBusiness("Pro Plumbing");
    const other = await installTestBusiness("Other Co");
    const deps = getServices().domain;
    const session = await sessionFor(business);
    const base = Date.now() - 30 * 3_600_000;
    for (let i = 0; i < 12; i++) {
      await recordJob(deps, business.id, completedJob({ completedAt: new Date(base + i * 3_600_000), serviceType: `drain ${i}`, title: `Job ${i}`, customer: { firstName: `Zoë${i}`, lastName: "Ng" } }));
    }
    await recordJob(deps, other.id, completedJob({ completedAt: new Date(), customer: { firstName: "Secret", lastName: "Elsewhere" } }));
    const template = await deps.db.messageTemplate.create({
      data: { businessId: business.id, channel: "sms", name: "Ask", body: "Hi {{customer_first_name}}, thanks for choosing us for your {{service_type}}! {{review_link}}" },
    });
    const url = `/app/templates/${template.id}`;
    const page = await call<PreviewData>(editRoute.loader, await session.get(url), { id: template.id });
    expect(page.data.previewCustomer).toBeNull();
    expect(page.data.customers.map((c) => c.label.split(" · ")[0])).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2].map((i) => `Zoë${i} Ng`));
    expect(page.data.customers[0]!.label).toMatch(/^Zoë11 Ng · drain 11 · \w{3} \d{1,2}$/);

    const chosen = page.data.customers[0]!;
    const withCustomer = await call<PreviewData>(editRoute.loader, await session.get(`${url}?customer=${chosen.id}`), { id: template.id });
    expect(withCustomer.data.previewCustomer).toEqual({ id: chosen.id, firstName: "Zoë11", lastName: "Ng", serviceType: "drain 11", jobTitle: "Job 11" });
    const sms = renderSms(
      { body: template.body },
      templatePreviewContext(withCustomer.data.preview, withCustomer.data.businessName, withCustomer.data.previewCustomer),
      { firstToNumber: true },
    );
    expect(sms.body).toMatch(/^Pro Plumbing: Hi Zoë11, thanks for choosing us for your drain 11! http:\/\/localhost:3000\/r\//);
    // The new-template page offers the same.
    const fresh = await call<PreviewData>(newRoute.loader, await session.get(`/app/templates/new?channel=sms&customer=${chosen.id}`));
    expect(fresh.data.previewCustomer?.firstName).toBe("Zoë11");

    const theirs = await deps.db.customer.findFirstOrThrow({ where: { businessId: other.id } });
    for (const id of [theirs.id, "not-a-uuid"]) {
      const res = await call(editRoute.loader, await session.get(`${url}?customer=${id}`), { id: template.id });
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.data)).not.toContain("Secret");
      expect((await call(newRoute.loader, await session.get(`/app/templates/new?customer=${id}`))).status).toBe(404);
    }
  });
});
