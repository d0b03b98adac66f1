// Template editor: name, channel (new templates only), subject and body, a variable menu that
// inserts {{name}} at the cursor, and a live preview as the customer would see it (the same
// renderers the engine sends with, under the merchant's own business name, address, phone and
// review link, so the SMS name prefix and the text count are those of the text that will be
// sent), for a sample customer or one of the business's recent customers.
import {
  ActionList,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  FormLayout,
  InlineStack,
  Layout,
  Popover,
  Select,
  Tabs,
  Text,
  TextField,
} from "@shopify/polaris";
import { useFetcher, useLocation } from "@remix-run/react";
import { useMemo, useState } from "react";
import {
  customerName,
  smsCounterText,
  templatePreviewContext,
  type PreviewBusiness,
  type PreviewCustomer,
  type PreviewCustomerOption,
} from "~/admin/preview";
import { useResultToast } from "~/admin/toast";
import { renderEmail, renderSms, smsSegments, TEMPLATE_VARIABLES, type RenderContext } from "~/engine/render";
import { SmsBubble } from "./SmsBubble";

export type TemplateChannel = "email" | "sms";

export interface TemplateValues {
  name: string;
  channel: TemplateChannel;
  subject: string;
  body: string;
}

type Field = "subject" | "body";

const FIELD_IDS: Record<Field, string> = { subject: "template-subject", body: "template-body" };

/** Inserts `token` over the field's current selection; returns the new value and caret. */
export function insertAt(value: string, start: number | null, end: number | null, token: string) {
  const from = Math.min(Math.max(start ?? value.length, 0), value.length);
  const to = Math.min(Math.max(end ?? from, from), value.length);
  return { value: value.slice(0, from) + token + value.slice(to), caret: from + token.length };
}

function VariableMenu({ channel, target, onInsert, disabled }: { channel: TemplateChannel; target: Field; onInsert(token: string): void; disabled: boolean }) {
  const [open, setOpen] = useState(false);
  const variables = TEMPLATE_VARIABLES.filter((v) => (v.channels as readonly string[]).includes(channel));
  return (
    <Popover
      active={open}
      preventFocusOnClose
      autofocusTarget="first-node"
      onClose={() => setOpen(false)}
      activator={
        <Button disclosure onClick={() => setOpen((o) => !o)} disabled={disabled}>
          {`Insert variable into ${target}`}
        </Button>
      }
    >
      <ActionList
        actionRole="menuitem"
        items={variables.map((v) => ({
          content: `{{${v.name}}}`,
          helpText: v.description,
          onAction: () => {
            setOpen(false);
            onInsert(`{{${v.name}}}`);
          },
        }))}
      />
    </Popover>
  );
}

function EmailPreview({ subject, body, context }: { subject: string; body: string; context: RenderContext }) {
  const [tab, setTab] = useState(0);
  const rendered = useMemo(() => renderEmail({ subject, body }, context), [subject, body, context]);
  return (
    <BlockStack gap="300">
      <Text as="p">
        <Text as="span" tone="subdued">
          Subject:{" "}
        </Text>
        <Text as="span" fontWeight="semibold">
          {rendered.subject || "(no subject)"}
        </Text>
      </Text>
      <Tabs
        tabs={[
          { id: "email-preview-html", content: "Email", panelID: "email-preview-html-panel" },
          { id: "email-preview-text", content: "Plain text", panelID: "email-preview-text-panel" },
        ]}
        selected={tab}
        onSelect={setTab}
        fitted
      />
      {tab === 0 ? (
        <div id="email-preview-html-panel">
          <iframe
            title="Email preview"
            sandbox=""
            srcDoc={rendered.html}
            style={{ width: "100%", height: 460, border: "1px solid var(--p-color-border)", borderRadius: 8, background: "#fff" }}
          />
        </div>
      ) : (
        <div id="email-preview-text-panel">
          <Box padding="300" background="bg-surface-secondary" borderRadius="200">
            <pre style={{ margin: 0, whiteSpace: "pre-wrap", fontFamily: "inherit" }}>{rendered.text}</pre>
          </Box>
        </div>
      )}
    </BlockStack>
  );
}

