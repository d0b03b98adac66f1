// When each touch would go out for a job completed now (computed on the server: the domain's
// schedule and quiet hours), with the deferral when a time falls outside the sending window; for
// any customer in the business's time zone, or for one of its recent customers in theirs.
import { Badge, BlockStack, Box, Card, InlineStack, Select, Text } from "@shopify/polaris";
import { channelLabel, delayLabel } from "../labels";
import type { PreviewCustomerOption } from "../preview";

export interface TimelineView {
  timezone: string;
  customerName?: string | null;
  timezoneFromCustomer?: boolean;
  completedLabel: string;
  windowLabel: string;
  overrideHours: number | null;
  entries: {
    position: number;
    channel: string;
    delayHours: number;
    overridden: boolean;
    scheduledLabel: string;
    sendLabel: string;
    deferred: boolean;
  }[];
}

export function TimelinePreview({
  timeline,
  serviceType,
  stale,
  customers = [],
  customerId = "",
  onCustomerChange,
}: {
  timeline: TimelineView;
  serviceType: string | null;
  /** The touches being edited have a problem: this is the last valid timeline. */
  stale: boolean;
  /** The business's recent customers the timeline can be shown for. */
  customers?: PreviewCustomerOption[];
  customerId?: string;
  onCustomerChange?(id: string): void;
}) {
  const waiting = customerId !== "" && !timeline.customerName;
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Timeline
        </Text>
        {customers.length && onCustomerChange ? (
          <Select
            label="Timeline for"
            options={[{ label: "Any customer", value: "" }, ...customers.map((c) => ({ label: c.label, value: c.id }))]}
            value={customerId}
            onChange={onCustomerChange}
          />
        ) : null}
        <Text as="p" tone="subdued">
          {timeline.customerName ? `For ${timeline.customerName}, if their job was completed now` : "For a job completed now"} (
          {timeline.completedLabel}), in {timeline.timezone}
          {timeline.customerName ? (timeline.timezoneFromCustomer ? " (their time zone)" : " (yours: theirs is unknown)") : ""}. Messages go out only between {timeline.windowLabel} local time.
        </Text>
        {waiting && !stale ? (
          <Text as="p" tone="subdued">
            Updating the timeline…
          </Text>
        ) : null}
        {stale ? (
          <Text as="p" tone="caution">
            Fix the highlighted delays to update the timeline.
          </Text>
        ) : null}
        <ol style={{ margin: 0, padding: 0, listStyle: "none", opacity: stale ? 0.6 : 1 }} aria-label="Timeline">
          {timeline.entries.map((e) => (
            <li key={e.position}>
              <Box paddingBlockEnd="300">
                <BlockStack gap="100">
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="span" fontWeight="semibold">
                      {e.position}. {channelLabel(e.channel)}
                    </Text>
                    <Text as="span" tone="subdued">
                      +{delayLabel(e.delayHours)}
                    </Text>
                    {e.deferred ? <Badge tone="attention">Quiet hours</Badge> : null}
                  </InlineStack>
                  {e.deferred ? (
                    <>
                      <Text as="p">{e.sendLabel}</Text>
                      <Text as="p" tone="subdued" variant="bodySm">
                        Due {e.scheduledLabel}, in quiet hours: waits for the sending window.
                      </Text>
                    </>
                  ) : (
                    <Text as="p">{e.sendLabel}</Text>
                  )}
                  {e.overridden ? (
                    <Text as="p" tone="subdued">
                      Uses the {serviceType} timing from Settings ({delayLabel(e.delayHours)} after the job).
                    </Text>
                  ) : null}
                </BlockStack>
              </Box>
            </li>
          ))}
        </ol>
      </BlockStack>
    </Card>
  );
}
