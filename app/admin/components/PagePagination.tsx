// Previous/next links for an admin list paginated by ?page=N.
import { InlineStack, Pagination } from "@shopify/polaris";

export function PagePagination({ path, page, hasPrevious, hasNext }: { path: string; page: number; hasPrevious: boolean; hasNext: boolean }) {
  return (
    <InlineStack align="center">
      <Pagination
        hasPrevious={hasPrevious}
        hasNext={hasNext}
        previousURL={hasPrevious ? `${path}?page=${page - 1}` : undefined}
        nextURL={hasNext ? `${path}?page=${page + 1}` : undefined}
        label={`Page ${page}`}
      />
    </InlineStack>
  );
}
