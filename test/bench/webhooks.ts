// Webhook ingestion benchmark: autocannon POSTs correctly signed job.completed webhooks with
// distinct event ids to the running production build for 30 s at 50 connections, then waits for
// the async worker to process them, and checks nothing was lost or duplicated. The same load
// against a bare Node http server answering 200 is the machine's ceiling.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
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
/** How long to wait for the worker to work off the backlog after the load. */
const DRAIN_WAIT_S = Number(process.env.BENCH_WEBHOOK_DRAIN_S ?? 900);
const ACCOUNT = "bench-webhooks";

export interface WebhookResult {
  lines: string[];
  acceptedPerSec: number;
  p99Ms: number;
  lost: number;
  duplicated: number;
  /** Stored events not processed when the drain wait ended. */
  pending: number;
  drainS: number;
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
  // The server serves the production build: build it from the current code first.
  await promisify(execFile)(process.execPath, [path.join("node_modules", "@remix-run", "dev", "dist", "cli.js"), "build"], { maxBuffer: 1 << 24 });
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
  // BENCH_NODE_ARGS: extra flags for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "app/server/main.ts"], {
    env: {
      ...process.env,
      ...env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: "127.0.0.1",
      APP_URL: appUrl,
      SANDBOX_HOST: "1",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      // One source IP sends everything here; the default per-IP budget (60,000 a minute, i.e.
      // 1,000/s) would answer 429 from the 60,000th request on. The limiter still counts each one.
      WEBHOOK_RATE_LIMIT_PER_MINUTE: "100000000",
    },
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
                // A phone of their own, as real customers have (a phone shared by every customer makes
                // them one person: each enrollment would wait on the others' lock and replace theirs).
                customer: { id: `cus-${id}`, first_name: "Bench", last_name: "Customer", email: `c-${id}@example.com`, phone: `+12122${String(n % 1_000_000).padStart(6, "0")}` },
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

    // Wait for the async worker to process every stored event (up to DRAIN_WAIT_S). Processing is
    // the domain's work (customer, job, enrollment: ~25 statements an event) and runs at a fraction
    // of the ingestion rate, so a long load leaves a backlog that takes minutes to work off.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const processedCount = async () => (await c.query("SELECT count(*) FILTER (WHERE processed_at IS NOT NULL)::int AS done, count(*)::int AS events FROM host_event")).rows[0] as { done: number; events: number };
    const atLoadEnd = await processedCount();
    out(`webhooks.processed_during_load ${atLoadEnd.done}`);
    const t = performance.now();
    let now = atLoadEnd;
    while (now.done < now.events && performance.now() - t < DRAIN_WAIT_S * 1000) {
      await new Promise((r) => setTimeout(r, 500));
      now = await processedCount();
    }
    const drainS = (performance.now() - t) / 1000;
    out(`webhooks.drain_after_load_s ${fmt(drainS)}`);
    out(`webhooks.drain_events_per_s ${fmt((now.done - atLoadEnd.done) / drainS, 0)}`);
    // Per event: was it processed, and does its job exist (the payload names the job)?
    const counts = (
      await c.query(`SELECT count(*)::int AS events,
                            count(*) FILTER (WHERE h.processed_at IS NULL)::int AS unprocessed,
                            count(*) FILTER (WHERE h.last_error IS NOT NULL)::int AS errored,
                            count(*) FILTER (WHERE h.processed_at IS NOT NULL AND j.id IS NULL)::int AS processed_without_job,
                            (SELECT count(*)::int FROM job) AS jobs,
                            (SELECT count(*)::int FROM enrollment) AS enrollments,
                            (SELECT count(*)::int FROM (SELECT job_id FROM enrollment GROUP BY job_id HAVING count(*) > 1) d) AS dup_enrollments
                       FROM host_event h
                       LEFT JOIN job j ON j.business_id = h.business_id AND j.host_job_id = h.payload->'job'->>'id'`)
    ).rows[0];
    await c.end();
    // autocannon counts only answers it read before the deadline; requests still in flight then
    // were stored too, so "accepted" is at most the events stored. Every processed event must
    // have become exactly one job (distinct job ids), with at most one enrollment each. Events
    // still unprocessed when the wait ends are not lost (they are stored and due) but unverified:
    // reported as pending, and the summary says so.
    const lost = Math.max(0, accepted - counts.events) + counts.processed_without_job;
    const duplicated = Math.max(0, counts.jobs - counts.events) + counts.dup_enrollments;
    out(`webhooks.events_stored ${counts.events}`);
    out(`webhooks.jobs ${counts.jobs}`);
    out(`webhooks.enrollments ${counts.enrollments}`);
    out(`webhooks.events_with_errors ${counts.errored}`);
    out(`webhooks.pending_after_wait ${counts.unprocessed}`);
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
    return { lines, acceptedPerSec: accepted / DURATION_S, p99Ms: result.latency.p99, lost, duplicated, pending: counts.unprocessed, drainS };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}
