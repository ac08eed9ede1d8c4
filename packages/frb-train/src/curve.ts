// Training-curve figure: loss (and the DBT term) against iterations on top, validation PSNR below, drawn with
// @frb/bench's line chart and written as SVG or PNG like its scatter plots.
import { lineChartSvg, writeChart, type Series } from '@frb/bench';
import type { LogRecord } from './logger.js';

/** The two-panel curve as SVG, from the JSONL log records. */
export function curveSvg(records: LogRecord[], title: string): string {
  const train = records.filter((r) => r.kind === 'train');
  const val = records.filter((r) => r.kind === 'val');
  const loss: Series[] = [{ label: 'loss (total)', color: '#1f77b4', points: train.map((r) => [r.iter, Number(r.loss)]) }];
  if (train.some((r) => typeof r.distill === 'number')) {
    loss.push({ label: 'L1', color: '#2ca02c', points: train.map((r) => [r.iter, Number(r.l1)]) });
    loss.push({ label: 'DBT term (weight · L_dis)', color: '#d62728', points: train.map((r) => [r.iter, Number(r.distill)]) });
  }
  const psnr: Series[] = [{ label: `val PSNR${val[0]?.set ? ` (${String(val[0].set)})` : ''}`, color: '#9467bd', points: val.map((r) => [r.iter, Number(r.psnr)]) }];
  return lineChartSvg({
    title,
    xLabel: 'iteration',
    xMax: Math.max(1, ...records.map((r) => r.iter)),
    panels: [
      { yLabel: 'training loss', series: loss, height: 250 },
      { yLabel: 'PSNR (dB, Y)', series: psnr, height: 220 },
    ],
  });
}

/** Writes the curve: `.svg` as text, else PNG. */
export async function writeCurve(file: string, records: LogRecord[], title: string): Promise<void> {
  await writeChart(file, curveSvg(records, title));
}
