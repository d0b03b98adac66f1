// Every /app route module, with a sample path and params, for the checks that apply to all of
// them (authentication, headers, tenant isolation).
import * as layout from "~/routes/app";
import * as campaigns from "~/routes/app._index";
import * as campaignsAlias from "~/routes/app.campaigns._index";
import * as campaignEditor from "~/routes/app.campaigns.$id";
import * as presetPicker from "~/routes/app.campaigns.new";
import * as jobs from "~/routes/app.jobs";
import * as outbox from "~/routes/app.outbox";
import * as settings from "~/routes/app.settings";
import * as templateEditor from "~/routes/app.templates.$id";
import * as templates from "~/routes/app.templates._index";
import * as newTemplate from "~/routes/app.templates.new";

export const SOME_ID = "00000000-0000-4000-8000-000000000001";

export interface AdminRoute {
  file: string;
  path: string;
  params: Record<string, string>;
  module: { loader?: unknown; action?: unknown; headers?: unknown };
}

export const ADMIN_ROUTES: AdminRoute[] = [
  { file: "app.tsx", path: "/app", params: {}, module: layout },
  { file: "app._index.tsx", path: "/app?index", params: {}, module: campaigns },
  { file: "app.campaigns._index.tsx", path: "/app/campaigns", params: {}, module: campaignsAlias },
  { file: "app.campaigns.new.tsx", path: "/app/campaigns/new", params: {}, module: presetPicker },
  { file: "app.campaigns.$id.tsx", path: `/app/campaigns/${SOME_ID}`, params: { id: SOME_ID }, module: campaignEditor },
  { file: "app.templates._index.tsx", path: "/app/templates", params: {}, module: templates },
  { file: "app.templates.new.tsx", path: "/app/templates/new", params: {}, module: newTemplate },
  { file: "app.templates.$id.tsx", path: `/app/templates/${SOME_ID}`, params: { id: SOME_ID }, module: templateEditor },
  { file: "app.jobs.tsx", path: "/app/jobs", params: {}, module: jobs },
  { file: "app.settings.tsx", path: "/app/settings", params: {}, module: settings },
  { file: "app.outbox.tsx", path: "/app/outbox", params: {}, module: outbox },
];
