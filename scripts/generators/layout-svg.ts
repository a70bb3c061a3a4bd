import { DashboardJson } from '../../lib/dashboard/dashboard';
import { round } from '../../lib/model/numbers';

/** SVG coordinates to a tenth of a pixel: short, stable text. */
const px = (n: number) => round(n, 1);

/** Where `npm run docs:dashboard` writes the picture of the default config's dashboard; a test keeps it current. */
export const DASHBOARD_SVG_FILE = 'docs/dashboard.svg';

/** An SVG element: built as data, serialized with escaping (no string templates). */
interface El {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string | number>>;
  readonly children?: readonly (El | string)[];
}

const el = (name: string, attrs: Record<string, string | number>, children?: (El | string)[]): El => ({ name, attrs, children });

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function serialize(e: El | string, indent = ''): string {
  if (typeof e === 'string') return indent + escape(e);
  const attrs = Object.entries(e.attrs)
    .map(([k, v]) => ` ${k}="${escape(String(v))}"`)
    .join('');
  if (!e.children || e.children.length === 0) return `${indent}<${e.name}${attrs}/>`;
  if (e.children.every((c) => typeof c === 'string')) return `${indent}<${e.name}${attrs}>${e.children.map((c) => escape(c as string)).join('')}</${e.name}>`;
  return `${indent}<${e.name}${attrs}>\n${e.children.map((c) => serialize(c, indent + '  ')).join('\n')}\n${indent}</${e.name}>`;
}

const COL = 44;
const ROW = 26;
const PAD = 12;
const HEADER = 40;
const CHAR = 6.4;

const COLORS = {
  background: '#111217',
  panel: '#181b1f',
  border: '#2c3235',
  text: '#ccccdc',
  muted: '#8e8e9e',
  row: '#d8d9da',
  accent: { gauge: '#73bf69', stat: '#ff9830', timeseries: '#5794f2', heatmap: '#fade2a', table: '#b877d9', bargauge: '#73bf69' } as Record<string, string>,
  state: ['#73bf69', '#ff9830', '#f2495c'],
  annotation: '#b877d9',
};

/** Where the sketch draws a change annotation across the time-series panels (a share of their width). */
const ANNOTATION_AT = 0.72;
/** Panel types that draw the dashboard's annotations (Grafana draws them on time-based panels). */
const ANNOTATED = new Set(['timeseries', 'state-timeline', 'heatmap']);


