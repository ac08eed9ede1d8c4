import { describe, expect, it } from 'vitest';
import { contributions, imresize, modcrop, type RawImage } from '@frb/datasets';
import { countDiff, randomImage } from './helpers.js';

// An independent, deliberately naive transcription of MATLAB's imresize.m (per output pixel, kernel evaluated
// on the fly, mirror by an explicit aux array), to check the optimised implementation against.
function cubicRef(x: number): number {
  const a = Math.abs(x);
  const a2 = a * a;
  const a3 = a2 * a;
  return (a <= 1 ? 1.5 * a3 - 2.5 * a2 + 1 : 0) + (a > 1 && a <= 2 ? -0.5 * a3 + 2.5 * a2 - 4 * a + 2 : 0);
}
function weightsRef(inLen: number, outLen: number, scale: number): { w: number[][]; ind: number[][] } {
  const shrink = scale < 1;
  const kw = shrink ? 4 / scale : 4;
  const h = (x: number) => (shrink ? scale * cubicRef(scale * x) : cubicRef(x));
  const aux: number[] = [];
  for (let i = 1; i <= inLen; i++) aux.push(i);
  for (let i = inLen; i >= 1; i--) aux.push(i);
  const w: number[][] = [];
  const ind: number[][] = [];
  for (let x = 1; x <= outLen; x++) {
    const u = x / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - kw / 2);
    const P = Math.ceil(kw) + 2;
    const row: number[] = [];
    const ir: number[] = [];
    for (let k = 0; k < P; k++) {
      row.push(h(u - (left + k)));
      const m = (((left + k - 1) % aux.length) + aux.length) % aux.length;
      ir.push(aux[m]! - 1);
    }
    const s = row.reduce((a, b) => a + b, 0);
    w.push(row.map((v) => v / s));
    ind.push(ir);
  }
  return { w, ind };
}
function resizeRef(img: RawImage, outH: number, outW: number, sh: number, sw: number): RawImage {
  const u8 = img.data instanceof Uint8Array;
  const fin = (v: number) => (u8 ? Math.min(255, Math.max(0, Math.round(v))) : v);
  const { height: H, width: W, channels: C } = img;
  const get = (d: ArrayLike<number>, w: number, y: number, x: number, c: number) => d[(y * w + x) * C + c]!;
  const rows = (src: ArrayLike<number>, h: number, w: number) => {
    const { w: wt, ind } = weightsRef(h, outH, sh);
    const out = new Float64Array(outH * w * C);
    for (let y = 0; y < outH; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let k = 0; k < wt[y]!.length; k++) s += wt[y]![k]! * get(src, w, ind[y]![k]!, x, c);
          out[(y * w + x) * C + c] = fin(s);
        }
    return out;
  };
  const cols = (src: ArrayLike<number>, h: number, w: number) => {
    const { w: wt, ind } = weightsRef(w, outW, sw);
    const out = new Float64Array(h * outW * C);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < outW; x++)
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let k = 0; k < wt[x]!.length; k++) s += wt[x]![k]! * get(src, w, y, ind[x]![k]!, c);
          out[(y * outW + x) * C + c] = fin(s);
        }
    return out;
  };
  const data = sh <= sw ? cols(rows(img.data, H, W), outH, W) : rows(cols(img.data, H, W), H, outW);
  return { data, height: outH, width: outW, channels: C };
}

