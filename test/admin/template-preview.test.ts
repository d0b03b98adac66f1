// The template editor's SMS preview and segment count render under the merchant's own business
// name (the loaders hand it to the editor), so the name prefix they show and count is the one
// the engine will send: for a business called "Pro", a text opening "Pro tip" gets no prefix.
import { describe, expect, it } from "vitest";
import { previewRenderContext, renderSms, SAMPLE_RENDER_CONTEXT } from "~/engine/render";
import * as editRoute from "~/routes/app.templates.$id";
import * as newRoute from "~/routes/app.templates.new";
import { getServices } from "~/services.server";
import { call, installTestBusiness, sessionFor, useAdminServices } from "./helpers";

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
});
