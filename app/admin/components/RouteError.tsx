// Error pages of the admin. A 401 inside the host's frame is recovered (fresh token, one reload);
// outside any frame the page explains where to open Kudos from; a standalone session that ended
// goes to its sign-in page.
import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { useEffect } from "react";
import { BlockStack, Button, Card, Layout, Page, SkeletonBodyText, SkeletonPage, Text } from "@shopify/polaris";
import { useSessionRecovery } from "../bridge";

export function NotEmbeddedPage() {
  return (
    <Page narrowWidth>
      <Card>
        <BlockStack gap="300">
          <Text as="h1" variant="headingLg">
            Open Kudos from your admin
          </Text>
          <BlockStack gap="200">
            <Text as="p">
              Kudos runs inside your field-service platform&apos;s admin. Open the platform, go to its apps section and
              choose Kudos: the page signs you in automatically.
            </Text>
            <Text as="p" tone="subdued">
              This address only works inside that admin, so bookmarks and shared links to it open this page instead.
            </Text>
          </BlockStack>
        </BlockStack>
      </Card>
    </Page>
  );
}

function errorMessage(error: unknown): string | undefined {
  if (isRouteErrorResponse(error)) {
    const body = error.data as { error?: { message?: string }; message?: string } | string | null;
    if (typeof body === "string") return body;
    return body?.error?.message ?? body?.message;
  }
  return undefined;
}

/** The standalone admin's 401s say where to sign in again (app/auth/admin.server.ts). */
function signInPath(error: unknown): string | null {
  if (!isRouteErrorResponse(error)) return null;
  const signIn = (error.data as { error?: { signIn?: unknown } } | null)?.error?.signIn;
  return typeof signIn === "string" && signIn.startsWith("/auth/") ? signIn : null;
}

export function AdminErrorPage() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const signIn = status === 401 ? signInPath(error) : null;
  const recovery = useSessionRecovery(status === 401 && !signIn);
  useEffect(() => {
    if (signIn) window.location.assign(signIn);
  }, [signIn]);

  if (signIn) {
    return (
      <Page title="Your session ended" narrowWidth>
        <Card>
          <BlockStack gap="300">
            <Text as="p">{errorMessage(error) ?? "Sign in again to continue."}</Text>
            <div>
              <Button url={signIn}>Sign in again</Button>
            </div>
          </BlockStack>
        </Card>
      </Page>
    );
  }

  if (status === 401) {
    if (recovery === "top") return <NotEmbeddedPage />;
    if (recovery === "failed") {
      return (
        <Page title="Your session could not be verified" narrowWidth>
          <Card>
            <BlockStack gap="300">
              <Text as="p">{errorMessage(error) ?? "The admin did not send a valid session."}</Text>
              <Text as="p" tone="subdued">
                Reopen Kudos from your platform&apos;s admin. If Kudos was uninstalled, install it again from the app
                marketplace.
              </Text>
              <div>
                <Button onClick={() => window.location.reload()}>Try again</Button>
              </div>
            </BlockStack>
          </Card>
        </Page>
      );
    }
    // Checking whether we are framed, or fetching a fresh token before reloading.
    return (
      <SkeletonPage title="Connecting to your admin…">
        <Layout>
          <Layout.Section>
            <Card>
              <SkeletonBodyText lines={4} />
            </Card>
          </Layout.Section>
        </Layout>
      </SkeletonPage>
    );
  }

  const title = status === 404 ? "Not found" : status === 403 ? "Not allowed" : "Something went wrong";
  return (
    <Page title={title} backAction={{ content: "Home", url: "/app" }}>
      <Card>
        <BlockStack gap="200">
          <Text as="p">
            {errorMessage(error) ??
              (status === 404
                ? "This page doesn't exist, or it belongs to another account."
                : "Please try again. If it keeps happening, contact support.")}
          </Text>
        </BlockStack>
      </Card>
    </Page>
  );
}
