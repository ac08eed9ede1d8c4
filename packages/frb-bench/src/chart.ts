// The charts of this repository as SVG text (readable, diffable, browser-safe): the PSNR-vs-OPs (or Params)
// scatter of compared methods, the figure SR papers put next to Table 1, and stacked line panels sharing an x
// axis (@frb/train's training curve). chart-file.ts writes them as SVG or PNG.
import type { ResultTable, SeededCell } from './tables.js';

export interface ScatterPoint {
  label: string;
  x: number;
  y: number;
  /** Highlight (e.g. our methods) with a filled accent marker. */
  highlight?: boolean;
  /** Vertical error bar y ± yErr (e.g. the std over seeds); none when absent. */
  yErr?: number;
}

export interface ScatterOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Log-scale x axis (default true: OPs span two orders of magnitude). */
  logX?: boolean;
  width?: number;
  height?: number;
}

/** Points for one set and scale of a table: x = OPs (G) or Params (K), y = PSNR. Rows without the cost or the cell are left out and listed.
 * A seeded table's cells (`mergeSeededRuns`) with a spread give the point `yErr` = the PSNR std over seeds. */
export function scatterPoints(
  table: ResultTable,
  opts: { set: string; scale: number; x: 'ops' | 'params'; highlight?: (method: string) => boolean },
): { points: ScatterPoint[]; skipped: string[] } {
  if (!table.sets.includes(opts.set)) {
    throw new Error(`plot: set '${opts.set}' is not in the table (sets: ${table.sets.join(', ') || 'none'})`);
  }
  const points: ScatterPoint[] = [];
  const skipped: string[] = [];
  for (const r of table.rows) {
    if (r.scale !== opts.scale) continue;
    const c = r.cells[opts.set];
    const v = opts.x === 'ops' ? r.cost.ops : r.cost.params;
    if (!c || v === undefined || !Number.isFinite(c.psnr) || v <= 0) {
      skipped.push(r.method);
      continue;
    }
    const point: ScatterPoint = { label: r.method, x: opts.x === 'ops' ? v / 1e9 : v / 1e3, y: c.psnr, highlight: opts.highlight?.(r.method) };
    const std = (c as Partial<SeededCell>).psnrStd;
    if (typeof std === 'number' && Number.isFinite(std)) point.yErr = std;
    points.push(point);
  }
  return { points, skipped };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** "Nice" tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 times a power of ten). */
export function linearTicks(lo: number, hi: number, n = 6): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Ticks for a log axis: 1-2-5 per decade, or every integer multiple when that gives fewer than two (a narrow
 * range such as 12–39), or linear nice ticks when even that does not. */
function logTicks(lo: number, hi: number): number[] {
  for (const mults of [[1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mults) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (v >= lo && v <= hi) out.push(v);
      }
    }
    if (out.length >= 2) return out;
  }
  return linearTicks(lo, hi, 4).filter((v) => v > 0);
}

/** A tick label: at most 3 significant digits, no float noise (12.514175999 → 12.5). */
const tickLabel = (t: number) => String(Number(t.toPrecision(3)));

/** The document's opening: size, font and a white background. */
function svgOpen(W: number, H: number): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
}

