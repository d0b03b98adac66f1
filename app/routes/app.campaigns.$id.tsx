// Campaign editor: name, service type and the touch sequence, with a live timeline of when each
// touch would go out for a job completed now. Presets open read-only with "Duplicate".
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, type ShouldRevalidateFunction } from "@remix-run/react";
import { Badge, Banner, BlockStack, Card, FormLayout, Layout, Modal, Page, Text, TextField } from "@shopify/polaris";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { z } from "zod";
import { readCampaignForm, readPreviewForm } from "~/admin/campaign-form.server";
import { campaignRow } from "~/admin/campaigns-view.server";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { TimelinePreview } from "~/admin/components/TimelinePreview";
import {
  initialTouchKey,
  TouchSequenceEditor,
  type FieldErrors,
  type TouchState,
} from "~/admin/components/TouchSequenceEditor";
import {
  adminRedirect,
  BAD_FORM_MESSAGE,
  domainFailure,
  failure,
  parseForm,
  readForm,
  success,
  throwDomainError,
  type ActionResult,
} from "~/admin/http.server";
import { delayParts } from "~/admin/labels";
import { timelinePreview, type TimelinePreview as Timeline } from "~/admin/timeline.server";
import { useResultToast } from "~/admin/toast";
import { requireAdmin } from "~/auth/require-admin.server";
import { deleteCampaign, duplicateCampaign, getCampaign, updateCampaign } from "~/domain/campaigns.server";
import { listTemplates } from "~/domain/templates.server";
import { getServices } from "~/services.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const { db, clock } = getServices().domain;
  const campaign = await getCampaign(db, business.id, params.id ?? "").catch(throwDomainError);
  const [templates, activeEnrollments] = await Promise.all([
    listTemplates(db, business.id),
    campaign.isPreset
      ? Promise.resolve(0)
      : db.enrollment.count({ where: { businessId: business.id, campaignId: campaign.id, status: "active" } }),
  ]);
  return {
    campaign: { ...campaignRow(campaign), isPreset: campaign.isPreset },
    templates: templates.map((t) => ({ id: t.id, name: t.name, channel: t.channel, isSystem: t.isSystem })),
    activeEnrollments,
    timeline: timelinePreview(business, campaign.serviceType, campaign.touches, clock.now()),
  };
}

// A timeline preview changes nothing: no reason to reload the page's data after it.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) =>
  formData?.get("intent") === "preview" ? false : defaultShouldRevalidate;