function SmsPreview({ body, context }: { body: string; context: RenderContext }) {
  const rendered = useMemo(() => renderSms({ body }, context, { firstToNumber: true }), [body, context]);
  const info = smsSegments(rendered.body);
  return (
    <BlockStack gap="300">
      <SmsBubble from={context.business.name} body={rendered.body} />
      <Text as="p" tone="subdued">
        {smsCounterText(rendered.body)}
      </Text>
      {info.segments > 2 ? (
        <Banner tone="warning" title={`This message is sent as ${info.segments} texts`}>
          <p>
            Carriers bill every text, and long messages can arrive split. Keep it to 2 texts or fewer
            {info.encoding === "UCS-2" ? ": emoji and some symbols make each text shorter" : ""}.
          </p>
        </Banner>
      ) : null}
      <Text as="p" tone="subdued">
        The first text a number gets from you ends with “Reply STOP to opt out”, and “{context.business.name}:” is added
        at the start when the text doesn&apos;t begin with your business name.
      </Text>
    </BlockStack>
  );
}

/** Sends what is in the editor now (saved or not) to the merchant's own address or number (POST /app/test-send). */
function SendTestButton({ channel, subject, body }: { channel: TemplateChannel; subject: string; body: string }) {
  const fetcher = useFetcher<{ ok: boolean; message: string }>();
  useResultToast(fetcher.state === "idle" ? fetcher.data : undefined);
  return (
    <InlineStack>
      <Button loading={fetcher.state !== "idle"} onClick={() => fetcher.submit({ channel, subject, body }, { method: "post", action: "/app/test-send" })}>
        Send test to myself
      </Button>
    </InlineStack>
  );
}

