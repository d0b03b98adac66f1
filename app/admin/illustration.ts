// A small inline illustration for empty states (no external image host needed).
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="226" height="160" viewBox="0 0 226 160"><rect x="18" y="22" width="190" height="116" rx="14" fill="#f1f1f1"/><rect x="40" y="46" width="96" height="12" rx="6" fill="#c9c9c9"/><rect x="40" y="68" width="146" height="10" rx="5" fill="#dedede"/><rect x="40" y="86" width="128" height="10" rx="5" fill="#dedede"/><g fill="#ffb800"><path d="M150 30l5 10 11 2-8 8 2 11-10-5-10 5 2-11-8-8 11-2z"/><path d="M178 44l3.5 7 7.5 1-5.5 5.5 1.3 7.5-6.8-3.5-6.8 3.5 1.3-7.5-5.5-5.5 7.5-1z"/></g><rect x="40" y="108" width="60" height="18" rx="9" fill="#303030"/></svg>`;

export const EMPTY_STATE_IMAGE = `data:image/svg+xml;utf8,${encodeURIComponent(SVG)}`;
