// The results page's comparisons: method A against method B on one set and scale, decided over the seeds
// by `compare` (Welch's t-test on the PSNRs), and the check that the full-precision twin leads every binary
// model, which is what a converged reproduction shows. No Node imports.
import { compare, type Comparison } from './stats.js';
import type { SeededCell, SeededTable } from './tables.js';

/** Where two methods are compared, and at which significance level (default 0.05). */
export interface CompareAt {
  set: string;
  scale: number;
  alpha?: number;
}

/** A comparison of two rows of a seeded table on one set and scale. */
export interface MethodComparison extends Comparison {
  a: string;
  b: string;
  set: string;
  scale: number;
}

/** The cell of `method` at (set, scale); an error says which of the three is missing. */
export function seededCellOf(table: SeededTable, method: string, at: { set: string; scale: number }): SeededCell {
  const rows = table.rows.filter((r) => r.scale === at.scale);
  const row = rows.find((r) => r.method === method);
  if (!row) throw new Error(`method '${method}' has no row at x${at.scale} (rows there: ${rows.map((r) => r.method).join(', ') || 'none'})`);
  const cell = row.cells[at.set];
  if (!cell) throw new Error(`method '${method}' x${at.scale} has no result on set '${at.set}'`);
  return cell;
}

/** Compare rows `a` and `b` by the page's rule (see `compare`) on their per-seed PSNRs. */
export function compareMethods(table: SeededTable, a: string, b: string, at: CompareAt): MethodComparison {
  const c = compare(seededCellOf(table, a, at).samples, seededCellOf(table, b, at).samples, { alpha: at.alpha });
  return { ...c, a, b, set: at.set, scale: at.scale };
}

/** A p-value as the page prints it, two significant digits: "= 0.41", "= 0.030", "< 0.001". */
export function formatP(p: number): string {
  return p < 0.001 ? '< 0.001' : `= ${p.toPrecision(2)}`;
}

/** A gap with its sign, "+0.02", "-0.15"; "0.00" when it rounds to zero. */
function signed(v: number, digits: number): string {
  const s = Math.abs(v).toFixed(digits);
  return Number(s) === 0 ? s : `${v > 0 ? '+' : '-'}${s}`;
}

/** One line of the comparisons section, e.g.
 * "FRB order 2 vs BBCU-L on Set5 x4: +0.02 dB, Welch p = 0.41 (n = 3 / 3) → tie". */
export function comparisonLine(c: MethodComparison, o: { psnrDigits?: number } = {}): string {
  const head = `${c.a} vs ${c.b} on ${c.set} x${c.scale}: ${signed(c.gap, o.psnrDigits ?? 2)} dB`;
  const n = `(n = ${c.na} / ${c.nb})`;
  if (c.decision === 'untested' || c.p === null) return `${head} ${n} → untested (fewer than 2 seeds on a side)`;
  const verdict = c.decision === 'A > B' ? `${c.a} > ${c.b}` : c.decision === 'B > A' ? `${c.b} > ${c.a}` : 'tie';
  return `${head}, Welch p ${formatP(c.p)} ${n} → ${verdict}`;
}

/** The rule in words, for the sentence above the comparisons. */
export function comparisonRule(alpha = 0.05): string {
  return (
    `"A > B" only when Welch's unequal-variance t-test on the per-seed PSNRs gives a two-sided p < ${alpha} and A's mean is higher; ` +
    `otherwise "tie" (the gap is within the seed-to-seed spread); "untested" when either side has fewer than 2 seeds.`
  );
}

/** The comparisons section's lines (without list markers): one per (A, B) pair, in the given order. */
export function comparisonLines(table: SeededTable, pairs: Array<readonly [string, string]>, at: CompareAt, o: { psnrDigits?: number } = {}): string[] {
  return pairs.map(([a, b]) => comparisonLine(compareMethods(table, a, b, at), o));
}

export interface FpTwinCheck {
  /** True when the FP twin is above ("A > B") every binary row. */
  leads: boolean;
  /** The FP twin (A) against each binary row (B), in the order given. */
  comparisons: MethodComparison[];
  /** What the page says: that the FP twin leads, or which rows it is not above and what that means. */
  sentence: string;
}

/**
 * Is the full-precision twin above every binary model by the page's rule? A converged reproduction must show
 * it (binarization only loses information); when it does not, the models are undertrained at this budget and
 * the binary rows' ordering says little. The caller says which rows are binary.
 */
export function fpTwinCheck(table: SeededTable, fpTwin: string, binary: readonly string[], at: CompareAt): FpTwinCheck {
  if (binary.length === 0) throw new Error('fpTwinCheck: binary lists no rows');
  if (binary.includes(fpTwin)) throw new Error(`fpTwinCheck: the FP twin '${fpTwin}' is also listed in binary`);
  const comparisons = binary.map((b) => compareMethods(table, fpTwin, b, at));
  const where = `on ${at.set} x${at.scale}`;
  if (comparisons.every((c) => c.decision === 'A > B')) {
    return { leads: true, comparisons, sentence: `The FP twin (${fpTwin}) is above every binary model ${where} (Welch p < ${comparisons[0]!.alpha}).` };
  }
  const why = (c: MethodComparison) =>
    c.decision === 'tie' ? `ties with ${c.b} (p ${formatP(c.p!)})`
    : c.decision === 'B > A' ? `is below ${c.b} (p ${formatP(c.p!)})`
    : `is untested against ${c.b} (n = ${c.na} / ${c.nb})`;
  const not = comparisons.filter((c) => c.decision !== 'A > B');
  const lost = not.some((c) => c.decision === 'tie' || c.decision === 'B > A');
  const list = not.map(why).join(', ');
  const sentence = lost
    ? `The FP twin (${fpTwin}) ${list} ${where}. The FP twin does not lead every binary model: the models are undertrained at this budget.`
    : `The FP twin (${fpTwin}) ${list} ${where}, so whether it leads every binary model is not established.`;
  return { leads: false, comparisons, sentence };
}

/**
 * The whole section as Markdown: the rule, one list item per pair, and (when `fpTwin` is given) the FP-twin
 * sentence. Ends with a newline.
 */
export function comparisonsMarkdown(
  table: SeededTable,
  o: CompareAt & { pairs: Array<readonly [string, string]>; fpTwin?: { name: string; binary: readonly string[] }; psnrDigits?: number },
): string {
  const lines = [`Rule: ${comparisonRule(o.alpha)}`, '', ...comparisonLines(table, o.pairs, o, o).map((l) => `- ${l}`)];
  if (o.fpTwin) lines.push('', fpTwinCheck(table, o.fpTwin.name, o.fpTwin.binary, o).sentence);
  return lines.join('\n') + '\n';
}
