// The analytics page, shared by /app/analytics (every campaign) and /app/analytics/$campaignId.
// Every number is also in a table, so the charts are a convenience, never the only way to read
// them (screen readers, and the server render, where the charts are not drawn).
import { useNavigate, useSearchParams } from "@remix-run/react";
import {
  BlockStack,
  Box,
  Button,
  Card,
  DataTable,
  EmptyState,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import { EMPTY_STATE_IMAGE } from "~/admin/illustration";
import { channelLabel, stopReasonLabel } from "~/admin/labels";
import type { Analytics, FunnelCounts } from "../analytics.server";
import type { AnalyticsPageData } from "../page.server";
import { FunnelChart, ClickRateChart } from "./charts";
import { formatAverage, formatCount, formatRate, serviceTypeLabel } from "./format";

const RANGE_OPTIONS = [
  { label: "Last 7 days", value: "7d" },
  { label: "Last 30 days", value: "30d" },
  { label: "Last 90 days", value: "90d" },
  { label: "All time", value: "all" },
  { label: "Custom dates…", value: "custom" },
];

/** YYYY-MM-DD shifted by whole days (calendar arithmetic, no timezone involved). */
function shiftDay(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function useAnalyticsNavigation(data: AnalyticsPageData) {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return (change: { campaignId?: string | null; range?: Record<string, string> }) => {
    const next = new URLSearchParams(params);
    if (change.range) {
      for (const key of ["range", "from", "to"]) next.delete(key);
      for (const [k, v] of Object.entries(change.range)) next.set(k, v);
    }
    const campaignId = change.campaignId === undefined ? (data.campaign?.id ?? null) : change.campaignId;
    const path = campaignId ? `/app/analytics/${campaignId}` : "/app/analytics";
    const query = next.toString();
    navigate(query ? `${path}?${query}` : path);
  };
}

function Filters({ data }: { data: AnalyticsPageData }) {
  const go = useAnalyticsNavigation(data);
  const [choice, setChoice] = useState<string>(data.range.key);
  // The page's `to` is exclusive; people pick the last day they want included.
  const [from, setFrom] = useState(data.range.from ?? "");
  const [through, setThrough] = useState(data.range.to ? shiftDay(data.range.to, -1) : "");
  const customValid = /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(through) && through >= from;

  const campaignOptions = [
    { label: "All campaigns", value: "" },
    ...data.campaigns.map((c) => ({ label: c.status === "active" ? c.name : `${c.name} (${c.status})`, value: c.id })),
  ];
  return (
    <Card>
      <BlockStack gap="300">
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="300">
          <Select
            label="Date range"
            options={RANGE_OPTIONS}
            value={choice}
            onChange={(value) => {
              setChoice(value);
              if (value !== "custom") go({ range: { range: value } });
            }}
          />
          <Select
            label="Campaign"
            options={campaignOptions}
            value={data.campaign?.id ?? ""}
            onChange={(value) => go({ campaignId: value || null })}
          />
        </InlineGrid>
        {choice === "custom" ? (
          <InlineStack gap="300" blockAlign="end">
            <TextField label="From" type="date" autoComplete="off" value={from} onChange={setFrom} />
            <TextField
              label="Through"
              type="date"
              autoComplete="off"
              value={through}
              onChange={setThrough}
              error={from && through && through < from ? "Must be on or after the first day" : undefined}
            />
            <Button disabled={!customValid} onClick={() => go({ range: { from, to: shiftDay(through, 1) } })}>
              Apply
            </Button>
          </InlineStack>
        ) : null}
        <Text as="p" tone="subdued">
          Enrollments enrolled {data.range.key === "all" ? "at any time" : data.range.label.startsWith("Last") ? `in the ${data.range.label.toLowerCase()}` : `from ${data.range.label}`}, in your
          business&apos;s timezone.
        </Text>
      </BlockStack>
    </Card>
  );
}

function SummaryCard({ title, value, detail }: { title: string; value: string; detail?: string }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h3" variant="headingSm" tone="subdued">
          {title}
        </Text>
        <Text as="p" variant="headingXl">
          {value}
        </Text>
        {detail ? (
          <Text as="p" tone="subdued">
            {detail}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}

function Summary({ a }: { a: Analytics }) {
  const e = a.enrollments;
  return (
    <InlineGrid columns={{ xs: 1, sm: 2, lg: 4 }} gap="400">
      <SummaryCard
        title="Enrollments"
        value={formatCount(e.total)}
        detail={`${formatCount(e.active)} active · ${formatCount(e.completed)} completed · ${formatCount(e.stopped)} stopped`}
      />
      <SummaryCard title="Messages sent" value={formatCount(a.funnel.total.sent)} detail={`${formatCount(a.funnel.total.delivered)} confirmed delivered`} />
      <SummaryCard
        title="Review link clicks"
        value={formatCount(a.funnel.total.clicked)}
        detail={`${formatRate(a.funnel.total.clickRate)} of messages sent`}
      />
      <SummaryCard
        title="Average touches until stop"
        value={formatAverage(a.avgTouchesUntilStop.ended)}
        detail="Messages sent per finished enrollment"
      />
    </InlineGrid>
  );
}

const FUNNEL_HEADINGS = ["Scheduled", "Pending", "Sent", "Delivered", "Clicked", "Click rate", "Skipped", "Failed", "Cancelled"];

function funnelCells(c: FunnelCounts): string[] {
  return [
    formatCount(c.scheduled),
    formatCount(c.pending),
    formatCount(c.sent),
    formatCount(c.delivered),
    formatCount(c.clicked),
    formatRate(c.clickRate),
    formatCount(c.skipped),
    formatCount(c.failed),
    formatCount(c.cancelled),
  ];
}

function FunnelTables({ a }: { a: Analytics }) {
  const numeric = FUNNEL_HEADINGS.map(() => "numeric" as const);
  return (
    <Card padding="0">
      <Box padding="400" paddingBlockEnd="0">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            Touches
          </Text>
          <Text as="p" tone="subdued">
            Delivered counts confirmed deliveries; a click is a follow of the review link. Click rate is clicks per message
            sent.
          </Text>
        </BlockStack>
      </Box>
      <DataTable
        columnContentTypes={["text", ...numeric]}
        headings={["Touch", ...FUNNEL_HEADINGS]}
        rows={a.funnel.byPosition.map((p) => [`Touch ${p.position}`, ...funnelCells(p)])}
        totals={["", ...funnelCells(a.funnel.total)]}
        showTotalsInFooter
        totalsName={{ singular: "All touches", plural: "All touches" }}
      />
      <DataTable
        columnContentTypes={["text", ...numeric]}
        headings={["Channel", ...FUNNEL_HEADINGS]}
        rows={a.funnel.byChannel.map((c) => [channelLabel(c.channel), ...funnelCells(c)])}
      />
    </Card>
  );
}

function StopReasons({ a }: { a: Analytics }) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          How enrollments ended
        </Text>
        <DataTable
          columnContentTypes={["text", "numeric", "numeric"]}
          headings={["Outcome", "Enrollments", "Avg. touches sent"]}
          rows={[
            ["Still running", formatCount(a.enrollments.active), "—"],
            ["Completed every touch", formatCount(a.enrollments.completed), formatAverage(a.avgTouchesUntilStop.completed)],
            ["Stopped", formatCount(a.enrollments.stopped), formatAverage(a.avgTouchesUntilStop.stopped)],
          ]}
        />
        <Text as="h3" variant="headingSm">
          Stop reasons
        </Text>
        {a.stopReasons.length === 0 ? (
          <Text as="p" tone="subdued">
            No enrollment has stopped in this period.
          </Text>
        ) : (
          <DataTable
            columnContentTypes={["text", "numeric", "numeric"]}
            headings={["Reason", "Enrollments", "Avg. touches sent"]}
            rows={a.stopReasons.map((r) => [
              stopReasonLabel(r.reason).replace(/^./, (ch) => ch.toUpperCase()),
              formatCount(r.enrollments),
              formatAverage(r.avgTouchesUntilStop),
            ])}
          />
        )}
      </BlockStack>
    </Card>
  );
}

function ServiceTypes({ a }: { a: Analytics }) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          By service type
        </Text>
        <DataTable
          columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric"]}
          headings={["Service type", "Enrollments", "Messages sent", "Clicks", "Click rate"]}
          rows={a.serviceTypes.map((s) => [
            serviceTypeLabel(s.serviceType),
            formatCount(s.enrollments),
            formatCount(s.sent),
            formatCount(s.clicked),
            formatRate(s.clickRate),
          ])}
        />
      </BlockStack>
    </Card>
  );
}

