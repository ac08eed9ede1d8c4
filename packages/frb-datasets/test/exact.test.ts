// Bit-exactness against the published benchmark LR files: LR = imresize(modcrop(HR, s), 1/s) in MATLAB.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchmarkSet, div2k, imresize, loadEvalPairs, modcrop, readImage } from '@frb/datasets';
import { countDiff, hasSharedData, sharedData } from './helpers.js';

const bench = join(sharedData, 'benchmark');

describe.skipIf(!hasSharedData)('MATLAB bicubic reproduces the official LR files (needs ../shared/data)', () => {
  for (const set of ['Set5', 'Set14']) {
    it(`${set} X2/X3/X4: differing pixels = 0`, async () => {
      const report: string[] = [];
      let total = 0;
      let files = 0;
      for (const s of [2, 3, 4]) {
        const pairs = await benchmarkSet(bench, set, s);
        for (const p of pairs) {
          // keepGray: compare Set14 bridge in its own single channel, as the file stores it.
          const hr = await readImage(p.hrPath, { keepGray: true });
          const lr = await readImage(p.lrPath!, { keepGray: true });
          const out = imresize(modcrop(hr, s), 1 / s);
          expect([out.height, out.width, out.channels]).toEqual([lr.height, lr.width, lr.channels]);
          const d = countDiff(out.data, lr.data);
          total += d;
          files++;
          if (d) report.push(`${p.name}x${s}: ${d}`);
        }
      }
      console.log(`[exact] ${set}: ${files} LR files regenerated, differing pixels = ${total}${report.length ? ` (${report.join(', ')})` : ''}`);
      expect(files).toBe(set === 'Set5' ? 15 : 42);
      expect(total).toBe(0);
    });
  }

  it('DIV2K 0004x2.png from 0004.png (2040x1344): differing pixels = 0', async () => {
    const [p] = await div2k(join(sharedData, 'train', 'DIV2K'), 2);
    expect(p!.name).toBe('0004');
    const hr = await readImage(p!.hrPath);
    const lr = await readImage(p!.lrPath!);
    const t0 = performance.now();
    const out = imresize(modcrop(hr, 2), 1 / 2);
    const ms = performance.now() - t0;
    const d = countDiff(out.data, lr.data);
    console.log(`[exact] DIV2K 0004x2: ${out.height}x${out.width}, differing pixels = ${d}, imresize ${ms.toFixed(0)} ms`);
    expect([out.height, out.width]).toEqual([672, 1020]);
    expect(d).toBe(0);
  });

  it('a single rounding at the end (no uint8 between passes) would NOT match: the test can fail', async () => {
    const [p] = (await benchmarkSet(bench, 'Set5', 4)).filter((q) => q.name === 'baby');
    const hr = modcrop(await readImage(p!.hrPath), 4);
    const lr = await readImage(p!.lrPath!);
    const f = imresize({ ...hr, data: Float64Array.from(hr.data) }, 1 / 4);
    const once = Uint8Array.from(f.data, (v) => Math.min(255, Math.max(0, Math.round(v))));
    const d = countDiff(once, lr.data);
    console.log(`[exact] Set5 baby x4 with one final rounding: differing pixels = ${d}`);
    expect(d).toBeGreaterThan(0);
  });

  it('evaluation pairs: Set14 x3 mod-cropped HR, grayscale bridge as 3 equal channels or kept gray', async () => {
    const pairs = await benchmarkSet(bench, 'Set14', 3);
    let n = 0;
    for await (const e of loadEvalPairs(pairs)) {
      n++;
      expect(e.hr.height % 3).toBe(0);
      expect(e.hr.width % 3).toBe(0);
      expect([e.lr.height * 3, e.lr.width * 3, e.lr.channels]).toEqual([e.hr.height, e.hr.width, 3]);
      if (e.name === 'bridge') {
        const d = e.lr.data;
        for (let i = 0; i < d.length; i += 3) expect(d[i] === d[i + 1] && d[i] === d[i + 2]).toBe(true);
      }
    }
    expect(n).toBe(14);
    const bridge = pairs.filter((p) => p.name === 'bridge');
    for await (const e of loadEvalPairs(bridge, { keepGray: true })) expect([e.hr.channels, e.lr.channels]).toEqual([1, 1]);
  });

  it('B100 x4: the layout validates (480-pixel HR files included) and all 100 LR files regenerate, 0 differing', async () => {
    const pairs = await benchmarkSet(bench, 'B100', 4);
    expect(pairs.length).toBe(100);
    let total = 0;
    for (const p of pairs) {
      const hr = await readImage(p.hrPath, { keepGray: true });
      const lr = await readImage(p.lrPath!, { keepGray: true });
      total += countDiff(imresize(modcrop(hr, 4), 1 / 4).data, lr.data);
    }
    console.log(`[exact] B100 x4: 100 LR files regenerated, differing pixels = ${total}`);
    expect(total).toBe(0);
  });
});
