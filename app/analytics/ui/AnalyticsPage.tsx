// The analytics page, shared by /app/analytics (every campaign) and /app/analytics/$campaignId.
// Every number is also in a table, so the charts are a convenience, never the only way to read
// them (screen readers, and the server render, where the charts are not drawn). Every number has
// a plain name and a one-line explanation (./labels.ts); rates are percentages on a 0–100 scale;
// "Delivered" appears only where the business's transport can confirm deliveries.
import { useNavigate, useSearchParams } from "@remix-run/react";
import {
  BlockStack,
  Box,
  Button,
  Card,
  Collapsible,
  EmptyState,
  InlineGrid,
  InlineStack,
  Layout,
  List,
  Page,
  ProgressBar,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useId, useState } from "react";
import { EMPTY_STATE_IMAGE } from "~/admin/illustration";
import { channelLabel, stopReasonLabel } from "~/admin/labels";
import type { Analytics, FunnelCounts } from "../analytics.server";
import type { DeliveryReporting } from "../delivery.server";
import type { AnalyticsPageData } from "../page.server";
import type { WeeklyTrend } from "../trend.server";
import { FunnelChart, WeeklyTrendChart } from "./charts";
import { formatAverage, formatCount, formatRate, formatWeek, serviceTypeLabel } from "./format";
import { deliveryNote, METRICS, requestLabel, showsDelivered, type Metric, type MetricKey } from "./labels";
import { ResponsiveTable } from "./ResponsiveTable";

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
          Counts the customers who started getting review requests{" "}
          {data.range.key === "all" ? "at any time" : data.range.label.startsWith("Last") ? `in the ${data.range.label.toLowerCase()}` : `from ${data.range.label}`}{" "}
          (days in your business&apos;s time zone), and what happened to their requests since.
        </Text>
      </BlockStack>
    </Card>
  );
}

function SummaryCard({ metric, value, detail }: { metric: Metric; value: string; detail?: string }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h2" variant="headingSm" tone="subdued">
          {metric.label}
        </Text>
        <Text as="p" variant="headingXl">
          {value}
        </Text>
        {detail ? <Text as="p">{detail}</Text> : null}
        <Text as="p" variant="bodySm" tone="subdued">
          {metric.help}
        </Text>
      </BlockStack>
    </Card>
  );
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

function Summary({ a, delivery }: { a: Analytics; delivery: DeliveryReporting }) {
  const e = a.enrollments;
  const t = a.funnel.total;
  return (
    <InlineGrid columns={{ xs: 1, sm: 2, lg: 4 }} gap="400">
      <SummaryCard
        metric={METRICS.customers}
        value={formatCount(e.total)}
        detail={`${formatCount(e.active)} still getting requests · ${formatCount(e.completed)} got them all · ${formatCount(e.stopped)} stopped early`}
      />
      <SummaryCard
        metric={{ label: "Requests sent", help: METRICS.sent.help }}
        value={formatCount(t.sent)}
        detail={showsDelivered(delivery) ? `${formatCount(t.delivered)} confirmed delivered` : undefined}
      />
      <SummaryCard
        metric={METRICS.clickRate}
        value={formatRate(t.clickRate)}
        detail={`${plural(t.clicked, "review-link click", "review-link clicks")} from ${plural(t.sent, "request", "requests")} sent`}
      />
      <SummaryCard metric={METRICS.requestsPerCustomer} value={formatAverage(a.avgTouchesUntilStop.ended)} />
    </InlineGrid>
  );
}

