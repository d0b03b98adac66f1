// Charts (Shopify polaris-viz). polaris-viz measures the DOM and animates with react-spring, so
// it is loaded in the browser only, after hydration: the server render (and a browser without
// JavaScript) shows a placeholder, and the tables beside the charts carry the same numbers.
// Loading it lazily also keeps it out of the server bundle's imports altogether.
import { SkeletonBodyText, Text } from "@shopify/polaris";
import type * as PolarisVizModule from "@shopify/polaris-viz";
import { useEffect, useState } from "react";
import type { FunnelCounts } from "../analytics.server";
import { channelLabel } from "~/admin/labels";

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

function ChartFrame({ viz, label, children }: { viz: PolarisViz | null; label: string; children: (viz: PolarisViz) => JSX.Element }) {
  return (
    <div style={{ height: 280 }}>
      {viz ? (
        <viz.PolarisVizProvider>{children(viz)}</viz.PolarisVizProvider>
      ) : (
        <>
          <Text as="span" visuallyHidden>
            {label}: see the table below.
          </Text>
          <SkeletonBodyText lines={8} />
        </>
      )}
    </div>
  );
}

type ByPosition = (FunnelCounts & { position: number })[];
type ByChannel = (FunnelCounts & { channel: "email" | "sms" })[];

export function FunnelChart({ byPosition }: { byPosition: ByPosition }) {
  const viz = usePolarisViz();
  const series = (name: string, pick: (c: FunnelCounts) => number) => ({
    name,
    data: byPosition.map((p) => ({ key: `Touch ${p.position}`, value: pick(p) })),
  });
  return (
    <ChartFrame viz={viz} label="Funnel by touch">
      {(v) => (
        <v.BarChart
          theme="Light"
          data={[
            series("Scheduled", (c) => c.scheduled),
            series("Sent", (c) => c.sent),
            series("Delivered", (c) => c.delivered),
            series("Clicked", (c) => c.clicked),
          ]}
          emptyStateText="No touches in this period"
        />
      )}
    </ChartFrame>
  );
}

export function ClickRateChart({ byPosition, byChannel }: { byPosition: ByPosition; byChannel: ByChannel }) {
  const viz = usePolarisViz();
  const percent = (rate: number | null) => (rate === null ? null : Math.round(rate * 1000) / 10);
  return (
    <ChartFrame viz={viz} label="Review-link click rate">
      {(v) => (
        <v.SimpleBarChart
          theme="Light"
          data={[
            {
              name: "Click rate (%)",
              data: [
                ...byPosition.map((p) => ({ key: `Touch ${p.position}`, value: percent(p.clickRate) })),
                ...byChannel.map((c) => ({ key: channelLabel(c.channel), value: percent(c.clickRate) })),
              ],
            },
          ]}
          xAxisOptions={{ labelFormatter: (value) => `${value ?? 0}%` }}
        />
      )}
    </ChartFrame>
  );
}
