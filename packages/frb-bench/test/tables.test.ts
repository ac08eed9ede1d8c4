import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { mergeRuns, toMarkdown, toCsv, toJson, formatTable, scatterPoints, scatterSvg, writeScatter, type EvalRun } from '@frb/bench';

const runs: EvalRun[] = [
  {
    method: 'FRBC',
    cost: { '4': { params: 51_000, ops: 3.95e9 } },
    results: [
      { set: 'Set14', scale: 4, psnr: 28.2, ssim: 0.7718 },
      { set: 'Set5', scale: 4, psnr: 31.5, ssim: 0.8862 },
    ],
  },
  {
    method: 'Bicubic',
    results: [
      { set: 'Set5', scale: 4, psnr: 28.42, ssim: 0.8104 },
      { set: 'Set5', scale: 2, psnr: 33.66, ssim: 0.9299 },
      { set: 'Set14', scale: 4, psnr: 26.0, ssim: 0.7027 },
    ],
  },
  // A later run of the same method/scale/set replaces the earlier value and adds a set.
  { method: 'FRBC', results: [{ set: 'Set5', scale: 4, psnr: 31.54, ssim: 0.88626 }, { set: 'Urban 100', scale: 4, psnr: Infinity, ssim: 1 }] },
];

describe('tables', () => {
  it('merges runs: later values win, bicubic leads each scale block, canonical set order', () => {
    const t = mergeRuns(runs);
    expect(t.sets).toEqual(['Set5', 'Set14', 'Urban 100']);
    expect(t.rows.map((r) => `${r.method}x${r.scale}`)).toEqual(['Bicubicx2', 'Bicubicx4', 'FRBCx4']);
    expect(t.rows[2].cells.Set5).toEqual({ psnr: 31.54, ssim: 0.88626 });
    expect(t.rows[2].cost).toEqual({ params: 51_000, ops: 3.95e9 });
  });

  it('formats Markdown in the layout of Table 1', () => {
    expect(toMarkdown(mergeRuns(runs))).toBe(
      [
        '| Method | Scale | Params (K) | OPs (G) | Set5 | Set14 | Urban 100 |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
        '| Bicubic | x2 | - | - | 33.66/0.9299 | - | - |',
        '| Bicubic | x4 | - | - | 28.42/0.8104 | 26.00/0.7027 | - |',
        '| FRBC | x4 | 51.0 | 3.95 | 31.54/0.8863 | 28.20/0.7718 | inf/1.0000 |',
        '',
      ].join('\n'),
    );
  });

  it('formats CSV and JSON', () => {
    const t = mergeRuns(runs);
    const csv = toCsv(t).trim().split('\n');
    expect(csv[0]).toBe('method,scale,params_k,ops_g,Set5_psnr,Set5_ssim,Set14_psnr,Set14_ssim,Urban 100_psnr,Urban 100_ssim');
    expect(csv[3]).toBe('FRBC,4,51,3.95,31.5400,0.886260,28.2000,0.771800,inf,1.000000');
    const j = JSON.parse(toJson(t));
    expect(j.rows[2]).toEqual({
      method: 'FRBC', scale: 4, paramsK: 51, opsG: 3.95,
      cells: { Set5: { psnr: 31.54, ssim: 0.88626 }, Set14: { psnr: 28.2, ssim: 0.7718 }, 'Urban 100': { psnr: 'inf', ssim: 1 } },
    });
    expect(j.rows[0].paramsK).toBeNull();
    expect(formatTable(t, 'json')).toBe(toJson(t));
    expect(() => formatTable(t, 'xlsx' as 'md')).toThrow(/md, csv or json/);
  });

  it('rejects malformed runs naming the run', () => {
    expect(() => mergeRuns([{ method: 'X', results: [{ set: 'Set5', scale: 2.5, psnr: 1, ssim: 1 }] }])).toThrow(/run 1 \('X'\)/);
    expect(() => mergeRuns([{ results: [] } as unknown as EvalRun])).toThrow(/run 1: missing "method"/);
  });
});

