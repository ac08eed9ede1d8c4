// Paper-style result tables (the layout of Table 1 of FRB / BBCU): one row per method and scale with
// its Params and OPs, one column per test set, cells "PSNR/SSIM". Several evaluation runs (the JSON
// that `frb eval --json` writes) merge into one table; a bicubic row anchors each scale block.
//
// Units: Params in K and OPs in G as the binary-SR papers count them (binary parameters / 32, binary
// MACs / 64, OPs on a 320x180 LR input); the numbers are passed in already counted that way.
import { mean, sampleStd } from './stats.js';

/** PSNR/SSIM of one method on one set at one scale. */
export interface TableCell {
  psnr: number;
  ssim: number;
}

/** Complexity of a method at one scale (already binary-aware). */
export interface Cost {
  /** Parameters, full-precision equivalents (binary / 32). */
  params?: number;
  /** Operations on a 320x180 LR input, FP-equivalent (binary MACs / 64). */
  ops?: number;
}

/** One evaluation run, as `frb eval --json` writes it. */
export interface EvalRun {
  method: string;
  /** Cost per scale, keyed by the scale ("2", "4"). */
  cost?: Record<string, Cost>;
  results: Array<{ set: string; scale: number; psnr: number; ssim: number; count?: number }>;
  /** Options the run used (provenance only). */
  options?: Record<string, unknown>;
}

export interface TableRow {
  method: string;
  scale: number;
  cost: Cost;
  cells: Record<string, TableCell>;
}

export interface ResultTable {
  /** Column order. */
  sets: string[];
  /** Rows grouped by scale (ascending), bicubic first in each group, then in order of first appearance. */
  rows: TableRow[];
}

/** Canonical column order of SR papers; other sets follow alphabetically. */
export const SET_ORDER = ['Set5', 'Set14', 'B100', 'Urban100', 'Manga109'];

function checkRun(run: EvalRun, i: number): void {
  const what = `run ${i + 1}${run && typeof run.method === 'string' ? ` ('${run.method}')` : ''}`;
  if (!run || typeof run !== 'object') throw new Error(`${what}: not an object`);
  if (typeof run.method !== 'string' || !run.method) throw new Error(`${what}: missing "method"`);
  if (!Array.isArray(run.results)) throw new Error(`${what}: missing "results" array`);
  for (const r of run.results) {
    if (typeof r.set !== 'string' || !Number.isInteger(r.scale) || typeof r.psnr !== 'number' || typeof r.ssim !== 'number') {
      throw new Error(`${what}: each result needs set (string), scale (integer), psnr and ssim (numbers); got ${JSON.stringify(r)}`);
    }
  }
}

/**
 * Merge runs into one table. A later run's value for the same (method, scale, set) replaces an
 * earlier one; costs merge the same way.
 */
export function mergeRuns(runs: EvalRun[]): ResultTable {
  return mergeWith<TableCell>(runs, (cells, r) => {
    cells[r.set] = { psnr: r.psnr, ssim: r.ssim };
  });
}

type RunResult = EvalRun['results'][number];
/** A table whose cells are of type C (plain or seeded); rows and columns are laid out the same way. */
type RowOf<C> = Omit<TableRow, 'cells'> & { cells: Record<string, C> };
type TableOf<C> = { sets: string[]; rows: Array<RowOf<C>> };

/** The merge both table kinds share: checks each run, groups results by (method, scale) with `put` filling a
 * row's cells, merges costs (later wins) and orders rows and sets. */
function mergeWith<C, R extends EvalRun = EvalRun>(runs: R[], put: (cells: Record<string, C>, r: RunResult, run: R, i: number) => void): TableOf<C> {
  const rows = new Map<string, RowOf<C>>();
  const order: string[] = [];
  const sets = new Set<string>();
  runs.forEach((run, i) => {
    checkRun(run, i);
    for (const r of run.results) {
      const key = `${run.method}\u0000${r.scale}`;
      let row = rows.get(key);
      if (!row) {
        row = { method: run.method, scale: r.scale, cost: {}, cells: {} };
        rows.set(key, row);
        if (!order.includes(run.method)) order.push(run.method);
      }
      put(row.cells, r, run, i);
      sets.add(r.set);
    }
    for (const [scale, cost] of Object.entries(run.cost ?? {})) {
      const row = rows.get(`${run.method}\u0000${Number(scale)}`);
      if (row) row.cost = { ...row.cost, ...cost };
    }
  });
  const rank = (m: string) => (m.toLowerCase() === 'bicubic' ? -1 : order.indexOf(m));
  const sorted = [...rows.values()].sort((a, b) => a.scale - b.scale || rank(a.method) - rank(b.method));
  return { sets: sortSets([...sets]), rows: sorted };
}

export function sortSets(sets: string[]): string[] {
  const known = SET_ORDER.filter((s) => sets.includes(s));
  const rest = sets.filter((s) => !SET_ORDER.includes(s)).sort();
  return [...known, ...rest];
}

export interface FormatOptions {
  /** Decimals of PSNR (default 2) and SSIM (default 4), as papers print them. */
  psnrDigits?: number;
  ssimDigits?: number;
}

