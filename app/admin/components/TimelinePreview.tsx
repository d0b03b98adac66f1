// When each touch would go out for a job completed now (computed on the server: the domain's
// schedule and quiet hours), with the deferral when a time falls outside the sending window.
import { Badge, BlockStack, Box, Card, InlineStack, Text } from "@shopify/polaris";
import { channelLabel, delayLabel } from "../labels";

export interface TimelineView {
  timezone: string;
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
}: {
  timeline: TimelineView;
  serviceType: string | null;
  /** The touches being edited have a problem: this is the last valid timeline. */
  stale: boolean;
}) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Timeline
        </Text>
        <Text as="p" tone="subdued">
          For a job completed now ({timeline.completedLabel}), in {timeline.timezone}. Messages go out only between{" "}
          {timeline.windowLabel} local time.
        </Text>
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
