// The whole product in a real browser, as a newcomer would use it on one machine, against a
// production build made once for both kinds of host:
// - embedded: the built-in sandbox host frames the admin. Install, pick a preset, edit a touch,
//   complete a job in the sandbox, run a tick, see the message in the outbox, open its review
//   link, see the enrollment stopped (review_clicked) and the analytics updated.
// - standalone: a Jobber merchant, with a local stand-in for Jobber's OAuth and GraphQL over real
//   HTTP (test/mocks/jobber-server.ts). Install through OAuth into the top-level admin, come back
//   through Manage App, save the settings, a job closed in Jobber becomes a message, its review
//   link stops the sequence, sign out.
// Screenshots go to docs/screenshots/.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser, type FrameLocator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { clientFixture, createJobberMock, encodedId, JOBBER_TOKEN_URL, jobberWebhook, jobFixture, type JobberMock } from "../mocks/jobber";
import { startJobberServer, type JobberServer } from "../mocks/jobber-server";
import { overflowingElements, seriousViolations, structure, type AxeFinding } from "./a11y";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = path.resolve("docs/screenshots");
const run = promisify(execFile);

// Said once, in `npm test`'s own output, so a green run without a browser is not mistaken for one with it.
if (!existsSync(CHROMIUM)) {
  console.warn(`browser test skipped: no Chromium at ${CHROMIUM}; install it with \`apt-get update && apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
}

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

/** Console errors and uncaught exceptions of a page, collected for the end of the test. */
function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !ignorable(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

interface Kudos {
  base: string;
  /** The server's environment, for the CLI. */
  env: NodeJS.ProcessEnv;
  db: TestDatabase;
  stop(): Promise<void>;
}

/** The production server on `port`, with its own database and data folder, once /healthz answers. */
async function startKudos(port: number, extraEnv: Record<string, string> = {}): Promise<Kudos> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "kudos-e2e-"));
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
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
    ...extraEnv,
  };
  const server: ChildProcess = spawn(process.execPath, ["--import", "tsx", "app/server/main.ts"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGTERM");
    await exited;
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    if (server.exitCode !== null || i >= 300) {
      await stop();
      throw new Error(`the Kudos server did not start (exit code ${server.exitCode}; its stderr is above)`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base, env, db, stop };
}

describe.skipIf(!existsSync(CHROMIUM))("the admin in a real browser", () => {
  let browser: Browser;

  beforeAll(async () => {
    // Always a fresh build (a stale build/ would test old code), in production mode: remix build
    // takes its mode from NODE_ENV, and vitest's NODE_ENV=test gives a development build (jsxDEV)
    // that the production server below cannot render. The Prisma client is generated on install
    // (postinstall), and regenerating it here would rewrite files other test workers are loading.
    // One build and one browser serve both passes: a second build would cost another ~30 s.
    await run("npx", ["remix", "build"], { env: { ...process.env, NODE_ENV: "production" }, maxBuffer: 1 << 24 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
    await mkdir(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  describe("embedded: the sandbox host frames the admin", () => {
    let kudos: Kudos;
    let page: Page;
    let base: string;
    let db: TestDatabase;
    let consoleErrors: string[];

    beforeAll(async () => {
      kudos = await startKudos(await freePort());
      ({ base, db } = kudos);
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      consoleErrors = watchConsole(page);
    }, 90_000);

    afterAll(async () => {
      await page?.context().close();
      await kudos?.stop();
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
      // The admin opens on the Home; the campaign list is the next item of the navigation.
      await shot("admin-home");
      await nav("Campaigns");
      await app().getByRole("heading", { name: "Campaigns" }).first().waitFor();
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
      // Saved: the save bar goes once the page has the saved values back.
      await app().getByRole("region", { name: "Unsaved changes" }).waitFor({ state: "detached" });

      // Other pages, for the screenshots and console checks.
      for (const [label, name] of [["Templates", "admin-templates"], ["Settings", "admin-settings"]] as const) {
        await nav(label);
        await page.waitForTimeout(800);
        await shot(name);
      }

      // The save bar's guard: an edited template asks before the page is left; Discard restores it.
      await nav("Templates");
      await app().getByRole("link", { name: "Email: first ask – Standard", exact: true }).first().click();
      const templateName = app().getByLabel("Name", { exact: true });
      await templateName.waitFor();
      const savedName = await templateName.inputValue();
      await templateName.fill(`${savedName} (edited)`);
      const saveBar = app().getByRole("region", { name: "Unsaved changes" });
      await saveBar.waitFor();
      await nav("Settings");
      const guard = app().getByRole("dialog").filter({ hasText: "Leave page with unsaved changes?" });
      await guard.waitFor();
      await guard.getByRole("button", { name: "Stay" }).click();
      await guard.waitFor({ state: "detached" });
      expect(await templateName.inputValue()).toBe(`${savedName} (edited)`);
      await saveBar.getByRole("button", { name: "Discard" }).click();
      await saveBar.waitFor({ state: "detached" });
      expect(await templateName.inputValue()).toBe(savedName);
      await nav("Settings");
      await app().getByRole("heading", { name: "Settings" }).first().waitFor();
      expect((await db.pool.query("SELECT count(*)::int AS n FROM message_template WHERE name LIKE '%(edited)'")).rows[0].n).toBe(0);

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
      const { stdout } = await run(process.execPath, ["--import", "tsx", "app/cli/main.ts", "tick", "--now", at.toISOString()], { env: kudos.env });
      expect(JSON.parse(stdout.trim().split("\n").pop()!)).toMatchObject({ sent: 1 });

      // 7. The message in the outbox, as the customer would see it.
      await page.goto(`${base}/sandbox/accounts/${accountId}/admin`);
      await nav("Outbox");
      await app().getByText("dana.reyes@example.com").first().waitFor();
      const text = (await db.pool.query("SELECT text FROM outbox_message")).rows[0].text as string;
      const reviewLink = text.match(/http:\/\/127\.0\.0\.1:\d+\/r\/[\w.-]+/)![0];
      // The email's own HTML, rendered in a sandboxed frame inside the outbox page once opened.
      await app().getByRole("button", { name: "Show email" }).first().click();
      const button = app().frameLocator("iframe").first().getByRole("link", { name: "Leave a review" });
      expect(await button.getAttribute("href")).toBe(reviewLink);
      // Once the email inside its frame has painted.
      await button.waitFor({ state: "visible" });
      await shot("admin-outbox");

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

      // Jobs: search by customer (kept in the URL), enroll the stopped job again, stop it with
      // confirmation, then undo the stop.
      await nav("Jobs");
      await app().getByLabel("Search customers").fill("REYES");
      await app().getByRole("button", { name: "Search", exact: true }).click();
      await app().getByText("Showing 1–1 of 1 job matching your search").waitFor();
      await app().getByRole("button", { name: "Enroll Water heater replacement again" }).click();
      await app().getByText("Enrolled in Standard").first().waitFor();
      await app().getByRole("button", { name: "Stop the review requests for Water heater replacement" }).click();
      const confirmStop = app().getByRole("dialog").filter({ hasText: "Stop the review requests for Water heater replacement?" });
      await confirmStop.getByRole("button", { name: "Stop review requests" }).click();
      await app().getByRole("button", { name: "Undo" }).click();
      await app().getByText("Review requests resumed").first().waitFor();
      const jobEnrollments = async () =>
        (await db.pool.query("SELECT status, stop_reason, manual FROM enrollment ORDER BY enrolled_at")).rows;
      await expect.poll(jobEnrollments, { timeout: 10_000 }).toEqual([
        { status: "stopped", stop_reason: "review_clicked", manual: false },
        { status: "active", stop_reason: null, manual: true },
      ]);
      expect((await db.pool.query("SELECT count(*)::int AS n FROM enrollment_touch t JOIN enrollment e ON e.id = t.enrollment_id WHERE e.manual AND t.status = 'pending'")).rows[0].n).toBe(3);

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

    it("every admin page: a title, one h1, ordered headings, no serious or critical axe violations, no sideways scrolling on a phone", async () => {
      const frame = () => page.frames().find((f) => new URL(f.url()).pathname.startsWith("/app"))!;
      const findings: AxeFinding[] = [];
      const layout: string[] = [];
      const pages = ["Home", "Campaigns", "Templates", "Jobs", "Feedback", "Analytics", "Data requests", "Settings", "Outbox"];
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
        for (const label of pages) {
          // On a phone the navigation sits behind the top bar's menu button.
          if (width === 390) {
            await app().getByRole("button", { name: /toggle menu/i }).first().click();
          }
          await nav(label);
          await app().getByRole("heading", { level: 1 }).first().waitFor();
          await page.waitForTimeout(500);
          const name = `${label} @${width}`;
          findings.push(...(await seriousViolations(frame(), name)));
          const s = await structure(frame());
          if (!s.title) layout.push(`${name}: no document title`);
          if (s.h1 !== 1) layout.push(`${name}: ${s.h1} h1 elements`);
          if (s.main < 1) layout.push(`${name}: no main landmark`);
          for (const skip of s.skipped) layout.push(`${name}: heading levels skip ${skip}`);
          if (width === 390) {
            for (const o of await overflowingElements(frame())) layout.push(`${name}: ${o}`);
            await shot(`phone-${label.toLowerCase().replace(/\s+/g, "-")}`);
          }
        }
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      expect(findings.map((f) => `${f.page}: ${f.id} (${f.impact}) ${f.help} — ${f.targets.join(", ")}`)).toEqual([]);
      expect(layout).toEqual([]);
      expect(consoleErrors).toEqual([]);
    }, 240_000);
  });

  describe("standalone: a Jobber merchant opens the admin from Jobber", () => {
    const CLIENT = { clientId: "kudos-e2e-jobber-app", clientSecret: "e2e-jobber-client-secret-0123456789" };
    const ACCOUNT = { id: encodedId("Account", 7301), name: "Harbor Lawn Care" };
    const REVIEW_URL = "https://g.page/r/harbor-lawn-care/review";
    const CUSTOMER_EMAIL = "marisol.ortega@example.com";
    let kudos: Kudos;
    let mock: JobberMock;
    let jobber: JobberServer;
    let extensions: string;
    let page: Page;
    let consoleErrors: string[];

    beforeAll(async () => {
      const port = await freePort();
      const appUrl = `http://127.0.0.1:${port}`;
      // Jobber's clock is the real one: Kudos reads the access tokens' exp claims.
      mock = createJobberMock({ ...CLIENT, now: () => new Date() });
      mock.addAccount(ACCOUNT);
      jobber = await startJobberServer(mock, { clientId: CLIENT.clientId, accountId: ACCOUNT.id, redirectUri: `${appUrl}/auth/hosts/jobber/callback` });

      // The shipped manifests, Jobber's with its endpoints moved to the stand-in.
      extensions = await mkdtemp(path.join(os.tmpdir(), "kudos-e2e-extensions-"));
      mkdirSync(path.join(extensions, "sandbox"));
      copyFileSync("extensions/sandbox/kudos.extension.toml", path.join(extensions, "sandbox", "kudos.extension.toml"));
      const shipped = readFileSync("extensions/jobber/kudos.extension.toml", "utf8");
      const local = `${shipped
        .replace("https://api.getjobber.com/api/oauth/authorize", jobber.authorizeUrl)
        .replace(JOBBER_TOKEN_URL, jobber.tokenUrl)}\n[api]\ngraphql_url = "${jobber.graphqlUrl}"\n`;
      expect(local).not.toContain("api.getjobber.com");
      mkdirSync(path.join(extensions, "jobber"));
      writeFileSync(path.join(extensions, "jobber", "kudos.extension.toml"), local);

      kudos = await startKudos(port, { EXTENSIONS_DIR: extensions, JOBBER_CLIENT_ID: CLIENT.clientId, JOBBER_CLIENT_SECRET: CLIENT.clientSecret });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      consoleErrors = watchConsole(page);
    }, 90_000);

    afterAll(async () => {
      await page?.context().close();
      await kudos?.stop();
      await jobber?.close();
      if (extensions) await rm(extensions, { recursive: true, force: true });
    });

    const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
    const nav = async (label: string) => {
      await page.getByRole("link", { name: label, exact: true }).first().click();
    };

    it("installs from Jobber, signs in from Manage App, sends, tracks the click, signs out", async () => {
      const { base, db } = kudos;

      // 1. Install: Kudos sends the browser to Jobber's authorize page, Jobber approves and comes
      // back with a code; Kudos exchanges it, creates the business and signs the merchant in.
      await page.goto(`${base}/auth/hosts/jobber/install`);
      await page.waitForURL(`${base}/app`);
      expect(jobber.authorizations).toEqual([
        expect.objectContaining({ response_type: "code", client_id: CLIENT.clientId, redirect_uri: `${base}/auth/hosts/jobber/callback` }),
      ]);
      const business = (await db.pool.query("SELECT id, name, status FROM business WHERE host = 'jobber' AND external_account_id = $1", [ACCOUNT.id])).rows;
      expect(business).toEqual([expect.objectContaining({ name: ACCOUNT.name, status: "installed" })]);
      // The admin at the top level, no frame: the Standard campaign is active from the first install.
      await page.getByText(`Kudos · ${ACCOUNT.name}`).waitFor();
      await page.getByText("Standard").first().waitFor();
      expect(page.frames()).toHaveLength(1);
      await nav("Campaigns");
      await page.getByRole("heading", { name: "Campaigns" }).first().waitFor();
      await shot("admin-standalone-campaigns");

      // 2. Manage App in Jobber: the browser arrives with a fresh code for the Manage App URL. The
      // new sign-in replaces the install's session (rotation).
      const manage = `${base}/auth/hosts/jobber/manage`;
      await page.goto(`${manage}?code=${mock.issueCode(ACCOUNT.id, manage)}`);
      await page.waitForURL(`${base}/app`);
      await page.getByText("Standard").first().waitFor();
      const sessions = (await db.pool.query("SELECT revoked_at FROM admin_session ORDER BY created_at")).rows;
      expect(sessions.map((s) => s.revoked_at === null)).toEqual([false, true]);

      // 3. The app's own navigation, and a save from the real page (a mutation: same origin and
      // the session's CSRF token): the mailing address and review link emails need.
      await nav("Jobs");
      await page.getByRole("heading", { name: "Jobs" }).first().waitFor();
      await nav("Settings");
      await page.getByLabel("Physical mailing address").fill("12 Harbor Road, Miami, FL 33101");
      await page.getByRole("button", { name: "Add review link" }).click();
      await page.getByLabel("Review page URL").fill(REVIEW_URL);
      await shot("admin-standalone-settings");
      await page.getByRole("button", { name: "Save" }).first().click();
      await expect
        .poll(async () => (await db.pool.query("SELECT physical_address, review_links FROM business WHERE host = 'jobber'")).rows[0], { timeout: 15_000 })
        .toEqual({ physical_address: "12 Harbor Road, Miami, FL 33101", review_links: [{ site: "Google", url: REVIEW_URL }] });

      // 4. A one-off job in Jobber. Jobber sends JOB_UPDATE on every edit, naming the job only:
      // Kudos's worker reads it back from the stand-in's GraphQL and decides from its status.
      const client = clientFixture({
        id: encodedId("Client", 6101),
        firstName: "Marisol",
        lastName: "Ortega",
        emails: [{ address: CUSTOMER_EMAIL, primary: true }],
        phones: [{ number: "(305) 555-0199", primary: true }],
      });
      mock.addClient(client);
      const deliver = async (itemId: string, occurredAt: string) => {
        const webhook = jobberWebhook(CLIENT.clientSecret, { topic: "JOB_UPDATE", accountId: ACCOUNT.id, itemId, occurredAt });
        const delivered = await fetch(`${base}/webhooks/hosts/jobber`, { method: "POST", headers: webhook.headers, body: webhook.rawBody });
        expect(delivered.status).toBe(200);
        await expect
          .poll(async () => (await db.pool.query("SELECT count(*)::int AS n FROM host_event WHERE processed_at IS NULL")).rows[0].n, { timeout: 20_000 })
          .toBe(0);
      };
      // Scheduled and in progress: recorded, nobody is asked for a review yet.
      const job = jobFixture({ id: encodedId("Job", 8801), jobNumber: 311, title: "Irrigation repair", jobStatus: "active", completedAt: null, clientId: client.id });
      mock.addJob(job);
      await deliver(job.id, new Date(Date.now() - 3 * 3_600_000).toISOString());
      expect((await db.pool.query("SELECT completed_at FROM job")).rows).toEqual([{ completed_at: null }]);
      expect((await db.pool.query("SELECT count(*)::int AS n FROM enrollment")).rows[0].n).toBe(0);
      // Closed with no visit: the customer is enrolled.
      const completedAt = new Date(Date.now() - 3_600_000).toISOString();
      mock.addJob({ ...job, jobStatus: "requires_invoicing", completedAt });
      await deliver(job.id, completedAt);
      await expect.poll(async () => (await db.pool.query("SELECT count(*)::int AS n FROM enrollment")).rows[0].n, { timeout: 10_000 }).toBe(1);
      expect(mock.graphqlRequests().filter((r) => r.body.operationName === "KudosJob").map((r) => r.status)).toEqual([200, 200]);

      // 5. A tick as of a day later, in the daytime: the Standard campaign's first email goes out.
      const at = daytimeAfter(new Date(Date.parse(completedAt) + 25 * 3_600_000));
      const { stdout } = await run(process.execPath, ["--import", "tsx", "app/cli/main.ts", "tick", "--now", at.toISOString()], { env: kudos.env });
      expect(JSON.parse(stdout.trim().split("\n").pop()!)).toMatchObject({ sent: 1 });

      // 6. The message in the outbox page, with the review link in the email's own HTML.
      await nav("Outbox");
      await page.getByText(CUSTOMER_EMAIL).first().waitFor();
      const text = (await db.pool.query("SELECT text FROM outbox_message")).rows[0].text as string;
      const reviewLink = text.match(/http:\/\/127\.0\.0\.1:\d+\/r\/[\w.-]+/)![0];
      await page.getByRole("button", { name: "Show email" }).first().click();
      const reviewButton = page.frameLocator("iframe").first().getByRole("link", { name: "Leave a review" });
      expect(await reviewButton.getAttribute("href")).toBe(reviewLink);
      await reviewButton.waitFor({ state: "visible" });
      await shot("admin-standalone-outbox");

      // 7. The customer opens the review link in their own browser: recorded, then sent on to the
      // review site (which cannot load here: no internet).
      const customer = await browser.newPage();
      const toReviewSite = customer.waitForRequest((r) => r.url() === REVIEW_URL && r.isNavigationRequest());
      await customer.goto(reviewLink).catch(() => undefined);
      await toReviewSite;
      await customer.close();
      expect((await db.pool.query("SELECT status, stop_reason FROM enrollment")).rows).toEqual([{ status: "stopped", stop_reason: "review_clicked" }]);

      // 8. The merchant sees it on the Jobs page.
      await nav("Jobs");
      await page.getByText(/clicked the review link/).first().waitFor();
      await page.getByText("Marisol Ortega").first().waitFor();
      await shot("admin-standalone-jobs");

      // 9. Sign out (the top bar): the session ends, and /app now sends to the sign-in page, which
      // leads back through Jobber.
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/auth\/signed-out\?reason=revoked/);
      await page.getByRole("link", { name: "Sign in with Jobber" }).waitFor();
      await shot("admin-standalone-signed-out");
      await page.goto(`${base}/app`);
      expect(new URL(page.url()).pathname).toBe("/auth/signed-out");
      expect((await db.pool.query("SELECT count(*)::int AS n FROM admin_session WHERE revoked_at IS NULL")).rows[0].n).toBe(0);

      expect(consoleErrors).toEqual([]);
    }, 180_000);
  });
});
