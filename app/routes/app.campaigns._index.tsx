// Campaigns (/app/campaigns): the business's campaigns with status, touches and live enrollment
// counts; pausing (which stops the campaign's active enrollments) asks for confirmation first.
// (It was /app until the Home took that place; what waits elsewhere is on the Home now.)
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Button,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Layout,
  Link,
  Modal,
  Page,
  Text,
  useBreakpoints,
} from "@shopify/polaris";
import { useCallback, useEffect, useState } from "react";
import { z } from "zod";
import { campaignRow, enrollmentCountsByCampaign, presetCards } from "~/admin/campaigns-view.server";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { PresetPicker } from "~/admin/components/PresetPicker";
import {
  BAD_FORM_MESSAGE,
  domainFailure,
  failure,
  parseForm,
  readForm,
  success,
  type ActionResult,
} from "~/admin/http.server";
import { EMPTY_STATE_IMAGE } from "~/admin/illustration";
import { useResultToast } from "~/admin/toast";
import { requireAdmin } from "~/auth/require-admin.server";
import { listCampaigns, pauseCampaign, resumeCampaign } from "~/domain/campaigns.server";
import { getServices } from "~/services.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const { db } = getServices().domain;
  const [campaigns, counts] = await Promise.all([listCampaigns(db, business.id), enrollmentCountsByCampaign(db, business.id)]);
  return {
    campaigns: campaigns.map((c) => ({
      ...campaignRow(c),
      counts: counts.get(c.id) ?? { active: 0, completed: 0, stopped: 0 },
    })),
    // The empty state offers the presets right away.
    presets: campaigns.length === 0 ? await presetCards(db) : [],
  };
}

const toggleSchema = z.object({
  intent: z.enum(["pause", "resume"], { error: "must be pause or resume" }),
  campaignId: z.string({ error: "is required" }).uuid("must be a campaign id"),
});

export async function action({ request }: ActionFunctionArgs) {
  const { business } = await requireAdmin(request);
  const form = await readForm(request);
  if (!form) return failure(400, BAD_FORM_MESSAGE);
  const parsed = parseForm(toggleSchema, form);
  if (!parsed.ok) return parsed.response;
  const deps = getServices().domain;
  const { intent, campaignId } = parsed.data;
  try {
    if (intent === "pause") {
      const { campaign, stoppedEnrollments } = await pauseCampaign(deps, business.id, campaignId);
      return success({
        message:
          stoppedEnrollments > 0
            ? `Paused ${campaign.name}: ${stoppedEnrollments} active ${stoppedEnrollments === 1 ? "enrollment" : "enrollments"} stopped`
            : `Paused ${campaign.name}`,
        stoppedEnrollments,
      });
    }
    const campaign = await resumeCampaign(deps, business.id, campaignId);
    return success({ message: `${campaign.name} is active` });
  } catch (err) {
    return domainFailure(err);
  }
}

type Row = Awaited<ReturnType<typeof loader>>["campaigns"][number];

function StatusToggle({ campaign, onPause }: { campaign: Row; onPause(c: Row): void }) {
  const fetcher = useFetcher<ActionResult>();
  useResultToast(fetcher.data);
  const busy = fetcher.state !== "idle";
  if (campaign.status === "active") {
    return (
      <Button onClick={() => onPause(campaign)} accessibilityLabel={`Pause ${campaign.name}`} disabled={busy}>
        Pause
      </Button>
    );
  }
  return (
    <Button
      variant="primary"
      loading={busy}
      accessibilityLabel={`Activate ${campaign.name}`}
      onClick={() => fetcher.submit({ intent: "resume", campaignId: campaign.id }, { method: "post" })}
    >
      Activate
    </Button>
  );
}