export function TemplateEditor({
  values,
  onChange,
  errors,
  readOnly,
  channelEditable,
  businessName,
  previewBusiness,
  customers = [],
}: {
  values: TemplateValues;
  onChange(next: TemplateValues, field: keyof TemplateValues): void;
  errors: Record<string, string>;
  readOnly: boolean;
  channelEditable: boolean;
  /** The merchant's business name: the preview renders under it, as the send will. */
  businessName?: string;
  /** The business's own address, phone and review link (preview.server.ts), for the preview. */
  previewBusiness?: PreviewBusiness;
  /** The business's recent customers the preview can be shown for. */
  customers?: PreviewCustomerOption[];
}) {
  const [target, setTarget] = useState<Field>("body");
  // A real customer's names and job come from the page's loader (?customer=<id>, 404 unless the
  // customer is this business's); the preview waits for them, then re-renders.
  const [customerId, setCustomerId] = useState("");
  const customerFetcher = useFetcher<{ previewCustomer?: PreviewCustomer | null }>();
  const location = useLocation();
  const loaded = customerFetcher.data?.previewCustomer;
  const customer = customerId && loaded?.id === customerId ? loaded : null;
  const chooseCustomer = (id: string) => {
    setCustomerId(id);
    if (!id) return;
    const params = new URLSearchParams(location.search);
    params.set("customer", id);
    customerFetcher.load(`${location.pathname}?${params}`);
  };
  const context = useMemo(() => templatePreviewContext(previewBusiness, businessName, customer), [previewBusiness, businessName, customer]);
  const field: Field = values.channel === "sms" ? "body" : target;

  const insert = (token: string) => {
    const el = document.getElementById(FIELD_IDS[field]) as HTMLInputElement | HTMLTextAreaElement | null;
    const current = values[field];
    const { value, caret } = insertAt(current, el?.selectionStart ?? null, el?.selectionEnd ?? null, token);
    onChange({ ...values, [field]: value }, field);
    requestAnimationFrame(() => {
      const input = document.getElementById(FIELD_IDS[field]) as HTMLInputElement | HTMLTextAreaElement | null;
      input?.focus();
      input?.setSelectionRange(caret, caret);
    });
  };

  return (
    <Layout>
      <Layout.Section>
        <Card>
          <FormLayout>
            <TextField
              label="Name"
              name="name"
              autoComplete="off"
              value={values.name}
              disabled={readOnly}
              error={errors.name}
              helpText="Only you see this name, when choosing templates for a campaign."
              onChange={(v) => onChange({ ...values, name: v }, "name")}
            />
            {channelEditable ? (
              <Select
                label="Channel"
                name="channel"
                options={[
                  { label: "Email", value: "email" },
                  { label: "SMS", value: "sms" },
                ]}
                value={values.channel}
                error={errors.channel}
                onChange={(v) => onChange({ ...values, channel: v as TemplateChannel }, "channel")}
              />
            ) : null}
            {values.channel === "email" ? (
              <TextField
                id={FIELD_IDS.subject}
                label="Subject"
                name="subject"
                autoComplete="off"
                value={values.subject}
                disabled={readOnly}
                error={errors.subject}
                onFocus={() => setTarget("subject")}
                onChange={(v) => onChange({ ...values, subject: v }, "subject")}
              />
            ) : null}
            <TextField
              id={FIELD_IDS.body}
              label={values.channel === "email" ? "Body" : "Text message"}
              name="body"
              autoComplete="off"
              multiline={values.channel === "email" ? 12 : 5}
              value={values.body}
              disabled={readOnly}
              error={errors.body}
              helpText={
                values.channel === "email"
                  ? "Plain text: blank lines separate paragraphs, and {{review_link}} on a line of its own becomes a button. The unsubscribe footer and your address are added automatically."
                  : "Must include {{review_link}}."
              }
              onFocus={() => setTarget("body")}
              onChange={(v) => onChange({ ...values, body: v }, "body")}
            />
            {readOnly ? null : (
              <InlineStack>
                <VariableMenu channel={values.channel} target={field} onInsert={insert} disabled={readOnly} />
              </InlineStack>
            )}
          </FormLayout>
        </Card>
      </Layout.Section>
      <Layout.Section variant="oneThird">
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              Preview
            </Text>
            {customers.length ? (
              <Select
                label="Preview for"
                options={[{ label: "A sample customer", value: "" }, ...customers.map((c) => ({ label: c.label, value: c.id }))]}
                value={customerId}
                onChange={chooseCustomer}
                helpText="Your 10 most recent customers: see the message with their name and job."
              />
            ) : null}
            <Text as="p" tone="subdued">
              {customer
                ? `For ${customerName(customer) || "a customer without a name"}, after their ${customer.serviceType?.trim() || "latest job"}, from ${context.business.name}.`
                : customerId
                  ? "Loading the customer…"
                  : `With sample data: ${context.customer.firstName} ${context.customer.lastName}, a ${context.serviceType} for ${context.business.name}.`}
            </Text>
            {previewBusiness && !previewBusiness.reviewUrl ? (
              <Banner tone="warning">Add your review page in Settings: until then the review link has nowhere to send customers.</Banner>
            ) : null}
            {previewBusiness && values.channel === "email" && !previewBusiness.physicalAddress ? (
              <Banner tone="warning">Add your mailing address in Settings: emails are not sent without it.</Banner>
            ) : null}
            {values.channel === "email" ? (
              <EmailPreview subject={values.subject} body={values.body} context={context} />
            ) : (
              <SmsPreview body={values.body} context={context} />
            )}
            {previewBusiness?.reviewUrl ? (
              <Text as="p" tone="subdued" breakWord>
                The review link opens {previewBusiness.reviewUrl}, through Kudos so the click is counted.
              </Text>
            ) : null}
            <SendTestButton channel={values.channel} subject={values.subject} body={values.body} />
          </BlockStack>
        </Card>
      </Layout.Section>
    </Layout>
  );
}
