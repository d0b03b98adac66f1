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
      `claim in drains p99 ${fmt(e.claimP99Ms, 1)} ms ${e.claimP99Ms <= 20 ? "≤" : ">"} 20`,
      `claim big/small p50: walking ${fmt(e.claimScaleWalk, 2)}× ${e.claimScaleWalk <= 1.5 ? "≤" : ">"} 1.5, in a drain ${fmt(e.claimScaleDrain, 2)}×, warm re-claim ${fmt(e.claimScaleWarm, 2)}×`,
      `rss ${fmt(e.rssMb, 0)} MB ${e.rssMb <= 300 ? "≤" : ">"} 300`,
    );
  }
  if (want("webhooks")) {
    const w = await webhookBench(server, log);
    summary.push(
      `webhooks ${fmt(w.acceptedPerSec, 0)}/s ${w.acceptedPerSec >= 1000 ? "≥" : "<"} 1000`,
      `p99 ${fmt(w.p99Ms, 0)} ms ${w.p99Ms <= 100 ? "≤" : ">"} 100`,
      `lost ${w.lost} duplicated ${w.duplicated} (counted per delivered event and job id, repeats included)${w.pending > 0 ? ` (${w.pending} job ids still pending after ${fmt(w.drainS, 0)} s: not verified)` : ""}`,
    );
  }
  if (want("analytics")) {
    const a = await analyticsBench(server, log);
    summary.push(`analytics warm p99 (worst page) ${fmt(a.worstP99Ms, 0)} ms ${a.worstP99Ms <= 300 ? "≤" : ">"} 300, cold first load (worst page) ${fmt(a.worstColdMs, 0)} ms`);
  }
} finally {
  await server.stop();
}
console.log(`summary: ${summary.join("; ")}`);
