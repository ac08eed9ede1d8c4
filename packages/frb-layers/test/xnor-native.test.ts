// The native packed conv (native/xnor.cc) on raw arrays, both of its paths (the AVX-512 VPOPCNTDQ register-blocked
// one where this CPU has it, and the portable loop, forced with params' path = 1) against an exact reference in JS:
// integer XNOR-popcount counts over the taps inside the image, Σ_k α_k·(K − 2·count) + bias summed in double in
// the kernel's order and rounded to float32 once, then RPReLU and the residual rounded step by step. Bit for bit,
// on shapes chosen for the kernel's blocking: channel counts that leave words and 16-lane vectors part-filled or
// come in whole 16-channel chunks (order 1 or 2: the path whose epilogue reads each chunk's counts as whole vectors),
// lane counts that take every register-block width, image widths with tails after the pixel blocks, borders,
// strides, dilations, 'valid'/'same', 1×1/3×3/5×5, order 1/2/3, batch > 1, 1 and 2 threads.
// Layer-level exactness against the float simulation, on the cpu and wasm backends, is in packed.test.ts.
import { describe, expect, it } from 'vitest';
import { loadNativeKernels } from '../src/kernels/native/loader.js';
import { rng } from './helpers.js';
import { nativeXnorLanes, nativeXnorWeights, packActivations, packWeightSigns, popcount32, rowWords, wordsFor } from '../src/packed/index.js';

const loaded = loadNativeKernels();
const native = loaded.native;

const floats = (n: number, r: () => number, scale = 1, offset = 0) => Float32Array.from({ length: n }, () => offset + (r() - 0.5) * 2 * scale);

interface Case {
  name: string; n: number; h: number; w: number; cin: number; cout: number; k: [number, number]; s: number; d: number;
  padding: 'same' | 'valid'; order: number;
}

const cases: Case[] = [
  { name: 'FRBC body: 64 -> 64, 3x3 same, order 2 (3-pixel blocks of 8 vectors, tails)', n: 2, h: 9, w: 11, cin: 64, cout: 64, k: [3, 3], s: 1, d: 1, padding: 'same', order: 2 },
  { name: 'shipped size: 32 -> 32, 3x3 same, order 2 (6-pixel blocks of 4 vectors)', n: 1, h: 6, w: 14, cin: 32, cout: 32, k: [3, 3], s: 1, d: 1, padding: 'same', order: 2 },
  { name: '32 -> 32, 3x3 same, order 2, batch 2, 17 wide (two 6-pixel blocks, then three single pixels)', n: 2, h: 3, w: 17, cin: 32, cout: 32, k: [3, 3], s: 1, d: 1, padding: 'same', order: 2 },
  { name: '16 -> 16, 3x3 same, order 4 (64 lanes on the general epilogue: 6-pixel blocks, counts of 6 pixels)', n: 1, h: 4, w: 15, cin: 16, cout: 16, k: [3, 3], s: 1, d: 1, padding: 'same', order: 4 },
  { name: '33 -> 5, 3x3 same, order 1 (half-empty word, one part-filled vector)', n: 1, h: 7, w: 6, cin: 33, cout: 5, k: [3, 3], s: 1, d: 1, padding: 'same', order: 1 },
  { name: '100 -> 24, 5x5 same stride 2, order 3 (lanes 72 -> 80: blocks of 4 + 1 vectors)', n: 2, h: 11, w: 13, cin: 100, cout: 24, k: [5, 5], s: 2, d: 1, padding: 'same', order: 3 },
  { name: '64 -> 136, 3x3 same dilation 2, order 2 (272 lanes: 8 + 8 + 1 vectors)', n: 1, h: 6, w: 13, cin: 64, cout: 136, k: [3, 3], s: 1, d: 2, padding: 'same', order: 2 },
  { name: '32 -> 32, 1x1, order 2', n: 2, h: 5, w: 5, cin: 32, cout: 32, k: [1, 1], s: 1, d: 1, padding: 'valid', order: 2 },
  { name: '7 -> 3, 3x2 valid stride 2, order 2', n: 2, h: 8, w: 7, cin: 7, cout: 3, k: [3, 2], s: 2, d: 1, padding: 'valid', order: 2 },
  { name: '16 -> 16, 3x3 same, order 2, a 37-pixel-wide strip', n: 1, h: 4, w: 37, cin: 16, cout: 16, k: [3, 3], s: 1, d: 1, padding: 'same', order: 2 },
  { name: '40 -> 40, 3x3 same on 1x1 images (centre tap only), batch 3', n: 3, h: 1, w: 1, cin: 40, cout: 40, k: [3, 3], s: 1, d: 1, padding: 'same', order: 2 },
  { name: '96 -> 8, 5x5 valid, order 1', n: 1, h: 7, w: 9, cin: 96, cout: 8, k: [5, 5], s: 1, d: 1, padding: 'valid', order: 1 },
  { name: '48 -> 48, 3x3 same, order 1 (whole 16-channel chunks of one base: blocks of 2 + 1 vectors)', n: 1, h: 5, w: 10, cin: 48, cout: 48, k: [3, 3], s: 1, d: 1, padding: 'same', order: 1 },
];

