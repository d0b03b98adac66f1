// The sandbox host's home: its accounts (each a pretend field-service business) and "create
// account", which continues straight into installing Kudos (the real OAuth flow).
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirectDocument } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, ButtonGroup, Card, FormLayout, InlineStack, Layout, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { requireSandbox } from "~/hosts/sandbox/deps.server";
import { createAccount, listAccounts, SandboxNotFoundError, uninstallKudos } from "~/hosts/sandbox/platform.server";
import { ValidationError } from "~/lib/errors.server";

// Single-fetch data requests answered 401 keep the Basic challenge (requireSandbox).
export { keepAuthChallenge as headers } from "~/lib/auth-challenge";

export const meta: MetaFunction = () => [{ title: "Sandbox platform · Kudos" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const deps = requireSandbox(request);
  const accounts = await listAccounts(deps.store);
  return { accounts: accounts.map((a) => ({ id: a.id, name: a.name, timezone: a.timezone, appInstalled: a.appInstalled })) };
}

type ActionResult = { errors?: Record<string, string>; message?: string; tone?: "success" | "critical" };

export async function action({ request }: ActionFunctionArgs): Promise<Response | ActionResult> {
  const deps = requireSandbox(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  try {
    if (intent === "create") {
      const account = await createAccount(deps, { name: String(form.get("name") ?? ""), timezone: String(form.get("timezone") ?? "") || undefined });
      // Straight into Kudos's install, as a merchant clicking "Install" in a marketplace would.
      return redirectDocument(`/auth/hosts/sandbox/install?account=${encodeURIComponent(account.id)}`);
    }
    if (intent === "uninstall") {
      const delivery = await uninstallKudos(deps, String(form.get("accountId") ?? ""));
      return delivery.status === 200
        ? { message: "Kudos was removed from the account (app.uninstalled delivered).", tone: "success" }
        : { message: `Kudos answered ${delivery.status} to app.uninstalled.`, tone: "critical" };
    }
    return { message: "Unknown action", tone: "critical" };
  } catch (err) {
    if (err instanceof ValidationError) return { errors: err.fieldErrors };
    if (err instanceof SandboxNotFoundError) return { message: err.message, tone: "critical" };
    throw err;
  }
}

export default function SandboxAccounts() {
  const { accounts } = useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const busy = useNavigation().state !== "idle";
  const [name, setName] = useState("");
  const [timezone, setTimezone] = useState("America/New_York");

  return (
    <Page
      title="Sandbox platform"
      subtitle="A stand-in field-service platform built into Kudos: create an account, install Kudos, complete a job and watch the review request go out."
    >
      <Layout>
        {result?.message ? (
          <Layout.Section>
            <Banner tone={result.tone ?? "info"}>{result.message}</Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Accounts
              </Text>
              {accounts.length === 0 ? (
                <Text as="p" tone="subdued">
                  No accounts yet. Create one to install Kudos into it.
                </Text>
              ) : (
                <BlockStack as="ul" gap="300">
                  {accounts.map((account) => (
                    <Box as="li" key={account.id} paddingBlockStart="200" borderBlockStartWidth="025" borderColor="border">
                      <InlineStack align="space-between" blockAlign="center" gap="300">
                        <BlockStack gap="100">
                          <Text as="h3" variant="bodyMd" fontWeight="semibold">
                            {account.name}
                          </Text>
                          <Text as="p" tone="subdued">
                            {account.id} · {account.timezone}
                          </Text>
                        </BlockStack>
                        <InlineStack gap="200" blockAlign="center">
                          {account.appInstalled ? <Badge tone="success">Kudos installed</Badge> : <Badge>Kudos not installed</Badge>}
                          <ButtonGroup>
                            <Button url={`/sandbox/accounts/${account.id}/admin`}>Admin</Button>
                            <Button url={`/sandbox/accounts/${account.id}/jobs`}>Jobs</Button>
                            {account.appInstalled ? null : (
                              <Button url={`/auth/hosts/sandbox/install?account=${encodeURIComponent(account.id)}`}>Install Kudos</Button>
                            )}
                          </ButtonGroup>
                          {account.appInstalled ? (
                            <Form method="post">
                              <input type="hidden" name="intent" value="uninstall" />
                              <input type="hidden" name="accountId" value={account.id} />
                              <Button submit tone="critical" variant="plain" disabled={busy}>
                                Uninstall Kudos
                              </Button>
                            </Form>
                          ) : null}
                        </InlineStack>
                      </InlineStack>
                    </Box>
                  ))}
                </BlockStack>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <Form method="post">
              <input type="hidden" name="intent" value="create" />
              <FormLayout>
                <Text as="h2" variant="headingMd">
                  Create account
                </Text>
                <TextField label="Business name" name="name" value={name} onChange={setName} autoComplete="organization" error={result?.errors?.name} requiredIndicator />
                <TextField
                  label="Timezone"
                  name="timezone"
                  value={timezone}
                  onChange={setTimezone}
                  autoComplete="off"
                  helpText="IANA name, e.g. America/Chicago"
                  error={result?.errors?.timezone}
                />
                <Button submit variant="primary" loading={busy}>
                  Create and install Kudos
                </Button>
              </FormLayout>
            </Form>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