const fmtNum = (v: number, d: number) => (v === Infinity ? 'inf' : Number.isFinite(v) ? v.toFixed(d) : 'nan');
/** Params in K, OPs in G, or '-' when unknown (bicubic). */
export const formatParamsK = (p?: number) => (p === undefined ? '-' : (p / 1e3).toFixed(p < 1e5 ? 1 : 0));
export const formatOpsG = (o?: number) => (o === undefined ? '-' : (o / 1e9).toFixed(2));

function cellText(c: TableCell | undefined, o: FormatOptions): string {
  if (!c) return '-';
  return `${fmtNum(c.psnr, o.psnrDigits ?? 2)}/${fmtNum(c.ssim, o.ssimDigits ?? 4)}`;
}

/** Markdown table in the layout of the paper's Table 1. */
export function toMarkdown(table: ResultTable, o: FormatOptions = {}): string {
  return markdownWith(table, (c) => cellText(c, o));
}

function markdownWith<C>(table: TableOf<C>, text: (c: C | undefined) => string): string {
  const head = ['Method', 'Scale', 'Params (K)', 'OPs (G)', ...table.sets];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of table.rows) {
    const cells = [r.method, `x${r.scale}`, formatParamsK(r.cost.params), formatOpsG(r.cost.ops)];
    for (const s of table.sets) cells.push(text(r.cells[s]));
    lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV, one row per method and scale, PSNR and SSIM in separate columns per set. */
export function toCsv(table: ResultTable): string {
  return csvWith(table, (s) => [`${s}_psnr`, `${s}_ssim`], (c) => (c ? [fmtNum(c.psnr, 4), fmtNum(c.ssim, 6)] : ['', '']));
}

/** CSV rows of method, scale, Params (K), OPs (G), then `columns(set)` filled by `fields(cell)` per set. */
function csvWith<C>(table: TableOf<C>, columns: (set: string) => string[], fields: (c: C | undefined) => string[]): string {
  const head = ['method', 'scale', 'params_k', 'ops_g', ...table.sets.flatMap(columns)];
  const lines = [head.map(csvField).join(',')];
  for (const r of table.rows) {
    const f = [r.method, String(r.scale), r.cost.params === undefined ? '' : String(r.cost.params / 1e3), r.cost.ops === undefined ? '' : String(r.cost.ops / 1e9)];
    for (const s of table.sets) f.push(...fields(r.cells[s]));
    lines.push(f.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

/** JSON with the same layout (Infinity written as the string "inf"). */
export function toJson(table: ResultTable): string {
  return jsonWith(table, (c) => ({ psnr: jsonNum(c.psnr), ssim: jsonNum(c.ssim) }));
}

function jsonWith<C>(table: TableOf<C>, cell: (c: C) => unknown): string {
  return JSON.stringify(
    {
      sets: table.sets,
      rows: table.rows.map((r) => ({
        method: r.method,
        scale: r.scale,
        paramsK: r.cost.params === undefined ? null : r.cost.params / 1e3,
        opsG: r.cost.ops === undefined ? null : r.cost.ops / 1e9,
        cells: Object.fromEntries(table.sets.filter((s) => r.cells[s]).map((s) => [s, cell(r.cells[s]!)])),
      })),
    },
    null,
    2,
  ) + '\n';
}

const jsonNum = (v: number) => (Number.isFinite(v) ? v : v === Infinity ? 'inf' : 'nan');

export type TableFormat = 'md' | 'csv' | 'json';

export function formatTable(table: ResultTable, format: TableFormat, o: FormatOptions = {}): string {
  return inFormat(format, { md: () => toMarkdown(table, o), csv: () => toCsv(table), json: () => toJson(table) });
}

function inFormat(format: TableFormat, by: Record<TableFormat, () => string>): string {
  if (!Object.hasOwn(by, format)) throw new Error(`table format must be md, csv or json, got '${String(format)}'`);
  return by[format]();
}

// ---- Several seeds per method ----------------------------------------------------------------------------
// A method trained with several seeds gives one run per seed; its cells keep every run's value and show the
// mean and the spread, so the page can say whether a gap between methods exceeds the seed-to-seed noise.

/** One evaluation run of one seed. Runs without a seed count as one unnamed seed. */
export type SeededRun = EvalRun & { seed?: number };

/** A cell over the runs (seeds) of one method, set and scale. `psnr` and `ssim` are the means, so a seeded
 * table is also a plain `ResultTable` (its means). */
export interface SeededCell extends TableCell {
  /** Sample standard deviations (n − 1) over the runs; null for a single run. */
  psnrStd: number | null;
  ssimStd: number | null;
  /** Number of runs. */
  n: number;
  /** PSNR of each run, in the order of `seeds`. */
  samples: number[];
  /** SSIM of each run, in the order of `seeds`. */
  ssimSamples: number[];
  /** The runs' seeds, ascending (null, a run without a seed, first). */
  seeds: Array<number | null>;
}

export type SeededRow = RowOf<SeededCell>;
export type SeededTable = TableOf<SeededCell>;

/**
 * Merge runs of several seeds: the runs of one (method, scale, set) with different seeds become one cell with
 * mean, std and the samples; a later run with the same seed (or, without seeds, of the same method) replaces
 * the earlier one as in `mergeRuns`. Rows, columns and costs are ordered and merged as by `mergeRuns`.
 */
export function mergeSeededRuns(runs: SeededRun[]): SeededTable {
  type Sample = { seed: number | null; psnr: number; ssim: number };
  const merged = mergeWith<Map<string, Sample>, SeededRun>(runs, (cells, r, run, i) => {
    if (run.seed !== undefined && !Number.isInteger(run.seed)) {
      throw new Error(`run ${i + 1} ('${run.method}'): seed must be an integer, got ${JSON.stringify(run.seed)}`);
    }
    const seed = run.seed ?? null;
    (cells[r.set] ??= new Map()).set(String(seed), { seed, psnr: r.psnr, ssim: r.ssim });
  });
  return {
    sets: merged.sets,
    rows: merged.rows.map((row) => ({
      ...row,
      cells: Object.fromEntries(Object.entries(row.cells).map(([set, bySeed]) => [set, seededCell([...bySeed.values()])])),
    })),
  };
}

function seededCell(samples: Array<{ seed: number | null; psnr: number; ssim: number }>): SeededCell {
  samples.sort((a, b) => (a.seed ?? -Infinity) - (b.seed ?? -Infinity));
  const psnr = samples.map((s) => s.psnr);
  const ssim = samples.map((s) => s.ssim);
  // A non-finite value (PSNR +Infinity of an image reproduced exactly) keeps its plain average (Infinity) and
  // has no spread (NaN); the formatters print them as 'inf' and 'nan'.
  const avg = (xs: number[]) => (xs.every(Number.isFinite) ? mean(xs) : xs.reduce((a, v) => a + v, 0) / xs.length);
  const spread = (xs: number[]) => (xs.length < 2 ? null : xs.every(Number.isFinite) ? sampleStd(xs) : NaN);
  return {
    psnr: avg(psnr),
    ssim: avg(ssim),
    psnrStd: spread(psnr),
    ssimStd: spread(ssim),
    n: samples.length,
    samples: psnr,
    ssimSamples: ssim,
    seeds: samples.map((s) => s.seed),
  };
}

/** The sentence that explains seeded cells, for the page's header above the table. */
export function seededTableLegend(): string {
  return 'Cells: PSNR (dB) mean ± sample standard deviation over seeds / SSIM mean (n = number of seeds), e.g. "30.41 ± 0.03 / 0.8612 (n=3)"; a cell without ± is a single run.';
}

function seededCellText(c: SeededCell | undefined, o: FormatOptions): string {
  if (!c) return '-';
  const pd = o.psnrDigits ?? 2;
  const ssim = fmtNum(c.ssim, o.ssimDigits ?? 4);
  if (c.n < 2 || c.psnrStd === null) return `${fmtNum(c.psnr, pd)} / ${ssim}`;
  return `${fmtNum(c.psnr, pd)} ± ${fmtNum(c.psnrStd, pd)} / ${ssim} (n=${c.n})`;
}

/** Markdown table of a seeded table: "30.41 ± 0.03 / 0.8612 (n=3)" cells, "30.41 / 0.8612" for a single run. */
export function seededToMarkdown(table: SeededTable, o: FormatOptions = {}): string {
  return markdownWith(table, (c) => seededCellText(c, o));
}

/** CSV of a seeded table: per set the PSNR mean and std, SSIM mean and std, and n (std empty for one run). */
export function seededToCsv(table: SeededTable): string {
  const opt = (v: number | null, d: number) => (v === null ? '' : fmtNum(v, d));
  return csvWith(
    table,
    (s) => [`${s}_psnr`, `${s}_psnr_std`, `${s}_ssim`, `${s}_ssim_std`, `${s}_n`],
    (c) => (c ? [fmtNum(c.psnr, 4), opt(c.psnrStd, 4), fmtNum(c.ssim, 6), opt(c.ssimStd, 6), String(c.n)] : ['', '', '', '', '']),
  );
}

/** JSON of a seeded table: every cell with its means, stds, n, seeds and per-run samples ("inf"/"nan" for
 * non-finite values). */
export function seededToJson(table: SeededTable): string {
  const opt = (v: number | null) => (v === null ? null : jsonNum(v));
  return jsonWith(table, (c) => ({
    psnr: jsonNum(c.psnr), psnrStd: opt(c.psnrStd), ssim: jsonNum(c.ssim), ssimStd: opt(c.ssimStd),
    n: c.n, seeds: c.seeds, samples: c.samples.map(jsonNum), ssimSamples: c.ssimSamples.map(jsonNum),
  }));
}

export function formatSeededTable(table: SeededTable, format: TableFormat, o: FormatOptions = {}): string {
  return inFormat(format, { md: () => seededToMarkdown(table, o), csv: () => seededToCsv(table), json: () => seededToJson(table) });
}