function fit(text: string, width: number): string {
  const max = Math.max(3, Math.floor(width / CHAR));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A small glyph of the visualization type, so the sketch reads like the dashboard. */
function glyph(type: string, x: number, y: number, w: number, h: number): El[] {
  const color = COLORS.accent[type] ?? COLORS.muted;
  const cx = x + w / 2;
  const cy = y + h / 2;
  switch (type) {
    case 'gauge': {
      const r = Math.min(w, h * 1.6) / 2.6;
      const arc = `M ${px(cx - r)} ${px(cy + r / 3)} A ${px(r)} ${px(r)} 0 1 1 ${px(cx + r)} ${px(cy + r / 3)}`;
      return [el('path', { d: arc, fill: 'none', stroke: color, 'stroke-width': 6, 'stroke-linecap': 'round' })];
    }
    case 'stat':
      return [el('rect', { x: px(x + 6), y: px(y + 4), width: px(w - 12), height: px(h - 8), rx: 3, fill: color, 'fill-opacity': 0.35 })];
    case 'heatmap': {
      const cells: El[] = [];
      const cw = (w - 12) / 12;
      const ch = (h - 8) / 5;
      for (let i = 0; i < 12; i++)
        for (let j = 0; j < 5; j++) {
          const shade = ((i * 7 + j * 3) % 5) / 8 + 0.1;
          cells.push(el('rect', { x: px(x + 6 + i * cw), y: px(y + 4 + j * ch), width: px(cw - 1), height: px(ch - 1), fill: color, 'fill-opacity': px(shade) }));
        }
      return cells;
    }
    case 'state-timeline': {
      // One band per flow: green, then amber and red after the change, as a broken path shows.
      const out: El[] = [];
      const bands = 5;
      const bh = (h - 8) / bands;
      for (let j = 0; j < bands; j++) {
        const by = y + 4 + j * bh;
        const turn = j === 1 || j === 3 ? ANNOTATION_AT : 1;
        out.push(el('rect', { x: px(x + 6), y: px(by), width: px((w - 12) * turn), height: px(bh - 2), fill: COLORS.state[0], 'fill-opacity': 0.7 }));
        if (turn < 1) out.push(el('rect', { x: px(x + 6 + (w - 12) * turn), y: px(by), width: px((w - 12) * (1 - turn)), height: px(bh - 2), fill: COLORS.state[j === 1 ? 2 : 1], 'fill-opacity': 0.8 }));
      }
      return out;
    }
    case 'bargauge': {
      const out: El[] = [];
      const shares = [0.95, 0.9, 0.4, 0.85, 0.1];
      const bh = (h - 8) / shares.length;
      shares.forEach((v, j) => {
        const color = v < 0.25 ? COLORS.state[2] : v < 0.5 ? COLORS.state[1] : COLORS.state[0];
        out.push(el('rect', { x: px(x + 6), y: px(y + 4 + j * bh), width: px((w - 12) * v), height: px(bh - 3), fill: color, 'fill-opacity': 0.7 }));
      });
      return out;
    }
    case 'table': {
      const out: El[] = [];
      for (let j = 0; j < 4; j++) out.push(el('line', { x1: px(x + 6), y1: px(y + 6 + j * ((h - 12) / 3)), x2: px(x + w - 6), y2: px(y + 6 + j * ((h - 12) / 3)), stroke: color, 'stroke-opacity': 0.6 }));
      return out;
    }
    default: {
      const pts: string[] = [];
      for (let i = 0; i <= 16; i++) {
        const v = 0.5 + 0.3 * Math.sin(i * 0.9) * Math.cos(i * 0.37);
        pts.push(`${px(x + 6 + (i * (w - 12)) / 16)},${px(y + h - 4 - v * (h - 8))}`);
      }
      return [el('polyline', { points: pts.join(' '), fill: 'none', stroke: color, 'stroke-width': 1.5 })];
    }
  }
}

/** A change annotation as Grafana draws it: a dashed vertical line with a marker at the bottom. */
function annotationMark(x: number, y: number, w: number, h: number): El[] {
  const ax = px(x + 6 + (w - 12) * ANNOTATION_AT);
  return [
    el('line', { x1: ax, y1: px(y), x2: ax, y2: px(y + h), stroke: COLORS.annotation, 'stroke-width': 1.2, 'stroke-dasharray': '3 2' }),
    el('path', { d: `M ${ax} ${px(y + h - 5)} l 4 5 l -8 0 z`, fill: COLORS.annotation }),
  ];
}

/**
 * Renders the dashboard's layout (titles, visualization types, grid positions) to an SVG: a sketch of
 * what Grafana shows, made from the same dashboard JSON the GrafanaDashboard carries.
 */
export function renderLayoutSvg(d: DashboardJson): string {
  const panels = d.panels ?? [];
  const bottom = Math.max(0, ...panels.map((p) => (p.gridPos ? p.gridPos.y + p.gridPos.h : 0)));
  const width = PAD * 2 + 24 * COL;
  const height = HEADER + PAD + bottom * ROW + PAD;
  const children: El[] = [
    el('rect', { x: 0, y: 0, width, height, fill: COLORS.background }),
    el('text', { x: PAD, y: 26, fill: COLORS.row, 'font-size': 16, 'font-weight': 600 }, [`${d.title ?? ''} — layout`]),
    el('text', { x: width - PAD, y: 18, fill: COLORS.muted, 'font-size': 11, 'text-anchor': 'end' }, [`variables: ${(d.templating?.list ?? []).map((v) => v.name).join(', ')}`]),
    el('text', { x: width - PAD, y: 33, fill: COLORS.annotation, 'font-size': 11, 'text-anchor': 'end' }, [
      `┆ annotations (toggles): ${(d.annotations?.list ?? []).map((a) => a.name).join(', ')}`,
    ]),
  ];
  for (const p of panels) {
    if (!p.gridPos) continue;
    const x = PAD + p.gridPos.x * COL;
    const y = HEADER + PAD + p.gridPos.y * ROW;
    const w = p.gridPos.w * COL;
    const h = p.gridPos.h * ROW;
    const title = p.title ?? '';
    if (p.type === 'row') {
      children.push(el('text', { x: x + 2, y: y + ROW * 0.7, fill: COLORS.row, 'font-size': 13, 'font-weight': 600 }, [`⌄ ${title}`]));
      continue;
    }
    children.push(
      el('g', { id: `panel-${'id' in p ? p.id : ''}` }, [
        el('rect', { x: x + 2, y: y + 2, width: w - 4, height: h - 4, rx: 3, fill: COLORS.panel, stroke: COLORS.border }),
        el('text', { x: px(x + w / 2), y: y + 17, fill: COLORS.text, 'font-size': 11, 'text-anchor': 'middle' }, [fit(title, w - 12)]),
        ...glyph(p.type, x + 8, y + 24, w - 16, h - 42),
        ...(ANNOTATED.has(p.type) ? annotationMark(x + 8, y + 24, w - 16, h - 42) : []),
        el('text', { x: x + 8, y: y + h - 8, fill: COLORS.muted, 'font-size': 9 }, [p.type]),
      ]),
    );
  }
  const svg = el(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 0 ${width} ${height}`, 'font-family': 'Inter, Helvetica, Arial, sans-serif' },
    children,
  );
  return serialize(svg) + '\n';
}
