// Webhook ingestion benchmark: autocannon POSTs correctly signed job.completed webhooks to the
// running production build for 30 s at 50 connections, then waits for the async worker to process
// them. A share of the events is delivered again on purpose, as a platform's retries would be
// (docs/PERFORMANCE.md): the same event id at once (both copies in flight together) or seconds
// later, and the same job under a new event id; after processing, more of both, each sent twice at
// the same moment. Lost and duplicated deliveries are then counted from the bench's own record of
// what it sent, per event id and job id (webhook-ledger.ts), after a self-check in a scratch
// database shows that the count fires. The same load against a bare Node http server answering
// 200 is the machine's ceiling.
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
import { countDeliveries, DeliveryLedger, selfCheckDeliveryCount, type DeliveryKind } from "./webhook-ledger";

const DURATION_S = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 30);
const CONNECTIONS = 50;
/** How long to wait for the worker to work off the backlog after the load. */
const DRAIN_WAIT_S = Number(process.env.BENCH_WEBHOOK_DRAIN_S ?? 900);
const ACCOUNT = "bench-webhooks";
/**
 * Of every REPEAT_EVERY new events, one is sent again at once with the same event id, one again
 * REPEAT_LATE_S later with the same event id, and (every other cycle) one under a new event id
 * for the same job. 0 turns repeats off.
 */
const REPEAT_EVERY = Number(process.env.BENCH_WEBHOOK_REPEAT_EVERY ?? 10);
const REPEAT_LATE_S = Number(process.env.BENCH_WEBHOOK_REPEAT_LATE_S ?? 5);
/** After processing: this many accepted events sent again with their event id, and half as many under a new id. */
const REPEAT_AFTER = Number(process.env.BENCH_WEBHOOK_REPEAT_AFTER ?? 500);

