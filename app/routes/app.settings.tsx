// Settings: sender details, sending window and limits, service-type timing, review links and the
// feedback page. Saved with updateSettings from the save bar (which also guards against leaving
// with unsaved changes); problems are shown next to their field.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  Checkbox,
  FormLayout,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { ArrowDownIcon, ArrowUpIcon, DeleteIcon, PlusIcon } from "@shopify/polaris-icons";
import { useEffect, useState } from "react";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { SaveBar } from "~/admin/components/SaveBar";
import { BAD_FORM_MESSAGE, domainFailure, failure, readForm, success, type ActionResult } from "~/admin/http.server";
import { minutesToHhmm } from "~/admin/labels";
import { readSettingsForm } from "~/admin/settings-form.server";
import { timezoneOptions } from "~/admin/timezones";
import { useResultToast } from "~/admin/toast";
import { sameValues, trimStrings } from "~/admin/unsaved";
import { requireAdmin } from "~/auth/require-admin.server";
import { updateSettings } from "~/domain/business.server";
import { DomainError } from "~/lib/errors.server";
import { getServices } from "~/services.server";

interface SettingsValues {
  name: string;
  timezone: string;
  quietHoursStart: string;
  quietHoursEnd: string;
  cooldownDays: string;
  emailHourlyLimit: string;
  smsHourlyLimit: string;
  senderName: string;
  replyTo: string;
  contactPhone: string;
  physicalAddress: string;
  feedbackPageEnabled: boolean;
  feedbackNotify: boolean;
  serviceTypeDelays: { serviceType: string; hours: string }[];
  reviewLinks: { site: string; url: string }[];
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { business: b } = await requireAdmin(request);
  const delays = (b.serviceTypeDelays ?? {}) as Record<string, number>;
  const links = (Array.isArray(b.reviewLinks) ? b.reviewLinks : []) as { site: string; url: string }[];
  const settings: SettingsValues = {
    name: b.name,
    timezone: b.timezone,
    quietHoursStart: minutesToHhmm(b.quietHoursStart),
    quietHoursEnd: minutesToHhmm(b.quietHoursEnd),
    cooldownDays: String(b.cooldownDays),
    emailHourlyLimit: String(b.emailHourlyLimit),
    smsHourlyLimit: String(b.smsHourlyLimit),
    senderName: b.senderName ?? "",
    replyTo: b.replyTo ?? "",
    contactPhone: b.contactPhone ?? "",
    physicalAddress: b.physicalAddress ?? "",
    feedbackPageEnabled: b.feedbackPageEnabled,
    feedbackNotify: b.feedbackNotify,
    serviceTypeDelays: Object.entries(delays).map(([serviceType, hours]) => ({ serviceType, hours: String(hours) })),
    reviewLinks: links.map((l) => ({ site: String(l.site ?? ""), url: String(l.url ?? "") })),
  };
  return { settings };
}

export async function action({ request }: ActionFunctionArgs) {
  const { business } = await requireAdmin(request);
  const values = await readForm(request);
  if (!values) return failure(400, BAD_FORM_MESSAGE);
  const read = readSettingsForm(values);
  if (!read.ok) return failure(400, "Check the highlighted fields", read.fieldErrors);
  try {
    await updateSettings(getServices().domain, business.id, read.form.input);
    return success({ message: "Settings saved" });
  } catch (err) {
    if (err instanceof DomainError && Object.keys(err.fieldErrors).length) {
      return failure(err.status, "Check the highlighted fields", read.form.mapErrors(err.fieldErrors));
    }
    return domainFailure(err);
  }
}

function toFields(v: SettingsValues): Record<string, string> {
  const fields: Record<string, string> = {
    name: v.name,
    timezone: v.timezone,
    quietHoursStart: v.quietHoursStart,
    quietHoursEnd: v.quietHoursEnd,
    cooldownDays: v.cooldownDays,
    emailHourlyLimit: v.emailHourlyLimit,
    smsHourlyLimit: v.smsHourlyLimit,
    senderName: v.senderName,
    replyTo: v.replyTo,
    contactPhone: v.contactPhone,
    physicalAddress: v.physicalAddress,
    feedbackPageEnabled: String(v.feedbackPageEnabled),
    feedbackNotify: String(v.feedbackNotify),
  };
  v.serviceTypeDelays.forEach((r, i) => {
    fields[`serviceTypeDelays.${i}.serviceType`] = r.serviceType;
    fields[`serviceTypeDelays.${i}.hours`] = r.hours;
  });
  v.reviewLinks.forEach((r, i) => {
    fields[`reviewLinks.${i}.site`] = r.site;
    fields[`reviewLinks.${i}.url`] = r.url;
  });
  return fields;
}