/** tfjs' output size and leading padding along one axis. */
function axis(size: number, k: number, s: number, d: number, padding: 'same' | 'valid') {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return { out: Math.max(0, Math.ceil((size - eff + 1) / s)), pad: 0 };
  const out = Math.ceil(size / s);
  return { out, pad: Math.floor(Math.max(0, (out - 1) * s + eff - size) / 2) };
}

interface Data {
  geo: number[]; x: Float32Array; thr: Float32Array | null; rows: Int32Array; weights: Int32Array; alpha: Float32Array;
  bias: Float32Array | null; gamma: Float32Array; slope: Float32Array; zeta: Float32Array; res: Float32Array;
  oh: number; ow: number;
}

function makeData(c: Case, seed: number, withThreshold: boolean, withBias: boolean): Data {
  const r = rng(seed);
  const taps = c.k[0] * c.k[1];
  const ay = axis(c.h, c.k[0], c.s, c.d, c.padding), ax = axis(c.w, c.k[1], c.s, c.d, c.padding);
  const x = floats(c.n * c.h * c.w * c.cin, r);
  // A few exact zeros (sign(0) = +1) and values that the threshold moves across 0.
  for (let i = 0; i < x.length; i += 17) x[i] = 0;
  const signs = Float32Array.from({ length: taps * c.cin * c.cout * c.order }, () => (r() < 0.5 ? -1 : 1));
  const L = rowWords(taps, c.cin);
  const rows = new Int32Array(c.order * c.cout * L);
  for (let k = 0; k < c.order; k++) {
    const base = signs.subarray(k * taps * c.cin * c.cout, (k + 1) * taps * c.cin * c.cout);
    rows.set(packWeightSigns(base, taps, c.cin, c.cout), k * c.cout * L);
  }
  const outN = c.n * ay.out * ax.out * c.cout;
  return {
    geo: [c.n, c.h, c.w, c.cin, c.k[0], c.k[1], c.s, c.s, c.d, c.d, ay.pad, ax.pad, ay.out, ax.out, c.cout],
    x, thr: withThreshold ? floats(c.cin, r, 0.3) : null, rows,
    weights: nativeXnorWeights(rows, c.order, c.cout, taps, c.cin, L),
    alpha: floats(c.order * c.cout, r, 0.5, 0.6), bias: withBias ? floats(c.cout, r) : null,
    gamma: floats(c.cout, r, 0.3), slope: floats(c.cout, r, 0.3, 0.25), zeta: floats(c.cout, r, 0.3), res: floats(outN, r),
    oh: ay.out, ow: ax.out,
  };
}

/** The kernel's arithmetic in JS: exact integer counts, the double sum in the kernel's order, float32 rounding per step. */
function reference(c: Case, d: Data, unit: boolean): Float32Array {
  const taps = c.k[0] * c.k[1];
  const wpt = wordsFor(c.cin), L = rowWords(taps, c.cin);
  const bits = packActivations(d.x, c.n * c.h * c.w, c.cin, d.thr);
  const [, , , , , , , , , , pT, pL] = d.geo;
  const out = new Float32Array(c.n * d.oh * d.ow * c.cout);
  const f = Math.fround;
  for (let b = 0; b < c.n; b++) {
    for (let oy = 0; oy < d.oh; oy++) {
      for (let ox = 0; ox < d.ow; ox++) {
        const at = ((b * d.oh + oy) * d.ow + ox) * c.cout;
        for (let o = 0; o < c.cout; o++) {
          let s = d.bias ? d.bias[o] : 0;
          for (let k = 0; k < c.order; k++) {
            let count = 0, valid = 0;
            for (let ky = 0; ky < c.k[0]; ky++) {
              const iy = oy * c.s - pT + ky * c.d;
              if (iy < 0 || iy >= c.h) continue;
              for (let kx = 0; kx < c.k[1]; kx++) {
                const ix = ox * c.s - pL + kx * c.d;
                if (ix < 0 || ix >= c.w) continue;
                valid++;
                const t = ky * c.k[1] + kx;
                for (let j = 0; j < wpt; j++) count += popcount32(bits[((b * c.h + iy) * c.w + ix) * wpt + j] ^ d.rows[(k * c.cout + o) * L + t * wpt + j]);
              }
            }
            s += d.alpha[k * c.cout + o] * (valid * c.cin - 2 * count); // the product is exact in double
          }
          let y = f(s);
          if (unit) {
            const t = f(y - d.gamma[o]);
            y = f((t < 0 ? f(t * d.slope[o]) : t) + d.zeta[o]);
            y = f(y + d.res[at + o]);
          }
          out[at + o] = y;
        }
      }
    }
  }
  return out;
}