/** The scatter as an SVG document. */
export function scatterSvg(points: ScatterPoint[], o: ScatterOptions = {}): string {
  if (points.length === 0) throw new Error('plot: no points to draw (no row has both the cost and the set/scale cell)');
  const W = o.width ?? 800;
  const H = o.height ?? 560;
  const m = { l: 70, r: 30, t: o.title ? 50 : 25, b: 60 };
  const logX = o.logX ?? true;
  for (const p of points) {
    if (p.yErr !== undefined && !(Number.isFinite(p.yErr) && p.yErr >= 0)) throw new Error(`plot: point '${p.label}': yErr must be a finite number ≥ 0, got ${p.yErr}`);
  }
  const { px, py, x0, x1, y0, y1 } = scatterScales(points, { W, H, m, logX });
  const parts: string[] = [];
  parts.push(...svgOpen(W, H));
  if (o.title) parts.push(`<text x="${W / 2}" y="30" text-anchor="middle" font-size="18">${esc(o.title)}</text>`);
  // Grid and ticks.
  for (const t of logX ? logTicks(x0, x1) : linearTicks(x0, x1)) {
    const x = px(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${H - m.b}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x}" y="${H - m.b + 18}" text-anchor="middle" font-size="12">${tickLabel(t)}</text>`);
  }
  for (const t of linearTicks(y0, y1)) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${m.l}" y1="${y}" x2="${W - m.r}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 8}" y="${y}" dy="4" text-anchor="end" font-size="12">${tickLabel(t)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 15}" text-anchor="middle" font-size="14">${esc(o.xLabel ?? 'OPs (G)')}${logX ? ' (log scale)' : ''}</text>`);
  parts.push(`<text transform="translate(18 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle" font-size="14">${esc(o.yLabel ?? 'PSNR (dB)')}</text>`);
  parts.push(...markersAndLabels(points, px, py, { W, H, m }));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

type Margins = { l: number; r: number; t: number; b: number };

/** The plot's x and y ranges (the y range covering the error bars) and the maps from data to pixels. */
function scatterScales(points: ScatterPoint[], f: { W: number; H: number; m: Margins; logX: boolean }) {
  const { W, H, m, logX } = f;
  const xs = points.map((p) => p.x);
  // The y range covers the error bars too.
  const yLo = points.map((p) => p.y - (p.yErr ?? 0));
  const yHi = points.map((p) => p.y + (p.yErr ?? 0));
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (logX) {
    if (x0 <= 0) throw new Error('plot: log x axis needs positive x values');
    x0 /= 1.6;
    x1 *= 1.6;
  } else {
    const pad = (x1 - x0 || 1) * 0.08;
    x0 = Math.max(0, x0 - pad);
    x1 += pad;
  }
  const ypad = (Math.max(...yHi) - Math.min(...yLo) || 1) * 0.1;
  const y0 = Math.min(...yLo) - ypad;
  const y1 = Math.max(...yHi) + ypad;
  const px = (x: number) =>
    m.l + ((logX ? Math.log(x) - Math.log(x0) : x - x0) / (logX ? Math.log(x1) - Math.log(x0) : x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  return { px, py, x0, x1, y0, y1 };
}

/**
 * Markers, error bars, labels and their leader lines, in drawing order (leaders, bars, markers, labels).
 */
function markersAndLabels(points: ScatterPoint[], px: (x: number) => number, py: (y: number) => number, f: { W: number; H: number; m: Margins }): string[] {
  const { W, H, m } = f;
  // Labels: greedy placement around each marker, avoiding other labels, markers and the frame. Methods with
  // nearly equal cost and PSNR form tight clusters, so candidates go further out in steps, and a label placed
  // away from its marker gets a thin leader line.
  type Box = [number, number, number, number];
  const hit = (a: Box, b: Box) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  // Other markers count 8 px larger, so a label never sits next to a marker that is not its own.
  const markers: Box[] = points.map((p) => [px(p.x) - 15, py(p.y) - 15, px(p.x) + 15, py(p.y) + 15]);
  // Error bars (with their caps) are kept clear of labels as well, the point's own bar included.
  const bars: Box[] = points.filter((p) => p.yErr).map((p) => [px(p.x) - 5, py(p.y + p.yErr!), px(p.x) + 5, py(p.y - p.yErr!)]);
  const placed: Box[] = [];
  const candidates: Array<[number, number, 'start' | 'end' | 'middle']> = [
    [9, -7, 'start'], [9, 15, 'start'], [-9, -7, 'end'], [-9, 15, 'end'], [0, -13, 'middle'], [0, 22, 'middle'],
  ];
  for (const dx of [30, 60, 100]) {
    for (const dy of [4, -14, 22, -32, 40, -50, 58, -68]) candidates.push([dx, dy, 'start'], [-dx, dy, 'end']);
  }
  const labels: string[] = [];
  const leaders: string[] = [];
  const circles: string[] = [];
  const errorBars: string[] = [];
  for (const [i, p] of points.entries()) {
    const cx = px(p.x);
    const cy = py(p.y);
    const w = 7.2 * p.label.length;
    const boxOf = ([dx, dy, anchor]: (typeof candidates)[number]): Box => {
      const x0 = anchor === 'start' ? cx + dx : anchor === 'end' ? cx + dx - w : cx - w / 2;
      return [x0, cy + dy - 11, x0 + w, cy + dy + 3];
    };
    const fits = (b: Box) =>
      b[0] >= m.l && b[2] <= W - m.r && b[1] >= m.t && b[3] <= H - m.b &&
      !placed.some((o) => hit(o, b)) && !markers.some((o, j) => j !== i && hit(o, b)) && !bars.some((o) => hit(o, b));
    const pick = candidates.find((c) => fits(boxOf(c))) ?? candidates[0];
    placed.push(boxOf(pick));
    // Highlighted (larger) markers first, so a plain marker at nearly the same spot stays visible on top.
    const circle = p.highlight
      ? `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="7" fill="#d62728" stroke="#7f1010"/>`
      : `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="5" fill="#1f77b4" stroke="#0b3c5d"/>`;
    if (p.highlight) circles.unshift(circle);
    else circles.push(circle);
    if (p.yErr) {
      // A vertical bar from y − yErr to y + yErr with 4 px caps, under the markers.
      const [x, a, z] = [cx.toFixed(1), py(p.y + p.yErr).toFixed(1), py(p.y - p.yErr).toFixed(1)];
      const [l, r] = [(cx - 4).toFixed(1), (cx + 4).toFixed(1)];
      errorBars.push(`<path class="error-bar" d="M${x} ${a}V${z}M${l} ${a}H${r}M${l} ${z}H${r}" stroke="#444" stroke-width="1.2" fill="none"/>`);
    }
    if (Math.abs(pick[0]) > 9) {
      // Leader from the marker's edge to the label's near end, at the text's mid-height.
      const lx = cx + pick[0] - Math.sign(pick[0]) * 2;
      const ly = cy + pick[1] - 4;
      const d = Math.hypot(lx - cx, ly - cy) || 1;
      leaders.push(`<line x1="${(cx + ((lx - cx) / d) * 7).toFixed(1)}" y1="${(cy + ((ly - cy) / d) * 7).toFixed(1)}" x2="${lx.toFixed(1)}" y2="${ly.toFixed(1)}" stroke="#888" stroke-width="0.8"/>`);
    }
    labels.push(`<text x="${(cx + pick[0]).toFixed(1)}" y="${(cy + pick[1]).toFixed(1)}" text-anchor="${pick[2]}" font-size="12">${esc(p.label)}</text>`);
  }
  return [...leaders, ...errorBars, ...circles, ...labels];
}

export interface Series {
  label: string;
  color: string;
  /** [x, y] pairs; non-finite y values are left out. */
  points: Array<[number, number]>;
}

export interface LinePanel {
  yLabel: string;
  series: Series[];
  /** Panel height in pixels. */
  height: number;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  /** The shared x axis runs from 0 to xMax. */
  xMax: number;
  panels: LinePanel[];
  width?: number;
  height?: number;
}

/** One panel of line series in `box`; an empty panel says so. */
function linePanel(p: LinePanel, box: { x: number; y: number; w: number; h: number }, xMax: number): string[] {
  const parts: string[] = [];
  const pts = p.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  parts.push(`<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" fill="none" stroke="#333"/>`);
  parts.push(`<text transform="translate(${box.x - 52} ${box.y + box.h / 2}) rotate(-90)" text-anchor="middle" font-size="13">${esc(p.yLabel)}</text>`);
  if (pts.length === 0) {
    parts.push(`<text x="${box.x + box.w / 2}" y="${box.y + box.h / 2}" text-anchor="middle" font-size="13" fill="#777">no data yet</text>`);
    return parts;
  }
  let y0 = Math.min(...pts.map((q) => q[1]));
  let y1 = Math.max(...pts.map((q) => q[1]));
  const pad = (y1 - y0 || Math.abs(y1) || 1) * 0.08;
  y0 -= pad;
  y1 += pad;
  const px = (x: number) => box.x + (x / (xMax || 1)) * box.w;
  const py = (y: number) => box.y + box.h - ((y - y0) / (y1 - y0)) * box.h;
  for (const t of linearTicks(0, xMax, 5)) {
    parts.push(`<line x1="${px(t).toFixed(1)}" y1="${box.y}" x2="${px(t).toFixed(1)}" y2="${box.y + box.h}" stroke="#eee"/>`);
    parts.push(`<text x="${px(t).toFixed(1)}" y="${box.y + box.h + 16}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  for (const t of linearTicks(y0, y1, 5)) {
    parts.push(`<line x1="${box.x}" y1="${py(t).toFixed(1)}" x2="${box.x + box.w}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${box.x - 6}" y="${py(t).toFixed(1)}" dy="4" text-anchor="end" font-size="11">${t}</text>`);
  }
  p.series.forEach((s, k) => {
    const ok = s.points.filter(([, y]) => Number.isFinite(y));
    if (ok.length === 0) return;
    const d = ok.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`);
    if (ok.length < 30) for (const [x, y] of ok) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    parts.push(`<text x="${box.x + box.w - 8}" y="${box.y + 16 + 15 * k}" text-anchor="end" font-size="12" fill="${s.color}">${esc(s.label)}</text>`);
  });
  return parts;
}

/** Line panels stacked top to bottom over one x axis, as an SVG document. */
export function lineChartSvg(o: LineChartOptions): string {
  if (o.panels.length === 0) throw new Error('chart: lineChartSvg needs at least one panel');
  const W = o.width ?? 820;
  const H = o.height ?? 620;
  const left = 80;
  const gap = 45;
  const parts = [...svgOpen(W, H), `<text x="${W / 2}" y="28" text-anchor="middle" font-size="17">${esc(o.title)}</text>`];
  let y = 50;
  for (const p of o.panels) {
    parts.push(...linePanel(p, { x: left, y, w: W - 110, h: p.height }, o.xMax));
    y += p.height + gap;
  }
  parts.push(`<text x="${left + (W - 110) / 2}" y="${H - 18}" text-anchor="middle" font-size="13">${esc(o.xLabel)}</text>`, '</svg>');
  return parts.join('\n') + '\n';
}
