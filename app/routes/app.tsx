// The embedded admin's layout: authenticates the session token (every /app page and action does
// too), lets the hosts' admin origins frame it, and wraps the pages in Polaris's Frame with the
// app's navigation. In the browser it installs the session-token bridge (app/admin/bridge.tsx).
import { data, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Outlet, useLoaderData, useLocation, useNavigation, type MetaFunction, type ShouldRevalidateFunction } from "@remix-run/react";
import {
  AppProvider,
  Card,
  Frame,
  Layout,
  Loading,
  Navigation,
  SkeletonBodyText,
  SkeletonDisplayText,
  SkeletonPage,
  Text,
  TopBar,
  useBreakpoints,
} from "@shopify/polaris";
import {
  ChartVerticalIcon,
  ChatIcon,
  EmailIcon,
  EnvelopeIcon,
  HomeIcon,
  MegaphoneIcon,
  PersonLockIcon,
  SettingsIcon,
  WorkIcon,
} from "@shopify/polaris-icons";
import enTranslations from "@shopify/polaris/locales/en.json";
import adminStyles from "~/admin/admin.css";
import { useCallback, useEffect, useState } from "react";
import { useCsrfFetch, useFrameState, useSessionTokenBridge } from "~/admin/bridge";
import { AdminErrorPage, NotEmbeddedPage } from "~/admin/components/RouteError";
import { NO_STORE } from "~/admin/http.server";
import { outboxInUse } from "~/admin/outbox.server";
import { PolarisRemixLink } from "~/admin/polaris-link";
import { ToastProvider } from "~/admin/toast";
import { frameAncestorsHeader } from "~/auth/csp.server";
import { requireAdmin } from "~/auth/require-admin.server";
import { getServices } from "~/services.server";

/**
 * Every /app response (documents, data requests, errors: the pages export no headers of their
 * own, so they inherit these) may be framed only by the enabled hosts' admins and is never cached.
 */
export const headers: HeadersFunction = ({ loaderHeaders }) => {
  // The standalone admin (a cookie session) is never framed; the embedded one by its hosts only.
  const standalone = loaderHeaders.get("X-Kudos-Admin-Mode") === "standalone";
  const csp = standalone ? { name: "Content-Security-Policy", value: "frame-ancestors 'none'" } : frameAncestorsHeader("/app", getServices().hosts.manifests());
  return { [csp.name]: csp.value, ...NO_STORE };
};

interface LayoutData {
  businessName: string;
  mode: "embedded" | "standalone";
  adminOrigin: string | null;
  csrfToken: string | null;
  outboxInUse: boolean;
  topLevelDocument: boolean;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await requireAdmin(request);
  return data<LayoutData>(
    {
      businessName: admin.business.name,
      mode: admin.mode,
      adminOrigin: admin.adminOrigin,
      csrfToken: admin.csrfToken,
      outboxInUse: outboxInUse(getServices().env),
      // A document load the browser says is top-level (not in a frame): the host admin is not around.
      topLevelDocument: request.headers.get("Sec-Fetch-Dest") === "document",
    },
    { headers: { "X-Kudos-Admin-Mode": admin.mode } },
  );
}

// The campaign editor's timeline preview posts to its action without changing anything.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) =>
  formData?.get("intent") === "preview" ? false : defaultShouldRevalidate;

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];

/** Every admin page's document title names its section; pages may name themselves more precisely. */
export const meta: MetaFunction = ({ location }) => {
  const section = navItems(location.pathname, true).find((i) => i.selected)?.label;
  return [{ title: section ? `${section} · Kudos` : "Kudos" }];
};

