// Jobs: completed jobs, newest first, searchable by customer and filtered by state and campaign
// (all in the URL), with what happened to each review request (one badge per touch; pending ones
// at their real send time, after quiet hours) and the merchant's actions: stop (confirmed, then
// undoable for a few seconds) and enroll again by hand.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useFetcher, useLoaderData, useSubmit } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Layout,
  Link,
  Modal,
  Page,
  Select,
  Text,
  TextField,
  Toast,
  useBreakpoints,
} from "@shopify/polaris";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { z } from "zod";
import { JobTouches, type JobTouchRow } from "~/admin/components/JobTouches";
import { PagePagination } from "~/admin/components/PagePagination";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { BAD_FORM_MESSAGE, domainFailure, failure, parseForm, readForm, success, type ActionResult } from "~/admin/http.server";
import { EMPTY_STATE_IMAGE } from "~/admin/illustration";
import { readJobsQuery } from "~/admin/jobs-query.server";
import {
  channelLabel,
  JOB_STATUS_LABELS,
  jobDisplayName,
  outcomeLabel,
  resumeRefusalLabel,
  skipReasonLabel,
  touchBadge,
  touchReasonLabel,
} from "~/admin/labels";
import { useResultToast } from "~/admin/toast";
import { requireAdmin } from "~/auth/require-admin.server";
import { manualEnroll, resumeStoppedEnrollment, stopEnrollmentByHand } from "~/domain/enrollment.server";
import { campaignChoices, listRecentJobs, type JobView } from "~/domain/jobs-view.server";
import { getServices } from "~/services.server";

/** How long the Undo stays on screen after a stop. */
const UNDO_SHOWN_MS = 10_000;
/** How long after a stop the server still undoes it: the shown time plus room for a slow request. */
const UNDO_ACCEPTED_MS = 15_000;

function dateFormatter(timezone: string) {
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  });
  return (d: Date | null) => (d ? fmt.format(d) : null);
}

function dayFormatter(timezone: string) {
  const fmt = new Intl.DateTimeFormat("en-US", { timeZone: timezone, month: "short", day: "numeric", year: "numeric" });
  return (d: Date | null) => (d ? fmt.format(d) : null);
}

