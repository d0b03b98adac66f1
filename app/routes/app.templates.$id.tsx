// Template editor: the business's templates are editable; system templates open read-only with
// "Duplicate". Deleting is refused (409) while a campaign uses the template. Changes are saved
// from the save bar, which also guards against leaving with unsaved changes. The preview uses the
// business's own details and, with ?customer=<id>, one of its recent customers.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, List, Modal, Page, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { z } from "zod";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { SaveBar } from "~/admin/components/SaveBar";
import { TemplateEditor, type TemplateValues } from "~/admin/components/TemplateEditor";
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
import { templatePreviewData } from "~/admin/preview.server";
import { templateFormSchema, templateInput } from "~/admin/template-form.server";
import { useResultToast } from "~/admin/toast";
import { templateChanged } from "~/admin/unsaved";
import { requireAdmin } from "~/auth/require-admin.server";
import { deleteTemplate, duplicateTemplate, getTemplate, updateTemplate } from "~/domain/templates.server";
import { getServices } from "~/services.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const { env, domain } = getServices();
  const t = await getTemplate(domain.db, business.id, params.id ?? "").catch(throwDomainError);
  const preview = await templatePreviewData(domain.db, business, env.APP_URL, new URL(request.url)).catch(throwDomainError);
  return {
    template: {
      id: t.id,
      name: t.name,
      channel: t.channel,
      subject: t.subject ?? "",
      body: t.body,
      isSystem: t.isSystem,
      usedBy: t.usedBy,
    },
    businessName: business.name,
    ...preview,
  };
}

const intentSchema = z.object({ intent: z.enum(["save", "duplicate", "delete"], { error: "unknown action" }) });

export async function action({ request, params }: ActionFunctionArgs) {
  const { business } = await requireAdmin(request);
  const form = await readForm(request);
  if (!form) return failure(400, BAD_FORM_MESSAGE);
  const intent = parseForm(intentSchema, form);
  if (!intent.ok) return intent.response;
  const deps = getServices().domain;
  const id = params.id ?? "";
  try {
    switch (intent.data.intent) {
      case "save": {
        const parsed = parseForm(templateFormSchema, form);
        if (!parsed.ok) return parsed.response;
        await updateTemplate(deps, business.id, id, templateInput(parsed.data));
        return success({ message: "Template saved" });
      }
      case "duplicate": {
        const copy = await duplicateTemplate(deps, business.id, id);
        return adminRedirect(`/app/templates/${copy.id}?notice=template_duplicated`);
      }
      case "delete": {
        await deleteTemplate(deps, business.id, id);
        return adminRedirect("/app/templates?notice=template_deleted");
      }
    }
  } catch (err) {
    return domainFailure(err);
  }
}

type Loaded = ReturnType<typeof useLoaderData<typeof loader>>;

function savedValues(template: Loaded["template"]): TemplateValues {
  return { name: template.name, channel: template.channel, subject: template.subject, body: template.body };
}

export default function EditTemplatePage() {
  const data = useLoaderData<typeof loader>();
  // A new template id (Duplicate opens the copy) is a new form, not this one's leftover state.
  return <EditTemplate key={data.template.id} data={data} />;
}

function EditTemplate({ data }: { data: Loaded }) {
  const { template, businessName, preview, customers } = data;
  const readOnly = template.isSystem;
  const [values, setValues] = useState<TemplateValues>(() => savedValues(template));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [deleting, setDeleting] = useState(false);
  const save = useFetcher<ActionResult>();
  const other = useFetcher<ActionResult>();
  useResultToast(save.data);
  useResultToast(other.data);
  useEffect(() => {
    if (save.state === "idle" && save.data) setErrors(save.data.ok ? {} : save.data.fieldErrors);
  }, [save.state, save.data]);
  useEffect(() => {
    if (other.state === "idle" && other.data && !other.data.ok) setDeleting(false);
  }, [other.state, other.data]);

  // Compared with what the loader last read (fresh after each save): trimmed text is no change.
  const dirty = !readOnly && templateChanged(savedValues(template), values);
  const saving = save.state !== "idle";
  const discard = () => {
    setValues(savedValues(template));
    setErrors({});
  };
  const submit = () => {
    const fields: Record<string, string> = { intent: "save", name: values.name, body: values.body };
    if (values.channel === "email") fields.subject = values.subject;
    save.submit(fields, { method: "post" });
  };
  const duplicate = () => other.submit({ intent: "duplicate" }, { method: "post" });
  const failed = [save.data, other.data].find((d) => d && !d.ok && Object.keys(d.fieldErrors).length === 0);

  return (
    <Page
      title={template.name}
      titleMetadata={
        <BlockStack inlineAlign="start">
          <Badge tone={readOnly ? "info" : undefined}>{`${template.channel === "sms" ? "SMS" : "Email"}${readOnly ? " · System" : ""}`}</Badge>
        </BlockStack>
      }
      backAction={{ content: "Templates", url: "/app/templates" }}
      primaryAction={readOnly ? { content: "Duplicate", loading: other.state !== "idle", onAction: duplicate } : undefined}
      secondaryActions={
        readOnly
          ? []
          : [
              // A copy is made of the saved template: unsaved changes first go through the guard.
              { content: "Duplicate", onAction: duplicate, disabled: dirty, helpText: dirty ? "Save or discard your changes first" : undefined },
              { content: "Delete", destructive: true, onAction: () => setDeleting(true) },
            ]
      }
    >
      {readOnly ? null : <SaveBar dirty={dirty} saving={saving} onSave={submit} onDiscard={discard} />}
      <BlockStack gap="400">
        {readOnly ? (
          <Banner tone="info" title="This is a system template">
            <p>System templates can&apos;t be changed. Duplicate it to get your own copy you can edit.</p>
          </Banner>
        ) : null}
        {failed && !failed.ok ? <Banner tone="critical">{failed.message}</Banner> : null}
        {template.usedBy.length ? (
          <Text as="p" tone="subdued">
            Used by {template.usedBy.map((u) => u.campaignName).join(", ")}: changes apply to their next messages.
          </Text>
        ) : null}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!readOnly) submit();
          }}
        >
          <TemplateEditor
            values={values}
            errors={errors}
            readOnly={readOnly}
            channelEditable={false}
            businessName={businessName}
            previewBusiness={preview}
            customers={customers}
            onChange={(next, field) => {
              setValues(next);
              setErrors(({ [field]: _, ...rest }) => rest);
            }}
          />
        </form>
      </BlockStack>
      {deleting ? (
        <Modal
          open
          onClose={() => setDeleting(false)}
          title={`Delete ${template.name}?`}
          primaryAction={
            template.usedBy.length
              ? undefined
              : {
                  content: "Delete template",
                  destructive: true,
                  loading: other.state !== "idle",
                  onAction: () => other.submit({ intent: "delete" }, { method: "post" }),
                }
          }
          secondaryActions={[{ content: template.usedBy.length ? "Close" : "Cancel", onAction: () => setDeleting(false) }]}
        >
          <Modal.Section>
            {template.usedBy.length ? (
              <BlockStack gap="200">
                <Text as="p">This template is used by these campaigns, so it can&apos;t be deleted yet:</Text>
                <List>
                  {template.usedBy.map((u) => (
                    <List.Item key={u.campaignId}>{u.campaignName}</List.Item>
                  ))}
                </List>
                <Text as="p">Choose another template in those campaigns first.</Text>
              </BlockStack>
            ) : (
              <Text as="p">The template will no longer be offered for campaigns. This can&apos;t be undone.</Text>
            )}
          </Modal.Section>
        </Modal>
      ) : null}
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
