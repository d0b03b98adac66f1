// Charts (Shopify polaris-viz). polaris-viz measures the DOM and animates with react-spring, so
// it is loaded in the browser only, after hydration: the server render (and a browser without
// JavaScript) shows a placeholder, and the tables beside the charts carry the same numbers.
// Loading it lazily also keeps it out of the server bundle's imports altogether.
// Each chart is a figure named by its card's heading and pointing at the table with its numbers.
// The drawing itself is hidden from assistive technology: polaris-viz marks its SVG and legend up
// as lists whose children are not list items (axe: aria-required-children), and the tables say
// everything it shows. So the chart draws no legend of its own (its legend entries are buttons,
// which may not sit inside aria-hidden) and the series have fixed colours, repeated in a plain
// legend below. Counts are on a plain-number axis; rates are drawn elsewhere on a fixed 0–100%
// scale.
import { SkeletonBodyText, Text } from "@shopify/polaris";
import type * as PolarisVizModule from "@shopify/polaris-viz";
import { useEffect, useState } from "react";
import type { FunnelCounts } from "../analytics.server";
import type { TrendWeek } from "../trend.server";
import { formatWeekStart } from "./format";
import { METRICS, requestLabel } from "./labels";

type PolarisViz = typeof PolarisVizModule;

function usePolarisViz(): PolarisViz | null {
  const [viz, setViz] = useState<PolarisViz | null>(null);
  useEffect(() => {
    let live = true;
    import("@shopify/polaris-viz").then(
      (m) => live && setViz(m),
      () => {}, // stays on the placeholder; the tables still have every number
    );
    return () => {
      live = false;
    };
  }, []);
  return viz;
}

interface Series {
  name: string;
  color: string;
  data: { key: string; value: number }[];
}

function ChartFrame({
  viz,
  labelledBy,
  describedBy,
  tableHint,
  series,
  children,
}: {
  viz: PolarisViz | null;
  /** The id of the heading that names the chart. */
  labelledBy: string;
  describedBy?: string;
  /** Where the same numbers are, for whoever cannot read the chart. */
  tableHint: string;
  series: Series[];
  children: (viz: PolarisViz) => JSX.Element;
}) {
  return (
    <figure aria-labelledby={labelledBy} aria-describedby={describedBy} style={{ margin: 0 }}>
      <div aria-hidden="true">
        <div style={{ height: 260 }}>
          {viz ? <viz.PolarisVizProvider>{children(viz)}</viz.PolarisVizProvider> : <SkeletonBodyText lines={8} />}
        </div>
        <ul style={{ display: "flex", flexWrap: "wrap", gap: "4px 16px", listStyle: "none", margin: "8px 0 0", padding: 0 }}>
          {series.map((s) => (
            <li key={s.name} style={{ display: "flex", alignItems: "center", gap: 6 }}>
              <span style={{ width: 12, height: 12, borderRadius: 3, background: s.color, display: "inline-block" }} />
              <Text as="span" variant="bodySm">
                {s.name}
              </Text>
            </li>
          ))}
        </ul>
      </div>
      <figcaption>
        <Text as="span" visuallyHidden>
          {tableHint}
        </Text>
      </figcaption>
    </figure>
  );
}

/** Fixed series colours (Polaris palette), so the plain legend matches the bars. */
const COLORS = { planned: "#8a8a8a", sent: "#005bd3", delivered: "#7f4afa", clicked: "#29845a" } as const;

/** Whole numbers on the axis: these are counts of requests. */
const COUNT_AXIS = { integersOnly: true, labelFormatter: (value: string | number | null) => `${value ?? 0}` };

type ByPosition = (FunnelCounts & { position: number })[];

export function FunnelChart({ byPosition, showDelivered, labelledBy }: { byPosition: ByPosition; showDelivered: boolean; labelledBy: string }) {
  const viz = usePolarisViz();
  const series = (name: string, color: string, pick: (c: FunnelCounts) => number): Series => ({
    name,
    color,
    data: byPosition.map((p) => ({ key: requestLabel(p.position), value: pick(p) })),
  });
  const data = [
    series(METRICS.planned.label, COLORS.planned, (c) => c.scheduled),
    series(METRICS.sent.label, COLORS.sent, (c) => c.sent),
    ...(showDelivered ? [series(METRICS.delivered.label, COLORS.delivered, (c) => c.delivered)] : []),
    series(METRICS.clicked.label, COLORS.clicked, (c) => c.clicked),
  ];
  return (
    <ChartFrame viz={viz} labelledBy={labelledBy} series={data} tableHint="The same numbers are in the table “What happened to each request” below.">
      {(v) => (
        <v.BarChart
          theme="Light"
          data={data}
          showLegend={false}
          yAxisOptions={COUNT_AXIS}
          emptyStateText="No requests in this period"
        />
      )}
    </ChartFrame>
  );
}

export function WeeklyTrendChart({ weeks, labelledBy, describedBy }: { weeks: TrendWeek[]; labelledBy: string; describedBy: string }) {
  const viz = usePolarisViz();
  const series = (name: string, color: string, pick: (w: TrendWeek) => number): Series => ({
    name,
    color,
    data: weeks.map((w) => ({ key: formatWeekStart(w.from), value: pick(w) })),
  });
  const data = [series("Requests sent", COLORS.sent, (w) => w.sent), series("Review-link clicks", COLORS.clicked, (w) => w.clicked)];
  return (
    <ChartFrame
      viz={viz}
      labelledBy={labelledBy}
      describedBy={describedBy}
      series={data}
      tableHint="The same numbers are in the table under “Show the numbers as a table”."
    >
      {(v) => (
        <v.BarChart
          theme="Light"
          data={data}
          showLegend={false}
          yAxisOptions={COUNT_AXIS}
          emptyStateText="No requests in this period"
        />
      )}
    </ChartFrame>
  );
}
