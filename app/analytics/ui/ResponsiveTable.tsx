// A DataTable on wide screens; on a phone, one block per row with each number named, so nothing
// scrolls sideways (a DataTable there becomes a scroll box that keyboards cannot reach). The first
// render is the table (server and hydration agree), the phone layout follows once measured.
import { BlockStack, Box, DataTable, Divider, InlineGrid, Text, useBreakpoints } from "@shopify/polaris";
import { Fragment } from "react";

type Cell = string;

export function ResponsiveTable({
  headings,
  rows,
  totals,
  totalsName,
}: {
  /** The first heading names the rows' own column (may be empty). */
  headings: string[];
  rows: Cell[][];
  /** A totals row (its first cell is ignored), shown last. */
  totals?: Cell[];
  totalsName?: string;
}) {
  const { mdDown } = useBreakpoints();
  if (!mdDown) {
    return (
      <DataTable
        columnContentTypes={headings.map((_, i) => (i === 0 ? "text" : "numeric"))}
        headings={headings}
        rows={rows}
        totals={totals}
        showTotalsInFooter={totals !== undefined}
        totalsName={totalsName ? { singular: totalsName, plural: totalsName } : undefined}
      />
    );
  }
  const all = totals ? [...rows, [totalsName ?? "Total", ...totals.slice(1)]] : rows;
  return (
    <Box paddingInline="400" paddingBlock="200">
      <BlockStack gap="300">
        {all.map((row, r) => (
          <Fragment key={r}>
            {r > 0 ? <Divider /> : null}
            <BlockStack gap="100">
              <Text as="p" fontWeight="semibold" breakWord>
                {row[0]}
              </Text>
              <InlineGrid columns={2} gap="100">
                {row.slice(1).map((value, c) => (
                  <Text as="p" variant="bodySm" key={c} breakWord>
                    <Text as="span" tone="subdued">
                      {headings[c + 1]}:
                    </Text>{" "}
                    {value}
                  </Text>
                ))}
              </InlineGrid>
            </BlockStack>
          </Fragment>
        ))}
      </BlockStack>
    </Box>
  );
}
