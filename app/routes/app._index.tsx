// Home (/app): the first page after install and the first item of the navigation. Is Kudos
// sending (or why not), how last week and this week went, what goes out next, what needs the
// merchant, and the setup checklist until it is done (app/admin/home.server.ts). The campaign
// list is at /app/campaigns.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  ChoiceList,
  Divider,
  Icon,
  InlineGrid,
  InlineStack,
  Layout,
  Link,
  Modal,
  Page,
  ProgressBar,
  Text,
  TextField,
} from "@shopify/polaris";
import { CheckCircleIcon, ClockIcon } from "@shopify/polaris-icons";
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { z } from "zod";
import { confirmReviewLink, loadHome, type ChecklistKey, type HomeData, type NextSend, type WeekFigures } from "~/admin/home.server";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { BAD_FORM_MESSAGE, domainFailure, failure, parseForm, readForm, success, type ActionResult } from "~/admin/http.server";
import { transportsForBusiness } from "~/admin/send-transports.server";
import { useResultToast, useToast } from "~/admin/toast";
import { requireAdmin } from "~/auth/require-admin.server";
import { getServices } from "~/services.server";

export async function loader({ request }: LoaderFunctionArgs): Promise<HomeData> {
  const { business } = await requireAdmin(request);
  const { database, domain, processor, env } = getServices();
  return loadHome(
    {
      db: domain.db,
      pool: database.pool,
      clock: domain.clock,
      transports: transportsForBusiness(processor, business.host),
      production: env.NODE_ENV === "production",
    },
    business.id,
  );
}

const actionSchema = z.object({
  intent: z.enum(["confirm_review_link"], { error: "must be confirm_review_link" }),
});

export async function action({ request }: ActionFunctionArgs) {
  const { business } = await requireAdmin(request);
  const form = await readForm(request);
  if (!form) return failure(400, BAD_FORM_MESSAGE);
  const parsed = parseForm(actionSchema, form);
  if (!parsed.ok) return parsed.response;
  try {
    await confirmReviewLink(getServices().domain, business.id);
    return success({ message: "Review link confirmed" });
  } catch (err) {
    return domainFailure(err);
  }
}

// --- Status ---------------------------------------------------------------------------------

function StatusCard({ status }: { status: HomeData["status"] }) {
  const badge =
    status.state === "sending" ? (
      <Badge tone="success">Sending</Badge>
    ) : status.state === "test_mode" ? (
      <Badge tone="info">Test mode</Badge>
    ) : (
      <Badge tone="critical">Not sending</Badge>
    );
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack gap="200" blockAlign="center" wrap>
          {badge}
          <Text as="p" variant="bodyLg" fontWeight="semibold">
            {status.headline}
          </Text>
        </InlineStack>
        {status.state === "blocked" && status.activeCampaigns.length > 0 ? (
          <Text as="p" tone="subdued">
            {status.activeCampaigns.length === 1 ? "Active campaign" : "Active campaigns"}: {status.activeCampaigns.join(", ")}
          </Text>
        ) : null}
        {status.reasons.length > 0 ? (
          <BlockStack gap="200">
            {status.reasons.map((r) => (
              <InlineStack key={r.code} gap="200" align="space-between" blockAlign="center" wrap>
                <Text as="p">{r.message.charAt(0).toUpperCase() + r.message.slice(1)}.</Text>
                {r.action ? <Button url={r.action.url}>{r.action.content}</Button> : null}
              </InlineStack>
            ))}
          </BlockStack>
        ) : null}
      </BlockStack>
    </Card>
  );
}

// --- Needs attention -------------------------------------------------------------------------

