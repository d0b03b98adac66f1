// The three system presets side by side; "Use this template" copies one into the business (the
// preset picker route's action) and opens the copy in the editor.
import { Form, useNavigation } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, InlineGrid, InlineStack, Text } from "@shopify/polaris";
import { channelLabel, delayLabel } from "../labels";

export interface PresetCard {
  id: string;
  name: string;
  description: string | null;
  summary: string;
  touches: { position: number; channel: string; delayHours: number; templateName: string }[];
}

export const PRESET_ACTION = "/app/campaigns/new";

export function PresetPicker({ presets }: { presets: PresetCard[] }) {
  const navigation = useNavigation();
  const submitting = navigation.state !== "idle" && navigation.formAction === PRESET_ACTION;
  const chosen = submitting ? navigation.formData?.get("presetId") : null;
  return (
    <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
      {presets.map((p) => (
        <Card key={p.id}>
          <BlockStack gap="300">
            <InlineStack align="space-between" blockAlign="center">
              <Text as="h3" variant="headingMd">
                {p.name}
              </Text>
              {p.name === "Standard" ? <Badge tone="info">Recommended</Badge> : null}
            </InlineStack>
            {p.description ? (
              <Text as="p" tone="subdued">
                {p.description}
              </Text>
            ) : null}
            <Box>
              <Text as="p" fontWeight="semibold">
                {p.summary}
              </Text>
            </Box>
            <ol style={{ margin: 0, paddingInlineStart: "1.25rem" }}>
              {p.touches.map((t) => (
                <li key={t.position}>
                  <Text as="span">
                    {channelLabel(t.channel)} {t.position === 1 ? "" : "+"}
                    {delayLabel(t.delayHours)}
                    {t.position === 1 ? " after the job" : " later"}
                  </Text>{" "}
                  <Text as="span" tone="subdued">
                    ({t.templateName})
                  </Text>
                </li>
              ))}
            </ol>
            <Form method="post" action={PRESET_ACTION}>
              <input type="hidden" name="presetId" value={p.id} />
              <InlineStack gap="200">
                <Button
                  submit
                  variant="primary"
                  loading={chosen === p.id}
                  disabled={submitting}
                  accessibilityLabel={`Use the ${p.name} preset`}
                >
                  Use this template
                </Button>
                <Button url={`/app/campaigns/${p.id}`} accessibilityLabel={`View the ${p.name} preset`}>
                  View
                </Button>
              </InlineStack>
            </Form>
          </BlockStack>
        </Card>
      ))}
    </InlineGrid>
  );
}