/** As stored: text trimmed, and service types as a map (their order is not kept). */
function settingsChanged(saved: SettingsValues, current: SettingsValues): boolean {
  const stored = (v: SettingsValues) => {
    const t = trimStrings(v);
    return { ...t, serviceTypeDelays: [...t.serviceTypeDelays].sort((a, b) => a.serviceType.localeCompare(b.serviceType)) };
  };
  return !sameValues(stored(saved), stored(current));
}

function move<T>(list: T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length) return list;
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item!);
  return next;
}

export default function Settings() {
  const { settings } = useLoaderData<typeof loader>();
  const [v, setV] = useState<SettingsValues>(settings);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useFetcher<ActionResult>();
  useResultToast(save.data);
  useEffect(() => {
    if (save.state === "idle" && save.data) setErrors(save.data.ok ? {} : save.data.fieldErrors);
  }, [save.state, save.data]);
  // Fresh loader data comes only after a successful save: show the values as stored.
  useEffect(() => setV(settings), [settings]);
  const dirty = settingsChanged(settings, v);

  const set = <K extends keyof SettingsValues>(key: K, value: SettingsValues[K]) => {
    setV((s) => ({ ...s, [key]: value }));
    setErrors(({ [key]: _, ...rest }) => rest);
  };
  // Row edits, moves and removals drop that list's errors: their row numbers may no longer match.
  const setRows = <K extends "serviceTypeDelays" | "reviewLinks">(key: K, rows: SettingsValues[K]) => {
    setV((s) => ({ ...s, [key]: rows }));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith(key))));
  };
  const submit = () => save.submit(toFields(v), { method: "post" });
  const discard = () => {
    setV(settings);
    setErrors({});
  };
  const failed = save.data && !save.data.ok ? save.data : null;

  return (
    <Page title="Settings">
      <SaveBar dirty={dirty} saving={save.state !== "idle"} onSave={submit} onDiscard={discard} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <button type="submit" hidden aria-hidden="true" tabIndex={-1} />
        <Layout>
          {failed ? (
            <Layout.Section>
              <Banner tone="critical">{failed.message}</Banner>
            </Layout.Section>
          ) : null}
          <Layout.AnnotatedSection title="Your business" description="How you appear in review requests.">
            <Card>
              <FormLayout>
                <TextField label="Business name" autoComplete="organization" value={v.name} error={errors.name} onChange={(x) => set("name", x)} />
                <TextField
                  label="Sender name"
                  autoComplete="off"
                  value={v.senderName}
                  error={errors.senderName}
                  helpText="Shown as the email's sender. Defaults to your business name."
                  onChange={(x) => set("senderName", x)}
                />
                <FormLayout.Group>
                  <TextField
                    label="Reply-to email"
                    type="email"
                    autoComplete="email"
                    value={v.replyTo}
                    error={errors.replyTo}
                    helpText="Replies to review requests go here."
                    onChange={(x) => set("replyTo", x)}
                  />
                  <TextField
                    label="Contact phone"
                    type="tel"
                    autoComplete="tel"
                    value={v.contactPhone}
                    error={errors.contactPhone}
                    onChange={(x) => set("contactPhone", x)}
                  />
                </FormLayout.Group>
                <TextField
                  label="Physical mailing address"
                  autoComplete="street-address"
                  multiline={2}
                  value={v.physicalAddress}
                  error={errors.physicalAddress}
                  helpText="Required by the CAN-SPAM Act in every email: review request emails are not sent without it."
                  onChange={(x) => set("physicalAddress", x)}
                />
                {v.physicalAddress.trim() === "" ? (
                  <Banner tone="warning">Emails are not sent until you add your physical mailing address.</Banner>
                ) : null}
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>

          <Layout.AnnotatedSection
            title="When messages go out"
            description="Messages wait for the sending window in the customer's local time. Legal limits (8 AM to 9 PM, stricter in some states) always apply."
          >
            <Card>
              <FormLayout>
                <Select
                  label="Time zone"
                  options={timezoneOptions(v.timezone)}
                  value={v.timezone}
                  error={errors.timezone}
                  helpText="Used when the customer's own time zone is unknown."
                  onChange={(x) => set("timezone", x)}
                />
                <FormLayout.Group>
                  <TextField
                    label="Sending window starts"
                    autoComplete="off"
                    placeholder="08:00"
                    value={v.quietHoursStart}
                    error={errors.quietHoursStart}
                    onChange={(x) => set("quietHoursStart", x)}
                  />
                  <TextField
                    label="Sending window ends"
                    autoComplete="off"
                    placeholder="21:00"
                    value={v.quietHoursEnd}
                    error={errors.quietHoursEnd}
                    helpText="24-hour HH:MM; 24:00 is the end of the day. Nothing is sent from this time until the next start (quiet hours)."
                    onChange={(x) => set("quietHoursEnd", x)}
                  />
                </FormLayout.Group>
                <TextField
                  label="Cooldown"
                  type="number"
                  min={0}
                  suffix="days"
                  autoComplete="off"
                  value={v.cooldownDays}
                  error={errors.cooldownDays}
                  helpText="A customer asked for a review is not asked again for this long (0: no cooldown)."
                  onChange={(x) => set("cooldownDays", x)}
                />
                <FormLayout.Group>
                  <TextField
                    label="Emails per hour"
                    type="number"
                    min={1}
                    autoComplete="off"
                    value={v.emailHourlyLimit}
                    error={errors.emailHourlyLimit}
                    onChange={(x) => set("emailHourlyLimit", x)}
                  />
                  <TextField
                    label="Texts per hour"
                    type="number"
                    min={1}
                    autoComplete="off"
                    value={v.smsHourlyLimit}
                    error={errors.smsHourlyLimit}
                    onChange={(x) => set("smsHourlyLimit", x)}
                  />
                </FormLayout.Group>
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>

          <Layout.AnnotatedSection
            title="Timing by service type"
            description="Replaces the first touch's delay for jobs of a service type, e.g. ask 2 hours after a repair but 3 days after an installation."
          >
            <Card>
              <BlockStack gap="300">
                {v.serviceTypeDelays.length === 0 ? (
                  <Text as="p" tone="subdued">
                    Every service type uses its campaign&apos;s timing.
                  </Text>
                ) : null}
                {v.serviceTypeDelays.map((row, i) => (
                  <InlineGrid key={i} columns={["twoThirds", "oneThird"]} gap="200" alignItems="end">
                    <TextField
                      label={`Service type ${i + 1}`}
                      autoComplete="off"
                      value={row.serviceType}
                      error={errors[`serviceTypeDelays.${i}.serviceType`]}
                      onChange={(x) =>
                        setRows(
                          "serviceTypeDelays",
                          v.serviceTypeDelays.map((r, j) => (j === i ? { ...r, serviceType: x } : r)),
                        )
                      }
                    />
                    <InlineStack gap="100" wrap={false} blockAlign="end">
                      <TextField
                        label="First touch after"
                        type="number"
                        min={1}
                        suffix="hours"
                        autoComplete="off"
                        value={row.hours}
                        error={errors[`serviceTypeDelays.${i}.hours`]}
                        onChange={(x) =>
                          setRows(
                            "serviceTypeDelays",
                            v.serviceTypeDelays.map((r, j) => (j === i ? { ...r, hours: x } : r)),
                          )
                        }
                      />
                      <Button
                        icon={DeleteIcon}
                        tone="critical"
                        accessibilityLabel={`Remove service type ${i + 1}`}
                        onClick={() => setRows("serviceTypeDelays", v.serviceTypeDelays.filter((_, j) => j !== i))}
                      />
                    </InlineStack>
                  </InlineGrid>
                ))}
                <Box>
                  <Button
                    icon={PlusIcon}
                    onClick={() => setRows("serviceTypeDelays", [...v.serviceTypeDelays, { serviceType: "", hours: "24" }])}
                  >
                    Add service type
                  </Button>
                </Box>
              </BlockStack>
            </Card>
          </Layout.AnnotatedSection>

          <Layout.AnnotatedSection
            title="Review sites"
            description="Review requests send customers to the first link; the feedback page lists them all. Google first is recommended."
          >
            <Card>
              <BlockStack gap="300">
                {v.reviewLinks.length === 0 ? (
                  <Banner tone="warning">Add your Google review link so customers know where to leave a review.</Banner>
                ) : null}
                {v.reviewLinks.map((row, i) => (
                  <BlockStack key={i} gap="200">
                    <InlineGrid columns={["oneThird", "twoThirds"]} gap="200">
                      <TextField
                        label={i === 0 ? "Site (default)" : "Site"}
                        autoComplete="off"
                        value={row.site}
                        error={errors[`reviewLinks.${i}.site`]}
                        onChange={(x) => setRows("reviewLinks", v.reviewLinks.map((r, j) => (j === i ? { ...r, site: x } : r)))}
                      />
                      <TextField
                        label="Review page URL"
                        type="url"
                        autoComplete="off"
                        value={row.url}
                        placeholder="https://g.page/r/…/review"
                        error={errors[`reviewLinks.${i}.url`]}
                        onChange={(x) => setRows("reviewLinks", v.reviewLinks.map((r, j) => (j === i ? { ...r, url: x } : r)))}
                      />
                    </InlineGrid>
                    <InlineStack gap="100" align="end">
                      <Button
                        icon={ArrowUpIcon}
                        accessibilityLabel={`Move ${row.site || `link ${i + 1}`} up`}
                        disabled={i === 0}
                        onClick={() => setRows("reviewLinks", move(v.reviewLinks, i, i - 1))}
                      />
                      <Button
                        icon={ArrowDownIcon}
                        accessibilityLabel={`Move ${row.site || `link ${i + 1}`} down`}
                        disabled={i === v.reviewLinks.length - 1}
                        onClick={() => setRows("reviewLinks", move(v.reviewLinks, i, i + 1))}
                      />
                      <Button
                        icon={DeleteIcon}
                        tone="critical"
                        accessibilityLabel={`Remove ${row.site || `link ${i + 1}`}`}
                        onClick={() => setRows("reviewLinks", v.reviewLinks.filter((_, j) => j !== i))}
                      />
                    </InlineStack>
                  </BlockStack>
                ))}
                {errors.reviewLinks ? (
                  <Text as="p" tone="critical">
                    {errors.reviewLinks}
                  </Text>
                ) : null}
                <Box>
                  <Button
                    icon={PlusIcon}
                    disabled={v.reviewLinks.length >= 10}
                    onClick={() =>
                      setRows("reviewLinks", [...v.reviewLinks, { site: v.reviewLinks.length === 0 ? "Google" : "", url: "" }])
                    }
                  >
                    Add review link
                  </Button>
                </Box>
              </BlockStack>
            </Card>
          </Layout.AnnotatedSection>

          <Layout.AnnotatedSection
            title="Feedback page"
            description="Lets customers tell you privately how it went, next to the links to public review sites."
          >
            <Card>
              <BlockStack gap="300">
                <Checkbox
                  label="Show the private feedback page"
                  checked={v.feedbackPageEnabled}
                  helpText="A customer who leaves feedback gets no further review requests for the job."
                  onChange={(x) => set("feedbackPageEnabled", x)}
                />
                <Checkbox
                  label="Email me new feedback"
                  checked={v.feedbackNotify}
                  error={errors.feedbackNotify}
                  helpText={
                    v.replyTo.trim()
                      ? `Each message is emailed to your reply-to address, ${v.replyTo.trim()}. It is always on the Feedback page.`
                      : "Needs a reply-to address (Sender details above). Feedback is always on the Feedback page."
                  }
                  onChange={(x) => set("feedbackNotify", x)}
                />
              </BlockStack>
            </Card>
          </Layout.AnnotatedSection>
        </Layout>
      </form>
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
