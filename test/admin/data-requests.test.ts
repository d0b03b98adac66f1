// Issue 15 item 10: customers.data_request can be answered. From the platform's webhook to the
// stored, encrypted export; the admin's Data requests page and its JSON download (which marks it
// delivered); expiry after 30 days; erasure with the customer and with the account; and the
// operators' `kudos privacy export`.
import { describe, expect, it } from "vitest";
import { runCli } from "~/cli/kudos";
import type { Business } from "~/generated/prisma/client";
import { receiveWebhook } from "~/hosts/ingest/receive.server";
import { processDueHostEvents } from "~/hosts/ingest/process.server";
import { DATA_EXPORT_TTL_DAYS, storeCustomerDataExport } from "~/hosts/data-exports.server";
import { ManualClock } from "~/lib/clock.server";
import { maintenanceDeps, runMaintenance } from "~/maintenance.server";
import * as homeRoute from "~/routes/app._index";
import * as dataRequestsPage from "~/routes/app.data-requests";
import * as downloadRoute from "~/routes/app.data-requests.$id.download";
import { getServices } from "~/services.server";
import { genericWebhookRequest, ingestDeps, jobPayload, processDeps, testRegistry } from "../sandbox/helpers";
import { call, cookieSessionFor, installTestBusiness, sessionFor, useAdminServices, type Session } from "./helpers";

type PageData = Awaited<ReturnType<typeof dataRequestsPage.loader>>;
type HomeData = Awaited<ReturnType<typeof homeRoute.loader>>;

const DAY_MS = 86_400_000;