function isUnder(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/** The admin's sections, in navigation order (the phone's top bar names the current one). */
function navItems(pathname: string, outbox: boolean) {
  return [
    { url: "/app", label: "Home", icon: HomeIcon, selected: pathname === "/app" || pathname === "/app/" },
    { url: "/app/campaigns", label: "Campaigns", icon: MegaphoneIcon, selected: isUnder(pathname, "/app/campaigns") },
    { url: "/app/templates", label: "Templates", icon: EmailIcon, selected: isUnder(pathname, "/app/templates") },
    { url: "/app/jobs", label: "Jobs", icon: WorkIcon, selected: isUnder(pathname, "/app/jobs") },
    { url: "/app/feedback", label: "Feedback", icon: ChatIcon, selected: isUnder(pathname, "/app/feedback") },
    { url: "/app/analytics", label: "Analytics", icon: ChartVerticalIcon, selected: isUnder(pathname, "/app/analytics") },
    { url: "/app/data-requests", label: "Data requests", icon: PersonLockIcon, selected: isUnder(pathname, "/app/data-requests") },
    { url: "/app/settings", label: "Settings", icon: SettingsIcon, selected: isUnder(pathname, "/app/settings") },
    ...(outbox ? [{ url: "/app/outbox", label: "Outbox", icon: EnvelopeIcon, selected: isUnder(pathname, "/app/outbox") }] : []),
  ];
}

function AdminNavigation({ outbox }: { outbox: boolean }) {
  const { pathname } = useLocation();
  const items = navItems(pathname, outbox);
  return (
    <Navigation location={pathname} ariaLabelledBy="kudos-nav-title">
      <Text as="h2" visuallyHidden id="kudos-nav-title">
        Kudos
      </Text>
      <Navigation.Section items={items} />
    </Navigation>
  );
}

function PageSkeleton() {
  return (
    <SkeletonPage primaryAction>
      <Layout>
        <Layout.Section>
          <Card>
            <SkeletonDisplayText size="small" />
            <SkeletonBodyText lines={6} />
          </Card>
        </Layout.Section>
      </Layout>
    </SkeletonPage>
  );
}

export default function AdminLayout() {
  const { businessName, mode, adminOrigin, csrfToken, outboxInUse: outbox, topLevelDocument } = useLoaderData<LayoutData>();
  const frame = useFrameState();
  useSessionTokenBridge(adminOrigin);
  useCsrfFetch(csrfToken);
  const location = useLocation();
  const navigation = useNavigation();
  const [mobileNav, setMobileNav] = useState(false);
  const toggleNav = useCallback(() => setMobileNav((v) => !v), []);
  // Choosing a page on a phone closes the navigation it was chosen from.
  useEffect(() => setMobileNav(false), [location.pathname]);
  const { smDown } = useBreakpoints();
  const section = navItems(location.pathname, outbox).find((i) => i.selected)?.label;

  if (mode === "embedded" && (frame === "top" || (frame === "unknown" && topLevelDocument))) return <NotEmbeddedPage />;

  // Another page is loading: show its skeleton rather than the old page (the data of a
  // revalidation after a save or of a search on the same page keeps the page on screen).
  const changingPage = navigation.state === "loading" && navigation.location.pathname !== location.pathname;

  return (
    <AppProvider i18n={enTranslations} linkComponent={PolarisRemixLink}>
      <Frame
        topBar={
          <TopBar
            showNavigationToggle
            onNavigationToggle={toggleNav}
            secondaryMenu={
              mode === "standalone" ? (
                // A plain form: the browser's own POST carries the Origin the sign-out checks.
                <form method="post" action="/auth/logout" style={{ display: "flex", alignItems: "center", height: "100%", padding: "0 var(--p-space-300)" }}>
                  <button type="submit" style={{ background: "none", border: 0, color: "var(--p-color-text-inverse)", cursor: "pointer", font: "inherit" }}>
                    Sign out
                  </button>
                </form>
              ) : undefined
            }
            contextControl={
              <div style={{ display: "flex", alignItems: "center", height: "var(--pg-top-bar-height, 3.5rem)", padding: "0 var(--p-space-400)", color: "var(--p-color-text-inverse)" }}>
                <Text as="span" variant="headingSm" truncate>
                  {smDown && section ? section : `Kudos · ${businessName}`}
                </Text>
              </div>
            }
          />
        }
        navigation={<AdminNavigation outbox={outbox} />}
        showMobileNavigation={mobileNav}
        onNavigationDismiss={toggleNav}
      >
        {navigation.state !== "idle" ? <Loading /> : null}
        <ToastProvider>{changingPage ? <PageSkeleton /> : <Outlet />}</ToastProvider>
      </Frame>
    </AppProvider>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