/** The funnel's columns; Delivered only where a transport can confirm deliveries. */
function funnelColumns(delivery: DeliveryReporting): { key: MetricKey; cell: (c: FunnelCounts) => string }[] {
  const count = (key: Exclude<keyof FunnelCounts, "clickRate">) => (c: FunnelCounts) => formatCount(c[key]);
  return [
    { key: "planned", cell: count("scheduled") },
    { key: "waiting", cell: count("pending") },
    { key: "sent", cell: count("sent") },
    ...(showsDelivered(delivery) ? [{ key: "delivered" as const, cell: count("delivered") }] : []),
    { key: "clicked", cell: count("clicked") },
    { key: "clickRate", cell: (c: FunnelCounts) => formatRate(c.clickRate) },
    { key: "skipped", cell: count("skipped") },
    { key: "failed", cell: count("failed") },
    { key: "cancelled", cell: count("cancelled") },
  ];
}

function FunnelTables({ a, delivery }: { a: Analytics; delivery: DeliveryReporting }) {
  const columns = funnelColumns(delivery);
  const headings = columns.map((c) => METRICS[c.key].label);
  const cells = (c: FunnelCounts) => columns.map((col) => col.cell(c));
  // A channel whose deliveries cannot be confirmed shows no Delivered count rather than a 0.
  const channelCells = (c: FunnelCounts & { channel: "email" | "sms" }) =>
    columns.map((col) => (col.key === "delivered" && delivery[c.channel] !== null ? "—" : col.cell(c)));
  return (
    <Card padding="0">
      <Box padding="400" paddingBlockEnd="0">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            What happened to each request
          </Text>
          <Text as="p" tone="subdued">
            A campaign sends a customer up to four requests, one after the other, until they click or it runs out.
          </Text>
        </BlockStack>
      </Box>
      <ResponsiveTable
        headings={["Request", ...headings]}
        rows={a.funnel.byPosition.map((p) => [requestLabel(p.position), ...cells(p)])}
        totals={["", ...cells(a.funnel.total)]}
        totalsName="All requests"
      />
      <ResponsiveTable headings={["Sent as", ...headings]} rows={a.funnel.byChannel.map((c) => [channelLabel(c.channel), ...channelCells(c)])} />
      <Box padding="400">
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            What the columns mean
          </Text>
          <List>
            {columns.map((c) => (
              <List.Item key={c.key}>
                <Text as="span" fontWeight="semibold">
                  {METRICS[c.key].label}:
                </Text>{" "}
                {METRICS[c.key].help}
              </List.Item>
            ))}
          </List>
        </BlockStack>
      </Box>
    </Card>
  );
}

/** Click rates as bars on a fixed 0–100% scale, each with its percentage written out. */
function ClickRates({ a }: { a: Analytics }) {
  const id = useId();
  const rows = [
    ...a.funnel.byPosition.map((p) => ({ key: `p${p.position}`, label: requestLabel(p.position), c: p })),
    ...a.funnel.byChannel.map((c) => ({ key: c.channel, label: c.channel === "sms" ? "Sent as a text" : "Sent as an email", c })),
  ];
  return (
    <BlockStack gap="300">
      {rows.map(({ key, label, c }) => (
        <BlockStack key={key} gap="100">
          <InlineStack align="space-between" gap="200">
            <Text as="span" id={`${id}-${key}`}>
              {label}
            </Text>
            <Text as="span" tone="subdued">
              {c.clickRate === null ? "nothing sent" : `${formatRate(c.clickRate)} · ${formatCount(c.clicked)} of ${formatCount(c.sent)}`}
            </Text>
          </InlineStack>
          <ProgressBar progress={c.clickRate === null ? 0 : Math.min(100, Math.round(c.clickRate * 1000) / 10)} size="small" animated={false} ariaLabelledBy={`${id}-${key}`} />
        </BlockStack>
      ))}
      <Text as="p" variant="bodySm" tone="subdued">
        {METRICS.clickRate.help} A full bar would be every request clicked.
      </Text>
    </BlockStack>
  );
}

