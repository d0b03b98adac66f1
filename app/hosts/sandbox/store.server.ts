// The sandbox host's own state: its accounts, customers and jobs, and the OAuth codes and tokens it
// issued to Kudos. It is a stand-in for another company's platform, so it keeps nothing in Kudos's
// tables: one JSON file (DATA_DIR/sandbox.json), held in memory and rewritten atomically (write a
// temporary file, then rename) after every change. Changes are serialised within the process;
// the sandbox is a single-machine tool (two processes sharing one DATA_DIR would overwrite
// each other's changes).
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface SandboxAccount {
  id: string;
  name: string;
  timezone: string;
  /** The merchant's postal address (CAN-SPAM): filled into Kudos's settings on install. */
  address: string;
  /** Where happy customers leave a review: filled into Kudos's review links on install. */
  googleReviewUrl: string;
  /** Whether Kudos currently holds a live token for this account. */
  appInstalled: boolean;
  createdAt: string;
}

export interface SandboxCustomer {
  id: string;
  accountId: string;
  firstName: string;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  createdAt: string;
}

export interface SandboxDelivery {
  eventId: string;
  topic: string;
  /** Kudos's HTTP status; 0 when it could not be reached. */
  status: number;
  error?: string;
  at: string;
}

export type SandboxJobStatus = "scheduled" | "completed" | "cancelled";

export interface SandboxJob {
  id: string;
  accountId: string;
  customerId: string;
  title: string;
  serviceType: string | null;
  status: SandboxJobStatus;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Newest first, the last few. */
  deliveries: SandboxDelivery[];
}

export interface SandboxCode {
  /** sha256 of the code: codes are secrets. */
  hash: string;
  accountId: string;
  clientId: string;
  redirectUri: string;
  expiresAt: string;
}

export interface SandboxToken {
  kind: "access" | "refresh";
  hash: string;
  accountId: string;
  expiresAt: string | null;
}

export interface SandboxState {
  version: 1;
  accounts: SandboxAccount[];
  customers: SandboxCustomer[];
  jobs: SandboxJob[];
  codes: SandboxCode[];
  tokens: SandboxToken[];
}

const empty = (): SandboxState => ({ version: 1, accounts: [], customers: [], jobs: [], codes: [], tokens: [] });

export function hashSecret(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** Short, readable ids like the ones real platforms show: acct_3f9a1c2b. */
export function sandboxId(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

export class SandboxStore {
  private state: SandboxState | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  private load(): SandboxState {
    if (this.state) return this.state;
    if (!existsSync(this.file)) return (this.state = empty());
    let parsed: Partial<SandboxState>;
    try {
      parsed = JSON.parse(readFileSync(this.file, "utf8")) as Partial<SandboxState>;
    } catch (err) {
      throw new Error(`The sandbox state file ${this.file} is not valid JSON (${(err as Error).message}); move it away to start fresh`);
    }
    const base = empty();
    this.state = {
      version: 1,
      accounts: parsed.accounts ?? base.accounts,
      customers: parsed.customers ?? base.customers,
      jobs: parsed.jobs ?? base.jobs,
      codes: parsed.codes ?? base.codes,
      tokens: parsed.tokens ?? base.tokens,
    };
    return this.state;
  }

  private save(state: SandboxState): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  /** A consistent view (a deep copy: callers cannot change the state behind the store's back). */
  async read<T>(fn: (state: SandboxState) => T): Promise<T> {
    await this.queue.catch(() => {});
    return fn(structuredClone(this.load()));
  }

  /** Runs `fn` on a copy of the state and, if it returns without throwing, persists the copy. */
  update<T>(fn: (state: SandboxState) => T): Promise<T> {
    const run = this.queue.catch(() => {}).then(() => {
      const draft = structuredClone(this.load());
      const result = fn(draft);
      this.save(draft);
      this.state = draft;
      return result;
    });
    this.queue = run;
    return run;
  }
}

const globalForStores = globalThis as unknown as { __kudosSandboxStores?: Map<string, SandboxStore> };

/** One store per file for the whole process. */
export function getSandboxStore(dataDir: string): SandboxStore {
  const file = path.resolve(dataDir, "sandbox.json");
  const stores = (globalForStores.__kudosSandboxStores ??= new Map());
  let store = stores.get(file);
  if (!store) stores.set(file, (store = new SandboxStore(file)));
  return store;
}

export function resetSandboxStoresForTests(): void {
  globalForStores.__kudosSandboxStores = undefined;
}
