// Previous/next links for an admin list paginated by ?page=N. `query` (the list's other search
// parameters, e.g. "q=ann&status=active") is kept on both links so a search survives paging.
import { InlineStack, Pagination } from "@shopify/polaris";

function pageUrl(path: string, page: number, query?: string): string {
  const params = new URLSearchParams(query ?? "");
  params.delete("page");
  params.set("page", String(page));
  return `${path}?${params.toString()}`;
}

export function PagePagination({
  path,
  page,
  hasPrevious,
  hasNext,
  query,
  label,
}: {
  path: string;
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  query?: string;
  label?: string;
}) {
  return (
    <InlineStack align="center">
      <Pagination
        hasPrevious={hasPrevious}
        hasNext={hasNext}
        previousURL={hasPrevious ? pageUrl(path, page - 1, query) : undefined}
        nextURL={hasNext ? pageUrl(path, page + 1, query) : undefined}
        label={label ?? `Page ${page}`}
      />
    </InlineStack>
  );
}