function Trend({ trend }: { trend: WeeklyTrend }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const rows = trend.weeks.map((w) => [formatWeek(w.from, w.through), formatCount(w.sent), formatCount(w.clicked), formatRate(w.clickRate)]);
  return (
    <Card>
      <BlockStack gap="300">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd" id={`${id}-title`}>
            Requests sent and clicked, week by week
          </Text>
          <Text as="p" tone="subdued" id={`${id}-help`}>
            Each week counts the customers who started getting requests that week (weeks start on Monday): the requests sent
            to them so far and their review-link clicks. The latest weeks grow while their requests go out.
            {trend.truncated ? ` Showing the last ${trend.weeks.length} weeks of this period.` : ""}
          </Text>
        </BlockStack>
        <WeeklyTrendChart weeks={trend.weeks} labelledBy={`${id}-title`} describedBy={`${id}-help`} />
        <Box>
          <Button variant="plain" onClick={() => setOpen((o) => !o)} ariaExpanded={open} ariaControls={`${id}-table`} disclosure={open ? "up" : "down"}>
            {open ? "Hide the numbers" : "Show the numbers as a table"}
          </Button>
        </Box>
        <Collapsible id={`${id}-table`} open={open}>
          <ResponsiveTable headings={["Week", "Requests sent", "Review-link clicks", METRICS.clickRate.label]} rows={rows} />
        </Collapsible>
      </BlockStack>
    </Card>
  );
}

function StopReasons({ a }: { a: Analytics }) {
  return (
    <Card>
      <BlockStack gap="300">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            Where customers are now
          </Text>
          <Text as="p" tone="subdued">
            Requests per customer: how many requests they got, on average, before their sequence ended.
          </Text>
        </BlockStack>
        <ResponsiveTable
          headings={["Status", "Customers", "Requests per customer"]}
          rows={[
            ["Still getting requests", formatCount(a.enrollments.active), "—"],
            ["Got every request", formatCount(a.enrollments.completed), formatAverage(a.avgTouchesUntilStop.completed)],
            ["Stopped early", formatCount(a.enrollments.stopped), formatAverage(a.avgTouchesUntilStop.stopped)],
          ]}
        />
        <Text as="h3" variant="headingSm">
          Why requests stopped early
        </Text>
        {a.stopReasons.length === 0 ? (
          <Text as="p" tone="subdued">
            No customer&apos;s requests stopped early in this period.
          </Text>
        ) : (
          <ResponsiveTable
            headings={["Reason", "Customers", "Requests per customer"]}
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
          By type of job
        </Text>
        <ResponsiveTable
          headings={["Type of job", "Customers", "Requests sent", "Review-link clicks", METRICS.clickRate.label]}
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
  const funnelTitleId = useId();
  const a = data.analytics;
  const note = deliveryNote(data.delivery);
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
                    ? "Numbers appear here once customers start getting review requests after their completed jobs."
                    : "No customer started getting review requests in these dates. Try a longer range."}
                </p>
              </EmptyState>
            </Card>
          </Layout.Section>
        ) : (
          <>
            <Layout.Section>
              <BlockStack gap="200">
                <Summary a={a} delivery={data.delivery} />
                {note ? (
                  <Text as="p" variant="bodySm" tone="subdued">
                    {note}
                  </Text>
                ) : null}
              </BlockStack>
            </Layout.Section>
            <Layout.Section>
              <Trend trend={data.trend} />
            </Layout.Section>
            <Layout.Section>
              <InlineGrid columns={{ xs: 1, lg: 2 }} gap="400">
                <Card>
                  <BlockStack gap="300">
                    <Text as="h2" variant="headingMd" id={funnelTitleId}>
                      Requests by place in the sequence
                    </Text>
                    <FunnelChart byPosition={a.funnel.byPosition} showDelivered={showsDelivered(data.delivery)} labelledBy={funnelTitleId} />
                  </BlockStack>
                </Card>
                <Card>
                  <BlockStack gap="300">
                    <Text as="h2" variant="headingMd">
                      Click rate
                    </Text>
                    <ClickRates a={a} />
                  </BlockStack>
                </Card>
              </InlineGrid>
            </Layout.Section>
            <Layout.Section>
              <FunnelTables a={a} delivery={data.delivery} />
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