function NeedsAttention({ attention }: { attention: HomeData["attention"] }) {
  const { failedSends, unreadFeedback, pendingDataRequests } = attention;
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    <BlockStack gap="300">
      <Box paddingInlineStart={{ xs: "400", sm: "0" }}>
        <Text as="h2" variant="headingMd">
          Needs attention
        </Text>
      </Box>
      {failedSends + unreadFeedback + pendingDataRequests === 0 ? (
        <Card>
          <Text as="p" tone="subdued">
            Nothing needs your attention: no failed sends in the last 7 days, no unread feedback, no data requests.
          </Text>
        </Card>
      ) : null}
      {failedSends > 0 ? (
        <Banner
          tone="critical"
          title={`${plural(failedSends, "message", "messages")} failed to send in the last 7 days`}
          action={{ content: "See jobs", url: "/app/jobs" }}
        >
          <p>The provider refused them after retries; the rest of those sequences goes on.</p>
        </Banner>
      ) : null}
      {unreadFeedback > 0 ? (
        <Banner
          tone="info"
          title={`${unreadFeedback} unread ${unreadFeedback === 1 ? "message" : "messages"} from customers`}
          action={{ content: "Read feedback", url: "/app/feedback" }}
        >
          <p>Private feedback customers left on your feedback page.</p>
        </Banner>
      ) : null}
      {pendingDataRequests > 0 ? (
        <Banner
          tone="warning"
          title={`${pendingDataRequests} customer data ${pendingDataRequests === 1 ? "request" : "requests"} to answer`}
          action={{ content: "See data requests", url: "/app/data-requests" }}
        >
          <p>Download the file Kudos prepared and send it to the customer.</p>
        </Banner>
      ) : null}
    </BlockStack>
  );
}

// --- Setup checklist -------------------------------------------------------------------------

function StepRow({ done, title, children, action }: { done: boolean; title: string; children: ReactNode; action: ReactNode }) {
  return (
    <Box paddingBlock="300">
      <InlineStack gap="300" align="space-between" blockAlign="start" wrap>
        <InlineStack gap="300" blockAlign="start" wrap={false}>
          {/* Never shrinks: the label stays on one line next to a long step text. */}
          <div style={{ flex: "none" }}>
            {done ? <Icon source={CheckCircleIcon} tone="success" accessibilityLabel="Done" /> : <Badge tone="attention" progress="incomplete">To do</Badge>}
          </div>
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm" tone={done ? "subdued" : undefined}>
              {title}
            </Text>
            <Text as="p" tone="subdued" breakWord>
              {children}
            </Text>
          </BlockStack>
        </InlineStack>
        {done ? null : action}
      </InlineStack>
    </Box>
  );
}

function ReviewLinkAction({ link }: { link: HomeData["checklist"]["reviewLink"] }) {
  const fetcher = useFetcher<ActionResult>();
  useResultToast(fetcher.data);
  const [opened, setOpened] = useState(false);
  if (!link) return <Button url="/app/settings">Add review link</Button>;
  return (
    <InlineStack gap="200">
      <Button url={link.url} target="_blank" external onClick={() => setOpened(true)}>
        Open review link
      </Button>
      <Button
        variant="primary"
        disabled={!opened}
        loading={fetcher.state !== "idle"}
        onClick={() => fetcher.submit({ intent: "confirm_review_link" }, { method: "post" })}
      >
        It works
      </Button>
    </InlineStack>
  );
}

