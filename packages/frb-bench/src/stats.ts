// Statistics for results over several seeds: mean, sample standard deviation and Welch's unequal-variance
// t-test, with the decision rule the results page uses ("A > B" only when the test says the gap is larger
// than the seed-to-seed spread). No dependencies and no Node imports, so it runs in a browser too.
//
// The t distribution's tail comes from the regularized incomplete beta function, evaluated with its
// continued fraction; ln Γ comes from Stirling's series after shifting the argument up by recurrence.

function checkSample(fn: string, name: string, xs: readonly number[]): void {
  if (!Array.isArray(xs)) throw new Error(`${fn}: ${name} must be an array of numbers, got ${typeof xs}`);
  xs.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${fn}: ${name}[${i}] must be a finite number, got ${String(v)}`);
  });
}

/** Arithmetic mean. Throws on an empty sample. */
export function mean(xs: readonly number[]): number {
  checkSample('mean', 'xs', xs);
  if (xs.length === 0) throw new Error('mean: xs is empty');
  return shiftedMean(xs);
}

/** Mean as x₀ + mean(x − x₀): exact for identical values (a plain sum of three 30.4s divided by 3 is not 30.4),
 * which the zero-spread rule of welchTTest relies on, and no loss of digits to a large common offset. */
function shiftedMean(xs: readonly number[]): number {
  const x0 = xs[0]!;
  return x0 + xs.reduce((s, v) => s + (v - x0), 0) / xs.length;
}

/** Unbiased sample variance (divisor n − 1); needs n ≥ 2. */
export function sampleVariance(xs: readonly number[]): number {
  checkSample('sampleVariance', 'xs', xs);
  if (xs.length < 2) throw new Error(`sampleVariance: xs needs at least 2 values, got ${xs.length}`);
  const m = shiftedMean(xs);
  return xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - 1);
}

/** Sample standard deviation (divisor n − 1); needs n ≥ 2. */
export function sampleStd(xs: readonly number[]): number {
  checkSample('sampleStd', 'xs', xs);
  if (xs.length < 2) throw new Error(`sampleStd: xs needs at least 2 values, got ${xs.length}`);
  return Math.sqrt(sampleVariance(xs));
}

const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0: shift x to ≥ 15 with Γ(x) = Γ(x + 1) / x, then Stirling's series up to the x⁻⁹ term,
 * whose truncation error there is below 1e-15. */
export function lnGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new Error(`lnGamma: x must be a finite positive number, got ${x}`);
  let shift = 0;
  while (x < 15) {
    shift += Math.log(x);
    x += 1;
  }
  const r = 1 / x;
  const r2 = r * r;
  // Coefficients B₂ₖ / (2k (2k − 1)): 1/12, −1/360, 1/1260, −1/1680, 1/1188.
  const series = r * (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 / 1188))));
  return (x - 0.5) * Math.log(x) - x + HALF_LN_2PI + series - shift;
}

/**
 * Regularized incomplete beta I_x(a, b) = B(x; a, b) / B(a, b) for 0 ≤ x ≤ 1, a, b > 0. `xc` is 1 − x, passed
 * separately when the caller knows it more precisely than 1 − x would compute it (tails near x = 1).
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number, xc = 1 - x): number {
  if (!(a > 0) || !Number.isFinite(a)) throw new Error(`regularizedIncompleteBeta: a must be a finite positive number, got ${a}`);
  if (!(b > 0) || !Number.isFinite(b)) throw new Error(`regularizedIncompleteBeta: b must be a finite positive number, got ${b}`);
  if (!(x >= 0 && x <= 1)) throw new Error(`regularizedIncompleteBeta: x must be in [0, 1], got ${x}`);
  if (x === 0) return 0;
  if (xc === 0) return 1;
  // The continued fraction converges fast only left of the mean of Beta(a, b) (roughly); on the right use
  // I_x(a, b) = 1 − I_{1−x}(b, a).
  if (x > (a + 1) / (a + b + 2)) return 1 - betaContinuedFraction(xc, b, a, x);
  return betaContinuedFraction(x, a, b, xc);
}

/** xᵃ (1 − x)ᵇ / (a B(a, b)) times the continued fraction 1 / (1 + d₁ / (1 + d₂ / (1 + …))), with
 * d₂ₖ₊₁ = −(a + k)(a + b + k) x / ((a + 2k)(a + 2k + 1)) and d₂ₖ = k (b − k) x / ((a + 2k − 1)(a + 2k)),
 * evaluated front to back by the modified Lentz method. */
function betaContinuedFraction(x: number, a: number, b: number, xc: number): number {
  const lnFront = a * Math.log(x) + b * Math.log(xc) - (lnGamma(a) + lnGamma(b) - lnGamma(a + b)) - Math.log(a);
  const TINY = 1e-300;
  // Partial numerators: 1, d₁, d₂, …; all partial denominators are 1.
  let f = TINY;
  let c = f;
  let d = 0;
  for (let m = 0; m < 10_000; m++) {
    let num: number;
    if (m === 0) num = 1;
    else if (m % 2 === 1) {
      const k = (m - 1) / 2;
      num = (-(a + k) * (a + b + k) * x) / ((a + 2 * k) * (a + 2 * k + 1));
    } else {
      const k = m / 2;
      num = (k * (b - k) * x) / ((a + 2 * k - 1) * (a + 2 * k));
    }
    d = 1 + num * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + num / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = c * d;
    f *= step;
    if (Math.abs(step - 1) < 1e-15) return Math.exp(lnFront) * f;
  }
  throw new Error(`regularizedIncompleteBeta: continued fraction did not converge (x = ${x}, a = ${a}, b = ${b})`);
}

/** Two-sided tail P(|T| ≥ |t|) of Student's t with `df` degrees of freedom (df > 0, not necessarily an integer):
 * I_{df / (df + t²)}(df / 2, 1 / 2). */
export function studentTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t)) throw new Error('studentTwoSidedP: t is NaN');
  if (!(df > 0) || !Number.isFinite(df)) throw new Error(`studentTwoSidedP: df must be a finite positive number, got ${df}`);
  if (!Number.isFinite(t)) return 0;
  const t2 = t * t;
  return Math.min(1, regularizedIncompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2)));
}

/** Welch's t-test, or why it could not be run. */
export type WelchResult =
  | {
      tested: true;
      /** (mean(a) − mean(b)) / √(s²a/na + s²b/nb). */
      t: number;
      /** Welch–Satterthwaite degrees of freedom. */
      df: number;
      /** Two-sided p-value. */
      p: number;
    }
  | { tested: false; reason: string };

/**
 * Welch's unequal-variance t-test of mean(a) = mean(b), two-sided.
 *
 * Fewer than 2 values on either side: no variance, so no test (`tested: false` with the reason).
 * Both samples without any spread (e.g. a deterministic evaluation repeated): the standard error is 0, so t is
 * 0/0 or ±x/0. We decide by the means: equal means → t = 0, p = 1 (nothing separates them); different means →
 * t = ±Infinity, p = 0 (every run of one side is above every run of the other, with no noise to blame it on).
 * df is then na + nb − 2, as the Satterthwaite formula is 0/0 too.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult {
  checkSample('welchTTest', 'a', a);
  checkSample('welchTTest', 'b', b);
  if (a.length < 2 || b.length < 2) {
    return { tested: false, reason: `needs at least 2 values per side, got ${a.length} (a) and ${b.length} (b)` };
  }
  const diff = mean(a) - mean(b);
  const sa = sampleVariance(a) / a.length;
  const sb = sampleVariance(b) / b.length;
  const se2 = sa + sb;
  if (se2 === 0) {
    const df = a.length + b.length - 2;
    return diff === 0 ? { tested: true, t: 0, df, p: 1 } : { tested: true, t: diff > 0 ? Infinity : -Infinity, df, p: 0 };
  }
  const t = diff / Math.sqrt(se2);
  const df = (se2 * se2) / ((sa * sa) / (a.length - 1) + (sb * sb) / (b.length - 1));
  return { tested: true, t, df, p: studentTwoSidedP(t, df) };
}

export type Decision = 'A > B' | 'B > A' | 'tie' | 'untested';

export interface Comparison {
  decision: Decision;
  /** mean(A) − mean(B). */
  gap: number;
  /** Welch's two-sided p-value; null when untested. */
  p: number | null;
  na: number;
  nb: number;
  /** The significance level the decision used. */
  alpha: number;
  /** Why the comparison is untested. */
  reason?: string;
}

/**
 * The results page's rule: "A > B" only when Welch's t-test gives p < alpha and mean(A) > mean(B) ("B > A"
 * symmetrically); otherwise "tie"; "untested" when either side has fewer than 2 values (a single seed says
 * nothing about the spread). Empty samples are an error: there is nothing to compare.
 */
export function compare(a: readonly number[], b: readonly number[], o: { alpha?: number } = {}): Comparison {
  const alpha = o.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new Error(`compare: alpha must be in (0, 1), got ${alpha}`);
  checkSample('compare', 'a', a);
  checkSample('compare', 'b', b);
  if (a.length === 0) throw new Error('compare: a is empty');
  if (b.length === 0) throw new Error('compare: b is empty');
  const gap = mean(a) - mean(b);
  const base = { gap, na: a.length, nb: b.length, alpha };
  const w = welchTTest(a, b);
  if (!w.tested) return { decision: 'untested', p: null, reason: w.reason, ...base };
  const decision: Decision = w.p < alpha && gap !== 0 ? (gap > 0 ? 'A > B' : 'B > A') : 'tie';
  return { decision, p: w.p, ...base };
}
