// Outbox: without Resend/Twilio keys, messages are stored instead of sent; this page shows this
// business's, 25 a page, newest first, searchable by recipient (?recipient=, ?page=). Each message
// is one line (subject or "Text message", recipient, time) until opened: then the email as the
// customer would see it (its HTML in a sandboxed frame) or the SMS as a bubble; the technical
// headers (List-Unsubscribe, idempotency key, tags) are behind a further "Details" disclosure.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Collapsible, EmptyState, InlineStack, Layout, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { PagePagination } from "~/admin/components/PagePagination";
import { SmsBubble } from "~/admin/components/SmsBubble";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { NO_STORE } from "~/admin/http.server";
import { EMPTY_STATE_IMAGE } from "~/admin/illustration";
import { loadOutboxPage, parseOutboxQuery, RECIPIENT_SEARCH_MAX, type OutboxMessageView } from "~/admin/outbox.server";
import { requireAdmin } from "~/auth/require-admin.server";
import { OUTBOX_PROVIDER } from "~/engine/transports/outbox.server";
import { DomainError, errorBody } from "~/lib/errors.server";
import { getServices } from "~/services.server";

export const meta: MetaFunction = () => [{ title: "Outbox · Kudos" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const { database, processor } = getServices();
  let query;
  try {
    query = parseOutboxQuery(new URL(request.url).searchParams);
  } catch (err) {
    if (err instanceof DomainError) throw Response.json(errorBody(err), { status: err.status, headers: NO_STORE });
    throw err;
  }
  const page = await loadOutboxPage(database.prisma, business, query);
  // The transports the processor uses for this business (the sandbox's: always the outbox).
  const transports = processor.hostTransports?.[business.host] ?? processor;
  return {
    ...page,
    emailToOutbox: transports.email.provider === OUTBOX_PROVIDER,
    smsToOutbox: transports.sms.provider === OUTBOX_PROVIDER,
  };
}

type Message = OutboxMessageView;

/** A plain link-style toggle for a Collapsible, announced as expanded or collapsed. */
function Disclosure({ open, onToggle, controls, children }: { open: boolean; onToggle: () => void; controls: string; children: string }) {
  return (
    <Button variant="plain" onClick={onToggle} ariaExpanded={open} ariaControls={controls} disclosure={open ? "up" : "down"}>
      {children}
    </Button>
  );
}

function Details({ m }: { m: Message }) {
  const [open, setOpen] = useState(false);
  const rows: [string, string][] = [["Idempotency key", m.details.idempotencyKey], ...m.details.headers, ...m.details.tags.map(([k, v]): [string, string] => [`Tag ${k}`, v])];
  return (
    <BlockStack gap="200">
      <Box>
        <Disclosure open={open} onToggle={() => setOpen((o) => !o)} controls={`details-${m.id}`}>
          {open ? "Hide details" : "Details"}
        </Disclosure>
      </Box>
      <Collapsible id={`details-${m.id}`} open={open}>
        <Box padding="300" background="bg-surface-secondary" borderRadius="200">
          <BlockStack gap="100">
            {rows.map(([name, value]) => (
              <Text as="p" variant="bodySm" key={name} breakWord>
                <Text as="span" tone="subdued">
                  {name}:{" "}
                </Text>
                {value}
              </Text>
            ))}
          </BlockStack>
        </Box>
      </Collapsible>
    </BlockStack>
  );
}

function EmailBody({ m }: { m: Message }) {
  const [showText, setShowText] = useState(false);
  return (
    <BlockStack gap="300">
      <BlockStack gap="050">
        <Text as="p" variant="bodySm" breakWord>
          <Text as="span" tone="subdued">From </Text>
          {m.from}
        </Text>
        {m.replyTo ? (
          <Text as="p" variant="bodySm" breakWord>
            <Text as="span" tone="subdued">Reply-To </Text>
            {m.replyTo}
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
        <Disclosure open={showText} onToggle={() => setShowText((s) => !s)} controls={`text-${m.id}`}>
          {showText ? "Hide plain-text part" : "Show plain-text part"}
        </Disclosure>
      </Box>
      <Collapsible id={`text-${m.id}`} open={showText}>
        <Box padding="300" background="bg-surface-secondary" borderRadius="200">
          <pre style={{ margin: 0, whiteSpace: "pre-wrap", overflowWrap: "anywhere", fontFamily: "inherit" }}>{m.text}</pre>
        </Box>
      </Collapsible>
    </BlockStack>
  );
}

function MessageCard({ m }: { m: Message }) {
  const [open, setOpen] = useState(false);
  const email = m.channel === "email";
  const noun = email ? "email" : "text";
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="start" gap="200" wrap>
          <BlockStack gap="100">
            <InlineStack gap="200" blockAlign="center" wrap>
              <Badge tone={email ? "info" : "success"}>{email ? "Email" : "SMS"}</Badge>
              <Text as="h2" variant="headingSm" breakWord>
                {email ? (m.subject ?? "(no subject)") : "Text message"}
              </Text>
            </InlineStack>
            <Text as="p" variant="bodySm" breakWord>
              <Text as="span" tone="subdued">To </Text>
              {m.to}
            </Text>
          </BlockStack>
          <Text as="span" tone="subdued">
            {m.createdLabel}
          </Text>
        </InlineStack>
        <Box>
          <Disclosure open={open} onToggle={() => setOpen((o) => !o)} controls={`message-${m.id}`}>
            {open ? `Hide ${noun}` : `Show ${noun}`}
          </Disclosure>
        </Box>
        <Collapsible id={`message-${m.id}`} open={open}>
          <BlockStack gap="300">
            {email ? (
              <EmailBody m={m} />
            ) : (
              <SmsBubble
                from={m.from}
                body={m.text}
                meta={m.segments != null ? `${m.segments} ${m.segments === 1 ? "segment" : "segments"}` : undefined}
              />
            )}
            <Details m={m} />
          </BlockStack>
        </Collapsible>
      </BlockStack>
    </Card>
  );
}

function Search({ recipient }: { recipient: string | null }) {
  const [value, setValue] = useState(recipient ?? "");
  const navigation = useNavigation();
  return (
    <Card>
      <Form method="get" role="search" aria-label="Search the outbox">
        <InlineStack gap="200" blockAlign="end" wrap>
          <Box minWidth="0" width="100%" maxWidth="28rem">
            <TextField
              label="Search by recipient"
              name="recipient"
              value={value}
              onChange={setValue}
              autoComplete="off"
              placeholder="Email address or phone number"
              maxLength={RECIPIENT_SEARCH_MAX}
              clearButton
              onClearButtonClick={() => setValue("")}
            />
          </Box>
          <Button submit loading={navigation.state === "loading" && navigation.location?.pathname === "/app/outbox"}>
            Search
          </Button>
          {recipient ? (
            <Button url="/app/outbox" variant="plain">
              Show all messages
            </Button>
          ) : null}
        </InlineStack>
      </Form>
    </Card>
  );
}

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

export default function Outbox() {
  const { messages, total, page, pageCount, recipient, emailToOutbox, smsToOutbox } = useLoaderData<typeof loader>();
  const which = emailToOutbox && smsToOutbox ? "Emails and texts" : emailToOutbox ? "Emails" : smsToOutbox ? "Texts" : null;
  const subtitle = recipient
    ? `${count(total, "message", "messages")} to recipients containing “${recipient}”, newest first`
    : `${count(total, "message", "messages")}, newest first`;
  return (
    <Page title="Outbox" subtitle={subtitle}>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Banner tone="info">
              {which
                ? `${which} are not really sent: no email or SMS provider is used for this business, so they are kept here instead.`
                : "Email and SMS providers are configured: new messages are really sent and no longer appear here."}
            </Banner>
            {total > 0 || recipient ? <Search key={recipient ?? ""} recipient={recipient} /> : null}
            {messages.length === 0 ? (
              <Card>
                {total > 0 ? (
                  <EmptyState heading={`There is no page ${page}`} image={EMPTY_STATE_IMAGE} action={{ content: "Go to the first page", url: recipient ? `/app/outbox?recipient=${encodeURIComponent(recipient)}` : "/app/outbox" }}>
                    <p>{`The messages fill ${count(pageCount, "page", "pages")}.`}</p>
                  </EmptyState>
                ) : recipient ? (
                  <EmptyState heading="No messages to that recipient" image={EMPTY_STATE_IMAGE} action={{ content: "Show all messages", url: "/app/outbox" }}>
                    <p>{`No stored message was sent to an address or number containing “${recipient}”.`}</p>
                  </EmptyState>
                ) : (
                  <EmptyState heading="No messages yet" image={EMPTY_STATE_IMAGE}>
                    <p>Review requests appear here when their time comes.</p>
                  </EmptyState>
                )}
              </Card>
            ) : (
              messages.map((m) => <MessageCard key={m.id} m={m} />)
            )}
            {pageCount > 1 ? (
              <PagePagination
                path="/app/outbox"
                page={page}
                hasPrevious={page > 1}
                hasNext={page < pageCount}
                query={recipient ? new URLSearchParams({ recipient }).toString() : undefined}
                label={`Page ${page} of ${pageCount}`}
              />
            ) : null}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
