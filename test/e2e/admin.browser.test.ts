// The whole product in a real browser, as a newcomer would use it on one machine: a production
// build with the sandbox host; install, pick a preset, edit a touch, complete a job in the
// sandbox, run a tick, see the message in the outbox, open its review link, see the enrollment
// stopped (review_clicked) and the analytics updated. Screenshots go to docs/screenshots/.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser, type FrameLocator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = path.resolve("docs/screenshots");
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The next 16:00 UTC at least `after` (11:00 in New York: inside every US sending window). */
function daytimeAfter(after: Date): Date {
  const t = new Date(after);
  t.setUTCHours(16, 0, 0, 0);
  if (t < after) t.setUTCDate(t.getUTCDate() + 1);
  return t;
}

// Chromium reports every 4xx/5xx fetch as a console error; validation answers are 400 by design.
const ignorable = (text: string) => /Failed to load resource: the server responded with a status of (4\d\d)/.test(text);

describe.skipIf(!existsSync(CHROMIUM))("the embedded admin in a real browser", () => {
  let db: TestDatabase;
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let base: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync("build/index.js")) await run("npx", ["remix", "build"], { maxBuffer: 1 << 24 });
    db = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), "kudos-e2e-"));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: "127.0.0.1",
      APP_URL: base,
      SANDBOX_HOST: "1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      SCHEDULER_INTERVAL_MS: "1000",
      LINK_SECRET: "e2e-link-secret-0123456789abcdefghijklmnop",
      ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"),
    };
    server = spawn(process.execPath, ["--import", "tsx", "app/server/main.ts"], { env, stdio: ["ignore", "ignore", "inherit"] });
    for (let i = 0; i < 300; i++) {
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error" && !ignorable(m.text())) consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    await mkdir(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill("SIGTERM");
    if (server) await new Promise((r) => server.once("exit", r));
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const app = (): FrameLocator => page.frameLocator('iframe[title="Kudos"]');
  const nav = async (label: string) => {
    await app().getByRole("link", { name: label, exact: true }).first().click();
  };

  it("installs, configures, sends, tracks the click and reports it", async () => {
    // 1. Install from the sandbox platform through the real OAuth flow.
    await page.goto(`${base}/sandbox`);
    await shot("sandbox-accounts");
    await page.getByLabel("Business name").fill("Bright Plumbing");
    await page.getByLabel("Timezone").fill("America/New_York");
    await page.getByRole("button", { name: "Create and install Kudos" }).click();
    await page.getByRole("button", { name: "Install app" }).waitFor();
    await shot("sandbox-install");
    await page.getByRole("button", { name: "Install app" }).click();
    await page.waitForURL(/\/sandbox\/accounts\/[^/]+\/admin/);
    const accountId = page.url().match(/accounts\/([^/]+)\/admin/)![1]!;

    // 2. The embedded admin: the Standard campaign is active from the first install.
    await expect.poll(() => app().getByText("Standard").first().isVisible(), { timeout: 20_000 }).toBe(true);
    await shot("admin-campaigns");

    // 3. Pick a preset: it is duplicated and opens in the editor.
    await app().getByRole("link", { name: "New campaign" }).or(app().getByRole("button", { name: "New campaign" })).first().click();
    await app().getByRole("button", { name: "Use the Conservative preset" }).waitFor();
    await shot("admin-preset-picker");
    await app().getByRole("button", { name: "Use the Conservative preset" }).click();
    await app().getByLabel("Send after the job is completed").waitFor();

    // 4. Edit a touch: first email after 3 hours instead of 48, then save.
    await app().getByLabel("Send after the job is completed").fill("3");
    const unit = app().getByLabel("Unit").first();
    await unit.selectOption("hours");
    await shot("admin-campaign-editor");
    await app().getByRole("button", { name: "Save" }).first().click();
    await expect
      .poll(async () => (await db.pool.query("SELECT delay_hours FROM campaign_touch t JOIN campaign c ON c.id = t.campaign_id WHERE c.name = 'Conservative' AND c.business_id IS NOT NULL AND t.position = 1")).rows[0]?.delay_hours, { timeout: 15_000 })
      .toBe(3);

    // Other pages, for the screenshots and console checks.
    for (const [label, name] of [["Templates", "admin-templates"], ["Settings", "admin-settings"]] as const) {
      await nav(label);
      await page.waitForTimeout(800);
      await shot(name);
    }

    // 5. Complete a job in the sandbox: a real signed webhook goes to Kudos.
    await page.goto(`${base}/sandbox/accounts/${accountId}/jobs`);
    await page.getByLabel("First name").fill("Dana");
    // Customer-supplied text is shown as text, never as markup.
    await page.getByLabel("Last name").fill("<b>Reyes</b>");
    await page.getByLabel("Email").fill("dana.reyes@example.com");
    await page.getByLabel("Phone").fill("+12125550142");
    await page.getByLabel("Service type").fill("plumbing");
    await page.getByLabel("Job title").fill("Water heater replacement");
    await page.getByLabel("Completed").check();
    await page.getByRole("button", { name: "Create job" }).click();
    await page.getByText(/Kudos answered 200/).waitFor();
    await shot("sandbox-jobs");
    await expect
      .poll(async () => (await db.pool.query("SELECT count(*)::int AS n FROM enrollment")).rows[0].n, { timeout: 20_000 })
      .toBe(1);

    // 6. Run a tick as of a day later, in the daytime: the Standard campaign's first email goes out.
    const completed = (await db.pool.query("SELECT completed_at FROM job")).rows[0].completed_at as Date;
    const at = daytimeAfter(new Date(completed.getTime() + 25 * 3_600_000));
    const { stdout } = await run(process.execPath, ["--import", "tsx", "app/cli/main.ts", "tick", "--now", at.toISOString()], { env });
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toMatchObject({ sent: 1 });

    // 7. The message in the outbox, as the customer would see it.
    await page.goto(`${base}/sandbox/accounts/${accountId}/admin`);
    await nav("Outbox");
    await app().getByText("dana.reyes@example.com").first().waitFor();
    await shot("admin-outbox");
    const text = (await db.pool.query("SELECT text FROM outbox_message")).rows[0].text as string;
    const reviewLink = text.match(/http:\/\/127\.0\.0\.1:\d+\/r\/[\w.-]+/)![0];
    // The email's own HTML, rendered in a sandboxed frame inside the outbox page.
    const button = app().frameLocator("iframe").first().getByRole("link", { name: "Leave a review" });
    expect(await button.getAttribute("href")).toBe(reviewLink);

    // 8. The customer opens the review link: tracked, then sent on to the review site.
    const review = (await db.pool.query("SELECT review_links FROM business")).rows[0].review_links[0].url as string;
    // There is no internet here, so the review site itself cannot load; what matters is that the
    // browser was sent there (302) after Kudos recorded the click.
    // The customer opens it in their own browser.
    const customer = await browser.newPage();
    const toReviewSite = customer.waitForRequest((r) => r.url() === review && r.isNavigationRequest());
    await customer.goto(reviewLink).catch(() => undefined);
    await toReviewSite;
    await customer.close();
    const enrollment = (await db.pool.query("SELECT status, stop_reason FROM enrollment")).rows[0];
    expect(enrollment).toEqual({ status: "stopped", stop_reason: "review_clicked" });

    // 9. The merchant sees it: the job's enrollment stopped because of the click...
    await page.goto(`${base}/sandbox/accounts/${accountId}/admin`);
    await nav("Jobs");
    await app().getByText(/clicked the review link/).first().waitFor();
    await expect.poll(() => app().getByText("Dana <b>Reyes</b>").count()).toBeGreaterThan(0);
    expect(await app().locator("b", { hasText: "Reyes" }).count()).toBe(0);
    await shot("admin-jobs");

    // ...and the analytics count the click.
    await nav("Analytics");
    await app().getByText(/click/i).first().waitFor();
    await page.waitForTimeout(1000);
    await shot("admin-analytics");
    const analyticsText = await app().locator("body").innerText();
    expect(analyticsText).toMatch(/100(\.0)?\s?%|1 click|Clicked\D+1\b/);

    // 10. The keyboard alone gets around: focus the navigation, Enter, Tab into the form.
    await app().getByRole("link", { name: "Settings", exact: true }).first().focus();
    await page.keyboard.press("Enter");
    await app().getByRole("heading", { name: "Settings" }).first().waitFor();
    await app().getByRole("link", { name: "Campaigns", exact: true }).first().focus();
    await page.keyboard.press("Enter");
    const newCampaign = app().getByRole("link", { name: "New campaign" }).or(app().getByRole("button", { name: "New campaign" })).first();
    await newCampaign.waitFor();
    await newCampaign.focus();
    await page.keyboard.press("Enter");
    await app().getByRole("button", { name: "Use the Aggressive preset" }).waitFor();
    await app().getByRole("button", { name: "Use the Aggressive preset" }).focus();
    await page.keyboard.press("Enter");
    await app().getByLabel("Send after the job is completed").waitFor();

    expect(consoleErrors).toEqual([]);
  }, 240_000);
});