function run(c: Case, d: Data, unit: boolean, threads: number, path: number): Float32Array {
  const out = new Float32Array(c.n * d.oh * d.ow * c.cout).fill(NaN);
  const params = new Int32Array([threads, ...d.geo, c.order, path]);
  if (unit) native!.xnorConv(params, d.x, d.thr, d.weights, d.alpha, d.bias, out, d.gamma, d.slope, d.zeta, d.res);
  else native!.xnorConv(params, d.x, d.thr, d.weights, d.alpha, d.bias, out);
  return out;
}

/** Index and values of the first element where a and b differ as float32 bits (−1 when none). */
function firstDiff(a: Float32Array, b: Float32Array): string | null {
  const ai = new Int32Array(a.buffer, a.byteOffset, a.length), bi = new Int32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ai[i] !== bi[i]) return `element ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

describe.skipIf(!native)(`native xnorConv paths = exact reference${native ? '' : ` (skipped: ${loaded.reason})`}`, () => {
  it(`reports whether this CPU runs the vector path (here: ${native?.xnorVectorPopcount})`, () => {
    expect(typeof native!.xnorVectorPopcount).toBe('boolean');
    // Padded lanes: whole 16-lane vectors.
    expect([nativeXnorLanes(2, 64), nativeXnorLanes(1, 5), nativeXnorLanes(3, 24)]).toEqual([128, 16, 80]);
  });

  cases.forEach((c, ci) => {
    it(c.name, () => {
      for (const [vi, [withThreshold, withBias, unit]] of ([[true, true, false], [false, false, false], [true, false, true], [false, true, true]] as const).entries()) {
        const d = makeData(c, 1000 + 10 * ci + vi, withThreshold, withBias);
        const want = reference(c, d, unit);
        const label = `${withThreshold ? 'threshold' : 'no threshold'}, ${withBias ? 'bias' : 'no bias'}, ${unit ? 'unit epilogue' : 'conv only'}`;
        for (const path of [0, 1]) {
          for (const threads of [1, 2]) {
            expect(firstDiff(run(c, d, unit, threads, path), want), `${label}, path ${path}, ${threads} thread(s)`).toBeNull();
          }
        }
      }
    });
  });

  it('NaN inputs count as −1 and a NaN residual propagates, on both paths', () => {
    const c = cases[1];
    const d = makeData(c, 77, true, true);
    d.x[5] = NaN;
    d.res[3] = NaN;
    for (const unit of [false, true]) {
      const want = reference(c, d, unit);
      for (const path of [0, 1]) expect(firstDiff(run(c, d, unit, 1, path), want)).toBeNull();
    }
  });

  // An upsampler stage's epilogue (shuffle r): channel (i·r + j)·C + c of pixel (y, x) goes to (y·r + i, x·r + j, c),
  // after RPReLU, plus the residual [n][h][w][C] at (y, x, c): the unit reference, rearranged, on both paths.
  it('shuffle r = 2 (a fused upsampler stage): the reference rearranged, on both paths', () => {
    for (const ci of [0, 1, 2]) { // C = 16 (whole vectors) and 8 (part of one); 33 -> 5 is skipped (5 % 4)
      const c = cases[ci];
      if (c.cout % 4 !== 0) continue;
      const d = makeData(c, 500 + ci, true, true);
      const C = c.cout / 4;
      const res = d.res.subarray(0, c.n * d.oh * d.ow * C);
      // The reference unit with a residual of the conv's shape holding res at each pixel's group's channels.
      const full = new Float32Array(c.n * d.oh * d.ow * c.cout);
      for (let m = 0; m < c.n * d.oh * d.ow; m++) for (let q = 0; q < c.cout; q++) full[m * c.cout + q] = res[m * C + (q % C)];
      const want = reference(c, { ...d, res: full }, true);
      const shuffled = new Float32Array(want.length);
      for (let b = 0; b < c.n; b++) for (let y = 0; y < d.oh; y++) for (let x = 0; x < d.ow; x++) {
        for (let q = 0; q < c.cout; q++) {
          const ij = Math.floor(q / C), i = Math.floor(ij / 2), j = ij % 2;
          shuffled[(((b * d.oh + y) * 2 + i) * d.ow * 2 + x * 2 + j) * C + (q % C)] = want[((b * d.oh + y) * d.ow + x) * c.cout + q];
        }
      }
      for (const path of [0, 1]) {
        const out = new Float32Array(want.length).fill(NaN);
        native!.xnorConv(new Int32Array([1, ...d.geo, c.order, path, 2]), d.x, d.thr, d.weights, d.alpha, d.bias, out, d.gamma, d.slope, d.zeta, res);
        expect(firstDiff(out, shuffled), `${c.name}, path ${path}`).toBeNull();
      }
    }
  });

  // leaky: a LeakyReLU after the unit (FRBC-M's conv_hr unit and the tail's activation), as the native LeakyRelu
  // kernel computes it (y > 0 ? y : a·y in float32), on both paths; refused with a shuffle.
  it('leaky: the unit reference, then LeakyReLU, on both paths; refused with a shuffle', () => {
    for (const ci of [0, 1, 2]) {
      const c = cases[ci];
      const d = makeData(c, 700 + ci, true, true);
      const want = reference(c, d, true);
      const a = Math.fround(0.1);
      const wantL = want.map((v) => (v > 0 ? v : Math.fround(a * v)));
      expect(wantL.some((v) => v < 0) && wantL.some((v) => v > 0), c.name).toBe(true);
      for (const path of [0, 1]) {
        for (const threads of [1, 2]) {
          const out = new Float32Array(want.length).fill(NaN);
          native!.xnorConv(new Int32Array([threads, ...d.geo, c.order, path]), d.x, d.thr, d.weights, d.alpha, d.bias, out, d.gamma, d.slope, d.zeta, d.res, new Float32Array([0.1]));
          expect(firstDiff(out, wantL), `${c.name}, path ${path}, ${threads} thread(s)`).toBeNull();
        }
      }
    }
    const c = cases[0];
    const d = makeData(c, 7, true, true);
    const out = new Float32Array(c.n * d.oh * d.ow * c.cout);
    expect(() => native!.xnorConv(new Int32Array([1, ...d.geo, c.order, 0, 2]), d.x, d.thr, d.weights, d.alpha, d.bias, out, d.gamma, d.slope, d.zeta, d.res.subarray(0, out.length / 4), new Float32Array([0.1])))
      .toThrow(/leaky \(a LeakyReLU after the unit\) needs shuffle 1, got shuffle 2/);
  });

  // Outputs of 32 MiB or more are staged a row at a time and copied out with non-temporal stores (from any
  // alignment: odd widths, 132 channels); the input's bits are packed row by row. Against the portable path, which
  // the cases above hold to the reference.
  it('outputs of 32 MiB and more (staged rows, streamed copies): the same bits as the portable path, with and without shuffle', () => {
    const big: Case[] = [
      { name: '32 -> 132 on 256x257, unit epilogue', n: 1, h: 256, w: 257, cin: 32, cout: 132, k: [3, 3], s: 1, d: 1, padding: 'same', order: 2 },
      { name: '32 -> 128 on 256x256, shuffle 2', n: 1, h: 256, w: 256, cin: 32, cout: 128, k: [3, 3], s: 1, d: 1, padding: 'same', order: 2 },
    ];
    for (const [bi, c] of big.entries()) {
      const d = makeData(c, 900 + bi, true, false);
      const shuffle = bi === 1 ? 2 : 1;
      const res = d.res.subarray(0, (c.n * d.oh * d.ow * c.cout) / (shuffle * shuffle));
      expect(c.n * d.oh * d.ow * c.cout * 4).toBeGreaterThanOrEqual(32 * 2 ** 20);
      const outs = [0, 1].map((path) => {
        const out = new Float32Array(c.n * d.oh * d.ow * c.cout).fill(NaN);
        native!.xnorConv(new Int32Array([2, ...d.geo, c.order, path, shuffle]), d.x, d.thr, d.weights, d.alpha, d.bias, out, d.gamma, d.slope, d.zeta, res);
        return out;
      });
      expect(outs[1].some(Number.isNaN), `${c.name}: portable output complete`).toBe(false);
      expect(firstDiff(outs[0], outs[1]), c.name).toBeNull();
    }
  });

  it('rejects weights of the wrong layout size and a bad path, naming the argument', () => {
    const c = cases[2];
    const d = makeData(c, 5, true, true);
    const out = new Float32Array(c.n * d.oh * d.ow * c.cout);
    expect(() => native!.xnorConv(new Int32Array([1, ...d.geo, c.order]), d.x, d.thr, d.weights.subarray(1), d.alpha, d.bias, out)).toThrow(
      /xnorConv\(.*\): argument 3 \(weights\) has \d+ elements, needs \d+/,
    );
    expect(() => native!.xnorConv(new Int32Array([1, ...d.geo, c.order, 2]), d.x, d.thr, d.weights, d.alpha, d.bias, out)).toThrow(
      /params\[17\] \(path\) must be 0 \(fastest\) or 1 \(portable\), got 2/,
    );
  });
});