function SetupChecklist({ checklist, onSendTest }: { checklist: HomeData["checklist"]; onSendTest(): void }) {
  const done = (key: ChecklistKey) => checklist.items.find((i) => i.key === key)?.done ?? false;
  const link = checklist.reviewLink;
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Set up Kudos
          </Text>
          <Text as="p" tone="subdued">
            {checklist.done} of {checklist.total} done
          </Text>
        </InlineStack>
        <ProgressBar progress={(checklist.done / checklist.total) * 100} size="small" tone="success" />
        <BlockStack>
          <StepRow done={done("address")} title="Add your business address" action={<Button url="/app/settings">Add address</Button>}>
            Every email must show your postal address; emails wait until it is set.
          </StepRow>
          <Divider />
          <StepRow done={done("review_link")} title="Check your review link" action={<ReviewLinkAction link={link} />}>
            {link
              ? `Open ${link.url} and make sure it is your review page on ${link.site}, then click “It works”.`
              : "Add the page where customers leave reviews (Google, Yelp…), then open it to check it."}
          </StepRow>
          <Divider />
          <StepRow done={done("test_sent")} title="Send a test to yourself" action={<Button onClick={onSendTest}>Send a test to myself</Button>}>
            See the email or text a customer gets, with your business name and review link.
          </StepRow>
          <Divider />
          <StepRow done={done("campaign")} title="Choose a campaign" action={<Button url="/app/campaigns">Choose a campaign</Button>}>
            An active campaign asks each customer for a review after a completed job.
          </StepRow>
        </BlockStack>
      </BlockStack>
    </Card>
  );
}

// --- Test send -------------------------------------------------------------------------------

interface TestSendAnswer {
  ok: boolean;
  message: string;
  fieldErrors?: Record<string, string>;
}

function TestSendModal({
  open,
  onClose,
  defaults,
  templates,
  testMode,
}: {
  open: boolean;
  onClose(): void;
  defaults: HomeData["testDefaults"];
  templates: HomeData["testTemplates"];
  testMode: boolean;
}) {
  const fetcher = useFetcher<TestSendAnswer>();
  const { show } = useToast();
  const [channel, setChannel] = useState<"email" | "sms">(templates.email || !templates.sms ? "email" : "sms");
  const [to, setTo] = useState({ email: defaults.email, sms: defaults.phone });
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  useEffect(() => {
    if (result?.ok) {
      show(result.message);
      onClose();
    }
  }, [result, show, onClose]);
  const template = templates[channel];
  const send = () => fetcher.submit({ templateId: template?.id ?? "", channel, to: to[channel] }, { method: "post", action: "/app/test-send" });
  return (
    <Modal
      open={open}
      onClose={onClose}
      title="Send a test to yourself"
      primaryAction={{ content: "Send test", onAction: send, loading: fetcher.state !== "idle", disabled: !template }}
      secondaryActions={[{ content: "Cancel", onAction: onClose }]}
    >
      <Modal.Section>
        <BlockStack gap="300">
          <ChoiceList
            title="Send"
            choices={[
              { label: "An email", value: "email", disabled: !templates.email },
              { label: "A text message", value: "sms", disabled: !templates.sms },
            ]}
            selected={[channel]}
            onChange={(v) => setChannel(v[0] === "sms" ? "sms" : "email")}
          />
          <TextField
            label={channel === "email" ? "Your email address" : "Your mobile number"}
            type={channel === "email" ? "email" : "tel"}
            autoComplete={channel === "email" ? "email" : "tel"}
            value={to[channel]}
            onChange={(v) => setTo((t) => ({ ...t, [channel]: v }))}
            error={result && !result.ok ? (result.fieldErrors?.to ?? undefined) : undefined}
            helpText={
              channel === "email"
                ? defaults.email
                  ? "Your reply-to address from Settings."
                  : "Add a reply-to address in Settings to have it filled in."
                : defaults.phone
                  ? "Your contact phone from Settings."
                  : "Add a contact phone in Settings to have it filled in."
            }
          />
          <Text as="p" tone="subdued">
            {template ? `Kudos sends “${template.name}”` : "There is no template to send"} with your business name, your review link and a sample
            customer, Alex Sample. Tests are never counted in analytics.
            {testMode ? " In test mode it goes to the Outbox, not to your inbox or phone." : ""}
          </Text>
          {result && !result.ok && !result.fieldErrors?.to ? (
            <Text as="p" tone="critical">
              {result.message}
            </Text>
          ) : null}
        </BlockStack>
      </Modal.Section>
    </Modal>
  );
}

// --- Figures and next sends -----------------------------------------------------------------

