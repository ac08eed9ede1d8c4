import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  comparisonLines, comparisonsMarkdown, compareMethods, formatSeededTable, fpTwinCheck, mergeRuns, mergeSeededRuns,
  scatterPoints, scatterSvg, seededTableLegend, seededToCsv, seededToJson, seededToMarkdown, toMarkdown, writeScatter,
  type SeededRun,
} from '@frb/bench';

// Set5 x4 PSNR/SSIM of three seeds per method, shaped like the reproduction's runs. Hand values: FP twin
// mean 30.42, std √((0.02² + 0.02² + 0) / 2) = 0.02; BBCU-L mean 30.46, std √(0.0014 / 2) = 0.02646.
const FP = 'SRResNet (FP twin)';
const seedsOf = (method: string, psnr: number[], ssim: number[], cost?: SeededRun['cost']): SeededRun[] =>
  psnr.map((p, seed) => ({ method, seed, cost, results: [{ set: 'Set5', scale: 4, psnr: p, ssim: ssim[seed]! }] }));
const runs: SeededRun[] = [
  { method: 'Bicubic', results: [{ set: 'Set5', scale: 4, psnr: 28.43, ssim: 0.8111 }] },
  ...seedsOf(FP, [30.4, 30.44, 30.42], [0.8659, 0.8663, 0.8661], { '4': { params: 159e3, ops: 24.2e9 } }),
  // A first, wrong value of BBCU-L seed 1 that a later run of the same seed replaces.
  { method: 'BBCU-L', seed: 1, results: [{ set: 'Set5', scale: 4, psnr: 29, ssim: 0.8 }] },
  ...seedsOf('BBCU-L', [30.48, 30.43, 30.47], [0.8671, 0.866, 0.8668], { '4': { params: 87.3e3, ops: 20.02e9 } }).reverse(),
  ...seedsOf('FRB order 2', [30.46, 30.5, 30.49], [0.8671, 0.8676, 0.8674], { '4': { params: 89.6e3, ops: 20.09e9 } }),
  ...seedsOf('BNN', [27.86, 27.9, 27.8], [0.7962, 0.797, 0.795], { '4': { params: 87.3e3, ops: 20.02e9 } }),
  { method: 'FRB order 2 + DBT', seed: 0, cost: { '4': { params: 89.6e3, ops: 20.09e9 } }, results: [{ set: 'Set5', scale: 4, psnr: 30.31, ssim: 0.8635 }, { set: 'Set14', scale: 4, psnr: 27.36, ssim: 0.7502 }] },
];
const at = { set: 'Set5', scale: 4 };

describe('seeded tables', () => {
  it('merges seeds into cells with mean, sample std, n and the samples in seed order', () => {
    const t = mergeSeededRuns(runs);
    expect(t.sets).toEqual(['Set5', 'Set14']);
    expect(t.rows.map((r) => r.method)).toEqual(['Bicubic', FP, 'BBCU-L', 'FRB order 2', 'BNN', 'FRB order 2 + DBT']);
    const fp = t.rows[1]!.cells.Set5!;
    expect(fp.psnr).toBeCloseTo(30.42, 12);
    expect(fp.psnrStd!).toBeCloseTo(0.02, 12);
    expect(fp.ssimStd!).toBeCloseTo(0.0002, 12);
    expect([fp.n, fp.seeds, fp.samples]).toEqual([3, [0, 1, 2], [30.4, 30.44, 30.42]]);
    const bbcu = t.rows[2]!.cells.Set5!;
    expect(bbcu.samples).toEqual([30.48, 30.43, 30.47]); // seed 1's later run replaced 29
    expect(bbcu.psnrStd!).toBeCloseTo(Math.sqrt(0.0014 / 2), 12);
    expect(t.rows[2]!.cost).toEqual({ params: 87.3e3, ops: 20.02e9 });
    expect(t.rows[0]!.cells.Set5).toMatchObject({ psnr: 28.43, psnrStd: null, ssimStd: null, n: 1, seeds: [null] });
    expect(() => mergeSeededRuns([{ method: 'X', seed: 1.5, results: [] }, { method: 'X', seed: 1.5, results: [{ set: 'Set5', scale: 4, psnr: 1, ssim: 1 }] }])).toThrow(/run 2 \('X'\): seed must be an integer, got 1.5/);
  });

  it('leaves the single-run tables as they were: one seed per method gives the same means as mergeRuns', () => {
    const single = runs.filter((r) => r.seed === undefined || r.seed === 0);
    const plain = mergeRuns(single);
    const seeded = mergeSeededRuns(single);
    expect(toMarkdown(seeded)).toBe(toMarkdown(plain));
  });

  it('prints "mean ± std / ssim (n=3)" cells, single runs without ±, and states the format', () => {
    const md = seededToMarkdown(mergeSeededRuns(runs)).split('\n');
    expect(md[0]).toBe('| Method | Scale | Params (K) | OPs (G) | Set5 | Set14 |');
    expect(md[2]).toBe('| Bicubic | x4 | - | - | 28.43 / 0.8111 | - |');
    expect(md[3]).toBe(`| ${FP} | x4 | 159 | 24.20 | 30.42 ± 0.02 / 0.8661 (n=3) | - |`);
    expect(md[4]).toBe('| BBCU-L | x4 | 87.3 | 20.02 | 30.46 ± 0.03 / 0.8666 (n=3) | - |');
    expect(md[7]).toBe('| FRB order 2 + DBT | x4 | 89.6 | 20.09 | 30.31 / 0.8635 | 27.36 / 0.7502 |');
    expect(seededTableLegend()).toMatch(/mean ± sample standard deviation over seeds.*"30\.41 ± 0\.03 \/ 0\.8612 \(n=3\)".*without ± is a single run/);
  });

  it('writes CSV and JSON with stds, n and samples', () => {
    const t = mergeSeededRuns(runs);
    const csv = seededToCsv(t).trim().split('\n');
    expect(csv[0]).toBe('method,scale,params_k,ops_g,Set5_psnr,Set5_psnr_std,Set5_ssim,Set5_ssim_std,Set5_n,Set14_psnr,Set14_psnr_std,Set14_ssim,Set14_ssim_std,Set14_n');
    expect(csv[1]).toBe('Bicubic,4,,,28.4300,,0.811100,,1,,,,,');
    expect(csv[2]).toBe(`${FP},4,159,24.2,30.4200,0.0200,0.866100,0.000200,3,,,,,`);
    const j = JSON.parse(seededToJson(t));
    expect(j.rows[1].cells.Set5).toMatchObject({ n: 3, seeds: [0, 1, 2], samples: [30.4, 30.44, 30.42] });
    expect(j.rows[0].cells.Set5.psnrStd).toBeNull();
    expect(formatSeededTable(t, 'csv')).toBe(seededToCsv(t));
    expect(() => formatSeededTable(t, 'xlsx' as 'md')).toThrow(/md, csv or json, got 'xlsx'/);
  });
});

