// Outbox: without Resend/Twilio keys, messages are stored instead of sent; this page shows this
// business's as the customer would see them (email HTML in a sandboxed frame, SMS as a bubble).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Collapsible, EmptyState, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useState } from "react";
import { SmsBubble } from "~/admin/components/SmsBubble";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { EMPTY_STATE_IMAGE } from "~/admin/illustration";
import { emailGoesToOutbox, smsGoesToOutbox } from "~/admin/outbox.server";
import { requireAdmin } from "~/auth/require-admin.server";
import { listOutbox } from "~/engine/transports/index.server";
import { getServices } from "~/services.server";

const OUTBOX_PAGE_LIMIT = 100;

/** Links in the previewed email open in a new tab (the frame itself may not navigate). */
function withBlankTargets(html: string): string {
  return /<head[^>]*>/i.test(html) ? html.replace(/<head([^>]*)>/i, '<head$1><base target="_blank">') : `<base target="_blank">${html}`;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const { database, env } = getServices();
  const entries = await listOutbox(database.prisma, { businessId: business.id, limit: OUTBOX_PAGE_LIMIT });
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: business.timezone,
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  });
  return {
    emailToOutbox: emailGoesToOutbox(env),
    smsToOutbox: smsGoesToOutbox(env),
    messages: entries.map((m) => ({
      id: m.id,
      channel: m.channel,
      to: m.to,
      from: m.from,
      replyTo: m.replyTo,
      subject: m.subject,
      text: m.text,
      html: m.html ? withBlankTargets(m.html) : null,
      segments: m.segments,
      unsubscribe: m.headers["List-Unsubscribe"] ?? null,
      createdLabel: fmt.format(m.createdAt),
    })),
  };
}

type Message = Awaited<ReturnType<typeof loader>>["messages"][number];

function EmailMessage({ m }: { m: Message }) {
  const [showText, setShowText] = useState(false);
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <InlineStack gap="200" blockAlign="center">
            <Badge tone="info">Email</Badge>
            <Text as="h3" variant="headingSm">
              {m.subject ?? "(no subject)"}
            </Text>
          </InlineStack>
          <Text as="span" tone="subdued">
            {m.createdLabel}
          </Text>
        </InlineStack>
        <BlockStack gap="050">
          <Text as="p" variant="bodySm">
            <Text as="span" tone="subdued">From </Text>
            {m.from}
          </Text>
          <Text as="p" variant="bodySm">
            <Text as="span" tone="subdued">To </Text>
            {m.to}
          </Text>
          {m.replyTo ? (
            <Text as="p" variant="bodySm">
              <Text as="span" tone="subdued">Reply-To </Text>
              {m.replyTo}
            </Text>
          ) : null}
          {m.unsubscribe ? (
            <Text as="p" variant="bodySm" tone="subdued">
              List-Unsubscribe {m.unsubscribe}
            </Text>
          ) : null}
        </BlockStack>
        {m.html ? (
          <iframe
            title={`Email to ${m.to}: ${m.subject ?? ""}`}
            // No scripts, no same-origin access; links may open in a new tab.
            sandbox="allow-popups allow-popups-to-escape-sandbox"
            srcDoc={m.html}
            style={{ width: "100%", height: 480, border: "1px solid var(--p-color-border)", borderRadius: 8, background: "#fff" }}
          />
        ) : null}
        <Box>
          <Button
            variant="plain"
            onClick={() => setShowText((s) => !s)}
            ariaExpanded={showText}
            ariaControls={`text-${m.id}`}
            disclosure={showText ? "up" : "down"}
          >
            {showText ? "Hide plain-text part" : "Show plain-text part"}
          </Button>
        </Box>
        <Collapsible id={`text-${m.id}`} open={showText}>
          <Box padding="300" background="bg-surface-secondary" borderRadius="200">
            <pre style={{ margin: 0, whiteSpace: "pre-wrap", overflowWrap: "anywhere", fontFamily: "inherit" }}>{m.text}</pre>
          </Box>
        </Collapsible>
      </BlockStack>
    </Card>
  );
}

function SmsMessage({ m }: { m: Message }) {
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <InlineStack gap="200" blockAlign="center">
            <Badge tone="success">SMS</Badge>
            <Text as="h3" variant="headingSm">
              To {m.to}
            </Text>
          </InlineStack>
          <Text as="span" tone="subdued">
            {m.createdLabel}
          </Text>
        </InlineStack>
        <SmsBubble
          from={m.from}
          body={m.text}
          meta={m.segments != null ? `${m.segments} ${m.segments === 1 ? "segment" : "segments"}` : undefined}
        />
      </BlockStack>
    </Card>
  );
}

export default function Outbox() {
  const { messages, emailToOutbox, smsToOutbox } = useLoaderData<typeof loader>();
  const which = emailToOutbox && smsToOutbox ? "Emails and texts" : emailToOutbox ? "Emails" : smsToOutbox ? "Texts" : null;
  return (
    <Page title="Outbox" subtitle={`The latest ${OUTBOX_PAGE_LIMIT} messages, newest first.`}>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Banner tone="info">
              {which
                ? `${which} are not really sent: no email or SMS provider is configured, so they are kept here instead.`
                : "Email and SMS providers are configured: new messages are really sent and no longer appear here."}
            </Banner>
            {messages.length === 0 ? (
              <Card>
                <EmptyState heading="No messages yet" image={EMPTY_STATE_IMAGE}>
                  <p>Review requests appear here when their time comes.</p>
                </EmptyState>
              </Card>
            ) : (
              messages.map((m) => (m.channel === "email" ? <EmailMessage key={m.id} m={m} /> : <SmsMessage key={m.id} m={m} />))
            )}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
