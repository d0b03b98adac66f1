// The sandbox host's OAuth consent screen (docs/host-protocol.md §2, "Authorize"): the merchant
// sees the app and the access it asks for, picks the account, and installs or cancels. Either way
// the browser goes back to Kudos's redirect_uri with the same state (and a code, or an error).
// The form is a plain document POST: its answer is a redirect to another site's page.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, List, Page, Select, Text } from "@shopify/polaris";
import { useState } from "react";
import { requireSandbox } from "~/hosts/sandbox/deps.server";
import { decideAuthorization, parseAuthorizeRequest } from "~/hosts/sandbox/oauth.server";
import { listAccounts } from "~/hosts/sandbox/platform.server";

// Single-fetch data requests answered 401 keep the Basic challenge (requireSandbox).
export { keepAuthChallenge as headers } from "~/lib/auth-challenge";

export const meta: MetaFunction = () => [{ title: "Install Kudos · Sandbox platform" }];

const SCOPE_LABELS: Record<string, string> = {
  read_jobs: "View your jobs and when they are completed",
  read_customers: "View your customers' names and contact details",
};

export async function loader({ request }: LoaderFunctionArgs) {
  const deps = requireSandbox(request);
  const parsed = parseAuthorizeRequest(deps.oauth, new URL(request.url).searchParams);
  if (!parsed.ok) return { ok: false as const, error: parsed.error };
  const accounts = await listAccounts(deps.store);
  return {
    ok: true as const,
    request: parsed.request,
    accounts: accounts.map((a) => ({ id: a.id, name: a.name })),
  };
}

function errorPage(message: string, status: number): Response {
  return new Response(message, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
}

export async function action({ request }: ActionFunctionArgs) {
  const deps = requireSandbox(request);
  const form = new URLSearchParams(await request.text());
  const parsed = parseAuthorizeRequest(deps.oauth, form);
  if (!parsed.ok) return errorPage(parsed.error, 400);
  const decided = await decideAuthorization(deps.store, parsed.request, {
    approve: form.get("decision") === "approve",
    accountId: form.get("account_id") ?? "",
    now: deps.clock.now(),
  });
  if (!decided.ok) return errorPage(decided.error, 400);
  return new Response(null, { status: 302, headers: { Location: decided.location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } });
}

export default function Authorize() {
  const data = useLoaderData<typeof loader>();
  const preselected = data.ok ? (data.accounts.find((a) => a.id === data.request.account)?.id ?? data.accounts[0]?.id ?? "") : "";
  const [accountId, setAccountId] = useState(preselected);

  if (!data.ok) {
    return (
      <Page title="Cannot install this app" narrowWidth>
        <Banner tone="critical">{data.error}</Banner>
      </Page>
    );
  }
  const { request, accounts } = data;
  const scopes = request.scope.split(/[\s,]+/).filter(Boolean);
  const hidden = (
    <>
      <input type="hidden" name="client_id" value={request.clientId} />
      <input type="hidden" name="redirect_uri" value={request.redirectUri} />
      <input type="hidden" name="state" value={request.state} />
      <input type="hidden" name="scope" value={request.scope} />
      <input type="hidden" name="response_type" value="code" />
    </>
  );
  return (
    <Page title="Install Kudos" subtitle="Sandbox platform · app install" narrowWidth>
      <Card>
        <BlockStack gap="400">
          <Text as="p">Kudos asks for review requests to be sent to your customers when you complete a job. It will be able to:</Text>
          <List>
            {scopes.map((scope) => (
              <List.Item key={scope}>{SCOPE_LABELS[scope] ?? scope}</List.Item>
            ))}
          </List>
          {/* reloadDocument: native POSTs, so the browser follows the redirect back to Kudos. */}
          <Form method="post" reloadDocument>
            {hidden}
            <input type="hidden" name="decision" value="approve" />
            <BlockStack gap="400">
              {accounts.length === 0 ? (
                <Banner tone="warning">
                  There is no account to install Kudos into yet. <a href="/sandbox">Create one first</a>.
                </Banner>
              ) : (
                <Select
                  label="Install on account"
                  name="account_id"
                  options={accounts.map((a) => ({ label: `${a.name} (${a.id})`, value: a.id }))}
                  value={accountId}
                  onChange={setAccountId}
                />
              )}
              <InlineStack align="end">
                <Button submit variant="primary" disabled={accounts.length === 0}>
                  Install app
                </Button>
              </InlineStack>
            </BlockStack>
          </Form>
          <Form method="post" reloadDocument>
            {hidden}
            <input type="hidden" name="decision" value="deny" />
            <InlineStack align="end">
              <Button submit variant="plain">
                Cancel and go back
              </Button>
            </InlineStack>
          </Form>
        </BlockStack>
      </Card>
    </Page>
  );
}
