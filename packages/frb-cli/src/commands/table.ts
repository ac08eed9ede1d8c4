// frb table: merge the JSON of several runs ('frb eval --json', 'frb bicubic --json') into one table
// in the layout of the paper's Table 1, and optionally plot PSNR vs OPs / Params.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatTable, mergeRuns, publishedBicubicRun, scatterPoints, writeScatter, type EvalRun, type TableFormat } from '@frb/bench';
import { flag, parseChoice, parseInt0, parseList, str } from '../args.js';
import { EXIT_OK, UsageError } from '../context.js';
import { emit } from '../output.js';
import { defineCommand } from './command.js';

const HELP = `Usage: frb table <run.json>... [options]

Merge evaluation runs (the output of 'frb eval --json' / 'frb bicubic --json') into one table:
rows = methods with Params (K) and OPs (G), columns = sets, cells = PSNR/SSIM, grouped by scale.
A later run's value for the same method, scale and set replaces an earlier one.

Options:
  --format FMT         md (default), csv, json
  --out FILE           write the table to FILE instead of stdout
  --plot FILE          also draw PSNR vs OPs (or Params) as PNG (or SVG when FILE ends in .svg)
  --plot-set SET       set to plot (default: the first column)
  --plot-scale N       scale to plot (default: the largest in the table)
  --plot-x WHAT        ops (default) or params
  --highlight LIST     methods drawn as highlighted markers
  --bicubic            add the published bicubic row (Set5/Set14/B100, x2-x4) for the table's sets and
                       scales, unless a run already has a 'Bicubic' method
  -h, --help           this help
`;

/** Parse a run file; "inf"/"nan" strings (how runs write non-finite numbers) become numbers again. */
async function readRun(file: string): Promise<EvalRun> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read run "${file}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text, (k, v) => ((k === 'psnr' || k === 'ssim') && typeof v === 'string' ? (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN) : v));
  } catch (err) {
    throw new Error(`run "${file}" is not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export const tableCommand = defineCommand({
  name: 'table',
  help: HELP,
  options: {
    format: { type: 'string' },
    out: { type: 'string' },
    plot: { type: 'string' },
    'plot-set': { type: 'string' },
    'plot-scale': { type: 'string' },
    'plot-x': { type: 'string' },
    highlight: { type: 'string' },
    bicubic: { type: 'boolean' },
  },
  async run(p, ctx) {
    if (p.positionals.length === 0) throw new UsageError('frb table: give one or more run JSON files');
    const format = parseChoice<TableFormat>('table', 'format', str(p, 'format'), ['md', 'csv', 'json'], 'md');
    const plotX = parseChoice('table', 'plot-x', str(p, 'plot-x'), ['ops', 'params'] as const, 'ops');
    const plotScale = parseInt0('table', 'plot-scale', str(p, 'plot-scale'), 1);
    const runs: EvalRun[] = [];
    for (const f of p.positionals) runs.push(await readRun(resolve(ctx.cwd, f)));
    let table = mergeRuns(runs);
    if (flag(p, 'bicubic') && !runs.some((r) => r.method.toLowerCase() === 'bicubic')) {
      const scales = [...new Set(table.rows.map((r) => r.scale))];
      const bic = publishedBicubicRun(table.sets, scales);
      if (bic.results.length === 0) ctx.stderr.write(`table: no published bicubic values for these sets/scales\n`);
      else table = mergeRuns([bic, ...runs]);
    }
    await emit(ctx, formatTable(table, format), str(p, 'out'));
    const plot = str(p, 'plot');
    if (plot) {
      const set = str(p, 'plot-set') ?? table.sets[0];
      const scale = plotScale ?? Math.max(...table.rows.map((r) => r.scale));
      const hl = new Set(parseList(str(p, 'highlight'), []));
      const { points, skipped } = scatterPoints(table, { set, scale, x: plotX, highlight: (m) => hl.has(m) });
      if (skipped.length) ctx.stderr.write(`table: not plotted (no ${plotX === 'ops' ? 'OPs' : 'Params'} or no ${set} x${scale}): ${skipped.join(', ')}\n`);
      const file = resolve(ctx.cwd, plot);
      await writeScatter(file, points, {
        title: `${set} x${scale}: PSNR vs ${plotX === 'ops' ? 'OPs' : 'Params'}`,
        xLabel: plotX === 'ops' ? 'OPs (G)' : 'Params (K)',
      });
      ctx.stderr.write(`wrote ${file}\n`);
    }
    return EXIT_OK;
  },
});
