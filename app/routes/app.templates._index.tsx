// Templates: the business's own and the system ones (read-only, duplicable).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import {
  Badge,
  Card,
  IndexTable,
  Layout,
  Link,
  Page,
  Text,
  useBreakpoints,
} from "@shopify/polaris";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { channelLabel } from "~/admin/labels";
import { requireAdmin } from "~/auth/require-admin.server";
import { listTemplates } from "~/domain/templates.server";
import { getServices } from "~/services.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const templates = await listTemplates(getServices().domain.db, business.id);
  return {
    templates: templates.map((t) => ({
      id: t.id,
      name: t.name,
      channel: t.channel,
      isSystem: t.isSystem,
      subject: t.subject,
      usedBy: t.usedBy.map((u) => u.campaignName),
      updatedAt: t.updatedAt.toISOString(),
    })),
  };
}

export default function Templates() {
  // On a phone the table becomes a list: no sideways scrolling.
  const { smDown } = useBreakpoints();
  const { templates } = useLoaderData<typeof loader>();
  return (
    <Page
      title="Templates"
      subtitle="The messages your campaigns send. System templates can't be changed: duplicate one to make it yours."
      primaryAction={{ content: "New email template", url: "/app/templates/new?channel=email" }}
      secondaryActions={[{ content: "New SMS template", url: "/app/templates/new?channel=sms" }]}
    >
      <Layout>
        <Layout.Section>
          <Card padding="0">
            <IndexTable
              condensed={smDown}
              resourceName={{ singular: "template", plural: "templates" }}
              itemCount={templates.length}
              selectable={false}
              headings={[{ title: "Name" }, { title: "Channel" }, { title: "Type" }, { title: "Used by" }]}
            >
              {templates.map((t, index) => (
                <IndexTable.Row id={t.id} key={t.id} position={index}>
                  <IndexTable.Cell>
                    <Link url={`/app/templates/${t.id}`} removeUnderline>
                      <Text as="span" fontWeight="semibold">
                        {t.name}
                      </Text>
                    </Link>
                    {t.subject ? (
                      <Text as="p" tone="subdued" truncate>
                        {t.subject}
                      </Text>
                    ) : null}
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Badge>{channelLabel(t.channel)}</Badge>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{t.isSystem ? <Badge tone="info">System</Badge> : "Yours"}</IndexTable.Cell>
                  <IndexTable.Cell>
                    {t.usedBy.length ? t.usedBy.join(", ") : <Text as="span" tone="subdued">Not used</Text>}
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