describe('comparisons section', () => {
  const t = mergeSeededRuns(runs);

  it('prints a gap within the seed spread as a tie, a clear gap as an ordering', () => {
    // p-values computed independently (30-digit mpmath: Welch t, Satterthwaite df, incomplete beta):
    // FRB order 2 vs BBCU-L t 1.2005, df 3.790, p 0.29956; FP vs BNN t 82.08, df 2.616, p 1.55e-5.
    expect(comparisonLines(t, [['FRB order 2', 'BBCU-L'], [FP, 'BNN'], ['FRB order 2 + DBT', 'FRB order 2']], at)).toEqual([
      'FRB order 2 vs BBCU-L on Set5 x4: +0.02 dB, Welch p = 0.30 (n = 3 / 3) → tie',
      `${FP} vs BNN on Set5 x4: +2.57 dB, Welch p < 0.001 (n = 3 / 3) → ${FP} > BNN`,
      'FRB order 2 + DBT vs FRB order 2 on Set5 x4: -0.17 dB (n = 1 / 3) → untested (fewer than 2 seeds on a side)',
    ]);
    const c = compareMethods(t, 'FRB order 2', 'BBCU-L', at);
    expect(c.p!).toBeCloseTo(0.29956268, 6);
    expect(compareMethods(t, FP, 'FRB order 2', at)).toMatchObject({ decision: 'B > A', na: 3, nb: 3 });
    expect(compareMethods(t, FP, 'FRB order 2', { ...at, alpha: 0.01 }).decision).toBe('tie'); // p 0.0192
  });

  it('names what is missing', () => {
    expect(() => compareMethods(t, 'XNOR', 'BNN', at)).toThrow(/method 'XNOR' has no row at x4 \(rows there: Bicubic, /);
    expect(() => compareMethods(t, FP, 'BNN', { set: 'Set14', scale: 4 })).toThrow(/method 'SRResNet \(FP twin\)' x4 has no result on set 'Set14'/);
  });

  it('says in words when the FP twin does not lead every binary model', () => {
    const binary = ['BBCU-L', 'FRB order 2', 'BNN', 'FRB order 2 + DBT'];
    const check = fpTwinCheck(t, FP, binary, at);
    expect(check.leads).toBe(false);
    expect(check.comparisons.map((c) => c.decision)).toEqual(['tie', 'B > A', 'A > B', 'untested']);
    // FP vs BBCU-L: p 0.11012; FP vs FRB order 2: p 0.019160 (mpmath, as above).
    expect(check.sentence).toBe(
      `The FP twin (${FP}) ties with BBCU-L (p = 0.11), is below FRB order 2 (p = 0.019), is untested against FRB order 2 + DBT (n = 3 / 1) on Set5 x4. ` +
        'The FP twin does not lead every binary model: the models are undertrained at this budget.',
    );
    const leads = fpTwinCheck(t, FP, ['BNN'], at);
    expect(leads).toMatchObject({ leads: true, sentence: `The FP twin (${FP}) is above every binary model on Set5 x4 (Welch p < 0.05).` });
    // Only an untested row in the way: no claim about training, just that it is not established.
    expect(fpTwinCheck(t, FP, ['BNN', 'FRB order 2 + DBT'], at).sentence).toMatch(/is untested against FRB order 2 \+ DBT \(n = 3 \/ 1\) on Set5 x4, so whether it leads every binary model is not established\.$/);
    expect(() => fpTwinCheck(t, FP, [], at)).toThrow(/binary lists no rows/);
    expect(() => fpTwinCheck(t, FP, [FP], at)).toThrow(/FP twin 'SRResNet \(FP twin\)' is also listed in binary/);
  });

  it('renders the section: rule, one item per pair, the FP-twin sentence', () => {
    const md = comparisonsMarkdown(t, { ...at, pairs: [['FRB order 2', 'BBCU-L']], fpTwin: { name: FP, binary: ['BNN'] } });
    expect(md.split('\n')).toEqual([
      `Rule: "A > B" only when Welch's unequal-variance t-test on the per-seed PSNRs gives a two-sided p < 0.05 and A's mean is higher; otherwise "tie" (the gap is within the seed-to-seed spread); "untested" when either side has fewer than 2 seeds.`,
      '',
      '- FRB order 2 vs BBCU-L on Set5 x4: +0.02 dB, Welch p = 0.30 (n = 3 / 3) → tie',
      '',
      `The FP twin (${FP}) is above every binary model on Set5 x4 (Welch p < 0.05).`,
      '',
    ]);
  });
});

describe('plot error bars', () => {
  const t = mergeSeededRuns(runs);

  it('takes the PSNR std of seeded cells as the y error, none for single runs', () => {
    const { points, skipped } = scatterPoints(t, { set: 'Set5', scale: 4, x: 'ops', highlight: (m) => m.startsWith('FRB') });
    expect(skipped).toEqual(['Bicubic']);
    expect(points.map((p) => [p.label, p.yErr === undefined ? 'none' : Number(p.yErr.toFixed(5))])).toEqual([
      [FP, 0.02], ['BBCU-L', 0.02646], ['FRB order 2', 0.02082], ['BNN', 0.05033], ['FRB order 2 + DBT', 'none'],
    ]);
  });

  it('draws one bar per point with an error, spanning y ± yErr on the axis, and widens the y range to fit', () => {
    const pts = [
      { label: 'A', x: 2, y: 30, yErr: 0.5 },
      { label: 'B', x: 8, y: 31 },
      { label: 'C', x: 20, y: 31.2, yErr: 0.1 },
    ];
    const svg = scatterSvg(pts, { width: 400, height: 300 });
    const bars = [...svg.matchAll(/<path class="error-bar" d="M([\d.]+) ([\d.]+)V([\d.]+)/g)].map((m) => m.slice(1).map(Number));
    expect(bars).toHaveLength(2);
    // y axis: data span 29.5..31.3 (A's bar bottom, C's bar top) plus 10 % padding on each side → 29.32..31.48,
    // mapped onto pixels 240 (bottom, 300 − 60) .. 25 (top).
    const py = (y: number) => 240 - ((y - 29.32) / (31.48 - 29.32)) * (240 - 25);
    expect(bars[0]![1]).toBeCloseTo(py(30.5), 0);
    expect(bars[0]![2]).toBeCloseTo(py(29.5), 0);
    expect(bars[1]![2] - bars[1]![1]).toBeCloseTo(py(31.1) - py(31.3), 0);
    expect(svg.indexOf('class="error-bar"')).toBeLessThan(svg.indexOf('<circle')); // under the markers
    expect(scatterSvg(pts.map(({ yErr: _e, ...p }) => p))).not.toContain('error-bar');
    expect(() => scatterSvg([{ label: 'A', x: 1, y: 1, yErr: -1 }])).toThrow(/point 'A': yErr must be a finite number ≥ 0, got -1/);
  });

  it('rasterizes the bars', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frb-errbar-'));
    try {
      const dark = async (yErr?: number) => {
        const file = join(dir, `p${yErr ?? 0}.png`);
        // Two points far apart in y, so a 1 dB bar is long (~100 px); count dark grey pixels of the bar colour.
        await writeScatter(file, [{ label: 'A', x: 2, y: 30, yErr }, { label: 'B', x: 8, y: 33 }], { width: 400, height: 300 });
        const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
        let n = 0;
        for (let i = 0; i < data.length; i += info.channels) if (Math.abs(data[i]! - 0x44) < 24 && Math.abs(data[i + 1]! - 0x44) < 24 && Math.abs(data[i + 2]! - 0x44) < 24) n++;
        return n;
      };
      expect((await dark(1)) - (await dark())).toBeGreaterThan(60);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
