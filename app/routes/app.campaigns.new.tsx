// Preset picker: the three system presets side by side; "Use this template" copies one (with its
// own copies of the templates) into a paused campaign and opens it in the editor.
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Layout, Page } from "@shopify/polaris";
import { z } from "zod";
import { presetCards } from "~/admin/campaigns-view.server";
import { PresetPicker } from "~/admin/components/PresetPicker";
import { AdminErrorPage } from "~/admin/components/RouteError";
import { adminRedirect, BAD_FORM_MESSAGE, domainFailure, failure, parseForm, readForm, type ActionFailure } from "~/admin/http.server";
import { requireAdmin } from "~/auth/require-admin.server";
import { duplicateCampaign } from "~/domain/campaigns.server";
import { getServices } from "~/services.server";

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  return { presets: await presetCards(getServices().domain.db) };
}

const useSchema = z.object({ presetId: z.string({ error: "is required" }).uuid("must be a preset id") });

export async function action({ request }: ActionFunctionArgs) {
  const { business } = await requireAdmin(request);
  const form = await readForm(request);
  if (!form) return failure(400, BAD_FORM_MESSAGE);
  const parsed = parseForm(useSchema, form);
  if (!parsed.ok) return parsed.response;
  try {
    // A preset, or one of this business's own campaigns; another business's is "not found".
    const copy = await duplicateCampaign(getServices().domain, business.id, parsed.data.presetId);
    return adminRedirect(`/app/campaigns/${copy.id}?notice=campaign_created`);
  } catch (err) {
    return domainFailure(err);
  }
}

export default function NewCampaign() {
  const { presets } = useLoaderData<typeof loader>();
  const failed = useActionData<ActionFailure>();
  return (
    <Page
      title="Choose a preset"
      subtitle="Start from a proven sequence; you can change every touch afterwards."
      backAction={{ content: "Campaigns", url: "/app/campaigns" }}
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {failed && !failed.ok ? <Banner tone="critical">{failed.message}</Banner> : null}
            <PresetPicker presets={presets} />
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
