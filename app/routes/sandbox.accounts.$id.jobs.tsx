// The sandbox host's jobs screen: record a customer and a job, mark it completed (or cancel it),
// and see Kudos's answer to each webhook the platform delivered for it.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Checkbox, FormLayout, InlineStack, Layout, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { requireSandbox } from "~/hosts/sandbox/deps.server";
import { createJob, getAccount, listJobs, SandboxNotFoundError, setJobStatus } from "~/hosts/sandbox/platform.server";
import type { SandboxDelivery } from "~/hosts/sandbox/store.server";
import { ValidationError } from "~/lib/errors.server";

// Single-fetch data requests answered 401 keep the Basic challenge (requireSandbox).
export { keepAuthChallenge as headers } from "~/lib/auth-challenge";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Jobs · ${data?.account.name ?? "Account"} · Sandbox` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const deps = requireSandbox(request);
  const account = await getAccount(deps.store, params.id ?? "");
  if (!account) throw new Response("Account not found", { status: 404 });
  const { jobs } = await listJobs(deps.store, account.id);
  return {
    account: { id: account.id, name: account.name, appInstalled: account.appInstalled },
    jobs: jobs.map((j) => ({
      id: j.id,
      title: j.title,
      serviceType: j.serviceType,
      status: j.status,
      customer: j.customer ? [j.customer.firstName, j.customer.lastName].filter(Boolean).join(" ") : "",
      contact: j.customer ? [j.customer.email, j.customer.phone].filter(Boolean).join(" · ") : "",
      lastDelivery: j.deliveries[0] ?? null,
    })),
  };
}

type ActionResult = { errors?: Record<string, string>; delivery?: SandboxDelivery; message?: string };

export async function action({ request, params }: ActionFunctionArgs): Promise<ActionResult> {
  const deps = requireSandbox(request);
  const accountId = params.id ?? "";
  const form = await request.formData();
  const text = (name: string) => String(form.get(name) ?? "");
  try {
    switch (text("intent")) {
      case "create": {
        const { delivery } = await createJob(deps, accountId, {
          customer: { firstName: text("firstName"), lastName: text("lastName"), email: text("email"), phone: text("phone") },
          title: text("title"),
          serviceType: text("serviceType"),
          completed: form.has("completed"),
        });
        return { delivery };
      }
      case "complete":
      case "cancel":
        return { delivery: await setJobStatus(deps, accountId, text("jobId"), text("intent") === "complete" ? "completed" : "cancelled") };
      default:
        return { message: "Unknown action" };
    }
  } catch (err) {
    if (err instanceof ValidationError) return { errors: err.fieldErrors };
    if (err instanceof SandboxNotFoundError) return { message: err.message };
    throw err;
  }
}

function DeliveryBadge({ delivery }: { delivery: SandboxDelivery | null }) {
  if (!delivery) return null;
  const ok = delivery.status >= 200 && delivery.status < 300;
  return <Badge tone={ok ? "success" : "critical"}>{`${delivery.topic} → ${delivery.status === 0 ? "unreachable" : delivery.status}`}</Badge>;
}

export default function SandboxJobs() {
  const { account, jobs } = useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const busy = useNavigation().state !== "idle";
  const errors = result?.errors ?? {};
  const [fields, setFields] = useState({ firstName: "Dana", lastName: "Whitfield", email: "dana@example.com", phone: "", title: "", serviceType: "Lawn care" });
  const [completed, setCompleted] = useState(true);
  const field = (name: keyof typeof fields) => ({
    name,
    value: fields[name],
    onChange: (value: string) => setFields((f) => ({ ...f, [name]: value })),
    autoComplete: "off",
  });

  return (
    <Page
      title="Jobs"
      subtitle={`${account.name} · ${account.id}`}
      backAction={{ content: "Accounts", url: "/sandbox" }}
      secondaryActions={[{ content: "Open admin (Kudos)", url: `/sandbox/accounts/${account.id}/admin` }]}
    >
      <Layout>
        {!account.appInstalled ? (
          <Layout.Section>
            <Banner tone="warning">Kudos is not installed on this account: its webhooks will be ignored.</Banner>
          </Layout.Section>
        ) : null}
        {result?.delivery ? (
          <Layout.Section>
            <Banner tone={result.delivery.status === 200 ? "success" : "critical"} title={`Webhook ${result.delivery.topic} delivered: Kudos answered ${result.delivery.status || "nothing (unreachable)"}`}>
              {result.delivery.error ? <p>{result.delivery.error}</p> : <p>Kudos stored the event and processes it in the background.</p>}
            </Banner>
          </Layout.Section>
        ) : null}
        {result?.message ? (
          <Layout.Section>
            <Banner tone="critical">{result.message}</Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Jobs
              </Text>
              {jobs.length === 0 ? (
                <Text as="p" tone="subdued">
                  No jobs yet.
                </Text>
              ) : (
                <BlockStack as="ul" gap="300">
                  {jobs.map((job) => (
                    <Box as="li" key={job.id} paddingBlockStart="200" borderBlockStartWidth="025" borderColor="border">
                      <InlineStack align="space-between" blockAlign="center" gap="300">
                        <BlockStack gap="100">
                          <Text as="h3" variant="bodyMd" fontWeight="semibold">
                            {job.title}
                            {job.serviceType ? ` · ${job.serviceType}` : ""}
                          </Text>
                          <Text as="p" tone="subdued">
                            {job.customer} {job.contact ? `(${job.contact})` : ""} · {job.id}
                          </Text>
                          <InlineStack gap="200">
                            <Badge tone={job.status === "completed" ? "success" : job.status === "cancelled" ? "critical" : "info"}>{job.status}</Badge>
                            <DeliveryBadge delivery={job.lastDelivery} />
                          </InlineStack>
                        </BlockStack>
                        {job.status === "scheduled" ? (
                          <InlineStack gap="200">
                            <Form method="post">
                              <input type="hidden" name="intent" value="complete" />
                              <input type="hidden" name="jobId" value={job.id} />
                              <Button submit variant="primary" disabled={busy}>
                                Mark completed
                              </Button>
                            </Form>
                            <Form method="post">
                              <input type="hidden" name="intent" value="cancel" />
                              <input type="hidden" name="jobId" value={job.id} />
                              <Button submit tone="critical" disabled={busy}>
                                Cancel job
                              </Button>
                            </Form>
                          </InlineStack>
                        ) : job.status === "completed" ? (
                          <Form method="post">
                            <input type="hidden" name="intent" value="cancel" />
                            <input type="hidden" name="jobId" value={job.id} />
                            <Button submit variant="plain" tone="critical" disabled={busy}>
                              Cancel job
                            </Button>
                          </Form>
                        ) : null}
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
                  New job
                </Text>
                <FormLayout.Group>
                  <TextField label="First name" {...field("firstName")} error={errors["customer.firstName"]} />
                  <TextField label="Last name" {...field("lastName")} error={errors["customer.lastName"]} />
                </FormLayout.Group>
                <TextField label="Email" type="email" {...field("email")} error={errors["customer.email"]} />
                <TextField label="Phone" type="tel" {...field("phone")} error={errors["customer.phone"]} helpText="E.164, e.g. +13055550142" />
                <TextField label="Service type" {...field("serviceType")} error={errors.serviceType} />
                <TextField label="Job title" {...field("title")} error={errors.title} placeholder="Spring cleanup" />
                <Checkbox label="Completed" name="completed" value="true" checked={completed} onChange={setCompleted} helpText="Completing a job sends job.completed to Kudos." />
                <Button submit variant="primary" loading={busy}>
                  Create job
                </Button>
              </FormLayout>
            </Form>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