export function AnalyticsPage({ data }: { data: AnalyticsPageData }) {
  const go = useAnalyticsNavigation(data);
  const a = data.analytics;
  const title = data.campaign ? `Analytics: ${data.campaign.name}` : "Analytics";
  return (
    <Page
      title={title}
      subtitle={`${data.range.label}${data.campaign ? "" : " · all campaigns"}`}
      backAction={data.campaign ? { content: "All campaigns", onAction: () => go({ campaignId: null }) } : undefined}
    >
      <Layout>
        <Layout.Section>
          <Filters key={`${data.range.key}:${data.range.from}:${data.range.to}`} data={data} />
        </Layout.Section>
        {a.enrollments.total === 0 ? (
          <Layout.Section>
            <Card>
              <EmptyState
                heading="No review requests in this period"
                image={EMPTY_STATE_IMAGE}
                action={data.range.key === "all" ? undefined : { content: "Show all time", onAction: () => go({ range: { range: "all" } }) }}
              >
                <p>
                  {data.range.key === "all"
                    ? "Numbers appear here once customers are enrolled after their completed jobs."
                    : "No customer was enrolled in these dates. Try a longer range."}
                </p>
              </EmptyState>
            </Card>
          </Layout.Section>
        ) : (
          <>
            <Layout.Section>
              <Summary a={a} />
            </Layout.Section>
            <Layout.Section>
              <InlineGrid columns={{ xs: 1, lg: 2 }} gap="400">
                <Card>
                  <BlockStack gap="300">
                    <Text as="h2" variant="headingMd">
                      Funnel by touch
                    </Text>
                    <FunnelChart byPosition={a.funnel.byPosition} />
                  </BlockStack>
                </Card>
                <Card>
                  <BlockStack gap="300">
                    <Text as="h2" variant="headingMd">
                      Review-link click rate
                    </Text>
                    <ClickRateChart byPosition={a.funnel.byPosition} byChannel={a.funnel.byChannel} />
                  </BlockStack>
                </Card>
              </InlineGrid>
            </Layout.Section>
            <Layout.Section>
              <FunnelTables a={a} />
            </Layout.Section>
            <Layout.Section variant="oneHalf">
              <StopReasons a={a} />
            </Layout.Section>
            <Layout.Section variant="oneHalf">
              <ServiceTypes a={a} />
            </Layout.Section>
          </>
        )}
      </Layout>
    </Page>
  );
}