const intentSchema = z.object({
  intent: z.enum(["save", "preview", "delete", "duplicate"], { error: "unknown action" }),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const { business } = await requireAdmin(request);
  const form = await readForm(request);
  if (!form) return failure(400, BAD_FORM_MESSAGE);
  const parsed = parseForm(intentSchema, form);
  if (!parsed.ok) return parsed.response;
  const deps = getServices().domain;
  const campaignId = params.id ?? "";
  try {
    switch (parsed.data.intent) {
      case "preview": {
        // Changes nothing; still only for a campaign this business can see.
        await getCampaign(deps.db, business.id, campaignId);
        const preview = readPreviewForm(form);
        if (!preview.ok) return failure(400, "Check the highlighted fields", preview.fieldErrors);
        return success({ timeline: timelinePreview(business, preview.serviceType, preview.touches, deps.clock.now()) });
      }
      case "save": {
        const input = readCampaignForm(form);
        if (!input.ok) return failure(400, "Check the highlighted fields", input.fieldErrors);
        const saved = await updateCampaign(deps, business.id, campaignId, input.input);
        return success({
          message: "Campaign saved",
          timeline: timelinePreview(business, saved.serviceType, saved.touches, deps.clock.now()),
        });
      }
      case "delete": {
        await deleteCampaign(deps, business.id, campaignId);
        return adminRedirect("/app?notice=campaign_deleted");
      }
      case "duplicate": {
        const copy = await duplicateCampaign(deps, business.id, campaignId);
        return adminRedirect(`/app/campaigns/${copy.id}?notice=campaign_created`);
      }
    }
  } catch (err) {
    return domainFailure(err);
  }
}

type SaveResult = ActionResult<{ timeline?: Timeline }>;

function touchesFromCampaign(touches: { channel: "email" | "sms"; delayHours: number; templateId: string }[]): TouchState[] {
  return touches.map((t, i) => {
    const { value, unit } = delayParts(t.delayHours);
    return { key: initialTouchKey(i), channel: t.channel, templateId: t.templateId, delay: value, unit };
  });
}

/** The form fields the action reads, for fetcher.submit. */
function formFields(intent: string, name: string, serviceType: string, touches: TouchState[]): Record<string, string> {
  const fields: Record<string, string> = { intent, name, serviceType };
  touches.forEach((t, i) => {
    fields[`touches.${i}.channel`] = t.channel;
    fields[`touches.${i}.delay`] = t.delay;
    fields[`touches.${i}.unit`] = t.unit;
    fields[`touches.${i}.templateId`] = t.templateId;
  });
  return fields;
}

export default function CampaignEditor() {
  const { campaign, templates, activeEnrollments, timeline } = useLoaderData<typeof loader>();
  const readOnly = campaign.isPreset;
  const [name, setName] = useState(campaign.name);
  const [serviceType, setServiceType] = useState(campaign.serviceType ?? "");
  const [touches, setTouches] = useState<TouchState[]>(() => touchesFromCampaign(campaign.touches));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [deleting, setDeleting] = useState(false);

  const save = useFetcher<SaveResult>({ key: `campaign-save-${campaign.id}` });
  const preview = useFetcher<SaveResult>();
  const other = useFetcher<ActionResult>();
  useResultToast(save.data);
  useResultToast(other.data);

  // Server-side field errors of the last save, until the field is edited.
  useEffect(() => {
    if (save.state === "idle" && save.data) setErrors(save.data.ok ? {} : save.data.fieldErrors);
  }, [save.state, save.data]);

  // Live timeline: a preview request (changes nothing) shortly after the touches change.
  const first = useRef(true);
  const scheduleKey = JSON.stringify([serviceType, touches.map((t) => [t.channel, t.delay, t.unit])]);
  const submitPreview = preview.submit;
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (readOnly) return;
    const timer = setTimeout(() => submitPreview(formFields("preview", name, serviceType, touches), { method: "post" }), 350);
    return () => clearTimeout(timer);
    // Only what changes the schedule triggers a preview.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scheduleKey, readOnly, submitPreview]);

  // The live preview validates delays as they are typed; its errors show next to them too.
  const shownErrors = useMemo(() => {
    const previewErrors = preview.data && !preview.data.ok ? preview.data.fieldErrors : {};
    const delayErrors = Object.fromEntries(Object.entries(previewErrors).filter(([k]) => k.endsWith(".delayHours")));
    return { ...errors, ...delayErrors };
  }, [errors, preview.data]);
  const latestTimeline =
    (preview.data?.ok ? preview.data.timeline : undefined) ?? (save.data?.ok ? save.data.timeline : undefined) ?? timeline;
  const stale = Boolean(preview.data && !preview.data.ok);

  const clearError = useCallback((...keys: string[]) => {
    setErrors((e) => {
      if (!keys.some((k) => k in e)) return e;
      const next = { ...e };
      for (const k of keys) delete next[k];
      return next;
    });
  }, []);

  const onTouchesChange = (next: TouchState[], changedIndex?: number) => {
    setTouches(next);
    // Indices of errors no longer match after a move or removal; a field edit clears its touch's.
    if (changedIndex === undefined) setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith("touches"))));
    else clearError(`touches.${changedIndex}.channel`, `touches.${changedIndex}.delayHours`, `touches.${changedIndex}.templateId`, "touches");
  };

  const submitSave = () => save.submit(formFields("save", name, serviceType, touches), { method: "post" });
  const failed = save.data && !save.data.ok ? save.data : other.data && !other.data.ok ? other.data : null;

  return (
    <Page
      title={campaign.name}
      titleMetadata={
        readOnly ? (
          <Badge tone="info">Preset</Badge>
        ) : (
          <Badge tone={campaign.status === "active" ? "success" : undefined}>{campaign.status === "active" ? "Active" : "Paused"}</Badge>
        )
      }
      backAction={{ content: "Campaigns", url: readOnly ? "/app/campaigns/new" : "/app" }}
      primaryAction={
        readOnly
          ? {
              content: "Duplicate",
              loading: other.state !== "idle",
              onAction: () => other.submit({ intent: "duplicate" }, { method: "post" }),
            }
          : { content: "Save", loading: save.state !== "idle", onAction: submitSave }
      }
      secondaryActions={
        readOnly
          ? []
          : [
              { content: "Duplicate", onAction: () => other.submit({ intent: "duplicate" }, { method: "post" }) },
              { content: "Delete", destructive: true, onAction: () => setDeleting(true) },
            ]
      }
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {readOnly ? (
              <Banner tone="info" title="This is a preset">
                <p>Presets can&apos;t be changed. Duplicate it to get your own copy you can edit and activate.</p>
              </Banner>
            ) : campaign.status === "paused" ? (
              <Banner tone="warning" title="This campaign is paused">
                <p>No new jobs are enrolled in it. Activate it from the campaign list when it&apos;s ready.</p>
              </Banner>
            ) : null}
            {failed && !failed.ok && Object.keys(failed.fieldErrors).length === 0 ? (
              <Banner tone="critical">{failed.message}</Banner>
            ) : null}
            <form
              onSubmit={(e) => {
                e.preventDefault();
                if (!readOnly) submitSave();
              }}
            >
              <BlockStack gap="400">
                <Card>
                  <FormLayout>
                    <TextField
                      label="Name"
                      name="name"
                      autoComplete="off"
                      disabled={readOnly}
                      value={name}
                      error={errors.name}
                      onChange={(v) => {
                        setName(v);
                        clearError("name");
                      }}
                    />
                    <TextField
                      label="Service type"
                      name="serviceType"
                      autoComplete="off"
                      disabled={readOnly}
                      value={serviceType}
                      placeholder="All services"
                      helpText="Jobs of this service type use this campaign. Leave empty to cover all services."
                      error={errors.serviceType}
                      onChange={(v) => {
                        setServiceType(v);
                        clearError("serviceType");
                      }}
                    />
                  </FormLayout>
                </Card>
                <TouchSequenceEditor
                  touches={touches}
                  onChange={onTouchesChange}
                  templates={templates}
                  errors={shownErrors}
                  readOnly={readOnly}
                />
                {/* Enter in a field saves; the visible Save button is the page's primary action. */}
                <button type="submit" hidden aria-hidden="true" tabIndex={-1} />
              </BlockStack>
            </form>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <TimelinePreview timeline={latestTimeline} serviceType={serviceType.trim() || null} stale={stale} />
        </Layout.Section>
      </Layout>
      {deleting ? (
        <Modal
          open
          onClose={() => setDeleting(false)}
          title={`Delete ${campaign.name}?`}
          primaryAction={{
            content: "Delete campaign",
            destructive: true,
            loading: other.state !== "idle",
            onAction: () => other.submit({ intent: "delete" }, { method: "post" }),
          }}
          secondaryActions={[{ content: "Cancel", onAction: () => setDeleting(false) }]}
        >
          <Modal.Section>
            <BlockStack gap="200">
              <Text as="p">
                {activeEnrollments > 0
                  ? `${activeEnrollments} active ${activeEnrollments === 1 ? "enrollment" : "enrollments"} will stop: those customers won't get the rest of its review requests.`
                  : "No customer is in this campaign right now."}
              </Text>
              <Text as="p" tone="subdued">
                Its history stays in your analytics. This can&apos;t be undone.
              </Text>
            </BlockStack>
          </Modal.Section>
        </Modal>
      ) : null}
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
