// Jobber over real HTTP, for a Kudos server running in another process (the browser test). The
// token and GraphQL endpoints are the msw stand-in's own handlers (test/mocks/jobber.ts), served
// by node:http at Jobber's paths; the authorize page, which on Jobber shows the merchant a consent
// screen, approves at once for one account and sends the browser back with a code and the state.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getResponse } from "msw";
import { JOBBER_GRAPHQL_URL, JOBBER_TOKEN_URL, type JobberMock } from "./jobber";

export interface JobberServerOptions {
  clientId: string;
  /** The account the merchant approving the install belongs to (added to the mock already). */
  accountId: string;
  /** The app's registered callback URL: Jobber redirects nowhere else. */
  redirectUri: string;
}

export interface JobberServer {
  authorizeUrl: string;
  tokenUrl: string;
  graphqlUrl: string;
  /** Each authorize request's query parameters, as the browser sent them. */
  authorizations: Array<Record<string, string>>;
  close(): Promise<void>;
}

/** The msw handler that answers each of Jobber's server-to-server paths. */
const FORWARDED: Record<string, string> = {
  [new URL(JOBBER_TOKEN_URL).pathname]: JOBBER_TOKEN_URL,
  [new URL(JOBBER_GRAPHQL_URL).pathname]: JOBBER_GRAPHQL_URL,
};
const AUTHORIZE_PATH = "/api/oauth/authorize";

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
  res.end(Buffer.from(await response.arrayBuffer()));
}

export async function startJobberServer(mock: JobberMock, options: JobberServerOptions): Promise<JobberServer> {
  const authorizations: Array<Record<string, string>> = [];

  function authorize(url: URL): Response {
    const params = Object.fromEntries(url.searchParams.entries());
    authorizations.push(params);
    // Jobber's documented authorize request: response_type=code, client_id, redirect_uri, state.
    const problems = [
      params.response_type !== "code" && "response_type must be code",
      params.client_id !== options.clientId && "unknown client_id",
      params.redirect_uri !== options.redirectUri && "redirect_uri is not the app's callback URL",
      !params.state && "state is required",
    ].filter(Boolean);
    if (problems.length) return new Response(`Jobber cannot authorize this app: ${problems.join("; ")}`, { status: 400 });
    const back = new URL(options.redirectUri);
    back.searchParams.set("code", mock.issueCode(options.accountId, options.redirectUri));
    back.searchParams.set("state", params.state!);
    return new Response(null, { status: 302, headers: { Location: back.toString() } });
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://jobber.invalid");
      if (req.method === "GET" && url.pathname === AUTHORIZE_PATH) return send(res, authorize(url));
      const target = FORWARDED[url.pathname];
      if (!target) return send(res, new Response("Not found", { status: 404 }));
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string" && !["host", "connection", "content-length", "transfer-encoding"].includes(name)) headers.set(name, value);
      }
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(await readBody(req));
      const request = new Request(target, { method: req.method ?? "GET", headers, ...(body ? { body } : {}) });
      const response = await getResponse(mock.handlers, request);
      return send(res, response ?? new Response("Not found", { status: 404 }));
    })().catch((err: unknown) => {
      res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authorizeUrl: `${base}${AUTHORIZE_PATH}`,
    tokenUrl: `${base}${new URL(JOBBER_TOKEN_URL).pathname}`,
    graphqlUrl: `${base}${new URL(JOBBER_GRAPHQL_URL).pathname}`,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
