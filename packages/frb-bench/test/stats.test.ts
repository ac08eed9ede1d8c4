import { describe, expect, it } from 'vitest';
import { compare, lnGamma, mean, regularizedIncompleteBeta, sampleStd, studentTwoSidedP, welchTTest } from '@frb/bench';

/**
 * Two-sided Student-t tail by a second, independent route: with x = √ν tan θ the t density is proportional to
 * cos^(ν−1) θ on (−π/2, π/2), so P(|T| ≥ t) = ∫_{θt}^{π/2} cos^(ν−1) / ∫_0^{π/2} cos^(ν−1), θt = atan(t / √ν).
 * Composite Simpson with many steps; no gamma or beta function involved. Valid for ν ≥ 1.
 */
function tailByIntegration(t: number, nu: number, steps = 200_000): number {
  const f = (th: number) => Math.cos(th) ** (nu - 1);
  const simpson = (lo: number, hi: number) => {
    const h = (hi - lo) / steps;
    let s = f(lo) + f(hi);
    for (let i = 1; i < steps; i++) s += (i % 2 ? 4 : 2) * f(lo + i * h);
    return (s * h) / 3;
  };
  return simpson(Math.atan(Math.abs(t) / Math.sqrt(nu)), Math.PI / 2) / simpson(0, Math.PI / 2);
}

describe('mean and sample standard deviation', () => {
  it('match hand computation', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9]; // sum 40, squared deviations from 5 sum to 32
    expect(mean(xs)).toBe(5);
    expect(sampleStd(xs)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(sampleStd([30.41, 30.41, 30.41])).toBe(0);
  });

  it('reject what has no mean or spread, naming the argument', () => {
    expect(() => mean([])).toThrow(/mean: xs is empty/);
    expect(() => sampleStd([1])).toThrow(/sampleStd: xs needs at least 2 values, got 1/);
    expect(() => mean([1, NaN])).toThrow(/xs\[1\] must be a finite number/);
    expect(() => welchTTest([1, 2], [1, Infinity])).toThrow(/welchTTest: b\[1\] must be a finite number, got Infinity/);
  });
});

describe('Student t tail', () => {
  it('gives the two-sided 5 % and 1 % points of the printed t table', () => {
    // Critical values t(0.975, ν) and t(0.995, ν) as printed to 3 decimals; the rounding moves p by < 2e-4.
    for (const [t, df, p] of [[12.706, 1, 0.05], [2.571, 5, 0.05], [2.228, 10, 0.05], [2.086, 20, 0.05], [3.169, 10, 0.01], [2.845, 20, 0.01]]) {
      expect(Math.abs(studentTwoSidedP(t, df) - p), `t = ${t}, df = ${df}`).toBeLessThan(2e-4);
    }
    // Large df: the normal distribution's 1.96.
    expect(studentTwoSidedP(1.959964, 1e6)).toBeCloseTo(0.05, 5);
  });

  it('equals the closed forms for df = 1, 2 and 4', () => {
    for (const t of [0, 0.1, 0.7, 1, 2.5, 6, 40, -3]) {
      const a = Math.abs(t);
      expect(studentTwoSidedP(t, 1), `df 1, t ${t}`).toBeCloseTo(1 - (2 / Math.PI) * Math.atan(a), 13);
      expect(studentTwoSidedP(t, 2), `df 2, t ${t}`).toBeCloseTo(1 - a / Math.sqrt(2 + t * t), 13);
      // df 4: F(t) = 1/2 + (3/8) u (1 − u² / 12) with u = t / √(1 + t²/4).
      const u = a / Math.sqrt(1 + (t * t) / 4);
      expect(studentTwoSidedP(t, 4), `df 4, t ${t}`).toBeCloseTo(1 - (3 / 4) * u * (1 - (u * u) / 12), 13);
    }
  });

  it('equals numerical integration of the t density for non-integer df', () => {
    for (const [t, df] of [[0.3, 7.3], [1.5, 2.6], [2.1, 5.157894736842105], [3.2, 24.99], [5, 3.5], [0.05, 1.2], [4.4, 60.5]]) {
      expect(studentTwoSidedP(t, df), `t = ${t}, df = ${df}`).toBeCloseTo(tailByIntegration(t, df), 8);
    }
  });

  it('has ln Γ and the incomplete beta right where they have exact values', () => {
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(lnGamma(10)).toBeCloseTo(Math.log(362880), 13);
    // Across the point where the recurrence hands over to Stirling's series: Γ(x + 1) = x Γ(x).
    expect(lnGamma(15.5) - lnGamma(14.5)).toBeCloseTo(Math.log(14.5), 13);
    for (const x of [0.05, 0.3, 0.5, 0.8, 0.97]) {
      expect(regularizedIncompleteBeta(x, 3.5, 1)).toBeCloseTo(x ** 3.5, 14); // I_x(a, 1) = xᵃ
      expect(regularizedIncompleteBeta(x, 1, 2.5)).toBeCloseTo(1 - (1 - x) ** 2.5, 14); // I_x(1, b) = 1 − (1 − x)ᵇ
      expect(regularizedIncompleteBeta(x, 2.5, 7.1) + regularizedIncompleteBeta(1 - x, 7.1, 2.5)).toBeCloseTo(1, 13);
    }
    expect(() => regularizedIncompleteBeta(1.2, 1, 1)).toThrow(/x must be in \[0, 1\], got 1.2/);
    expect(() => studentTwoSidedP(1, 0)).toThrow(/df must be a finite positive number, got 0/);
  });
});

