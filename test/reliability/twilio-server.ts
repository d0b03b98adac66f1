// A stand-in for Twilio's Messages API as a real HTTP server on 127.0.0.1, for processors running
// in child processes (msw only intercepts inside its own process). Like Twilio, it creates the
// message (the text goes out) as soon as a request passes its checks, before it answers, and it
// has no idempotency key: every accepted request is one more text, recorded here whether or not
// the client ever reads the answer (https://www.twilio.com/docs/api/errors/20500: a retried send
// "is not idempotent"). Same checks and answers as the msw mock (test/mocks/twilio.ts).
// Each message also records which process and which of its batches sent it (test-only headers
// the crash suite's children add), so a repeat can be traced to the kill that caused it.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  newMessageSid,
  TEST_TWILIO_ACCOUNT_SID,
  TEST_TWILIO_AUTH_TOKEN,
  twilioMessageJson,
  twilioRefusal,
  type TwilioFailure,
} from "../mocks/twilio";
import { BATCH_HEADER, PROCESS_HEADER } from "./sender-headers";

export interface TwilioServerMessage {
  sid: string;
  form: Record<string, string>;
  /** Sender's pid and batch number, when it said (the children do; the final clean drain does not). */
  process: string | null;
  batch: number | null;
}

export interface TwilioServer {
  url: string;
  /** Every text accepted, in order. */
  messages: TwilioServerMessage[];
  /** Every request: the status answered ("network" for a dropped connection) and the message it created. */
  requests: { status: number | "network"; sid: string | null }[];
  queueFailures(...failures: TwilioFailure[]): void;
  /**
   * Called once a text is accepted, before the answer is written: a test can kill the sender
   * here, so Twilio has the text and the sender never learns it.
   */
  onAccepted: ((message: TwilioServerMessage) => Promise<void> | void) | null;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startTwilioServer(options: { accountSid?: string; authToken?: string } = {}): Promise<TwilioServer> {
  const accountSid = options.accountSid ?? TEST_TWILIO_ACCOUNT_SID;
  const authToken = options.authToken ?? TEST_TWILIO_AUTH_TOKEN;
  const expected = { accountSid, authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}` };
  const messages: TwilioServerMessage[] = [];
  const requests: TwilioServer["requests"] = [];
  const failures: TwilioFailure[] = [];
  const self: Pick<TwilioServer, "onAccepted"> = { onAccepted: null };
  const PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const entry: TwilioServer["requests"][number] = { status: 0, sid: null };
      requests.push(entry);
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        entry.status = status;
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
      };
      const drop = () => {
        entry.status = "network";
        req.socket.destroy();
      };
      const path = PATH.exec((req.url ?? "").split("?")[0]!);
      if (req.method !== "POST" || !path) return answer(404, { code: 20404, message: "The requested resource was not found", status: 404 });
      const form = Object.fromEntries(new URLSearchParams(raw));
      const failure = failures.shift();
      const refused = twilioRefusal(failure, { authorization: req.headers.authorization ?? null, accountSid: decodeURIComponent(path[1]!), form }, expected);
      if (refused === "network") return drop();
      if (refused) {
        return answer(refused.status, { code: refused.code, message: refused.message, more_info: `https://www.twilio.com/docs/errors/${refused.code}`, status: refused.status }, refused.headers);
      }
      // Created: the text is Twilio's to send now, whatever happens to the answer.
      const batch = req.headers[BATCH_HEADER];
      const message: TwilioServerMessage = {
        sid: newMessageSid(),
        form,
        process: (req.headers[PROCESS_HEADER] as string | undefined) ?? null,
        batch: batch === undefined ? null : Number(batch),
      };
      messages.push(message);
      entry.sid = message.sid;
      await self.onAccepted?.(message);
      switch (failure?.kind) {
        case "server_error":
          return answer(500, { code: 20500, message: "Internal Server Error", more_info: "https://www.twilio.com/docs/errors/20500", status: 500 });
        case "network":
          return drop();
        case "malformed":
          return answer(201, '{"sid": "SM');
        case "slow":
          await new Promise((r) => setTimeout(r, failure.delayMs));
          break;
      }
      answer(201, twilioMessageJson(accountSid, form, message.sid));
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 20500, message: String(err), status: 500 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(self, {
    url: `http://127.0.0.1:${port}`,
    messages,
    requests,
    queueFailures: (...f: TwilioFailure[]) => void failures.push(...f),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
