// Polaris's links (Navigation items, Button url, EmptyState actions, row links) rendered as Remix
// Links, so moving between admin pages is a client-side navigation: its data requests go through
// the authenticated fetch. A full page load would carry no session token.
import { Link } from "@remix-run/react";
import type { AppProviderProps } from "@shopify/polaris";
import { forwardRef, type ComponentProps } from "react";

type LinkLikeProps = ComponentProps<NonNullable<AppProviderProps["linkComponent"]>>;

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;

export const PolarisRemixLink = forwardRef<HTMLAnchorElement, LinkLikeProps>(function PolarisRemixLink(
  { url, external, children, download, ...rest },
  ref,
) {
  if (external || download || ABSOLUTE.test(url) || url.startsWith("//")) {
    return (
      <a
        ref={ref}
        href={url}
        {...rest}
        {...(external ? { target: "_blank", rel: "noopener noreferrer" } : {})}
        {...(download ? { download: download === true ? "" : download } : {})}
      >
        {children}
      </a>
    );
  }
  return (
    <Link ref={ref} to={url} {...rest}>
      {children}
    </Link>
  );
});