function touchRows(e: NonNullable<JobView["enrollment"]>, fmt: ReturnType<typeof dateFormatter>, now: Date): JobTouchRow[] {
  return e.touches.map((t) => {
    let when: string | null;
    if (t.status === "pending" && t.sendAt) {
      when =
        t.sendAt.getTime() <= now.getTime()
          ? "Due now: goes out within minutes"
          : `Sends ${fmt(t.sendAt)}${t.afterQuietHours ? " (after quiet hours)" : ""}`;
    } else if (t.status === "cancelled") {
      when = null;
    } else {
      when = fmt(t.sentAt ?? t.scheduledAt);
    }
    const note = [touchReasonLabel(t.reason), t.deliveryError].filter(Boolean).join(" · ") || null;
    return {
      position: t.position,
      channelLabel: channelLabel(t.channel),
      badge: touchBadge({ status: t.status, delivery: t.delivery, clicked: t.clickedAt !== null }),
      when,
      note: note ? note.charAt(0).toUpperCase() + note.slice(1) : null,
    };
  });
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const { db, clock } = getServices().domain;
  const query = readJobsQuery(new URL(request.url));
  const filters = { search: query.q ?? null, status: query.status ?? null, campaignId: query.campaign ?? null };
  const now = clock.now();
  const [result, campaigns] = await Promise.all([
    listRecentJobs(db, business.id, { ...filters, page: query.page ?? 1, now }),
    campaignChoices(db, business.id),
  ]);
  // Times are shown in the business's zone, formatted here so server and browser agree.
  const fmt = dateFormatter(business.timezone);
  const day = dayFormatter(business.timezone);
  // The applied filters, kept on the pagination links.
  const kept = new URLSearchParams();
  if (filters.search) kept.set("q", filters.search);
  if (filters.status) kept.set("status", filters.status);
  if (filters.campaignId) kept.set("campaign", filters.campaignId);
  const first = result.total === 0 ? 0 : (result.page - 1) * result.pageSize + 1;
  return {
    page: result.page,
    pageCount: result.pageCount,
    total: result.total,
    from: first,
    to: first === 0 ? 0 : first + result.jobs.length - 1,
    hasNext: result.hasNext,
    hasPrevious: result.hasPrevious,
    timezone: business.timezone,
    filters: { q: filters.search ?? "", status: filters.status ?? "", campaign: filters.campaignId ?? "" },
    filtered: kept.size > 0,
    query: kept.toString(),
    invalid: query.invalid,
    campaigns,
    jobs: result.jobs.map((j) => ({
      id: j.id,
      name: jobDisplayName({ title: j.title, serviceType: j.serviceType, completedDay: day(j.completedAt) }),
      hostJobId: j.hostJobId,
      title: j.title,
      serviceType: j.serviceType,
      completedLabel: fmt(j.completedAt),
      outcome: j.outcome,
      outcomeReason: j.outcomeReason,
      customer: j.customer,
      enrollment: j.enrollment && {
        id: j.enrollment.id,
        status: j.enrollment.status,
        stopReason: j.enrollment.stopReason,
        manual: j.enrollment.manual,
        campaign: j.enrollment.campaign,
        touchRows: touchRows(j.enrollment, fmt, now),
        touches: j.enrollment.touches.map((t) => ({
          position: t.position,
          channel: t.channel,
          status: t.status,
          reason: t.reason,
          delivery: t.delivery,
          deliveryError: t.deliveryError,
          scheduledLabel: fmt(t.scheduledAt),
          sendAt: t.sendAt?.toISOString() ?? null,
          sendLabel: fmt(t.sendAt),
          afterQuietHours: t.afterQuietHours,
          sentLabel: fmt(t.sentAt),
          clicked: t.clickedAt !== null,
        })),
      },
    })),
  };
}

const id = (what: string) => z.string({ error: "is required" }).uuid(`must be ${what} id`);
const actionSchema = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.literal("enroll"), jobId: id("a job") }),
    z.object({ intent: z.literal("stop"), enrollmentId: id("an enrollment") }),
    z.object({
      intent: z.literal("undo"),
      enrollmentId: id("an enrollment"),
      stoppedAt: z.string({ error: "is required" }).datetime({ error: "must be the time of the stop" }),
    }),
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
  const input = parsed.data;
  try {
    if (input.intent === "enroll") {
      // Bypasses the cooldown; every other rule (matching campaign, opt-outs, contact) still holds.
      // A stopped job gets a new enrollment; the stopped one stays as history.
      const result = await manualEnroll(deps, business.id, input.jobId);
      switch (result.outcome) {
        case "enrolled": {
          const campaign = await deps.db.campaign.findFirst({
            where: { id: result.campaignId, businessId: business.id },
            select: { name: true },
          });
          return success({ message: `Enrolled in ${campaign?.name ?? "the campaign"}`, enrollmentId: result.enrollmentId });
        }
        case "already_enrolled":
          return failure(409, "This job already has an enrollment");
        case "skipped":
          return failure(409, `Not enrolled: ${skipReasonLabel(result.reason)}`);
        case "failed":
          return failure(409, `Enrollment failed: ${result.reason}`);
      }
    }
    if (input.intent === "stop") {
      const stopped = await stopEnrollmentByHand(deps, business.id, input.enrollmentId);
      if (!stopped) return failure(409, "This enrollment is not active any more");
      return success({
        message: "Review requests stopped",
        enrollmentId: input.enrollmentId,
        stoppedAt: stopped.stoppedAt.toISOString(),
      });
    }
    const resumed = await resumeStoppedEnrollment(deps, business.id, input.enrollmentId, {
      stoppedAt: new Date(input.stoppedAt),
      withinMs: UNDO_ACCEPTED_MS,
    });
    if (resumed.outcome === "refused") return failure(409, resumeRefusalLabel(resumed.reason));
    return success({ message: "Review requests resumed" });
  } catch (err) {
    return domainFailure(err);
  }
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type Job = LoaderData["jobs"][number];
type StopResult = ActionResult<{ enrollmentId: string; stoppedAt: string }>;

