// Accessibility and phone-layout checks for the browser test: axe-core (injected into the page or
// the admin's frame) on every admin page, at a desktop and a phone width.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Frame, Page } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export interface AxeFinding {
  page: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Serious and critical WCAG 2.x A/AA violations on the document the frame (or page) shows. */
export async function seriousViolations(target: Page | Frame, pageName: string): Promise<AxeFinding[]> {
  const loaded = await target.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== "undefined");
  if (!loaded) await target.addScriptTag({ content: AXE_SOURCE });
  const results = await target.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact ?? "minor", help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
  });
  return results.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => ({ page: pageName, ...v }));
}

/** Elements wider than the viewport (sideways scrolling on a phone), by a short description. */
export async function overflowingElements(target: Page | Frame): Promise<string[]> {
  return target.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > width + 1) out.push(`document is ${document.documentElement.scrollWidth}px wide in ${width}px`);
    for (const el of Array.from(document.body.querySelectorAll<HTMLElement>("*"))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1 && getComputedStyle(el).position !== "fixed") {
        // Report the outermost overflowing element only.
        if (!el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1) {
          out.push(`${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : ""} ends at ${Math.round(r.right)}px`);
        }
      }
    }
    return out.slice(0, 10);
  });
}

/** The page's document title, landmarks and heading order. */
export async function structure(target: Page | Frame): Promise<{ title: string; main: number; h1: number; skipped: string[] }> {
  return target.evaluate(() => {
    const levels = Array.from(document.querySelectorAll("h1,h2,h3,h4,h5,h6")).map((h) => Number(h.tagName[1]));
    const skipped: string[] = [];
    for (let i = 1; i < levels.length; i++) if (levels[i]! > levels[i - 1]! + 1) skipped.push(`h${levels[i - 1]} → h${levels[i]}`);
    return {
      title: document.title,
      main: document.querySelectorAll("main,[role=main]").length,
      h1: document.querySelectorAll("h1").length,
      skipped,
    };
  });
}
