// Paper-style result tables (the layout of Table 1 of FRB / BBCU): one row per method and scale with
// its Params and OPs, one column per test set, cells "PSNR/SSIM". Several evaluation runs (the JSON
// that `frb eval --json` writes) merge into one table; a bicubic row anchors each scale block.
//
// Units: Params in K and OPs in G as the binary-SR papers count them (binary parameters / 32, binary
// MACs / 64, OPs on a 320x180 LR input); the numbers are passed in already counted that way.

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
  const rows = new Map<string, TableRow>();
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
      row.cells[r.set] = { psnr: r.psnr, ssim: r.ssim };
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
  const head = ['Method', 'Scale', 'Params (K)', 'OPs (G)', ...table.sets];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of table.rows) {
    const cells = [r.method, `x${r.scale}`, formatParamsK(r.cost.params), formatOpsG(r.cost.ops)];
    for (const s of table.sets) cells.push(cellText(r.cells[s], o));
    lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV, one row per method and scale, PSNR and SSIM in separate columns per set. */
export function toCsv(table: ResultTable): string {
  const head = ['method', 'scale', 'params_k', 'ops_g'];
  for (const s of table.sets) head.push(`${s}_psnr`, `${s}_ssim`);
  const lines = [head.map(csvField).join(',')];
  for (const r of table.rows) {
    const f = [r.method, String(r.scale), r.cost.params === undefined ? '' : String(r.cost.params / 1e3), r.cost.ops === undefined ? '' : String(r.cost.ops / 1e9)];
    for (const s of table.sets) {
      const c = r.cells[s];
      f.push(c ? fmtNum(c.psnr, 4) : '', c ? fmtNum(c.ssim, 6) : '');
    }
    lines.push(f.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

/** JSON with the same layout (Infinity written as the string "inf"). */
export function toJson(table: ResultTable): string {
  return JSON.stringify(
    {
      sets: table.sets,
      rows: table.rows.map((r) => ({
        method: r.method,
        scale: r.scale,
        paramsK: r.cost.params === undefined ? null : r.cost.params / 1e3,
        opsG: r.cost.ops === undefined ? null : r.cost.ops / 1e9,
        cells: Object.fromEntries(
          table.sets.filter((s) => r.cells[s]).map((s) => [s, { psnr: jsonNum(r.cells[s].psnr), ssim: jsonNum(r.cells[s].ssim) }]),
        ),
      })),
    },
    null,
    2,
  ) + '\n';
}

const jsonNum = (v: number) => (Number.isFinite(v) ? v : v === Infinity ? 'inf' : 'nan');

export type TableFormat = 'md' | 'csv' | 'json';

export function formatTable(table: ResultTable, format: TableFormat, o: FormatOptions = {}): string {
  switch (format) {
    case 'md':
      return toMarkdown(table, o);
    case 'csv':
      return toCsv(table);
    case 'json':
      return toJson(table);
    default:
      throw new Error(`table format must be md, csv or json, got '${String(format)}'`);
  }
}
