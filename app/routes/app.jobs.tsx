// Jobs: recent completed jobs, newest first, with what happened to each review request (the
// enrollment outcome and every touch's status and delivery), and manual enroll / stop.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Button,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Layout,
  Link,
  Page,
  Text,
} from "@shopify/polaris";
import { z } from "zod";
import { PagePagination } from "~/admin/components/PagePagination";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { BAD_FORM_MESSAGE, domainFailure, failure, parseForm, readForm, success, type ActionResult } from "~/admin/http.server";
import { EMPTY_STATE_IMAGE } from "~/admin/illustration";
import {
  channelLabel,
  deliveryLabel,
  outcomeLabel,
  skipReasonLabel,
  touchReasonLabel,
  touchStatusTone,
} from "~/admin/labels";
import { useResultToast } from "~/admin/toast";
import { requireAdmin } from "~/auth/require-admin.server";
import { manualEnroll, stopEnrollmentManually } from "~/domain/enrollment.server";
import { listRecentJobs } from "~/domain/jobs-view.server";
import { getServices } from "~/services.server";

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

export async function loader({ request }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const pageParam = Number(new URL(request.url).searchParams.get("page") ?? "1");
  const page = Number.isInteger(pageParam) && pageParam > 0 ? pageParam : 1;
  const result = await listRecentJobs(getServices().domain.db, business.id, { page });
  // Times are shown in the business's zone, formatted here so server and browser agree.
  const fmt = dateFormatter(business.timezone);
  return {
    page: result.page,
    hasNext: result.hasNext,
    hasPrevious: result.hasPrevious,
    timezone: business.timezone,
    jobs: result.jobs.map((j) => ({
      id: j.id,
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
        touches: j.enrollment.touches.map((t) => ({
          position: t.position,
          channel: t.channel,
          status: t.status,
          reason: t.reason,
          delivery: t.delivery,
          deliveryError: t.deliveryError,
          scheduledLabel: fmt(t.scheduledAt),
          sentLabel: fmt(t.sentAt),
          clicked: t.clickedAt !== null,
        })),
      },
    })),
  };
}

const actionSchema = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.literal("enroll"), jobId: z.string({ error: "is required" }).uuid("must be a job id") }),
    z.object({ intent: z.literal("stop"), enrollmentId: z.string({ error: "is required" }).uuid("must be an enrollment id") }),
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
    if (parsed.data.intent === "enroll") {
      // Bypasses the cooldown; every other rule (matching campaign, opt-outs, contact) still holds.
      const result = await manualEnroll(deps, business.id, parsed.data.jobId);
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
    const stopped = await stopEnrollmentManually(deps, business.id, parsed.data.enrollmentId);
    if (!stopped) return failure(409, "This enrollment is not active any more");
    return success({ message: "Enrollment stopped: no more review requests for this job" });
  } catch (err) {
    return domainFailure(err);
  }
}

type Job = Awaited<ReturnType<typeof loader>>["jobs"][number];

function JobActions({ job }: { job: Job }) {
  const fetcher = useFetcher<ActionResult>();
  useResultToast(fetcher.data);
  const busy = fetcher.state !== "idle";
  const label = job.title ?? job.hostJobId;
  if (job.enrollment?.status === "active") {
    return (
      <Button
        tone="critical"
        loading={busy}
        accessibilityLabel={`Stop the review requests for ${label}`}
        onClick={() => fetcher.submit({ intent: "stop", enrollmentId: job.enrollment!.id }, { method: "post" })}
      >
        Stop enrollment
      </Button>
    );
  }
  if (!job.enrollment) {
    return (
      <Button
        loading={busy}
        accessibilityLabel={`Enroll ${label} manually`}
        onClick={() => fetcher.submit({ intent: "enroll", jobId: job.id }, { method: "post" })}
      >
        Enroll manually
      </Button>
    );
  }
  return null;
}

function Touches({ job }: { job: Job }) {
  if (!job.enrollment) return <Text as="span" tone="subdued">—</Text>;
  return (
    <BlockStack gap="200">
      {job.enrollment.touches.map((t) => {
        const reason = touchReasonLabel(t.reason);
        const delivery = deliveryLabel(t.delivery);
        const when = t.sentLabel ?? t.scheduledLabel;
        return (
          <BlockStack key={t.position} gap="025">
            <InlineStack gap="100" blockAlign="center" wrap={false}>
              <Text as="span" variant="bodySm">
                {t.position}. {channelLabel(t.channel)}
              </Text>
              <Badge size="small" tone={touchStatusTone(t.status, t.delivery)}>
                {delivery && t.status === "sent" ? delivery : t.status}
              </Badge>
              {t.clicked ? (
                <Badge size="small" tone="success">
                  clicked
                </Badge>
              ) : null}
            </InlineStack>
            <Text as="span" variant="bodySm" tone="subdued">
              {t.status === "pending" ? `due ${when}` : when}
              {reason ? ` · ${reason}` : ""}
              {t.deliveryError ? ` · ${t.deliveryError}` : ""}
            </Text>
          </BlockStack>
        );
      })}
    </BlockStack>
  );
}

export default function Jobs() {
  const { jobs, page, hasNext, hasPrevious, timezone } = useLoaderData<typeof loader>();
  return (
    <Page fullWidth title="Jobs" subtitle={`Completed jobs, newest first. Times in ${timezone}.`}>
      <Layout>
        <Layout.Section>
          {jobs.length === 0 && page === 1 ? (
            <Card>
              <EmptyState heading="No completed jobs yet" image={EMPTY_STATE_IMAGE}>
                <p>When your platform reports a completed job, it shows up here with its review requests.</p>
              </EmptyState>
            </Card>
          ) : (
            <BlockStack gap="400">
              <Card padding="0">
                <IndexTable
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
                              {job.title ?? job.hostJobId}
                            </Text>
                            <Text as="span" variant="bodySm" tone="subdued">
                              {[job.serviceType, `#${job.hostJobId}`].filter(Boolean).join(" · ")}
                            </Text>
                            <Text as="span" variant="bodySm" tone="subdued">
                              Completed {job.completedLabel}
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
                              <Text as="span" variant="bodySm" tone="subdued">
                                {[job.customer.email, job.customer.phone].filter(Boolean).join(" · ") || "no contact"}
                              </Text>
                            </BlockStack>
                          )}
                        </IndexTable.Cell>
                        <IndexTable.Cell>
                          <BlockStack gap="100" inlineAlign="start">
                            <Badge tone={outcome.tone}>{outcome.label}</Badge>
                            {job.enrollment?.manual ? (
                              <Text as="span" variant="bodySm" tone="subdued">
                                Enrolled manually
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
                          <Touches job={job} />
                        </IndexTable.Cell>
                        <IndexTable.Cell>
                          <InlineStack align="end">
                            <JobActions job={job} />
                          </InlineStack>
                        </IndexTable.Cell>
                      </IndexTable.Row>
                    );
                  })}
                </IndexTable>
              </Card>
              <PagePagination path="/app/jobs" page={page} hasPrevious={hasPrevious} hasNext={hasNext} />
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
