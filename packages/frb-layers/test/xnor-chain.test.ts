// The native conv chain (native/xnor.cc xnorChain: binary units and upsampler stages, then optionally the conv to
// RGB, in one row-by-row pass) against the same module's separate calls in turn (xnorConv per binary level with
// its input as residual, conv2d for the conv to RGB): bit for bit, on both kernel paths (AVX-512 VPOPCNTDQ where
// this CPU has it, and the portable loop), 1 to 3 threads, on the chains the models use (FRBC-M's tail: stage,
// conv_hr unit with LeakyReLU, conv to RGB; x4's two stages before it; a body block of two units) and odd ones:
// r = 3, orders 1 and 2, 16 to 64 channels, Co 1 to 4, batch 2, with and without thresholds and biases, images a
// row or a few rows high (every row a border row of some part).
import { describe, expect, it } from 'vitest';
import { loadNativeKernels } from '../src/kernels/native/loader.js';
import { rng } from './helpers.js';
import { nativeXnorWeights, packWeightSigns, rowWords } from '../src/packed/index.js';

const native = loadNativeKernels().native;

const floats = (n: number, r: () => number, scale = 1, offset = 0) => Float32Array.from({ length: n }, () => offset + (r() - 0.5) * 2 * scale);

type Level = { kind: 'unit'; order: number; leaky?: boolean } | { kind: 'stage'; r: number; order: number } | { kind: 'rgb'; co: number };

interface ChainCase { name: string; n: number; h: number; w: number; c: number; extras: boolean; levels: Level[] }

const cases: ChainCase[] = [
  { name: 'FRBC-M x4 tail at 64 channels', n: 1, h: 7, w: 9, c: 64, extras: true, levels: [{ kind: 'stage', r: 2, order: 2 }, { kind: 'unit', order: 2, leaky: true }, { kind: 'rgb', co: 3 }] },
  { name: 'both x4 stages, conv_hr, conv to RGB at 32 channels, batch 2', n: 2, h: 3, w: 5, c: 32, extras: false, levels: [{ kind: 'stage', r: 2, order: 2 }, { kind: 'stage', r: 2, order: 2 }, { kind: 'unit', order: 2, leaky: true }, { kind: 'rgb', co: 3 }] },
  { name: 'a body block (two units) at 64 channels', n: 1, h: 9, w: 7, c: 64, extras: true, levels: [{ kind: 'unit', order: 2 }, { kind: 'unit', order: 2 }] },
  { name: 'a body block at 48 channels, order 1, batch 2', n: 2, h: 4, w: 11, c: 48, extras: false, levels: [{ kind: 'unit', order: 1 }, { kind: 'unit', order: 1 }] },
  { name: 'x3 tail at 32 channels, Co 4', n: 1, h: 4, w: 5, c: 32, extras: true, levels: [{ kind: 'stage', r: 3, order: 1 }, { kind: 'unit', order: 2 }, { kind: 'rgb', co: 4 }] },
  { name: 'one-row image at 16 channels, Co 1', n: 1, h: 1, w: 3, c: 16, extras: true, levels: [{ kind: 'stage', r: 2, order: 2 }, { kind: 'unit', order: 1, leaky: true }, { kind: 'rgb', co: 1 }] },
  { name: 'one unit alone (= xnorConv)', n: 2, h: 3, w: 2, c: 48, extras: true, levels: [{ kind: 'unit', order: 2, leaky: true }] },
  { name: 'two stages, no conv to RGB, Co 2 never used', n: 1, h: 3, w: 4, c: 16, extras: false, levels: [{ kind: 'stage', r: 2, order: 1 }, { kind: 'stage', r: 3, order: 2 }] },
];

function binaryConv(r: () => number, cin: number, cout: number, order: number, extras: boolean) {
  const L = rowWords(9, cin);
  const rows = new Int32Array(order * cout * L);
  for (let k = 0; k < order; k++) {
    const signs = Float32Array.from({ length: 9 * cin * cout }, () => (r() < 0.5 ? -1 : 1));
    rows.set(packWeightSigns(signs, 9, cin, cout), k * cout * L);
  }
  return {
    weights: nativeXnorWeights(rows, order, cout, 9, cin, L), alpha: floats(order * cout, r, 0.05, 0.06),
    bias: extras ? floats(cout, r, 0.2) : null, thr: extras ? floats(cin, r, 0.3) : null,
    gamma: floats(cout, r, 0.3), slope: floats(cout, r, 0.3, 0.25), zeta: floats(cout, r, 0.3),
  };
}