describe('contributions (MATLAB imresize weights)', () => {
  it('x2 shrink: interior weights are the antialiased cubic ±0.01171875, −0.03515625, 0.11328125, 0.43359375', () => {
    // Hand derivation: scale ½ widens the kernel to 8, h(d) = ½·k(d/2) at d = ±0.5, ±1.5, ±2.5, ±3.5 gives
    // ½·k(0.25) = 0.43359375, ½·k(0.75) = 0.11328125, ½·k(1.25) = −0.03515625, ½·k(1.75) = −0.01171875 (sum 1).
    const c = contributions(20, 10, 0.5);
    expect(c.taps).toBe(8);
    const row = Array.from(c.weights.subarray(4 * c.taps, 5 * c.taps));
    expect(row).toEqual([-0.01171875, -0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125, -0.03515625, -0.01171875]);
    // Output 5 (1-based) centres at u = 9.5: taps 6..13 (1-based) → 5..12 0-based.
    expect(Array.from(c.indices.subarray(4 * c.taps, 5 * c.taps))).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('mirrors taps symmetrically at the borders and normalises every row to sum 1', () => {
    const c = contributions(6, 3, 0.5);
    // Output 1: u = 1.5, taps −2..5 (1-based) → mirrored [3 2 1 1 2 3 4 5] → 0-based [2 1 0 0 1 2 3 4].
    expect(Array.from(c.indices.subarray(0, c.taps))).toEqual([2, 1, 0, 0, 1, 2, 3, 4]);
    for (let x = 0; x < 3; x++) {
      const s = c.weights.subarray(x * c.taps, (x + 1) * c.taps).reduce((a, b) => a + b, 0);
      expect(Math.abs(s - 1)).toBeLessThan(1e-12);
    }
    const up = contributions(5, 20, 4);
    expect(up.taps).toBeLessThanOrEqual(6);
    for (const i of up.indices) expect(i >= 0 && i < 5).toBe(true);
  });
});

describe('imresize', () => {
  const cases: [string, number, number, number][] = [
    ['x2 shrink', 24, 36, 1 / 2],
    ['x3 shrink', 27, 33, 1 / 3],
    ['x4 shrink', 28, 20, 1 / 4],
    ['x2 enlarge', 7, 9, 2],
    ['x3 enlarge', 5, 6, 3],
    ['x4 enlarge', 6, 5, 4],
  ];
  for (const [label, h, w, s] of cases) {
    it(`${label}: uint8 equals the naive MATLAB transcription exactly`, () => {
      const img = randomImage(h, w, 3, h * 31 + w);
      const out = imresize(img, s);
      const ref = resizeRef(img, Math.round(h * s), Math.round(w * s), s, s);
      expect(out.data).toBeInstanceOf(Uint8Array);
      expect([out.height, out.width, out.channels]).toEqual([ref.height, ref.width, 3]);
      expect(countDiff(out.data, ref.data)).toBe(0);
    });
  }

  it('rounds uint8 between the two passes (a float pass then one rounding differs)', () => {
    const img = randomImage(32, 32, 3, 5);
    const u8 = imresize(img, 1 / 4);
    const f = imresize({ ...img, data: Float64Array.from(img.data) }, 1 / 4);
    expect(f.data).toBeInstanceOf(Float64Array);
    const once = Uint8Array.from(f.data, (v) => Math.min(255, Math.max(0, Math.round(v))));
    // Both are legitimate roundings of nearly the same value, so they differ by at most 1…
    for (let i = 0; i < once.length; i++) expect(Math.abs(once[i]! - u8.data[i]!)).toBeLessThanOrEqual(1);
    // …but not everywhere the same: the intermediate rounding is observable.
    expect(countDiff(once, u8.data)).toBeGreaterThan(0);
  });

  it('float in, float out: a linear ramp is reproduced exactly in the interior when enlarging', () => {
    const W = 16;
    const data = new Float32Array(W);
    for (let x = 0; x < W; x++) data[x] = 10 + 3 * x;
    const out = imresize({ data, height: 1, width: W, channels: 1 }, null, { outputSize: [1, 2 * W] });
    expect(out.data).toBeInstanceOf(Float32Array);
    // Output x (1-based) samples input position u = x/2 + 1/4 (1-based), i.e. value 10 + 3·(u − 1).
    for (let x = 5; x <= 2 * W - 6; x++) expect(out.data[x - 1]).toBeCloseTo(10 + 3 * (x / 2 + 0.25 - 1), 4);
  });

  it('keeps a constant image constant (uint8 and float, shrink and enlarge)', () => {
    const img: RawImage = { data: new Uint8Array(30 * 21 * 3).fill(200), height: 30, width: 21, channels: 3 };
    for (const s of [1 / 3, 2]) {
      const out = imresize(img, s);
      expect(Array.from(new Set(out.data))).toEqual([200]);
      const f = imresize({ ...img, data: new Float64Array(img.data.length).fill(0.25) }, s);
      for (const v of f.data) expect(Math.abs(v - 0.25)).toBeLessThan(1e-12);
    }
  });

  it('outputSize with unequal scales resizes the smaller-scale dimension first, as MATLAB', () => {
    const img = randomImage(24, 30, 3, 9);
    for (const [oh, ow] of [[6, 15], [12, 5], [48, 10]] as const) {
      const out = imresize(img, null, { outputSize: [oh, ow] });
      const ref = resizeRef(img, oh, ow, oh / 24, ow / 30);
      expect(countDiff(out.data, ref.data)).toBe(0);
    }
  });

  it('gray images (1 channel) resize too', () => {
    const img = randomImage(12, 16, 1, 4);
    const out = imresize(img, 1 / 2);
    expect(countDiff(out.data, resizeRef(img, 6, 8, 0.5, 0.5).data)).toBe(0);
  });

  it('rejects bad arguments with messages naming them', () => {
    const img = randomImage(8, 8, 3);
    expect(() => imresize(img, 0)).toThrow(/scale must be a positive number/);
    expect(() => imresize(img, 0.5, { outputSize: [4, 4] })).toThrow(/either a scale or opts.outputSize/);
    expect(() => imresize(img, null, { outputSize: [0, 4] })).toThrow(/outputSize/);
    expect(() => imresize({ ...img, data: new Uint8Array(5) }, 0.5)).toThrow(/data has 5 values/);
  });
});

describe('modcrop', () => {
  it('crops bottom/right to a multiple of the scale, keeping the top-left pixels', () => {
    const img = randomImage(10, 13, 3, 2);
    const m = modcrop(img, 4);
    expect([m.height, m.width]).toEqual([8, 12]);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 12; x++) {
        for (let c = 0; c < 3; c++) expect(m.data[(y * 12 + x) * 3 + c]).toBe(img.data[(y * 13 + x) * 3 + c]);
      }
    }
    expect(modcrop(img, 2).width).toBe(12);
    expect(() => modcrop(img, 1)).toThrow(/integer >= 2/);
    expect(() => modcrop(img, 2.5)).toThrow(/integer >= 2/);
    expect(() => modcrop(randomImage(3, 3, 3), 4)).toThrow(/smaller than the scale/);
  });
});