const percent = (rate: number | null) => (rate === null ? "–" : `${Math.round(rate * 1000) / 10} %`);

function Figure({ label, value, last }: { label: string; value: string; last: string }) {
  return (
    <BlockStack gap="100">
      <Text as="h3" variant="headingSm" tone="subdued">
        {label}
      </Text>
      <Text as="p" variant="headingXl">
        {value}
      </Text>
      <Text as="p" tone="subdued">
        Last week: {last}
      </Text>
    </BlockStack>
  );
}

function WeekCard({ thisWeek, lastWeek }: { thisWeek: WeekFigures; lastWeek: WeekFigures }) {
  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            {thisWeek.label}
          </Text>
          <Text as="p" tone="subdued">
            Review requests to customers enrolled this week, as counted on the Analytics page. {lastWeek.label}.
          </Text>
        </BlockStack>
        <InlineGrid columns={3} gap="400">
          <Figure label="Requests sent" value={String(thisWeek.sent)} last={String(lastWeek.sent)} />
          <Figure label="Review-link clicks" value={String(thisWeek.clicked)} last={String(lastWeek.clicked)} />
          <Figure label="Click rate" value={percent(thisWeek.clickRate)} last={percent(lastWeek.clickRate)} />
        </InlineGrid>
      </BlockStack>
    </Card>
  );
}

function NextSends({ sends }: { sends: NextSend[] }) {
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Next sends
          </Text>
          <Link url="/app/jobs">See all jobs</Link>
        </InlineStack>
        {sends.length === 0 ? (
          <Text as="p" tone="subdued">
            Nothing is scheduled. Each completed job schedules its customer&apos;s review requests.
          </Text>
        ) : (
          <BlockStack>
            {sends.map((s, i) => (
              <Box key={s.enrollmentId} paddingBlock="200" borderBlockStartWidth={i === 0 ? undefined : "025"} borderColor="border">
                <InlineStack gap="300" align="space-between" blockAlign="center" wrap>
                  <BlockStack gap="050">
                    <Text as="p" fontWeight="semibold">
                      {s.sendLabel}
                    </Text>
                    <Text as="p" tone="subdued">
                      {s.customerName} · {s.channel === "email" ? "Email" : "Text"} {s.position} of {s.touches} · {s.campaignName}
                    </Text>
                  </BlockStack>
                  {s.afterQuietHours ? (
                    <InlineStack gap="100" blockAlign="center" wrap={false}>
                      <Icon source={ClockIcon} tone="subdued" />
                      <Text as="span" tone="subdued">
                        After quiet hours
                      </Text>
                    </InlineStack>
                  ) : null}
                </InlineStack>
              </Box>
            ))}
          </BlockStack>
        )}
      </BlockStack>
    </Card>
  );
}

export default function Home() {
  const home = useLoaderData<typeof loader>();
  const [testOpen, setTestOpen] = useState(false);
  const closeTest = useCallback(() => setTestOpen(false), []);
  return (
    <Page title="Home">
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <StatusCard status={home.status} />
            <NeedsAttention attention={home.attention} />
            {home.checklist.complete ? null : <SetupChecklist checklist={home.checklist} onSendTest={() => setTestOpen(true)} />}
            <WeekCard thisWeek={home.weeks.thisWeek} lastWeek={home.weeks.lastWeek} />
            <NextSends sends={home.nextSends} />
            {home.checklist.complete ? (
              <InlineStack>
                <Button onClick={() => setTestOpen(true)}>Send a test to myself</Button>
              </InlineStack>
            ) : null}
          </BlockStack>
        </Layout.Section>
      </Layout>
      {/* Mounted while open, so each opening starts without the previous answer. */}
      {testOpen ? (
        <TestSendModal
          open
          onClose={closeTest}
          defaults={home.testDefaults}
          templates={home.testTemplates}
          testMode={home.status.state === "test_mode"}
        />
      ) : null}
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
