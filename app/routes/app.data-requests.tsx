// Data requests: the customers.data_request webhooks the platform sent, each answered with an
// export of what Kudos held about the customer, kept (encrypted) for 30 days. The merchant
// downloads the JSON to pass on to the customer; the first download marks it delivered.
// The download is a POST to app.data-requests.$id.download.ts, fetched by the page (the embedded
// admin authenticates every request through fetch, which a plain link could not).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import {
  Badge,
  Banner,
  Button,
  Card,
  EmptyState,
  IndexTable,
  Layout,
  Page,
  Text,
  useBreakpoints,
} from "@shopify/polaris";
import { useState } from "react";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { EMPTY_STATE_IMAGE } from "~/admin/illustration";
import { useToast } from "~/admin/toast";
import { requireAdmin } from "~/auth/require-admin.server";
import { DATA_EXPORT_TTL_DAYS, listDataRequests } from "~/hosts/data-exports.server";
import { getServices } from "~/services.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const requests = await listDataRequests(getServices().domain, business.id);
  const fmt = new Intl.DateTimeFormat("en-US", { timeZone: business.timezone, month: "short", day: "numeric", year: "numeric", hour: "numeric", minute: "2-digit" });
  const day = new Intl.DateTimeFormat("en-US", { timeZone: business.timezone, month: "short", day: "numeric", year: "numeric" });
  return {
    ttlDays: DATA_EXPORT_TTL_DAYS,
    requests: requests.map((r) => ({
      id: r.id,
      hostCustomerId: r.hostCustomerId,
      customerName: r.customerName,
      found: r.found,
      requestedLabel: fmt.format(r.requestedAt),
      expiresLabel: day.format(r.expiresAt),
      deliveredLabel: r.deliveredAt ? fmt.format(r.deliveredAt) : null,
    })),
  };
}

type Row = Awaited<ReturnType<typeof loader>>["requests"][number];

/** Fetches the export (marking it delivered) and hands it to the browser as a file. */
async function download(id: string): Promise<void> {
  const res = await fetch(`/app/data-requests/${id}/download`, { method: "POST" });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `Download failed (${res.status})`);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ?? "kudos-data-request.json";
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function DownloadButton({ row }: { row: Row }) {
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  const revalidator = useRevalidator();
  return (
    <Button
      variant={row.deliveredLabel ? "secondary" : "primary"}
      loading={busy}
      accessibilityLabel={`Download the data of customer ${row.hostCustomerId}`}
      onClick={() => {
        setBusy(true);
        download(row.id)
          .then(() => revalidator.revalidate())
          .catch((err: unknown) => toast.show(err instanceof Error ? err.message : "Download failed", { error: true }))
          .finally(() => setBusy(false));
      }}
    >
      Download JSON
    </Button>
  );
}

export default function DataRequests() {
  // On a phone the table becomes a list: no sideways scrolling.
  const { smDown } = useBreakpoints();
  const { requests, ttlDays } = useLoaderData<typeof loader>();
  const pending = requests.filter((r) => !r.deliveredLabel).length;
  return (
    <Page
      title="Data requests"
      subtitle={`Customers who asked your platform for the data held about them. Each answer is kept for ${ttlDays} days.`}
    >
      <Layout>
        {pending > 0 ? (
          <Layout.Section>
            <Banner tone="warning" title={`${pending} ${pending === 1 ? "request is" : "requests are"} waiting`}>
              <p>Download each file and send it to the customer: it holds everything Kudos had about them when they asked.</p>
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          {requests.length === 0 ? (
            <Card>
              <EmptyState heading="No data requests" image={EMPTY_STATE_IMAGE}>
                <p>When a customer asks your platform for their data, Kudos prepares its part here.</p>
              </EmptyState>
            </Card>
          ) : (
            <Card padding="0">
              <IndexTable
                condensed={smDown}
                resourceName={{ singular: "data request", plural: "data requests" }}
                itemCount={requests.length}
                selectable={false}
                headings={[{ title: "Customer" }, { title: "Requested" }, { title: "Status" }, { title: "Available until" }, { title: "Actions", hidden: true }]}
              >
                {requests.map((r, index) => (
                  <IndexTable.Row id={r.id} key={r.id} position={index}>
                    <IndexTable.Cell>
                      <Text as="span" fontWeight="semibold">
                        {r.customerName ?? "Customer"}
                      </Text>{" "}
                      <Text as="span" tone="subdued">
                        #{r.hostCustomerId}
                      </Text>
                    </IndexTable.Cell>
                    <IndexTable.Cell>{r.requestedLabel}</IndexTable.Cell>
                    <IndexTable.Cell>
                      {r.deliveredLabel ? (
                        <Badge tone="success">{`Downloaded ${r.deliveredLabel}`}</Badge>
                      ) : (
                        <Badge tone="attention">Waiting</Badge>
                      )}
                      {!r.found ? (
                        <Text as="span" tone="subdued">
                          {" "}
                          No data held
                        </Text>
                      ) : null}
                    </IndexTable.Cell>
                    <IndexTable.Cell>{r.expiresLabel}</IndexTable.Cell>
                    <IndexTable.Cell>
                      <DownloadButton row={r} />
                    </IndexTable.Cell>
                  </IndexTable.Row>
                ))}
              </IndexTable>
            </Card>
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
