// Processor child processes for the crash suite: bundled once (esbuild, which tsx itself runs on)
// so that a restart costs a fraction of a second instead of a TypeScript load, started warm,
// watched (ready / mid-batch) and SIGKILLed.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCRIPT = "test/reliability/processor-child.ts";

/**
 * The command that runs a processor child: a bundle of the child script under node_modules/.cache
 * (its packages stay external, resolved from the project's node_modules), or tsx if esbuild is
 * not importable.
 */
export async function processorChildCommand(): Promise<string[]> {
  try {
    const esbuild = await import("esbuild");
    const outfile = path.join(ROOT, "node_modules/.cache/kudos-reliability", `processor-child-${process.pid}.mjs`);
    await mkdir(path.dirname(outfile), { recursive: true });
    await esbuild.build({
      entryPoints: [path.join(ROOT, SCRIPT)],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      alias: { "~": path.join(ROOT, "app") },
      outfile,
      logLevel: "error",
    });
    return [outfile];
  } catch {
    return ["--import", "tsx", SCRIPT];
  }
}

export interface ProcessorChild {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  /** Resolves when the child first calls a provider (or exits). */
  readonly firstSend: Promise<void>;
  /** Between "claim" and "done": killing now interrupts a batch. */
  inBatch(): boolean;
  batches(): number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Starts processing (a child waits, warm, until told). */
  go(): void;
  kill(): void;
  /** Asks for a clean exit after the current batch. */
  stop(): void;
}

export function startProcessorChild(command: string[], args: string[]): ProcessorChild {
  const proc = spawn(process.execPath, [...command, ...args], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, LOG_LEVEL: "silent", NODE_ENV: "test" },
  });
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let markSending: () => void = () => {};
  const firstSend = new Promise<void>((resolve) => (markSending = resolve));
  let inBatch = false;
  let batches = 0;
  let buffered = "";
  let stderr = "";
  proc.stdout!.on("data", (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf("\n")) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === "ready") markReady();
      else if (line === "send") markSending();
      else if (line === "claim") inBatch = true;
      else if (line.startsWith("done")) {
        inBatch = false;
        batches += 1;
      }
    }
  });
  proc.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  // Writing to a killed child's stdin must not crash the test process.
  proc.stdin!.on("error", () => {});
  // "close", not "exit": by then all of the child's output has been read (its batch count is final).
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    proc.on("close", (code, signal) => {
      markReady();
      markSending();
      resolve({ code, signal, stderr });
    }),
  );
  return {
    proc,
    ready,
    firstSend,
    inBatch: () => inBatch,
    batches: () => batches,
    exited,
    go: () => void proc.stdin!.write("go\n"),
    kill: () => void proc.kill("SIGKILL"),
    stop: () => void proc.stdin!.write("stop\n"),
  };
}
