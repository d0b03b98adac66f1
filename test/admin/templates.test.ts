import { describe, expect, it } from "vitest";
import * as editRoute from "~/routes/app.templates.$id";
import * as listRoute from "~/routes/app.templates._index";
import * as newRoute from "~/routes/app.templates.new";
import { getServices } from "~/services.server";
import { call, installTestBusiness, sessionFor, useAdminServices } from "./helpers";

interface ListData {
  templates: { id: string; name: string; channel: string; isSystem: boolean; usedBy: string[] }[];
}
interface EditData {
  template: { id: string; name: string; channel: string; subject: string; body: string; isSystem: boolean; usedBy: { campaignName: string }[] };
}
interface Failure {
  ok: false;
  message: string;
  fieldErrors: Record<string, string>;
}

const EMAIL = {
  name: "Warm thanks",
  channel: "email",
  subject: "Thanks, {{customer_first_name}}",
  body: "Hi {{customer_first_name}},\n\nThank you!\n\n{{review_link}}",
};

async function setup() {
  const business = await installTestBusiness();
  return { business, session: await sessionFor(business), db: getServices().domain.db };
}

describe("template pages", () => {
  useAdminServices();

  it("lists the business's templates (with the campaigns using them) and the system ones", async () => {
    const { session } = await setup();
    const res = await call<ListData>(listRoute.loader, await session.get("/app/templates"));
    expect(res.data.templates.filter((t) => t.isSystem)).toHaveLength(5);
    const own = res.data.templates.filter((t) => !t.isSystem);
    // Copied with the install's campaign, and named after it.
    expect(own.map((t) => t.name).sort()).toEqual(["Email: first ask – Standard", "Email: last ask – Standard", "SMS: reminder – Standard"]);
    expect(own.every((t) => t.usedBy.join() === "Standard")).toBe(true);
  });

  it("creates a template and opens it; invalid content is reported per field (400) and nothing is stored", async () => {
    const { business, session, db } = await setup();
    const count = () => db.messageTemplate.count({ where: { businessId: business.id } });
    const before = await count();

    const bad = await call<Failure>(
      newRoute.action,
      await session.post("/app/templates/new", { ...EMAIL, subject: "", body: "Hello {{nope}}" }),
    );
    expect(bad.status).toBe(400);
    expect(bad.data.fieldErrors.subject).toMatch(/Subject is required/);
    expect(bad.data.fieldErrors.body).toMatch(/Unknown variable \{\{nope\}\}.*review_link/);
    const badChannel = await call<Failure>(newRoute.action, await session.post("/app/templates/new", { ...EMAIL, channel: "fax" }));
    expect(badChannel.data.fieldErrors.channel).toBe("must be email or sms");
    expect(await count()).toBe(before);

    const created = await call(newRoute.action, await session.post("/app/templates/new", EMAIL));
    expect(created.status).toBe(302);
    const id = /^\/app\/templates\/([0-9a-f-]{36})\?notice=template_created$/.exec(created.location!)![1]!;
    const page = await call<EditData>(editRoute.loader, await session.get(`/app/templates/${id}`), { id });
    expect(page.data.template).toMatchObject({ ...EMAIL, id, isSystem: false, usedBy: [] });
    expect((await call<{ channel: string }>(newRoute.loader, await session.get("/app/templates/new?channel=sms"))).data.channel).toBe("sms");
  });

  it("saves edits; a bad body is a 400 that changes nothing", async () => {
    const { session, db } = await setup();
    const id = /templates\/([0-9a-f-]{36})/.exec((await call(newRoute.action, await session.post("/app/templates/new", EMAIL))).location!)![1]!;
    const before = await db.messageTemplate.findUniqueOrThrow({ where: { id } });
    const bad = await call<Failure>(
      editRoute.action,
      await session.post(`/app/templates/${id}`, { intent: "save", name: "Warm thanks", subject: "Hi", body: "no link" }),
      { id },
    );
    expect(bad.status).toBe(400);
    expect(bad.data.fieldErrors.body).toMatch(/review_link/);
    expect(await db.messageTemplate.findUniqueOrThrow({ where: { id } })).toEqual(before);

    const ok = await call(
      editRoute.action,
      await session.post(`/app/templates/${id}`, { intent: "save", name: "Warmer thanks", subject: "Hello {{customer_first_name}}", body: "{{review_link}}" }),
      { id },
    );
    expect(ok).toMatchObject({ status: 200, data: { ok: true, message: "Template saved" } });
    expect(await db.messageTemplate.findUniqueOrThrow({ where: { id } })).toMatchObject({
      name: "Warmer thanks",
      subject: "Hello {{customer_first_name}}",
      body: "{{review_link}}",
      channel: "email",
    });
    expect((await call(editRoute.action, await session.post(`/app/templates/${id}`, { intent: "publish" }), { id })).status).toBe(400);
  });

  it("system templates open read-only: saving and deleting are forbidden (403), duplicating works", async () => {
    const { business, session, db } = await setup();
    const system = await db.messageTemplate.findFirstOrThrow({ where: { systemKey: "sms_first_ask" } });
    const page = await call<EditData>(editRoute.loader, await session.get(`/app/templates/${system.id}`), { id: system.id });
    expect(page.data.template).toMatchObject({ isSystem: true, channel: "sms", subject: "" });
    const save = await call(
      editRoute.action,
      await session.post(`/app/templates/${system.id}`, { intent: "save", name: "Mine now", body: "{{review_link}}" }),
      { id: system.id },
    );
    expect(save.status).toBe(403);
    expect((await call(editRoute.action, await session.post(`/app/templates/${system.id}`, { intent: "delete" }), { id: system.id })).status).toBe(403);
    expect(await db.messageTemplate.findUniqueOrThrow({ where: { id: system.id } })).toEqual(system);

    const dup = await call(editRoute.action, await session.post(`/app/templates/${system.id}`, { intent: "duplicate" }), { id: system.id });
    expect(dup.status).toBe(302);
    const copyId = /templates\/([0-9a-f-]{36})\?notice=template_duplicated/.exec(dup.location!)![1]!;
    expect(await db.messageTemplate.findUniqueOrThrow({ where: { id: copyId } })).toMatchObject({
      businessId: business.id,
      name: "SMS: first ask (copy)",
      body: system.body,
    });
  });

  it("refuses to delete a template a campaign uses (409) and deletes an unused one", async () => {
    const { business, session, db } = await setup();
    const touch = await db.campaignTouch.findFirstOrThrow({ where: { campaign: { businessId: business.id } } });
    const used = await call<Failure>(editRoute.action, await session.post(`/app/templates/${touch.templateId}`, { intent: "delete" }), {
      id: touch.templateId,
    });
    expect(used.status).toBe(409);
    expect(used.data.message).toMatch(/used by the campaign "Standard"/);
    expect((await db.messageTemplate.findUniqueOrThrow({ where: { id: touch.templateId } })).deletedAt).toBeNull();

    const id = /templates\/([0-9a-f-]{36})/.exec((await call(newRoute.action, await session.post("/app/templates/new", EMAIL))).location!)![1]!;
    const del = await call(editRoute.action, await session.post(`/app/templates/${id}`, { intent: "delete" }), { id });
    expect(del).toMatchObject({ status: 302, location: "/app/templates?notice=template_deleted" });
    expect((await call(editRoute.loader, await session.get(`/app/templates/${id}`), { id })).status).toBe(404);
    const list = await call<ListData>(listRoute.loader, await session.get("/app/templates"));
    expect(list.data.templates.map((t) => t.id)).not.toContain(id);
  });
});
