// Training-curve figure: loss (and the DBT term) against iterations on top, validation PSNR below.
// @frb/bench has a scatter plot but no line chart, so this small SVG line chart lives here; it is rasterized
// with sharp like @frb/bench's plots.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import type { LogRecord } from './logger.js';

export interface Series {
  label: string;
  color: string;
  points: Array<[number, number]>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Number(v.toPrecision(10)));
  return out;
}

/** One panel (x: iterations) with its series; an empty panel says so. */
function panel(series: Series[], box: { x: number; y: number; w: number; h: number }, yLabel: string, xMax: number): string[] {
  const parts: string[] = [];
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  parts.push(`<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" fill="none" stroke="#333"/>`);
  parts.push(`<text transform="translate(${box.x - 52} ${box.y + box.h / 2}) rotate(-90)" text-anchor="middle" font-size="13">${esc(yLabel)}</text>`);
  if (pts.length === 0) {
    parts.push(`<text x="${box.x + box.w / 2}" y="${box.y + box.h / 2}" text-anchor="middle" font-size="13" fill="#777">no data yet</text>`);
    return parts;
  }
  let y0 = Math.min(...pts.map((p) => p[1]));
  let y1 = Math.max(...pts.map((p) => p[1]));
  const pad = (y1 - y0 || Math.abs(y1) || 1) * 0.08;
  y0 -= pad;
  y1 += pad;
  const px = (x: number) => box.x + (x / (xMax || 1)) * box.w;
  const py = (y: number) => box.y + box.h - ((y - y0) / (y1 - y0)) * box.h;
  for (const t of ticks(0, xMax)) {
    parts.push(`<line x1="${px(t).toFixed(1)}" y1="${box.y}" x2="${px(t).toFixed(1)}" y2="${box.y + box.h}" stroke="#eee"/>`);
    parts.push(`<text x="${px(t).toFixed(1)}" y="${box.y + box.h + 16}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${box.x}" y1="${py(t).toFixed(1)}" x2="${box.x + box.w}" y2="${py(t).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${box.x - 6}" y="${py(t).toFixed(1)}" dy="4" text-anchor="end" font-size="11">${t}</text>`);
  }
  series.forEach((s, k) => {
    const ok = s.points.filter(([, y]) => Number.isFinite(y));
    if (ok.length === 0) return;
    const d = ok.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`);
    if (ok.length < 30) for (const [x, y] of ok) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    parts.push(`<text x="${box.x + box.w - 8}" y="${box.y + 16 + 15 * k}" text-anchor="end" font-size="12" fill="${s.color}">${esc(s.label)}</text>`);
  });
  return parts;
}

/** The two-panel curve as SVG, from the JSONL log records. */
export function curveSvg(records: LogRecord[], title: string): string {
  const train = records.filter((r) => r.kind === 'train');
  const val = records.filter((r) => r.kind === 'val');
  const xMax = Math.max(1, ...records.map((r) => r.iter));
  const W = 820;
  const H = 620;
  const loss: Series[] = [{ label: 'loss (total)', color: '#1f77b4', points: train.map((r) => [r.iter, Number(r.loss)]) }];
  if (train.some((r) => typeof r.distill === 'number')) {
    loss.push({ label: 'L1', color: '#2ca02c', points: train.map((r) => [r.iter, Number(r.l1)]) });
    loss.push({ label: 'DBT term (weight · L_dis)', color: '#d62728', points: train.map((r) => [r.iter, Number(r.distill)]) });
  }
  const psnr: Series[] = [{ label: `val PSNR${val[0]?.set ? ` (${String(val[0].set)})` : ''}`, color: '#9467bd', points: val.map((r) => [r.iter, Number(r.psnr)]) }];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="28" text-anchor="middle" font-size="17">${esc(title)}</text>`,
    ...panel(loss, { x: 80, y: 50, w: W - 110, h: 250 }, 'training loss', xMax),
    ...panel(psnr, { x: 80, y: 345, w: W - 110, h: 220 }, 'PSNR (dB, Y)', xMax),
    `<text x="${80 + (W - 110) / 2}" y="${H - 18}" text-anchor="middle" font-size="13">iteration</text>`,
    '</svg>',
  ];
  return parts.join('\n') + '\n';
}

/** Writes the curve: `.svg` as text, else PNG through sharp. */
export async function writeCurve(file: string, records: LogRecord[], title: string): Promise<void> {
  const svg = curveSvg(records, title);
  await mkdir(dirname(file), { recursive: true });
  if (file.toLowerCase().endsWith('.svg')) {
    await writeFile(file, svg);
    return;
  }
  const tmp = `${file}.tmp-${process.pid}.png`;
  await sharp(Buffer.from(svg)).png().toFile(tmp);
  await rename(tmp, file);
}
