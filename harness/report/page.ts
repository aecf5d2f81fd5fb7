/**
 * Assembles one self-contained report.html: the page's text and tables, every chart's
 * vega-lite spec with its data embedded, and vega, vega-lite and vega-embed inlined from
 * node_modules, so the file opens offline from anywhere (no CDN, no fetches).
 *
 * The page promises a small contract to whoever opens it headless (the tests): every chart
 * sits in a `div.wrp-chart` that gets `data-state="ok"` and `data-marks=N` (the data marks
 * vega drew) once rendered, or `data-state="error"`; `window.wrpReport` holds
 * `{charts, rendered, errors, done}`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Chart } from './charts/chart.ts';

export interface Table {
  title?: string;
  /** Plain objects, one per row. */
  rows: readonly object[];
  /** Columns in order (default: every key of the first row). */
  columns?: string[];
}

export interface Section {
  heading: string;
  /** Paragraphs of plain text (escaped). */
  text?: string[];
  tables?: Table[];
  charts?: Chart[];
}

export interface ReportPage {
  title: string;
  subtitle?: string;
  sections: Section[];
}

const require = createRequire(import.meta.url);
/** Package and its browser build, which sits beside the package's entry point (build/). */
const LIBRARIES = [
  ['vega', 'vega.min.js'],
  ['vega-lite', 'vega-lite.min.js'],
  ['vega-embed', 'vega-embed.min.js'],
] as const;
let inlined: string | undefined;

/** The three libraries' minified builds, read once per process. */
function libraries(): string {
  inlined ??= LIBRARIES.map(([pkg, file]) => {
    const js = readFileSync(join(dirname(require.resolve(pkg)), file), 'utf8');
    return `<script>${scriptSafe(js)}</script>`;
  }).join('\n');
  return inlined;
}

/** Text inside <script> must not close the element. */
function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '<td class="na">–</td>';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return '<td class="na">–</td>';
    const text = Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
    return `<td class="num">${text}</td>`;
  }
  return `<td>${escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))}</td>`;
}

export function tableHtml(t: Table): string {
  const columns = t.columns ?? Object.keys(t.rows[0] ?? {});
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${columns.map((c) => cell((r as Record<string, unknown>)[c])).join('')}</tr>`)
    .join('\n');
  const title = t.title ? `<h3>${escapeHtml(t.title)}</h3>` : '';
  return `${title}<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 28px 48px; }
h1 { font-size: 22px; margin: 12px 0 2px; } .subtitle { color: #555; margin: 0 0 12px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 14px 0 4px; }
nav a { margin-right: 14px; color: #2a62a8; text-decoration: none; } nav { font-size: 13px; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; font-size: 12px; background: #fff; }
th, td { border: 1px solid #e2e2e2; padding: 3px 7px; text-align: left; white-space: nowrap; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; } td.na { color: #aaa; text-align: center; }
tbody tr:nth-child(even) { background: #fafafa; }
figure { margin: 14px 0; background: #fff; border: 1px solid #e6e6e6; padding: 10px 12px; }
figcaption { color: #555; font-size: 12px; margin-top: 6px; max-width: 900px; }
figure h3 { margin-top: 0; } .wrp-chart[data-state="error"] { color: #b00; white-space: pre-wrap; }
`;

/** The in-page script: embeds each chart, counts its data marks, records errors. */
const BOOT = `
(function () {
  var charts = JSON.parse(document.getElementById('wrp-charts').textContent);
  var state = (window.wrpReport = { charts: charts.length, rendered: 0, errors: [], done: false });
  window.addEventListener('error', function (e) { state.errors.push(String(e.message)); });
  Promise.all(charts.map(function (c) {
    var el = document.getElementById(c.id);
    return vegaEmbed(el, c.spec, { actions: false, renderer: 'svg' }).then(function (res) {
      el.dataset.marks = String(el.querySelectorAll('.role-mark > *').length);
      el.dataset.state = 'ok';
      state.rendered++;
      return res;
    }).catch(function (err) {
      el.dataset.state = 'error';
      el.textContent = 'chart failed: ' + err;
      state.errors.push(c.id + ': ' + err);
    });
  })).then(function () { state.done = true; });
})();
`;

export function renderPage(page: ReportPage): string {
  const specs: { id: string; spec: unknown }[] = [];
  const sections = page.sections.map((s, si) => {
    const parts = [`<h2 id="s${si}">${escapeHtml(s.heading)}</h2>`];
    for (const p of s.text ?? []) parts.push(`<p>${escapeHtml(p)}</p>`);
    for (const t of s.tables ?? []) parts.push(tableHtml(t));
    for (const c of s.charts ?? []) {
      const id = `chart-${specs.length}`;
      specs.push({ id, spec: c.spec });
      const caption = c.caption ? `<figcaption>${escapeHtml(c.caption)}</figcaption>` : '';
      parts.push(`<figure><h3>${escapeHtml(c.title)}</h3><div class="wrp-chart" id="${id}"></div>${caption}</figure>`);
    }
    return `<section>${parts.join('\n')}</section>`;
  });
  const nav = page.sections.map((s, i) => `<a href="#s${i}">${escapeHtml(s.heading)}</a>`).join('');
  // JSON inside a <script> element: "<" escaped so no value can end it.
  const data = JSON.stringify(specs).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title><style>${STYLE}</style>
${libraries()}
</head><body><main>
<h1>${escapeHtml(page.title)}</h1>${page.subtitle ? `<p class="subtitle">${escapeHtml(page.subtitle)}</p>` : ''}
<nav>${nav}</nav>
${sections.join('\n')}
</main>
<script type="application/json" id="wrp-charts">${data}</script>
<script>${BOOT}</script>
</body></html>
`;
}
