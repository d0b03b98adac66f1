// Campaign editor: name, service type and the touch sequence, with a live timeline of when each
// touch would go out for a job completed now (for any customer, or one of the business's recent
// customers, in their time zone). Presets open read-only with "Duplicate". Changes are saved from
// the save bar, which guards against leaving with unsaved changes. A paused campaign can be
// activated here; when another active campaign covers the same service types, the merchant
// chooses between replacing it (its customers finish its sequence) and pausing it (they stop).
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useRevalidator, type ShouldRevalidateFunction } from "@remix-run/react";
import { Badge, Banner, BlockStack, Card, ChoiceList, FormLayout, Layout, Modal, Page, Text, TextField } from "@shopify/polaris";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { z } from "zod";
import { readCampaignForm, readPreviewForm } from "~/admin/campaign-form.server";
import { campaignRow } from "~/admin/campaigns-view.server";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { SaveBar } from "~/admin/components/SaveBar";
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
import { customerName } from "~/admin/preview";
import { findPreviewCustomer, recentCustomers } from "~/admin/preview.server";
import { timelinePreview, type TimelinePreview as Timeline } from "~/admin/timeline.server";
import { useResultToast } from "~/admin/toast";
import { campaignChanged } from "~/admin/unsaved";
import { requireAdmin } from "~/auth/require-admin.server";
import {
  activateCampaign,
  deleteCampaign,
  duplicateCampaign,
  findOverlappingCampaign,
  getCampaign,
  pauseCampaign,
  updateCampaign,
  type ActivateResult,
} from "~/domain/campaigns.server";
import type { Tx } from "~/domain/types";
import type { Business } from "~/generated/prisma/client";
import { listTemplates } from "~/domain/templates.server";
import { getServices } from "~/services.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const { db, clock } = getServices().domain;
  const campaign = await getCampaign(db, business.id, params.id ?? "").catch(throwDomainError);
  const own = !campaign.isPreset;
  const [templates, activeEnrollments, overlap, customers] = await Promise.all([
    listTemplates(db, business.id),
    own ? db.enrollment.count({ where: { businessId: business.id, campaignId: campaign.id, status: "active" } }) : Promise.resolve(0),
    // Who activating this campaign would replace (one active campaign per service type scope).
    own && campaign.status !== "active" ? findOverlappingCampaign(db, business.id, campaign.id) : Promise.resolve(null),
    own ? recentCustomers(db, business) : Promise.resolve([]),
  ]);
  return {
    campaign: { ...campaignRow(campaign), isPreset: campaign.isPreset, retired: campaign.retiredAt !== null },
    templates: templates.map((t) => ({ id: t.id, name: t.name, channel: t.channel, isSystem: t.isSystem })),
    activeEnrollments,
    overlap,
    customers,
    timeline: timelinePreview(business, campaign.serviceType, campaign.touches, clock.now()),
  };
}

/** The timeline for any customer, or for one of the business's customers (404 for anyone else). */
async function timelineFor(
  db: Tx,
  business: Business,
  serviceType: string | null,
  touches: { channel: "email" | "sms"; delayHours: number }[],
  now: Date,
  customerId: string | undefined,
): Promise<Timeline> {
  if (!customerId) return timelinePreview(business, serviceType, touches, now);
  const { customer, contact } = await findPreviewCustomer(db, business.id, customerId);
  // A campaign for all services takes their job's service type (and its timing from Settings).
  return timelinePreview(business, serviceType ?? customer.serviceType, touches, now, {
    name: customerName(customer) || "this customer",
    contact,
  });
}

function activatedMessage(name: string, replaced: ActivateResult["replaced"]): string {
  if (!replaced) return `${name} is active`;
  const n = replaced.mode === "finish" ? replaced.activeEnrollments : replaced.stoppedEnrollments;
  const customers = `${n} ${n === 1 ? "customer" : "customers"}`;
  if (replaced.mode === "finish") {
    return n > 0
      ? `${name} is active. ${replaced.name} takes no new jobs; its ${customers} ${n === 1 ? "finishes" : "finish"} their sequence`
      : `${name} is active. ${replaced.name} takes no new jobs`;
  }
  return n > 0 ? `${name} is active. ${replaced.name} is paused and its ${customers} stopped` : `${name} is active. ${replaced.name} is paused`;
}

