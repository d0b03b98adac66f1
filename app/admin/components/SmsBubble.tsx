// A text message as it shows on a phone: the sender above a grey bubble.
import { BlockStack, Text } from "@shopify/polaris";

export function SmsBubble({ from, body, meta }: { from: string; body: string; meta?: string }) {
  return (
    <div
      role="group"
      aria-label={`Text message from ${from}`}
      style={{
        maxWidth: 320,
        padding: 12,
        borderRadius: 24,
        border: "1px solid var(--p-color-border)",
        background: "var(--p-color-bg-surface-secondary)",
      }}
    >
      <BlockStack gap="200">
        <Text as="p" alignment="center" tone="subdued" variant="bodySm">
          {from}
        </Text>
        <div
          style={{
            alignSelf: "flex-start",
            maxWidth: "85%",
            padding: "8px 12px",
            borderRadius: "18px 18px 18px 4px",
            background: "#e9e9eb",
            color: "#000",
            whiteSpace: "pre-wrap",
            overflowWrap: "anywhere",
            fontSize: 15,
            lineHeight: 1.35,
          }}
        >
          {body}
        </div>
        {meta ? (
          <Text as="p" tone="subdued" variant="bodySm">
            {meta}
          </Text>
        ) : null}
      </BlockStack>
    </div>
  );
}