describe('plot', () => {
  it('draws PSNR vs OPs as PNG, leaving out rows without a cost', async () => {
    const t = mergeRuns([
      ...runs,
      { method: 'SRResNet', cost: { '4': { params: 1_515_000, ops: 146.14e9 } }, results: [{ set: 'Set5', scale: 4, psnr: 32.16, ssim: 0.8951 }] },
    ]);
    const { points, skipped } = scatterPoints(t, { set: 'Set5', scale: 4, x: 'ops', highlight: (m) => m === 'FRBC' });
    expect(points).toEqual([
      { label: 'FRBC', x: 3.95, y: 31.54, highlight: true },
      { label: 'SRResNet', x: 146.14, y: 32.16, highlight: false },
    ]);
    expect(skipped).toEqual(['Bicubic']);
    expect(() => scatterPoints(t, { set: 'B100', scale: 4, x: 'ops' })).toThrow(/set 'B100' is not in the table/);
    const svg = scatterSvg(points, { title: 'Set5 x4 <test>' });
    expect(svg).toContain('Set5 x4 &lt;test&gt;');
    expect(svg.match(/<circle/g)?.length).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'frb-plot-'));
    try {
      const file = join(dir, 'sub', 'plot.png');
      await writeScatter(file, points, { width: 400, height: 300 });
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([400, 300]);
      // The highlighted marker is red somewhere: count strongly red pixels.
      let red = 0;
      for (let i = 0; i < data.length; i += info.channels) if (data[i] > 180 && data[i + 1] < 80 && data[i + 2] < 80) red++;
      expect(red).toBeGreaterThan(50);
      await writeScatter(join(dir, 'plot.svg'), points);
      expect(readFileSync(join(dir, 'plot.svg'), 'utf8')).toMatch(/^<svg/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('labels a narrow log axis with at least two short ticks, and a tight cluster without overlaps', () => {
    // The reduced-scale reproduction's case: every binary method at ~20.02 G OPs within 0.2 dB, the FP twin at 24.2.
    const pts = [
      { label: 'SRResNet (FP twin)', x: 24.2, y: 30.4 },
      { label: 'BNN', x: 20.02, y: 27.86 },
      { label: 'BBCU-L', x: 20.02, y: 30.48 },
      { label: 'FRB order 1', x: 20.02, y: 30.41, highlight: true },
      { label: 'FRB order 2', x: 20.09, y: 30.46, highlight: true },
      { label: 'FRB order 2 + DBT', x: 20.09, y: 30.31, highlight: true },
    ];
    const svg = scatterSvg(pts);
    // x tick labels sit 18 px under the plot frame (560 − 60 + 18 = 518 at the default size).
    const xTicks = [...svg.matchAll(/y="518" text-anchor="middle" font-size="12">([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(xTicks.length).toBeGreaterThanOrEqual(2);
    for (const t of xTicks) expect(t, 'tick label').toMatch(/^\d{1,3}(\.\d{1,2})?$/);
    const boxes = [...svg.matchAll(/<text x="([\d.-]+)" y="([\d.-]+)" text-anchor="(\w+)" font-size="12">([^<]+)<\/text>/g)].filter((m) => pts.some((p) => p.label === m[4])).map((m) => {
      const x = Number(m[1]);
      const w = 7.2 * m[4].length;
      const x0 = m[3] === 'start' ? x : m[3] === 'end' ? x - w : x - w / 2;
      return [x0, Number(m[2]) - 11, x0 + w, Number(m[2]) + 3];
    });
    expect(boxes).toHaveLength(pts.length);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        expect(a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3], `${i} vs ${j}`).toBe(false);
      }
    }
    expect(svg.match(/<line [^>]*stroke="#888"/g)?.length ?? 0, 'leader lines for labels placed away').toBeGreaterThan(0);
  });

  it('places labels of nearby markers so they do not overlap', () => {
    const pts = [
      { label: 'BBCU-M', x: 3.95, y: 31.54 },
      { label: 'FRBC', x: 5, y: 31.7 },
      { label: 'SRResNet', x: 146, y: 32.16 },
      { label: 'BNN', x: 79, y: 27.56 },
    ];
    const svg = scatterSvg(pts);
    const boxes = [...svg.matchAll(/<text x="([\d.-]+)" y="([\d.-]+)" text-anchor="(\w+)" font-size="12">([^<]+)<\/text>/g)].filter((m) => pts.some((p) => p.label === m[4])).map((m) => {
      const x = Number(m[1]);
      const w = 7.2 * m[4].length;
      const x0 = m[3] === 'start' ? x : m[3] === 'end' ? x - w : x - w / 2;
      return [x0, Number(m[2]) - 11, x0 + w, Number(m[2]) + 3];
    });
    expect(boxes).toHaveLength(4);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        expect(a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3], `${i} vs ${j}`).toBe(false);
      }
    }
  });
});