/** Who a job's review requests go to, for the confirmation and the undo. */
function customerName(job: Job): string {
  return job.customer.redacted ? "this customer" : (job.customer.name ?? job.customer.email ?? job.customer.phone ?? "this customer");
}

function JobActions({ job, onStop }: { job: Job; onStop: (job: Job) => void }) {
  const fetcher = useFetcher<ActionResult>();
  useResultToast(fetcher.data);
  if (job.enrollment?.status === "active") {
    return (
      <Button tone="critical" accessibilityLabel={`Stop the review requests for ${job.name}`} onClick={() => onStop(job)}>
        Stop
      </Button>
    );
  }
  const stopped = job.enrollment?.status === "stopped";
  const skipped = !job.enrollment && job.outcome !== "enrolled";
  if (!stopped && !skipped) return null;
  return (
    <Button
      loading={fetcher.state !== "idle"}
      accessibilityLabel={`Enroll ${job.name} again`}
      onClick={() => fetcher.submit({ intent: "enroll", jobId: job.id }, { method: "post" })}
    >
      Enroll again
    </Button>
  );
}

function Filters({ filters, campaigns }: { filters: LoaderData["filters"]; campaigns: LoaderData["campaigns"] }) {
  const [q, setQ] = useState(filters.q);
  const [status, setStatus] = useState(filters.status);
  const [campaign, setCampaign] = useState(filters.campaign);
  // Back/forward and the pagination links change the URL: the fields follow it.
  useEffect(() => {
    setQ(filters.q);
    setStatus(filters.status);
    setCampaign(filters.campaign);
  }, [filters.q, filters.status, filters.campaign]);
  const submit = useSubmit();
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    // Only the fields that are set go in the URL (a plain GET form also works without scripts).
    event.preventDefault();
    const params = new URLSearchParams();
    if (q.trim()) params.set("q", q.trim());
    if (status) params.set("status", status);
    if (campaign) params.set("campaign", campaign);
    submit(params, { method: "get", action: "/app/jobs" });
  };
  const filtered = Boolean(filters.q || filters.status || filters.campaign);
  return (
    <Form method="get" action="/app/jobs" onSubmit={onSubmit} role="search" aria-label="Search jobs">
      <InlineStack gap="300" blockAlign="end" wrap>
        <div style={{ flex: "1 1 16rem", minWidth: 0 }}>
          <TextField
            label="Search customers"
            name="q"
            value={q}
            onChange={setQ}
            placeholder="Name, email or phone"
            autoComplete="off"
            clearButton
            onClearButtonClick={() => setQ("")}
            maxLength={100}
          />
        </div>
        <Select
          label="Status"
          name="status"
          value={status}
          onChange={setStatus}
          options={[{ label: "All", value: "" }, ...Object.entries(JOB_STATUS_LABELS).map(([value, label]) => ({ label, value }))]}
        />
        <Select
          label="Campaign"
          name="campaign"
          value={campaign}
          onChange={setCampaign}
          options={[{ label: "All campaigns", value: "" }, ...campaigns.map((c) => ({ label: c.name, value: c.id }))]}
        />
        <Button submit>Search</Button>
        {filtered ? (
          <Button url="/app/jobs" variant="plain">
            Clear filters
          </Button>
        ) : null}
      </InlineStack>
    </Form>
  );
}

