// A job's review requests on the jobs page: each touch once, with one badge for what happened last
// and a line saying when (the real send time for one still to go) and why.
import { Badge, BlockStack, InlineStack, Text } from "@shopify/polaris";
import type { BadgeTone } from "~/admin/labels";

export interface JobTouchRow {
  position: number;
  /** "Email", "SMS". */
  channelLabel: string;
  badge: { label: string; tone?: BadgeTone };
  /** "Sends Jan 6, 8:00 AM (after quiet hours)", "Jan 6, 10:00 AM". */
  when: string | null;
  /** Why it was skipped, failed or not sent, in plain words. */
  note: string | null;
}

export function JobTouches({ touches }: { touches: JobTouchRow[] }) {
  if (touches.length === 0) {
    return (
      <Text as="span" tone="subdued">
        —
      </Text>
    );
  }
  return (
    <BlockStack gap="200">
      {touches.map((t) => (
        <BlockStack key={t.position} gap="025">
          <InlineStack gap="100" blockAlign="center">
            <Text as="span" variant="bodySm">
              {t.position}. {t.channelLabel}
            </Text>
            <Badge size="small" tone={t.badge.tone}>
              {t.badge.label}
            </Badge>
          </InlineStack>
          {t.when || t.note ? (
            <Text as="span" variant="bodySm" tone="subdued" breakWord>
              {[t.when, t.note].filter(Boolean).join(" · ")}
            </Text>
          ) : null}
        </BlockStack>
      ))}
    </BlockStack>
  );
}
