// The sandbox host's admin for one account: it frames Kudos's embedded admin the way a host does
// (docs/host-protocol.md §3): `/app?id_token=<session token>`, then answers the frame's
// `kudos:session-token-request` messages with fresh tokens from its session-token service.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Layout, Page, Text } from "@shopify/polaris";
import { useEffect, useRef } from "react";
import { installedMessage } from "~/hosts/install/install.server";
import { requireSandbox } from "~/hosts/sandbox/deps.server";
import { getAccount, SANDBOX_HOST } from "~/hosts/sandbox/platform.server";
import { mintSessionToken, sandboxAdminOrigin } from "~/hosts/sandbox/session.server";

// Single-fetch data requests answered 401 keep the Basic challenge (requireSandbox).
export { keepAuthChallenge as headers } from "~/lib/auth-challenge";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.account.name ?? "Account"} · Sandbox admin` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const deps = requireSandbox(request);
  const account = await getAccount(deps.store, params.id ?? "");
  if (!account) throw new Response("Account not found", { status: 404 });
  const business = await deps.db.business.findUnique({
    where: { host_externalAccountId: { host: SANDBOX_HOST, externalAccountId: account.id } },
    select: { status: true },
  });
  const installed = business?.status === "installed";
  const appOrigin = sandboxAdminOrigin(deps.appUrl);
  const token = installed ? await mintSessionToken(deps, account.id) : null;
  const installedParam = new URL(request.url).searchParams.get("installed");
  return {
    account: { id: account.id, name: account.name },
    installed,
    appOrigin,
    appSrc: token ? `${appOrigin}/app?id_token=${encodeURIComponent(token)}` : null,
    notice: installed && installedParam ? installedMessage(installedParam === "first") : null,
  };
}

export default function SandboxAdmin() {
  const { account, installed, appOrigin, appSrc, notice } = useLoaderData<typeof loader>();
  const frame = useRef<HTMLIFrameElement>(null);

  useEffect(() => {
    async function onMessage(event: MessageEvent) {
      // Only Kudos, in our own frame, may ask for a session.
      if (event.origin !== appOrigin || event.source !== frame.current?.contentWindow) return;
      if ((event.data as { type?: unknown } | null)?.type !== "kudos:session-token-request") return;
      const response = await fetch(`/sandbox/accounts/${encodeURIComponent(account.id)}/session-token`, { method: "POST" });
      if (!response.ok) return;
      const { token } = (await response.json()) as { token: string };
      frame.current?.contentWindow?.postMessage({ type: "kudos:session-token", token }, appOrigin);
    }
    const listener = (event: MessageEvent) => void onMessage(event);
    window.addEventListener("message", listener);
    return () => window.removeEventListener("message", listener);
  }, [account.id, appOrigin]);

  return (
    <Page
      fullWidth
      title={account.name}
      subtitle={`Sandbox platform admin · ${account.id}`}
      backAction={{ content: "Accounts", url: "/sandbox" }}
      secondaryActions={[{ content: "Jobs", url: `/sandbox/accounts/${account.id}/jobs` }]}
    >
      <Layout>
        {notice ? (
          <Layout.Section>
            <Banner tone="success" title="Kudos is installed">
              <p>{notice}</p>
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          {installed && appSrc ? (
            <iframe
              ref={frame}
              title="Kudos"
              src={appSrc}
              style={{ width: "100%", height: "calc(100vh - 180px)", minHeight: "480px", border: "1px solid #e3e3e3", borderRadius: "12px", background: "#fff" }}
            />
          ) : (
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Kudos is not installed on this account
                </Text>
                <Text as="p">Install it to send review requests when jobs are completed.</Text>
                <div>
                  <Button variant="primary" url={`/auth/hosts/sandbox/install?account=${encodeURIComponent(account.id)}`}>
                    Install Kudos
                  </Button>
                </div>
              </BlockStack>
            </Card>
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}
