// Webhook ingestion benchmark: autocannon POSTs correctly signed job.completed webhooks with
// distinct event ids to the running production build for 30 s at 50 connections, then waits for
// the async worker to process them, and checks nothing was lost or duplicated. The same load
// against a bare Node http server answering 200 is the machine's ceiling.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import net from "node:net";
import autocannon from "autocannon";
import pg from "pg";
import { createDatabase } from "~/db.server";
import { installBusiness } from "~/domain/business.server";
import { genericWebhookHeaders } from "~/hosts/generic/signature.server";
import { loadSecrets } from "~/lib/secrets.server";
import { systemClock } from "~/lib/clock.server";
import { fmt, type BenchServer } from "./bench-db";

const DURATION_S = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 30);
const CONNECTIONS = 50;
const ACCOUNT = "bench-webhooks";

export interface WebhookResult {
  lines: string[];
  acceptedPerSec: number;
  p99Ms: number;
  lost: number;
  duplicated: number;
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

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error("the app exited during start-up");
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the app did not become healthy");
}

function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

export async function webhookBench(server: BenchServer, log: (l: string) => void): Promise<WebhookResult> {
  const lines: string[] = [];
  const out = (l: string) => {
    lines.push(l);
    log(l);
  };
  const url = await server.createDatabase("kudos_bench_webhooks");
  const env = {
    LINK_SECRET: "bench-link-secret-0123456789abcdefghijklmnop",
    ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
    DATA_DIR: ".data/bench",
  };
  const secrets = loadSecrets(env);
  const db = createDatabase(url, 2);
  const { business } = await installBusiness({ db: db.prisma, clock: systemClock }, { host: "sandbox", externalAccountId: ACCOUNT, name: "Bench Webhooks" });
  await db.prisma.business.update({ where: { id: business.id }, data: { cooldownDays: 0, physicalAddress: "1 Main St" } });
  await db.prisma.$disconnect();
  await db.pool.end();

  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["--import", "tsx", "app/server/main.ts"], {
    env: { ...process.env, ...env, DATABASE_URL: url, PORT: String(port), HOST: "127.0.0.1", APP_URL: appUrl, SANDBOX_HOST: "1", LOG_LEVEL: "warn", NODE_ENV: "production" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  try {
    await waitForHealth(appUrl, child);
    let n = 0;
    const result = await cannon({
      url: `${appUrl}/webhooks/hosts/sandbox`,
      method: "POST",
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: [
        {
          setupRequest: (req) => {
            n += 1;
            const id = `${process.pid}-${n}-${randomUUID().slice(0, 8)}`;
            const body = JSON.stringify({
              topic: "job.completed",
              account_id: ACCOUNT,
              occurred_at: new Date().toISOString(),
              job: {
                id: `job-${id}`,
                title: "Drain cleaning",
                service_type: "plumbing",
                status: "completed",
                completed_at: new Date(Date.now() - 3_600_000).toISOString(),
                customer: { id: `cus-${id}`, first_name: "Bench", last_name: "Customer", email: `c-${id}@example.com`, phone: "+12125550100" },
              },
            });
            const headers = genericWebhookHeaders({ secret: secrets.sandbox.clientSecret, eventId: `evt-${id}`, topic: "job.completed", accountId: ACCOUNT, body, now: new Date() });
            return { ...req, body, headers };
          },
        },
      ],
    });
    const accepted = result["2xx"];
    out(`webhooks.requests ${result.requests.total}`);
    out(`webhooks.accepted_2xx ${accepted}`);
    out(`webhooks.non_2xx ${result.non2xx}`);
    out(`webhooks.errors ${result.errors + result.timeouts}`);
    out(`webhooks.accepted_per_s ${fmt(accepted / DURATION_S, 0)}`);
    out(`webhooks.latency_p50_ms ${result.latency.p50}`);
    out(`webhooks.latency_p99_ms ${result.latency.p99}`);
    out(`webhooks.latency_max_ms ${result.latency.max}`);

    // Wait for the async worker to process every stored event.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const t = performance.now();
    let pending = Infinity;
    while (pending > 0 && performance.now() - t < 600_000) {
      pending = (await c.query("SELECT count(*)::int AS n FROM host_event WHERE processed_at IS NULL")).rows[0].n;
      if (pending > 0) await new Promise((r) => setTimeout(r, 500));
    }
    out(`webhooks.drain_after_load_s ${fmt((performance.now() - t) / 1000)}`);
    const counts = (
      await c.query(`SELECT (SELECT count(*)::int FROM host_event) AS events,
                            (SELECT count(*)::int FROM host_event WHERE processed_at IS NULL) AS unprocessed,
                            (SELECT count(*)::int FROM host_event WHERE last_error IS NOT NULL) AS errored,
                            (SELECT count(*)::int FROM job) AS jobs,
                            (SELECT count(*)::int FROM enrollment) AS enrollments,
                            (SELECT count(*)::int FROM (SELECT job_id FROM enrollment GROUP BY job_id HAVING count(*) > 1) d) AS dup_enrollments`)
    ).rows[0];
    await c.end();
    // autocannon counts only answers it read before the deadline; requests still in flight then
    // were stored too, so "accepted" is at most the events stored. Every stored event must
    // become exactly one job (distinct job ids), with at most one enrollment each.
    const lost = Math.max(0, accepted - counts.events) + counts.unprocessed + Math.max(0, counts.events - counts.jobs);
    const duplicated = Math.max(0, counts.jobs - counts.events) + counts.dup_enrollments;
    out(`webhooks.events_stored ${counts.events}`);
    out(`webhooks.jobs ${counts.jobs}`);
    out(`webhooks.enrollments ${counts.enrollments}`);
    out(`webhooks.events_with_errors ${counts.errored}`);
    out(`webhooks.lost ${lost}`);
    out(`webhooks.duplicated ${duplicated}`);

    // The machine's ceiling: the same load against a bare http server that only answers 200.
    const bare = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "text/plain" }).end("ok"));
    });
    await new Promise<void>((r) => bare.listen(0, "127.0.0.1", () => r()));
    const barePort = (bare.address() as net.AddressInfo).port;
    const ceiling = await cannon({ url: `http://127.0.0.1:${barePort}/`, method: "POST", body: "{}", connections: CONNECTIONS, duration: Math.min(DURATION_S, 10) });
    bare.close();
    const ceilingRps = ceiling["2xx"] / Math.min(DURATION_S, 10);
    out(`webhooks.bare_node_rps ${fmt(ceilingRps, 0)}`);
    out(`webhooks.bare_node_p99_ms ${ceiling.latency.p99}`);
    out(`webhooks.ratio_app_to_bare ${fmt(accepted / DURATION_S / ceilingRps, 3)}`);
    return { lines, acceptedPerSec: accepted / DURATION_S, p99Ms: result.latency.p99, lost, duplicated };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}
