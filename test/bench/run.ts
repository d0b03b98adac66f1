// `npm run bench`: sets up its own database (DATABASE_URL's server, else an embedded PostgreSQL),
// generates the data, and prints each figure on its own line, ending with a one-line summary.
// Not part of `npm test`. Method and results: docs/PERFORMANCE.md.
import { startBenchServer, fmt } from "./bench-db";
import { engineBench } from "./engine";
import { webhookBench } from "./webhooks";
import { analyticsBench } from "./analytics";

const only = new Set(process.argv.slice(2));
const want = (name: string) => only.size === 0 || only.has(name);
const log = (line: string) => console.log(line);

const server = await startBenchServer();
const summary: string[] = [];
try {
  if (want("engine")) {
    const e = await engineBench(server, log);
    summary.push(
      `engine ${fmt(e.touchesPerSec[4] ?? NaN, 0)} touches/s @4 (ratio ${fmt(e.ratio4, 2)} ${e.ratio4 >= 2 ? "≥" : "<"} 2.0)`,
      `claim p99 ${fmt(e.claimP99Ms, 1)} ms ${e.claimP99Ms <= 20 ? "≤" : ">"} 20`,
      `claim 1M/10k ${fmt(e.claimScale, 2)}× ${e.claimScale <= 1.5 ? "≤" : ">"} 1.5`,
      `rss ${fmt(e.rssMb, 0)} MB ${e.rssMb <= 300 ? "≤" : ">"} 300`,
    );
  }
  if (want("webhooks")) {
    const w = await webhookBench(server, log);
    summary.push(
      `webhooks ${fmt(w.acceptedPerSec, 0)}/s ${w.acceptedPerSec >= 1000 ? "≥" : "<"} 1000`,
      `p99 ${fmt(w.p99Ms, 0)} ms ${w.p99Ms <= 100 ? "≤" : ">"} 100`,
      `lost ${w.lost} duplicated ${w.duplicated}${w.pending > 0 ? ` (${w.pending} still pending after ${fmt(w.drainS, 0)} s: not verified)` : ""}`,
    );
  }
  if (want("analytics")) {
    const a = await analyticsBench(server, log);
    summary.push(`analytics p99 ${fmt(a.worstP99Ms, 0)} ms ${a.worstP99Ms <= 300 ? "≤" : ">"} 300`);
  }
} finally {
  await server.stop();
}
console.log(`summary: ${summary.join("; ")}`);