describe("customers.data_request → admin Data requests", () => {
  const db = useAdminServices();
  const clock = new ManualClock();
  const registry = testRegistry({ clock });

  /** Delivers a signed webhook as the platform does, then runs the host-event worker. */
  async function send(body: Record<string, unknown>) {
    const response = await receiveWebhook(ingestDeps(db(), registry, clock), "sandbox", genericWebhookRequest(body, { now: clock.now() }));
    expect(response.status).toBe(200);
    // The worker with the process's encryption key (what the admin decrypts with).
    return processDueHostEvents({ ...processDeps(db(), registry, clock), encryptionKey: getServices().secrets.encryptionKey, optOuts: getServices().domain.optOuts });
  }

  /** A business whose customer cus-77 (dana@example.com) had a completed job, and a data request for them. */
  async function requested(name = "Privacy Lawn"): Promise<{ business: Business; session: Session }> {
    clock.set(new Date());
    const business = await installTestBusiness(name);
    await send(jobPayload(business.externalAccountId));
    expect(await db().prisma.customer.count({ where: { businessId: business.id, email: "dana@example.com" } })).toBe(1);
    expect(await send({ topic: "customers.data_request", account_id: business.externalAccountId, customer: { id: "cus-77" } })).toMatchObject({ processed: 1 });
    return { business, session: await sessionFor(business) };
  }

  // The helper reads a JSON body back as an object.
  const download = async (session: Session, id: string) => call<Record<string, unknown>>(downloadRoute.action, await session.post(`/app/data-requests/${id}/download`, {}), { id });

  it("stores the export encrypted, lists it, downloads it as JSON (marking it delivered)", async () => {
    const { business, session } = await requested();

    const { rows } = await db().pool.query<{ id: string; payload_enc: string; host_customer_id: string; expires_at: Date; requested_at: Date; delivered_at: Date | null }>(
      "SELECT id::text, payload_enc, host_customer_id, expires_at, requested_at, delivered_at FROM customer_data_export WHERE business_id = $1",
      [business.id],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    // Encrypted at rest: none of the customer's data in the raw column.
    expect(row.payload_enc).toMatch(/^v1\./);
    for (const secret of ["dana@example.com", "Whitfield", "+13055550142", "Spring cleanup"]) expect(row.payload_enc).not.toContain(secret);
    expect(row.host_customer_id).toBe("cus-77");
    expect(row.expires_at.getTime() - row.requested_at.getTime()).toBe(DATA_EXPORT_TTL_DAYS * DAY_MS);
    expect(row.delivered_at).toBeNull();

    const page = await call<PageData>(dataRequestsPage.loader, await session.get("/app/data-requests"));
    expect(page.status).toBe(200);
    expect(page.data.requests).toEqual([
      expect.objectContaining({ id: row.id, hostCustomerId: "cus-77", customerName: "Dana Whitfield", found: true, deliveredLabel: null }),
    ]);
    expect((await call<HomeData>(homeRoute.loader, await session.get("/app?index"))).data.attention.pendingDataRequests).toBe(1);

    const file = await download(session, row.id);
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(file.headers.get("Content-Disposition")).toMatch(/^attachment; filename="kudos-data-request-cus-77-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(file.headers.get("Cache-Control")).toBe("no-store");
    expect(file.data).toMatchObject({
      business: { id: business.id, name: "Privacy Lawn" },
      customer: { hostCustomerId: "cus-77", email: "dana@example.com", phone: "+13055550142", lastName: "Whitfield" },
      jobs: [{ hostJobId: "job-1001", serviceType: "Lawn care" }],
    });

    const delivered = await db().prisma.customerDataExport.findUniqueOrThrow({ where: { id: row.id } });
    expect(delivered.deliveredAt).toBeInstanceOf(Date);
    const after = await call<PageData>(dataRequestsPage.loader, await session.get("/app/data-requests"));
    expect(after.data.requests[0]!.deliveredLabel).toBeTruthy();
    expect((await call<HomeData>(homeRoute.loader, await session.get("/app?index"))).data.attention.pendingDataRequests).toBe(0);
    // A second download still works (until it expires) and keeps the first delivery time.
    expect((await download(session, row.id)).status).toBe(200);
    expect((await db().prisma.customerDataExport.findUniqueOrThrow({ where: { id: row.id } })).deliveredAt).toEqual(delivered.deliveredAt);
  });

  it("an event processed again (a worker retried it) stores its export once", async () => {
    const { business } = await requested("Retry Lawn");
    const stored = await db().prisma.customerDataExport.findFirstOrThrow({ where: { businessId: business.id } });
    expect(stored.hostEventId).toBeTruthy();
    const deps = { db: db().prisma, clock, encryptionKey: getServices().secrets.encryptionKey };
    const again = await storeCustomerDataExport(deps, business.id, "cus-77", { hostEventId: stored.hostEventId! });
    expect(again).toMatchObject({ id: stored.id, created: false });
    expect(await db().prisma.customerDataExport.count({ where: { businessId: business.id } })).toBe(1);
  });

  it("a customer Kudos never heard of gets the answer that nothing is held", async () => {
    const business = await installTestBusiness("Empty Lawn");
    const session = await sessionFor(business);
    clock.set(new Date());
    await send({ topic: "customers.data_request", account_id: business.externalAccountId, customer: { id: "cus-unknown" } });
    const page = await call<PageData>(dataRequestsPage.loader, await session.get("/app/data-requests"));
    expect(page.data.requests).toEqual([expect.objectContaining({ hostCustomerId: "cus-unknown", found: false })]);
    const file = await download(session, page.data.requests[0]!.id);
    expect(file.data).toMatchObject({ customer: null, hostCustomerId: "cus-unknown", note: "Kudos holds no data about this customer." });
  });

  it.each([
    ["embedded (session token)", sessionFor],
    ["standalone (cookie session)", cookieSessionFor],
  ])("another business's admin neither sees nor downloads it (404), %s", async (_mode, signIn) => {
    const { business } = await requested("Owner Lawn");
    const other = await signIn(await installTestBusiness("Other Lawn"));
    const id = (await db().prisma.customerDataExport.findFirstOrThrow({ where: { businessId: business.id } })).id;
    expect((await call<PageData>(dataRequestsPage.loader, await other.get("/app/data-requests"))).data.requests).toEqual([]);
    const res = await call<{ error: { message: string } }>(downloadRoute.action, await other.post(`/app/data-requests/${id}/download`, {}), { id });
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.data)).not.toContain("dana@example.com");
    expect((await db().prisma.customerDataExport.findUniqueOrThrow({ where: { id } })).deliveredAt).toBeNull();
    const bad = await call<{ error: { message: string } }>(downloadRoute.action, await other.post("/app/data-requests/nope/download", {}), { id: "nope" });
    expect(bad.status).toBe(400);
    expect(bad.data.error.message).toBe("id must be a data request id");
  });

  it("is gone after 30 days: deleted by the maintenance, and never served or listed once expired", async () => {
    const { business, session } = await requested("Expiring Lawn");
    const id = (await db().prisma.customerDataExport.findFirstOrThrow({ where: { businessId: business.id } })).id;
    const services = getServices();

    // One day short of 30: kept.
    expect((await runMaintenance(maintenanceDeps(services, new ManualClock(new Date(Date.now() + 29 * DAY_MS))))).expiredDataExports).toBe(0);
    expect(await db().prisma.customerDataExport.count({ where: { id } })).toBe(1);
    // 30 days later: the maintenance deletes it.
    const later = new ManualClock(new Date(Date.now() + DATA_EXPORT_TTL_DAYS * DAY_MS + 60_000));
    expect((await runMaintenance(maintenanceDeps(services, later))).expiredDataExports).toBeGreaterThanOrEqual(1);
    expect(await db().prisma.customerDataExport.count({ where: { id } })).toBe(0);
    expect((await call<PageData>(dataRequestsPage.loader, await session.get("/app/data-requests"))).data.requests).toEqual([]);
    expect((await download(session, id)).status).toBe(404);

    // Should the maintenance lag, an expired export is neither listed nor served, and is deleted on read.
    clock.set(new Date(Date.now() - (DATA_EXPORT_TTL_DAYS + 1) * DAY_MS));
    await send({ topic: "customers.data_request", account_id: business.externalAccountId, customer: { id: "cus-77" } });
    const stale = await db().prisma.customerDataExport.findFirstOrThrow({ where: { businessId: business.id } });
    expect((await download(session, stale.id)).status).toBe(404);
    expect(await db().prisma.customerDataExport.count({ where: { id: stale.id } })).toBe(0);
    await send({ topic: "customers.data_request", account_id: business.externalAccountId, customer: { id: "cus-77" } });
    expect((await call<PageData>(dataRequestsPage.loader, await session.get("/app/data-requests"))).data.requests).toEqual([]);
    expect(await db().prisma.customerDataExport.count({ where: { businessId: business.id } })).toBe(0);
  });

  it("customers.redact deletes the customer's stored exports; account.redact deletes them with the business", async () => {
    const { business } = await requested("Erasing Lawn");
    await send({ topic: "customers.data_request", account_id: business.externalAccountId, customer: { id: "cus-other" } });
    expect(await db().prisma.customerDataExport.count({ where: { businessId: business.id } })).toBe(2);
    await send({ topic: "customers.redact", account_id: business.externalAccountId, customer: { id: "cus-77" } });
    expect((await db().prisma.customerDataExport.findMany({ where: { businessId: business.id } })).map((e) => e.hostCustomerId)).toEqual(["cus-other"]);

    const kept = await requested("Kept Lawn");
    await send({ topic: "account.redact", account_id: business.externalAccountId });
    const { rows } = await db().pool.query<{ n: string }>("SELECT count(*) AS n FROM customer_data_export WHERE business_id = $1", [business.id]);
    expect(Number(rows[0]!.n)).toBe(0);
    expect(await db().prisma.customerDataExport.count({ where: { businessId: kept.business.id } })).toBe(1);
  });
});

