// Writes the SVG charts of chart.ts: `.svg` as text, anything else (normally `.png`) rasterized with sharp
// (librsvg; text needs any sans-serif font installed). Node-only, so it sits outside the browser entry.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { scatterSvg, type ScatterOptions, type ScatterPoint } from './chart.js';

/** Writes `svg` to `file`, the PNG through a temporary file so a reader never sees half an image. */
export async function writeChart(file: string, svg: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  if (file.toLowerCase().endsWith('.svg')) {
    await writeFile(file, svg);
    return;
  }
  const tmp = `${file}.tmp-${process.pid}.png`;
  try {
    await sharp(Buffer.from(svg)).png().toFile(tmp);
    await rename(tmp, file);
  } catch (err) {
    throw new Error(`chart: cannot write "${file}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Writes the scatter (see scatterSvg). */
export async function writeScatter(file: string, points: ScatterPoint[], o: ScatterOptions = {}): Promise<void> {
  await writeChart(file, scatterSvg(points, o));
}