describe("Welch's t-test", () => {
  it('matches a hand computation with equal spreads', () => {
    // Means 2 and 5, variances 1 and 1: se = √(1/3 + 1/3), df = (2/3)² / (2 · (1/3)² / 2) = 4.
    const w = welchTTest([1, 2, 3], [4, 5, 6]);
    if (!w.tested) throw new Error(w.reason);
    expect(w.t).toBeCloseTo(-3 / Math.sqrt(2 / 3), 13);
    expect(w.df).toBeCloseTo(4, 13);
    const t = 3 / Math.sqrt(2 / 3);
    const u = t / Math.sqrt(1 + (t * t) / 4); // df 4 closed form, as above
    expect(w.p).toBeCloseTo(1 - (3 / 4) * u * (1 - (u * u) / 12), 13);
  });

  it('matches a hand computation with unequal sizes and spreads', () => {
    // a: mean 2, variance 1, n 3 → 1/3; b: mean 6, variance 10, n 5 → 2; se² = 7/3;
    // df = (7/3)² / ((1/3)²/2 + 2²/4) = (49/9) / (19/18) = 98/19.
    const w = welchTTest([1, 2, 3], [2, 4, 6, 8, 10]);
    if (!w.tested) throw new Error(w.reason);
    expect(w.t).toBeCloseTo(-4 / Math.sqrt(7 / 3), 13);
    expect(w.df).toBeCloseTo(98 / 19, 13);
    expect(w.p).toBeCloseTo(tailByIntegration(4 / Math.sqrt(7 / 3), 98 / 19), 8);
    expect(w.p).toBeGreaterThan(0.04);
    expect(w.p).toBeLessThan(0.05);
  });

  it("reproduces the worked example of the Wikipedia article on Welch's t-test (t −2.46, df 25.0, p 0.021)", () => {
    const w = welchTTest(
      [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
      [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4],
    );
    if (!w.tested) throw new Error(w.reason);
    expect(Math.abs(w.t + 2.46)).toBeLessThan(0.005);
    expect(Math.abs(w.df - 25.0)).toBeLessThan(0.05);
    expect(Math.abs(w.p - 0.021)).toBeLessThan(0.0005);
  });

  it('says when it cannot test, and decides zero-spread samples by their means', () => {
    expect(welchTTest([30.4], [30.1, 30.2])).toEqual({ tested: false, reason: 'needs at least 2 values per side, got 1 (a) and 2 (b)' });
    expect(welchTTest([30.4, 30.4], [30.4, 30.4, 30.4])).toEqual({ tested: true, t: 0, df: 3, p: 1 });
    expect(welchTTest([30.4, 30.4], [30.1, 30.1])).toEqual({ tested: true, t: Infinity, df: 2, p: 0 });
    expect(welchTTest([30.1, 30.1], [30.4, 30.4])).toEqual({ tested: true, t: -Infinity, df: 2, p: 0 });
    // One side without spread: Satterthwaite's df is the other side's n − 1.
    const w = welchTTest([5, 5, 5], [1, 2, 3, 6]);
    expect(w.tested && w.df).toBeCloseTo(3, 13);
  });
});

describe('compare (the results page rule)', () => {
  // Three seeds each, Set5 x4 PSNRs as the reproduction produces them.
  const A = [30.52, 30.55, 30.5];
  const B = [30.4, 30.43, 30.41];

  it('calls A > B for a gap well outside the seed spread, B > A when swapped', () => {
    const c = compare(A, B);
    expect(c.decision).toBe('A > B');
    expect(c.gap).toBeCloseTo(mean(A) - mean(B), 14);
    const w = welchTTest(A, B);
    expect(c.p).toBe(w.tested ? w.p : NaN);
    expect(c.p!).toBeLessThan(0.01);
    expect([c.na, c.nb, c.alpha]).toEqual([3, 3, 0.05]);
    const r = compare(B, A);
    expect(r.decision).toBe('B > A');
    expect(r.gap).toBeCloseTo(-c.gap, 14);
  });

  it('calls a gap inside the spread a tie', () => {
    const c = compare([30.41, 30.47, 30.43], [30.4, 30.46, 30.44]);
    expect(c.decision).toBe('tie');
    expect(c.gap).toBeCloseTo(0.01 / 3, 12);
    expect(c.p!).toBeGreaterThan(0.5);
  });

  it('applies alpha: p between 0.01 and 0.05 is a win at 0.05, a tie at 0.01', () => {
    const a = [2, 4, 6, 8, 10];
    const b = [1, 2, 3]; // p ≈ 0.046 (the unequal-spread example above)
    expect(compare(a, b).decision).toBe('A > B');
    expect(compare(a, b, { alpha: 0.01 }).decision).toBe('tie');
    expect(() => compare(a, b, { alpha: 0 })).toThrow(/compare: alpha must be in \(0, 1\), got 0/);
  });

  it('is untested with a single seed on either side, and refuses empty samples', () => {
    const c = compare([30.6], B);
    expect(c).toMatchObject({ decision: 'untested', p: null, na: 1, nb: 3 });
    expect(c.gap).toBeCloseTo(30.6 - mean(B), 14);
    expect(c.reason).toMatch(/at least 2 values per side/);
    expect(() => compare([], B)).toThrow(/compare: a is empty/);
  });

  it('decides identical deterministic results as a tie and different ones by the means', () => {
    expect(compare([28.43, 28.43], [28.43, 28.43]).decision).toBe('tie');
    expect(compare([28.44, 28.44], [28.43, 28.43]).decision).toBe('A > B');
  });
});