function PauseModal({ campaign, onClose }: { campaign: Row | null; onClose(): void }) {
  const fetcher = useFetcher<ActionResult>();
  useResultToast(fetcher.data);
  const done = fetcher.state === "idle" && fetcher.data !== undefined;
  useEffect(() => {
    if (done && fetcher.data?.ok) onClose();
  }, [done, fetcher.data, onClose]);
  if (!campaign) return null;
  const active = campaign.counts.active;
  return (
    <Modal
      open
      onClose={onClose}
      title={`Pause ${campaign.name}?`}
      primaryAction={{
        content: active > 0 ? `Pause and stop ${active}` : "Pause campaign",
        destructive: true,
        loading: fetcher.state !== "idle",
        onAction: () => fetcher.submit({ intent: "pause", campaignId: campaign.id }, { method: "post" }),
      }}
      secondaryActions={[{ content: "Cancel", onAction: onClose }]}
    >
      <Modal.Section>
        <BlockStack gap="200">
          <Text as="p">
            {active > 0
              ? `${active} active ${active === 1 ? "enrollment" : "enrollments"} will stop: those customers won't get the rest of this campaign's review requests.`
              : "No customer is in this campaign right now."}
          </Text>
          <Text as="p" tone="subdued">
            New completed jobs won&apos;t be enrolled in it until you activate it again.
          </Text>
          {fetcher.data && !fetcher.data.ok ? (
            <Text as="p" tone="critical">
              {fetcher.data.message}
            </Text>
          ) : null}
        </BlockStack>
      </Modal.Section>
    </Modal>
  );
}

export default function Campaigns() {
  // On a phone the table becomes a list: no sideways scrolling.
  const { smDown } = useBreakpoints();
  const { campaigns, presets } = useLoaderData<typeof loader>();
  const [pausing, setPausing] = useState<Row | null>(null);
  const closePause = useCallback(() => setPausing(null), []);

  if (campaigns.length === 0) {
    return (
      <Page title="Campaigns">
        <Layout>
          <Layout.Section>
            <Card>
              <EmptyState
                heading="Start asking for reviews"
                action={{ content: "Choose a preset", url: "/app/campaigns/new" }}
                image={EMPTY_STATE_IMAGE}
              >
                <p>
                  A campaign sends review requests by email and text after each completed job. Start from one of these
                  presets and adjust it to your business.
                </p>
              </EmptyState>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <PresetPicker presets={presets} />
          </Layout.Section>
        </Layout>
      </Page>
    );
  }

  return (
    <Page
      title="Campaigns"
      subtitle="Each completed job is enrolled in the active campaign for its service type, or in the one for all services."
      primaryAction={{ content: "New campaign", url: "/app/campaigns/new" }}
    >
      <Layout>
        <Layout.Section>
          <Card padding="0">
            <IndexTable
              condensed={smDown}
              resourceName={{ singular: "campaign", plural: "campaigns" }}
              itemCount={campaigns.length}
              selectable={false}
              headings={[
                { title: "Campaign" },
                { title: "Service type" },
                { title: "Touches" },
                { title: "Status" },
                { title: "Enrollments" },
                { title: "Actions", hidden: true },
              ]}
            >
              {campaigns.map((c, index) => (
                <IndexTable.Row id={c.id} key={c.id} position={index}>
                  <IndexTable.Cell>
                    <Link url={`/app/campaigns/${c.id}`} removeUnderline>
                      <Text as="span" fontWeight="semibold">
                        {c.name}
                      </Text>
                    </Link>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{c.serviceType ?? "All services"}</IndexTable.Cell>
                  <IndexTable.Cell>{c.summary}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <Badge tone={c.status === "active" ? "success" : undefined}>
                      {c.status === "active" ? "Active" : "Paused"}
                    </Badge>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <InlineStack gap="200" wrap={false}>
                      <Text as="span">{c.counts.active} active</Text>
                      <Text as="span" tone="subdued">
                        {c.counts.completed} completed
                      </Text>
                      <Text as="span" tone="subdued">
                        {c.counts.stopped} stopped
                      </Text>
                    </InlineStack>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <InlineStack align="end">
                      <StatusToggle campaign={c} onPause={setPausing} />
                    </InlineStack>
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
        </Layout.Section>
      </Layout>
      {/* Keyed so each confirmation starts without the previous one's result. */}
      <PauseModal key={pausing?.id ?? "closed"} campaign={pausing} onClose={closePause} />
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
