// Feedback: the private messages customers left on the feedback page, newest first, each with
// its customer and job, read or unread. Marking read (or unread again) is a POST.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, EmptyState, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { z } from "zod";
import { PagePagination } from "~/admin/components/PagePagination";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { BAD_FORM_MESSAGE, domainFailure, failure, parseForm, readForm, success, type ActionResult } from "~/admin/http.server";
import { EMPTY_STATE_IMAGE } from "~/admin/illustration";
import { useResultToast } from "~/admin/toast";
import { requireAdmin } from "~/auth/require-admin.server";
import { getServices } from "~/services.server";
import { listFeedbackInbox, markAllFeedbackRead, setFeedbackRead } from "~/stops/feedback-inbox.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const pageParam = Number(new URL(request.url).searchParams.get("page") ?? "1");
  const result = await listFeedbackInbox(getServices().domain.db, business.id, { page: Number.isInteger(pageParam) && pageParam > 0 ? pageParam : 1 });
  // Formatted here, in the business's zone, so server and browser agree.
  const fmt = new Intl.DateTimeFormat("en-US", { timeZone: business.timezone, month: "short", day: "numeric", year: "numeric", hour: "numeric", minute: "2-digit" });
  return {
    page: result.page,
    hasNext: result.hasNext,
    hasPrevious: result.hasPrevious,
    unread: result.unread,
    timezone: business.timezone,
    entries: result.entries.map((f) => ({
      id: f.id,
      message: f.message,
      createdLabel: fmt.format(f.createdAt),
      read: f.readAt !== null,
      customer: f.customer,
      job: {
        label: f.job.title ?? f.job.serviceType ?? `Job #${f.job.hostJobId}`,
        detail: [f.job.title ? f.job.serviceType : null, `#${f.job.hostJobId}`, f.job.completedAt ? `completed ${fmt.format(f.job.completedAt)}` : null]
          .filter(Boolean)
          .join(" · "),
      },
    })),
  };
}

const actionSchema = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.literal("read"), feedbackId: z.string({ error: "is required" }).uuid("must be a feedback id") }),
    z.object({ intent: z.literal("unread"), feedbackId: z.string({ error: "is required" }).uuid("must be a feedback id") }),
    z.object({ intent: z.literal("read-all") }),
  ],
  { error: "unknown action" },
);

export async function action({ request }: ActionFunctionArgs) {
  const { business } = await requireAdmin(request);
  const form = await readForm(request);
  if (!form) return failure(400, BAD_FORM_MESSAGE);
  const parsed = parseForm(actionSchema, form);
  if (!parsed.ok) return parsed.response;
  const deps = getServices().domain;
  try {
    if (parsed.data.intent === "read-all") {
      const count = await markAllFeedbackRead(deps, business.id);
      return success({ message: count ? `${count} ${count === 1 ? "message" : "messages"} marked as read` : "No unread feedback", count });
    }
    const read = parsed.data.intent === "read";
    const { readAt } = await setFeedbackRead(deps, business.id, parsed.data.feedbackId, read);
    return success({ message: read ? "Marked as read" : "Marked as unread", readAt: readAt?.toISOString() ?? null });
  } catch (err) {
    return domainFailure(err);
  }
}

type Entry = Awaited<ReturnType<typeof loader>>["entries"][number];

function ReadToggle({ entry }: { entry: Entry }) {
  const fetcher = useFetcher<ActionResult>();
  useResultToast(fetcher.data);
  const intent = entry.read ? "unread" : "read";
  return (
    <Button
      variant={entry.read ? "plain" : "secondary"}
      loading={fetcher.state !== "idle"}
      accessibilityLabel={`Mark the feedback of ${entry.createdLabel} as ${intent}`}
      onClick={() => fetcher.submit({ intent, feedbackId: entry.id }, { method: "post" })}
    >
      {entry.read ? "Mark as unread" : "Mark as read"}
    </Button>
  );
}

function FeedbackCard({ entry }: { entry: Entry }) {
  const c = entry.customer;
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <InlineStack gap="200" blockAlign="center">
            {entry.read ? <Badge>Read</Badge> : <Badge tone="attention">Unread</Badge>}
            <Text as="h3" variant="headingSm" fontWeight={entry.read ? "regular" : "semibold"}>
              {c.redacted ? "Erased on request" : (c.name ?? "Customer")}
            </Text>
          </InlineStack>
          <Text as="span" tone="subdued">
            {entry.createdLabel}
          </Text>
        </InlineStack>
        <Box padding="300" background="bg-surface-secondary" borderRadius="200">
          {/* Plain text: React escapes it; line breaks are kept. */}
          <p style={{ margin: 0, whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{entry.message}</p>
        </Box>
        <InlineStack align="space-between" blockAlign="end" gap="200">
          <BlockStack gap="050">
            {!c.redacted ? (
              <Text as="p" variant="bodySm" tone="subdued">
                {[c.email, c.phone].filter(Boolean).join(" · ") || "no contact"}
              </Text>
            ) : null}
            <Text as="p" variant="bodySm">
              {entry.job.label}
              <Text as="span" tone="subdued">
                {" "}
                · {entry.job.detail}
              </Text>
            </Text>
          </BlockStack>
          <ReadToggle entry={entry} />
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

export default function Feedback() {
  const { entries, page, hasNext, hasPrevious, unread, timezone } = useLoaderData<typeof loader>();
  const readAll = useFetcher<ActionResult>();
  useResultToast(readAll.data);
  return (
    <Page
      title="Feedback"
      subtitle={`Private messages from customers, newest first. ${unread} unread. Times in ${timezone}.`}
      secondaryActions={
        unread > 0
          ? [{ content: "Mark all as read", loading: readAll.state !== "idle", onAction: () => readAll.submit({ intent: "read-all" }, { method: "post" }) }]
          : []
      }
    >
      <Layout>
        <Layout.Section>
          {entries.length === 0 && page === 1 ? (
            <Card>
              <EmptyState heading="No feedback yet" image={EMPTY_STATE_IMAGE}>
                <p>When a customer writes to you on the feedback page (turn it on in Settings), the message shows up here.</p>
              </EmptyState>
            </Card>
          ) : (
            <BlockStack gap="400">
              {entries.map((e) => (
                <FeedbackCard key={e.id} entry={e} />
              ))}
              <PagePagination path="/app/feedback" page={page} hasPrevious={hasPrevious} hasNext={hasNext} />
            </BlockStack>
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
