// New template (email or SMS, from ?channel=); saving (from the save bar) opens it in the editor.
// Leaving after editing the starter text asks first.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Page } from "@shopify/polaris";
import { useEffect, useState } from "react";
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
  throwDomainError,
  type ActionResult,
} from "~/admin/http.server";
import { templatePreviewData } from "~/admin/preview.server";
import { templateFormSchema, templateInput } from "~/admin/template-form.server";
import { starterTemplate } from "~/admin/template-starters";
import { useResultToast } from "~/admin/toast";
import { templateChanged } from "~/admin/unsaved";
import { requireAdmin } from "~/auth/require-admin.server";
import { createTemplate } from "~/domain/templates.server";
import { getServices } from "~/services.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const { env, domain } = getServices();
  const url = new URL(request.url);
  const channel: "email" | "sms" = url.searchParams.get("channel") === "sms" ? "sms" : "email";
  const preview = await templatePreviewData(domain.db, business, env.APP_URL, url).catch(throwDomainError);
  return { channel, businessName: business.name, ...preview };
}

export async function action({ request }: ActionFunctionArgs) {
  const { business } = await requireAdmin(request);
  const form = await readForm(request);
  if (!form) return failure(400, BAD_FORM_MESSAGE);
  const parsed = parseForm(templateFormSchema, form);
  if (!parsed.ok) return parsed.response;
  try {
    const template = await createTemplate(getServices().domain, business.id, templateInput(parsed.data));
    return adminRedirect(`/app/templates/${template.id}?notice=template_created`);
  } catch (err) {
    return domainFailure(err);
  }
}

export default function NewTemplate() {
  const { channel, businessName, preview, customers } = useLoaderData<typeof loader>();
  const [values, setValues] = useState<TemplateValues>(() => starterTemplate(channel));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useFetcher<ActionResult>();
  useResultToast(save.data);
  useEffect(() => {
    if (save.state === "idle" && save.data && !save.data.ok) setErrors(save.data.fieldErrors);
  }, [save.state, save.data]);

  const submit = () => {
    const fields: Record<string, string> = { name: values.name, channel: values.channel, body: values.body };
    if (values.channel === "email") fields.subject = values.subject;
    save.submit(fields, { method: "post" });
  };
  // Nothing is saved yet, so the bar is always there; leaving asks only once the starter changed.
  const dirty = templateChanged(starterTemplate(values.channel), values);
  const discard = () => {
    setValues(starterTemplate(channel));
    setErrors({});
  };

  return (
    <Page title={values.channel === "sms" ? "New SMS template" : "New email template"} backAction={{ content: "Templates", url: "/app/templates" }}>
      <SaveBar dirty={dirty} alwaysVisible message="Unsaved template" saving={save.state !== "idle"} onSave={submit} onDiscard={discard} />
      <BlockStack gap="400">
        {save.data && !save.data.ok && Object.keys(save.data.fieldErrors).length === 0 ? (
          <Banner tone="critical">{save.data.message}</Banner>
        ) : null}
        <TemplateEditor
          values={values}
          errors={errors}
          readOnly={false}
          channelEditable
          businessName={businessName}
          previewBusiness={preview}
          customers={customers}
          onChange={(next, field) => {
            // Switching channel swaps the starter text, unless it was already edited.
            const starter = starterTemplate(values.channel);
            const untouched = values.body === starter.body && values.subject === starter.subject;
            setValues(field === "channel" && untouched ? starterTemplate(next.channel) : next);
            setErrors(({ [field]: _, ...rest }) => rest);
          }}
        />
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
