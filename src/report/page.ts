// The page every report is laid out on: one self-contained HTML file, the shared stylesheet, the
// title, and the body the report composes from tables and charts.

import { esc } from "./svg.ts";

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1060px;color:#222;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#555;margin:0 0 16px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-bottom:1px solid #ddd;padding:5px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f4f4f4;font-weight:600}.sw{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px}
.warning{font-size:14px;background:#fdf0e6;border-left:4px solid #d62728;padding:6px 12px}
.headline{font-size:15px;background:#eef5fb;border-left:4px solid #1f77b4;padding:8px 12px}
.chart{margin:18px 0}.chart figcaption{font-weight:600;margin-bottom:2px}.chart svg{width:100%;height:auto;border:1px solid #eee;background:#fff}
.legend{font-size:12px;color:#444}.key{margin-right:14px;white-space:nowrap}.key i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:5px}
.grid{stroke:#eee}.axis{stroke:#999}.tick{font-size:11px;fill:#666}.label{font-size:12px;fill:#444}
ul.notes{color:#444;font-size:13px}`;

/** The whole document: `body` is the HTML between <body> and </body>, ending in a newline. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${STYLE}
</style></head><body>
${body}</body></html>
`;
}