describe("kudos privacy export", () => {
  const db = useAdminServices();

  async function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, (l) => out.push(l), (l) => err.push(l));
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("prints the customer's export as JSON for operators", async () => {
    process.env.DATABASE_URL = db().url;
    const clock = new ManualClock(new Date());
    const registry = testRegistry({ clock });
    const business = await installTestBusiness("CLI Lawn");
    await receiveWebhook(ingestDeps(db(), registry, clock), "sandbox", genericWebhookRequest(jobPayload(business.externalAccountId), { now: clock.now() }));
    await processDueHostEvents({ ...processDeps(db(), registry, clock), optOuts: getServices().domain.optOuts });

    const res = await run(["privacy", "export", "--business", business.id, "--customer", "cus-77"]);
    expect(res.err).toBe("");
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({
      business: { id: business.id, name: "CLI Lawn" },
      customer: { hostCustomerId: "cus-77", email: "dana@example.com" },
      jobs: [{ hostJobId: "job-1001" }],
    });
    // Computed for the operator, not stored.
    expect(await db().prisma.customerDataExport.count({ where: { businessId: business.id } })).toBe(0);
  });

  it("names the flag that is missing, malformed or unknown", async () => {
    process.env.DATABASE_URL = db().url;
    const business = await installTestBusiness("CLI Flags");
    const cases: Array<[string[], number, string]> = [
      [["privacy", "export", "--customer", "cus-77"], 2, "--business is required"],
      [["privacy", "export", "--business", "not-a-uuid", "--customer", "cus-77"], 2, "--business must be a business id"],
      [["privacy", "export", "--business", business.id], 2, "--customer is required"],
      [["privacy", "export", "--business", "00000000-0000-4000-8000-000000000009", "--customer", "cus-77"], 1, "--business: no business with id 00000000-0000-4000-8000-000000000009"],
      [["privacy", "export", "--business", business.id, "--customer", "cus-nobody"], 1, '--customer: CLI Flags'],
      [["privacy", "export", "--business", business.id, "--customer", "x", "--bogus"], 2, "Unknown option '--bogus'"],
      [["privacy"], 2, "kudos privacy export --business"],
      [["privacy", "erase"], 2, 'unknown command "erase"'],
    ];
    for (const [args, code, message] of cases) {
      const res = await run(args);
      expect(res.code, args.join(" ")).toBe(code);
      expect(res.err, args.join(" ")).toContain(message);
      expect(res.out).toBe("");
    }
    expect((await run(["privacy", "export", "--business", business.id, "--customer", "cus-nobody"])).err).toContain('has no customer with host id "cus-nobody"');
  });
});
