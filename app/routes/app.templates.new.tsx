// New template (email or SMS, from ?channel=); saving opens it in the editor.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Page } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { TemplateEditor, type TemplateValues } from "~/admin/components/TemplateEditor";
import { adminRedirect, BAD_FORM_MESSAGE, domainFailure, failure, parseForm, readForm, type ActionResult } from "~/admin/http.server";
import { templateFormSchema, templateInput } from "~/admin/template-form.server";
import { starterTemplate } from "~/admin/template-starters";
import { useResultToast } from "~/admin/toast";
import { requireAdmin } from "~/auth/require-admin.server";
import { createTemplate } from "~/domain/templates.server";
import { getServices } from "~/services.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { business } = await requireAdmin(request);
  const channel = new URL(request.url).searchParams.get("channel") === "sms" ? "sms" : "email";
  return { channel, businessName: business.name } as { channel: "email" | "sms"; businessName: string };
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
  const { channel, businessName } = useLoaderData<typeof loader>();
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

  return (
    <Page
      title={values.channel === "sms" ? "New SMS template" : "New email template"}
      backAction={{ content: "Templates", url: "/app/templates" }}
      primaryAction={{ content: "Save", loading: save.state !== "idle", onAction: submit }}
    >
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