// A timeline preview changes nothing: no reason to reload the page's data after it.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) =>
  formData?.get("intent") === "preview" ? false : defaultShouldRevalidate;

const intentSchema = z.object({
  intent: z.enum(["save", "preview", "delete", "duplicate", "activate", "pause"], { error: "unknown action" }),
  // A customer of this business the timeline preview is for; empty: anyone.
  customerId: z
    .string()
    .optional()
    .transform((v) => v || undefined),
});

const activateSchema = z.object({
  replace: z
    .enum(["", "finish", "stop"], { error: "must be finish or stop" })
    .optional()
    .transform((v) => v || undefined),
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
        const { customerId } = parsed.data;
        return success({ timeline: await timelineFor(deps.db, business, preview.serviceType, preview.touches, deps.clock.now(), customerId) });
      }
      case "save": {
        const input = readCampaignForm(form);
        if (!input.ok) return failure(400, "Check the highlighted fields", input.fieldErrors);
        const saved = await updateCampaign(deps, business.id, campaignId, input.input);
        return success({
          message: "Campaign saved",
          // For anyone: the page keeps showing its live preview (for the chosen customer) over this.
          timeline: timelinePreview(business, saved.serviceType, saved.touches, deps.clock.now()),
        });
      }
      case "pause": {
        // Also for a replaced campaign: its customers stop finishing their sequence.
        const { campaign, stoppedEnrollments: n } = await pauseCampaign(deps, business.id, campaignId);
        return success({
          message: n > 0 ? `Paused ${campaign.name}: ${n} ${n === 1 ? "customer" : "customers"} stopped` : `Paused ${campaign.name}`,
          stoppedEnrollments: n,
        });
      }
      case "activate": {
        const choice = parseForm(activateSchema, form);
        if (!choice.ok) return choice.response;
        const { campaign, replaced } = await activateCampaign(deps, business.id, campaignId, { replace: choice.data.replace });
        return success({ message: activatedMessage(campaign.name, replaced), replaced });
      }
      case "delete": {
        await deleteCampaign(deps, business.id, campaignId);
        return adminRedirect("/app/campaigns?notice=campaign_deleted");
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
function formFields(intent: string, name: string, serviceType: string, touches: TouchState[], customerId = ""): Record<string, string> {
  const fields: Record<string, string> = { intent, name, serviceType, customerId };
  touches.forEach((t, i) => {
    fields[`touches.${i}.channel`] = t.channel;
    fields[`touches.${i}.delay`] = t.delay;
    fields[`touches.${i}.unit`] = t.unit;
    fields[`touches.${i}.templateId`] = t.templateId;
  });
  return fields;
}

type Loaded = ReturnType<typeof useLoaderData<typeof loader>>;

export default function CampaignEditorPage() {
  const data = useLoaderData<typeof loader>();
  // Another campaign (Duplicate opens the copy) is a new form, not this one's leftover state.
  return <CampaignEditor key={data.campaign.id} data={data} />;
}

function CampaignEditor({ data }: { data: Loaded }) {
  const { campaign, templates, activeEnrollments, timeline, overlap, customers } = data;
  const readOnly = campaign.isPreset;
  const [name, setName] = useState(campaign.name);
  const [serviceType, setServiceType] = useState(campaign.serviceType ?? "");
  const [touches, setTouches] = useState<TouchState[]>(() => touchesFromCampaign(campaign.touches));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [deleting, setDeleting] = useState(false);
  const [pausing, setPausing] = useState(false);
  const [activating, setActivating] = useState(false);
  const [replaceMode, setReplaceMode] = useState<"finish" | "stop">("finish");
  const [customerId, setCustomerId] = useState("");

  const save = useFetcher<SaveResult>({ key: `campaign-save-${campaign.id}` });
  const preview = useFetcher<SaveResult>();
  const other = useFetcher<ActionResult>();
  const activate = useFetcher<ActionResult>();
  useResultToast(save.data);
  useResultToast(other.data);
  useResultToast(activate.data);
  useEffect(() => {
    if (activate.state === "idle" && activate.data?.ok) setActivating(false);
  }, [activate.state, activate.data]);
  useEffect(() => {
    if (other.state === "idle" && other.data) setPausing(false);
  }, [other.state, other.data]);
  // Refused because another campaign became active meanwhile: reload, so Activate offers the choice.
  const { revalidate } = useRevalidator();
  const refusedWithoutChoice = activate.state === "idle" && activate.data !== undefined && !activate.data.ok && !overlap;
  useEffect(() => {
    if (refusedWithoutChoice) revalidate();
  }, [refusedWithoutChoice, revalidate]);

  // Compared with what the loader last read (fresh after each save), as the domain stores it.
  const saved = { name: campaign.name, serviceType: campaign.serviceType ?? "", touches: touchesFromCampaign(campaign.touches) };
  const dirty = !readOnly && campaignChanged(saved, { name, serviceType, touches });
  const discard = () => {
    setName(saved.name);
    setServiceType(saved.serviceType);
    setTouches(saved.touches);
    setErrors({});
  };

  // Server-side field errors of the last save, until the field is edited.
  useEffect(() => {
    if (save.state === "idle" && save.data) setErrors(save.data.ok ? {} : save.data.fieldErrors);
  }, [save.state, save.data]);

  // Live timeline: a preview request (changes nothing) shortly after the touches change.
  const first = useRef(true);
  const scheduleKey = JSON.stringify([serviceType, customerId, touches.map((t) => [t.channel, t.delay, t.unit])]);
  const submitPreview = preview.submit;
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (readOnly) return;
    const timer = setTimeout(() => submitPreview(formFields("preview", name, serviceType, touches, customerId), { method: "post" }), 350);
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

  const submitSave = () => save.submit(formFields("save", name, serviceType, touches, customerId), { method: "post" });
  const failed = [save.data, other.data, activate.data].find((d) => d && !d.ok);
  const finishing = campaign.retired && activeEnrollments > 0;
  const unsavedHelp = dirty ? "Save or discard your changes first" : undefined;
  const startActivation = () => {
    if (overlap) {
      setReplaceMode("finish");
      setActivating(true);
    } else {
      activate.submit({ intent: "activate" }, { method: "post" });
    }
  };
  const scope = overlap?.serviceType ? `“${overlap.serviceType}” jobs` : "all services";
  const people = (n: number) => `${n} ${n === 1 ? "customer" : "customers"}`;

  return (
    <Page
      title={campaign.name}
      titleMetadata={
        readOnly ? (
          <Badge tone="info">Preset</Badge>
        ) : campaign.status === "active" ? (
          <Badge tone="success">Active</Badge>
        ) : finishing ? (
          <Badge tone="attention">Finishing</Badge>
        ) : (
          <Badge>Paused</Badge>
        )
      }
      backAction={{ content: "Campaigns", url: readOnly ? "/app/campaigns/new" : "/app/campaigns" }}
      primaryAction={
        readOnly
          ? {
              content: "Duplicate",
              loading: other.state !== "idle",
              onAction: () => other.submit({ intent: "duplicate" }, { method: "post" }),
            }
          : campaign.status === "active"
            ? undefined
            : {
                content: "Activate",
                loading: activate.state !== "idle",
                // Activation applies to the saved campaign: what is on screen must be saved first.
                disabled: dirty,
                helpText: unsavedHelp,
                onAction: startActivation,
              }
      }
      secondaryActions={
        readOnly
          ? []
          : [
              // A copy is made of the saved campaign, and opening it leaves this page.
              { content: "Duplicate", disabled: dirty, helpText: unsavedHelp, onAction: () => other.submit({ intent: "duplicate" }, { method: "post" }) },
              ...(campaign.status === "active" || finishing
                ? [{ content: finishing ? "Stop its customers" : "Pause", onAction: () => setPausing(true) }]
                : []),
              { content: "Delete", destructive: true, onAction: () => setDeleting(true) },
            ]
      }
    >
      {readOnly ? null : <SaveBar dirty={dirty} saving={save.state !== "idle"} onSave={submitSave} onDiscard={discard} />}
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {readOnly ? (
              <Banner tone="info" title="This is a preset">
                <p>Presets can&apos;t be changed. Duplicate it to get your own copy you can edit and activate.</p>
              </Banner>
            ) : finishing ? (
              <Banner tone="info" title="Replaced: its current customers are finishing">
                <p>
                  No new jobs are enrolled in it. The {people(activeEnrollments)} already in it still get the rest of its
                  review requests. Activate it to take new jobs again.
                </p>
              </Banner>
            ) : campaign.status === "paused" ? (
              <Banner tone="warning" title="This campaign is paused">
                <p>No new jobs are enrolled in it. Activate it when it&apos;s ready.</p>
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
          <TimelinePreview
            timeline={latestTimeline}
            serviceType={serviceType.trim() || null}
            stale={stale}
            customers={readOnly ? [] : customers}
            customerId={customerId}
            onCustomerChange={setCustomerId}
          />
        </Layout.Section>
      </Layout>
      {activating && overlap ? (
        <Modal
          open
          onClose={() => setActivating(false)}
          title={`Activate ${campaign.name}?`}
          primaryAction={{
            content: "Activate",
            loading: activate.state !== "idle",
            onAction: () => activate.submit({ intent: "activate", replace: replaceMode }, { method: "post" }),
          }}
          secondaryActions={[{ content: "Cancel", onAction: () => setActivating(false) }]}
        >
          <Modal.Section>
            <BlockStack gap="300">
              <Text as="p">
                {overlap.name} is active for {scope}. Only one campaign at a time takes new jobs for {scope}: from now on they go to{" "}
                {campaign.name}.
              </Text>
              <ChoiceList
                title={`What happens to ${overlap.name}?`}
                choices={[
                  {
                    label: `Replace ${overlap.name}: its current customers finish their sequence`,
                    value: "finish",
                    helpText:
                      overlap.activeEnrollments > 0
                        ? `The ${people(overlap.activeEnrollments)} already in it still get the rest of its review requests.`
                        : "Nobody is in it right now.",
                  },
                  {
                    label: "Pause it and stop its customers",
                    value: "stop",
                    helpText:
                      overlap.activeEnrollments > 0
                        ? `The ${people(overlap.activeEnrollments)} in it get no more review requests from it.`
                        : "Nobody is in it right now.",
                  },
                ]}
                selected={[replaceMode]}
                onChange={(v) => setReplaceMode(v[0] === "stop" ? "stop" : "finish")}
              />
              {activate.data && !activate.data.ok ? (
                <Text as="p" tone="critical">
                  {activate.data.message}
                </Text>
              ) : null}
            </BlockStack>
          </Modal.Section>
        </Modal>
      ) : null}
      {pausing ? (
        <Modal
          open
          onClose={() => setPausing(false)}
          title={finishing ? `Stop ${campaign.name}'s customers?` : `Pause ${campaign.name}?`}
          primaryAction={{
            content: activeEnrollments > 0 ? `${finishing ? "Stop" : "Pause and stop"} ${people(activeEnrollments)}` : "Pause campaign",
            destructive: true,
            loading: other.state !== "idle",
            onAction: () => other.submit({ intent: "pause" }, { method: "post" }),
          }}
          secondaryActions={[{ content: "Cancel", onAction: () => setPausing(false) }]}
        >
          <Modal.Section>
            <BlockStack gap="200">
              <Text as="p">
                {activeEnrollments > 0
                  ? `The ${people(activeEnrollments)} in it won't get the rest of its review requests.`
                  : "No customer is in this campaign right now."}
              </Text>
              {finishing ? null : (
                <Text as="p" tone="subdued">
                  New completed jobs won&apos;t be enrolled in it until you activate it again.
                </Text>
              )}
            </BlockStack>
          </Modal.Section>
        </Modal>
      ) : null}
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