export default function Jobs() {
  // On a phone the table becomes a list: no sideways scrolling.
  const { smDown } = useBreakpoints();
  const data = useLoaderData<typeof loader>();
  const { jobs, page, pageCount, total, from, to, hasNext, hasPrevious, timezone, filters, filtered, query, invalid, campaigns } = data;
  const stopFetcher = useFetcher<StopResult>();
  const undoFetcher = useFetcher<ActionResult>();
  const [confirming, setConfirming] = useState<{ enrollmentId: string; name: string; customer: string } | null>(null);
  const [undo, setUndo] = useState<{ enrollmentId: string; stoppedAt: string; name: string } | null>(null);
  const stopping = useRef<{ name: string } | null>(null);

  // A stop answered: close the confirmation and offer the undo (a refusal shows as an error toast).
  const seenStop = useRef<unknown>(undefined);
  useEffect(() => {
    const result = stopFetcher.data;
    if (stopFetcher.state !== "idle" || !result || result === seenStop.current) return;
    seenStop.current = result;
    setConfirming(null);
    if (result.ok) setUndo({ enrollmentId: result.enrollmentId, stoppedAt: result.stoppedAt, name: stopping.current?.name ?? "the job" });
  }, [stopFetcher.state, stopFetcher.data]);
  useResultToast(stopFetcher.data && !stopFetcher.data.ok ? stopFetcher.data : undefined);
  useResultToast(undoFetcher.data);
  useEffect(() => {
    if (undoFetcher.data) setUndo(null);
  }, [undoFetcher.data]);

  const rangeLabel = total === 0 ? "No jobs" : `Showing ${from}–${to} of ${total} ${total === 1 ? "job" : "jobs"}`;
  return (
    <Page fullWidth title="Jobs" subtitle={`Completed jobs, newest first. Times in ${timezone}.`}>
      <Layout>
        {invalid.length > 0 ? (
          <Layout.Section>
            <Banner tone="critical" title="This link has a search setting Kudos can't read">
              <BlockStack gap="100">
                {invalid.map((i) => (
                  <Text as="p" key={i.param}>
                    “{i.param}” {i.message}.
                  </Text>
                ))}
                <Text as="p">Showing all jobs, unfiltered.</Text>
              </BlockStack>
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          {total === 0 && !filtered ? (
            <Card>
              <EmptyState heading="No completed jobs yet" image={EMPTY_STATE_IMAGE}>
                <p>When your platform reports a completed job, it shows up here with its review requests.</p>
              </EmptyState>
            </Card>
          ) : (
            <BlockStack gap="400">
              <Card>
                <Filters filters={filters} campaigns={campaigns} />
              </Card>
              <div role="status">
                <Text as="p" tone="subdued">
                  {rangeLabel}
                  {filtered ? " matching your search" : ""}
                </Text>
              </div>
              {total === 0 ? (
                <Card>
                  <EmptyState heading="No jobs match" image={EMPTY_STATE_IMAGE} action={{ content: "Clear filters", url: "/app/jobs" }}>
                    <p>Try another name, email or phone number, or another status or campaign.</p>
                  </EmptyState>
                </Card>
              ) : (
                <Card padding="0">
                  <IndexTable
                    condensed={smDown}
                    resourceName={{ singular: "job", plural: "jobs" }}
                    itemCount={jobs.length}
                    selectable={false}
                    headings={[
                      { title: "Job" },
                      { title: "Customer" },
                      { title: "Review request" },
                      { title: "Touches" },
                      { title: "Actions", hidden: true },
                    ]}
                  >
                    {jobs.map((job, index) => {
                      const outcome = outcomeLabel(job);
                      return (
                        <IndexTable.Row id={job.id} key={job.id} position={index}>
                          <IndexTable.Cell>
                            <BlockStack gap="050">
                              <Text as="span" fontWeight="semibold">
                                {job.name}
                              </Text>
                              {job.serviceType && job.serviceType !== job.name ? (
                                <Text as="span" variant="bodySm" tone="subdued">
                                  {job.serviceType}
                                </Text>
                              ) : null}
                              <Text as="span" variant="bodySm" tone="subdued">
                                Completed {job.completedLabel}
                              </Text>
                              <Text as="span" variant="bodyXs" tone="subdued" breakWord>
                                ID {job.hostJobId}
                              </Text>
                            </BlockStack>
                          </IndexTable.Cell>
                          <IndexTable.Cell>
                            {job.customer.redacted ? (
                              <Text as="span" tone="subdued">
                                Erased on request
                              </Text>
                            ) : (
                              <BlockStack gap="050">
                                <Text as="span">{job.customer.name ?? "—"}</Text>
                                <Text as="span" variant="bodySm" tone="subdued" breakWord>
                                  {[job.customer.email, job.customer.phone].filter(Boolean).join(" · ") || "No email or phone"}
                                </Text>
                              </BlockStack>
                            )}
                          </IndexTable.Cell>
                          <IndexTable.Cell>
                            <BlockStack gap="100" inlineAlign="start">
                              <Badge tone={outcome.tone}>{outcome.label}</Badge>
                              {job.enrollment?.manual ? (
                                <Text as="span" variant="bodySm" tone="subdued">
                                  Enrolled by you
                                </Text>
                              ) : null}
                              {job.enrollment && !job.enrollment.campaign.deleted ? (
                                <Link url={`/app/campaigns/${job.enrollment.campaign.id}`} removeUnderline>
                                  <Text as="span" variant="bodySm">
                                    {job.enrollment.campaign.name}
                                  </Text>
                                </Link>
                              ) : null}
                            </BlockStack>
                          </IndexTable.Cell>
                          <IndexTable.Cell>
                            <JobTouches touches={job.enrollment?.touchRows ?? []} />
                          </IndexTable.Cell>
                          <IndexTable.Cell>
                            <InlineStack align="end">
                              <JobActions
                                job={job}
                                onStop={(j) => setConfirming({ enrollmentId: j.enrollment!.id, name: j.name, customer: customerName(j) })}
                              />
                            </InlineStack>
                          </IndexTable.Cell>
                        </IndexTable.Row>
                      );
                    })}
                  </IndexTable>
                </Card>
              )}
              {pageCount > 1 ? (
                <PagePagination
                  path="/app/jobs"
                  page={page}
                  hasPrevious={hasPrevious}
                  hasNext={hasNext}
                  query={query}
                  label={`Page ${page} of ${pageCount}`}
                />
              ) : null}
            </BlockStack>
          )}
        </Layout.Section>
      </Layout>
      {confirming ? (
        <Modal
          open
          onClose={() => setConfirming(null)}
          title={`Stop the review requests for ${confirming.name}?`}
          primaryAction={{
            content: "Stop review requests",
            destructive: true,
            loading: stopFetcher.state !== "idle",
            onAction: () => {
              stopping.current = { name: confirming.name };
              stopFetcher.submit({ intent: "stop", enrollmentId: confirming.enrollmentId }, { method: "post" });
            },
          }}
          secondaryActions={[{ content: "Cancel", onAction: () => setConfirming(null) }]}
        >
          <Modal.Section>
            <Text as="p">
              {confirming.customer} won&apos;t get the rest of this job&apos;s review requests. You can undo this for a few
              seconds, or enroll the job again later.
            </Text>
          </Modal.Section>
        </Modal>
      ) : null}
      {undo ? (
        <Toast
          content={`Review requests stopped for ${undo.name}`}
          duration={UNDO_SHOWN_MS}
          onDismiss={() => setUndo(null)}
          action={{
            content: "Undo",
            onAction: () =>
              undoFetcher.submit({ intent: "undo", enrollmentId: undo.enrollmentId, stoppedAt: undo.stoppedAt }, { method: "post" }),
          }}
        />
      ) : null}
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