export interface WebhookResult {
  lines: string[];
  acceptedPerSec: number;
  p99Ms: number;
  lost: number;
  duplicated: number;
  /** Delivered job ids with a stored event not processed when the drain wait ended. */
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
  // The lost/duplicated count must be able to fire: checked on rows written to break it.
  const check = await selfCheckDeliveryCount(await server.createDatabase("kudos_bench_webhooks_selfcheck"));
  out(`webhooks.count_self_check duplicated=${check.duplicated} lost=${check.lost} pending=${check.jobIdsPending} (planted: 3, 2, 1)`);
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
    const ledger = new DeliveryLedger();
    type Delivery = { eventId: string; jobId: string; body: string; kind: DeliveryKind };
    const sign = (d: Delivery) =>
      genericWebhookHeaders({ secret: secrets.sandbox.clientSecret, eventId: d.eventId, topic: "job.completed", accountId: ACCOUNT, body: d.body, now: new Date() });
    // Repeats waiting to go out: at once (the next free connection takes them, while the first copy
    // is usually still in flight), or not before a time.
    const atOnce: Delivery[] = [];
    const later: Array<Delivery & { notBefore: number }> = [];
    let n = 0;
    const newDelivery = (): Delivery => {
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
      const d: Delivery = { eventId: `evt-${id}`, jobId: `job-${id}`, body, kind: "original" };
      if (REPEAT_EVERY > 0) {
        const slot = n % REPEAT_EVERY;
        if (slot === 0) atOnce.push({ ...d, kind: "retry_concurrent" });
        if (slot === Math.floor(REPEAT_EVERY / 2)) later.push({ ...d, kind: "retry_late", notBefore: Date.now() + REPEAT_LATE_S * 1000 });
        if (slot === 1 && n % (2 * REPEAT_EVERY) === 1) atOnce.push({ ...d, eventId: `evt-${id}-again`, kind: "redelivery" });
      }
      return d;
    };
    const next = (): Delivery => {
      if (later.length > 0 && later[0]!.notBefore <= Date.now()) return later.shift()!;
      return atOnce.shift() ?? newDelivery();
    };
    const result = await cannon({
      url: `${appUrl}/webhooks/hosts/sandbox`,
      method: "POST",
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: [
        {
          setupRequest: (req, context) => {
            const d = next();
            ledger.sent(d, d.kind);
            (context as { eventId?: string }).eventId = d.eventId;
            return { ...req, body: d.body, headers: sign(d) };
          },
          onResponse: (status, _body, context) => ledger.answered((context as { eventId: string }).eventId, status),
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
    out(`webhooks.load_sent ${Object.entries(ledger.sentByKind).map(([k, v]) => `${k}=${v}`).join(" ")}`);
    out(`webhooks.load_repeats_in_flight_with_first_copy ${ledger.repeatsWhileInFlight}`);
    // Each answer is attached to its own request's event id (autocannon's per-connection context):
    // the ledger must have seen exactly the answers autocannon counted.
    const answers = [...ledger.events.values()].reduce((k, e) => k + e.ok + e.rejected, 0);
    out(`webhooks.ledger_answers ${answers} (autocannon: ${result["2xx"] + result.non2xx})`);

    // Wait for the async worker to process every stored event (up to DRAIN_WAIT_S). Processing is
    // the domain's work (customer, job, enrollment: ~25 statements an event) and runs at a fraction
    // of the ingestion rate, so a long load leaves a backlog that takes minutes to work off.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const processedCount = async () => (await c.query("SELECT count(*) FILTER (WHERE processed_at IS NOT NULL)::int AS done, count(*)::int AS events FROM host_event")).rows[0] as { done: number; events: number };
    const waitProcessed = async (limitS: number) => {
      const t = performance.now();
      let now = await processedCount();
      while (now.done < now.events && performance.now() - t < limitS * 1000) {
        await new Promise((r) => setTimeout(r, 500));
        now = await processedCount();
      }
      return now;
    };
    const atLoadEnd = await processedCount();
    out(`webhooks.processed_during_load ${atLoadEnd.done}`);
    const t = performance.now();
    const drained = await waitProcessed(DRAIN_WAIT_S);
    const drainS = (performance.now() - t) / 1000;
    out(`webhooks.drain_after_load_s ${fmt(drainS)}`);
    out(`webhooks.drain_events_per_s ${fmt((drained.done - atLoadEnd.done) / drainS, 0)}`);

    // Repeats of processed events: every k-th accepted event again with its event id, and half as
    // many under a new event id for the same job; each sent twice at the same moment.
    const acceptedEvents = ledger.accepted().filter((e) => !e.eventId.endsWith("-again"));
    const step = Math.max(1, Math.floor(acceptedEvents.length / Math.max(1, REPEAT_AFTER)));
    const after: Delivery[] = [];
    for (let i = 0; i < acceptedEvents.length && after.length < REPEAT_AFTER * 1.5; i += step) {
      const e = acceptedEvents[i]!;
      after.push({ eventId: e.eventId, jobId: e.jobId, body: e.body, kind: "retry_late" });
      if (after.length % 3 === 0) after.push({ eventId: `${e.eventId}-after`, jobId: e.jobId, body: e.body, kind: "redelivery" });
    }
    const post = async (d: Delivery) => {
      ledger.sent(d, d.kind);
      const res = await fetch(`${appUrl}/webhooks/hosts/sandbox`, { method: "POST", headers: sign(d), body: d.body });
      await res.arrayBuffer();
      ledger.answered(d.eventId, res.status);
    };
    for (let i = 0; i < after.length; i += 10) {
      await Promise.all(after.slice(i, i + 10).flatMap((d) => [post(d), post(d)]));
    }
    out(`webhooks.after_drain_sent ${after.length * 2} (${after.filter((d) => d.kind === "retry_late").length} processed events again with their event id, ${after.filter((d) => d.kind === "redelivery").length} under a new event id; each twice at once)`);
    const afterWait = await waitProcessed(120);
    out(`webhooks.after_drain_unprocessed ${afterWait.events - afterWait.done}`);

    // The count, per delivered event id and job id, from the bench's record and the database.
    const counts = await countDeliveries(c, "sandbox", business.id, ledger);
    const errored = (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM host_event WHERE last_error IS NOT NULL")).rows[0]!.n;
    await c.end();
    out(`webhooks.event_ids_sent ${counts.eventIds} (accepted ${counts.eventIdsAccepted}; sent ${[...ledger.events.values()].reduce((k, e) => k + e.sends, 0)} times in all)`);
    out(`webhooks.sent_by_kind ${Object.entries(ledger.sentByKind).map(([k, v]) => `${k}=${v}`).join(" ")}`);
    out(`webhooks.repeats_in_flight_with_first_copy ${ledger.repeatsWhileInFlight}`);
    out(`webhooks.job_ids_accepted ${counts.jobIdsAccepted} (with a job ${counts.jobIdsWithJob}, with an enrollment ${counts.jobIdsWithEnrollment})`);
    out(`webhooks.extra_rows_per_delivered_id host_event=${counts.extraStoredEvents} job=${counts.extraJobs} enrollment=${counts.extraEnrollments}`);
    out(`webhooks.lost_by_cause accepted_not_stored=${counts.acceptedEventsNotStored} no_job=${counts.jobIdsWithoutJob} no_enrollment=${counts.jobIdsWithoutEnrollment}`);
    out(`webhooks.rows_for_ids_never_sent host_event=${counts.unknownStoredEvents} job=${counts.unknownJobs}`);
    out(`webhooks.events_with_errors ${errored}`);
    out(`webhooks.job_ids_pending_after_wait ${counts.jobIdsPending}`);
    out(`webhooks.lost ${counts.lost}`);
    out(`webhooks.duplicated ${counts.duplicated}`);
    const lost = counts.lost;
    const duplicated = counts.duplicated;

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
    return { lines, acceptedPerSec: accepted / DURATION_S, p99Ms: result.latency.p99, lost, duplicated, pending: counts.jobIdsPending, drainS };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}