describe.skipIf(!native)('native conv chain (xnorChain) = its levels\' xnorConv / conv2d calls in turn', () => {
  for (const tc of cases) {
    it(tc.name, () => {
      const r = rng(7 + tc.h * 31 + tc.c + tc.levels.length);
      const { n, c } = tc;
      const x = floats(n * tc.h * tc.w * c, r);
      for (let i = 0; i < x.length; i += 13) x[i] = 0;
      // Per level: its data, the chain's params and arrays, and the reference calls.
      const params = [n, tc.h, tc.w, c, tc.levels.length];
      const levelParams: number[] = [];
      const arrays: (Float32Array | Int32Array | null)[] = [];
      const steps: ((input: Float32Array, h: number, w: number, path: number) => [Float32Array, number, number])[] = [];
      for (const lv of tc.levels) {
        if (lv.kind === 'rgb') {
          const wl = floats(9 * c * lv.co, r, 0.1), bl = tc.extras ? floats(lv.co, r) : null;
          levelParams.push(1, 1, lv.co);
          arrays.push(wl, bl);
          steps.push((input, h, w) => {
            const out = new Float32Array(n * h * w * lv.co);
            native!.conv2d(new Int32Array([1, n, h, w, c, 3, 3, 1, 1, 1, 1, 1, 1, h, w, lv.co]), input, wl, bl, out);
            return [out, h, w];
          });
          continue;
        }
        const s = lv.kind === 'stage' ? lv.r : 1;
        const leaky = lv.kind === 'unit' && lv.leaky ? new Float32Array([0.1]) : null;
        const b = binaryConv(r, c, c * s * s, lv.order, tc.extras);
        levelParams.push(0, s, lv.order);
        arrays.push(b.thr, b.weights, b.alpha, b.bias, b.gamma, b.slope, b.zeta, leaky);
        steps.push((input, h, w, path) => {
          const out = new Float32Array(n * h * s * w * s * c);
          native!.xnorConv(new Int32Array([1, n, h, w, c, 3, 3, 1, 1, 1, 1, 1, 1, h, w, c * s * s, lv.order, path, s]),
            input, b.thr, b.weights, b.alpha, b.bias, out, b.gamma, b.slope, b.zeta, input, leaky);
          return [out, h * s, w * s];
        });
      }
      for (const path of native!.xnorVectorPopcount ? [0, 1] : [1]) {
        let ref = x as Float32Array, h = tc.h, w = tc.w;
        for (const step of steps) [ref, h, w] = step(ref, h, w, path);
        for (const threads of [1, 2, 3]) {
          const out = new Float32Array(ref.length).fill(NaN);
          native!.xnorChain(new Int32Array([threads, ...params, path, ...levelParams]), x, ...arrays, out);
          let bad = -1;
          for (let i = 0; i < out.length && bad < 0; i++) if (!Object.is(out[i], ref[i])) bad = i;
          expect(bad, `path ${path}, ${threads} thread(s): first differing output ${bad} (${out[bad]} vs ${ref[bad]})`).toBe(-1);
        }
      }
    });
  }

  it('names the level and argument that are wrong', () => {
    const x = new Float32Array(4 * 32);
    const none = new Float32Array(0);
    expect(() => native!.xnorChain(new Int32Array([1, 1, 2, 2, 32, 1, 0, 1, 1, 8]), x, none, null, none)).toThrow(/level 0 \(the conv to RGB\).*Co 8/);
    expect(() => native!.xnorChain(new Int32Array([1, 1, 2, 2, 32, 2, 0, 1, 1, 3, 0, 1, 2]), x, none, null, none)).toThrow(/level 0 \(the conv to RGB\) must be the last level/);
    expect(() => native!.xnorChain(new Int32Array([1, 1, 2, 2, 32, 1, 0, 0, 2, 2]), x, null, new Int32Array(0))).toThrow(/argument 3 \(level 0 weights\)/);
    expect(() => native!.xnorChain(new Int32Array([1, 1, 2, 2, 32, 2, 0, 0, 1]), x)).toThrow(/3 ints per level/);
  });
});
