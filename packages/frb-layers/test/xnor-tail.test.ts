// The native fused tail (native/xnor.cc xnorTail: the last binary upsampler stage, the conv_hr unit and the conv to
// RGB in one row-by-row pass) against the same module's three separate calls (xnorConv with the shuffle, xnorConv
// with the residual and LeakyReLU, conv2d): bit for bit, on both kernel paths (AVX-512 VPOPCNTDQ where this CPU has
// it, and the portable loop), 1 to 3 threads, r = 2 and 3, 32 and 64 channels, orders 1 and 2, Co 1 to 4, batch 2,
// with and without thresholds and biases, and images a few rows high (every row a border row of some part).
import { describe, expect, it } from 'vitest';
import { loadNativeKernels } from '../src/kernels/native/loader.js';
import { rng } from './helpers.js';
import { nativeXnorWeights, packWeightSigns, rowWords } from '../src/packed/index.js';

const native = loadNativeKernels().native;

const floats = (n: number, r: () => number, scale = 1, offset = 0) => Float32Array.from({ length: n }, () => offset + (r() - 0.5) * 2 * scale);

function binaryConv(r: () => number, cin: number, cout: number, order: number, withExtras: boolean) {
  const L = rowWords(9, cin);
  const rows = new Int32Array(order * cout * L);
  for (let k = 0; k < order; k++) {
    const signs = Float32Array.from({ length: 9 * cin * cout }, () => (r() < 0.5 ? -1 : 1));
    rows.set(packWeightSigns(signs, 9, cin, cout), k * cout * L);
  }
  return {
    weights: nativeXnorWeights(rows, order, cout, 9, cin, L),
    alpha: floats(order * cout, r, 0.05, 0.06),
    bias: withExtras ? floats(cout, r, 0.2) : null,
    thr: withExtras ? floats(cin, r, 0.3) : null,
    gamma: floats(cout, r, 0.3), slope: floats(cout, r, 0.3, 0.25), zeta: floats(cout, r, 0.3),
  };
}

interface TailCase { n: number; h: number; w: number; c: number; r: number; orderUp: number; orderHr: number; co: number; extras: boolean; leaky: boolean }

const cases: TailCase[] = [
  { n: 1, h: 7, w: 9, c: 64, r: 2, orderUp: 2, orderHr: 2, co: 3, extras: true, leaky: true },
  { n: 2, h: 5, w: 6, c: 32, r: 2, orderUp: 2, orderHr: 2, co: 3, extras: false, leaky: true },
  { n: 1, h: 4, w: 5, c: 32, r: 3, orderUp: 1, orderHr: 2, co: 4, extras: true, leaky: false },
  { n: 1, h: 1, w: 3, c: 16, r: 2, orderUp: 2, orderHr: 1, co: 1, extras: true, leaky: true },
  { n: 2, h: 3, w: 2, c: 48, r: 2, orderUp: 1, orderHr: 1, co: 2, extras: false, leaky: true },
];

describe.skipIf(!native)('native fused tail (xnorTail) = xnorConv (stage) + xnorConv (conv_hr unit) + conv2d (to RGB)', () => {
  for (const tc of cases) {
    const { n, h, w, c, r: s, co } = tc;
    const cu = c * s * s, hf = h * s, wf = w * s;
    it(`${n}x${h}x${w}x${c}, r ${s}, orders ${tc.orderUp}/${tc.orderHr}, Co ${co}${tc.extras ? ', thresholds and biases' : ''}${tc.leaky ? ', LeakyReLU' : ''}`, () => {
      const r = rng(7 + h * 31 + c);
      const x = floats(n * h * w * c, r);
      for (let i = 0; i < x.length; i += 13) x[i] = 0;
      const up = binaryConv(r, c, cu, tc.orderUp, tc.extras);
      const hr = binaryConv(r, c, c, tc.orderHr, tc.extras);
      const leaky = tc.leaky ? new Float32Array([0.1]) : null;
      const wLast = floats(9 * c * co, r, 0.1), biasLast = tc.extras ? floats(co, r) : null;
      for (const path of native!.xnorVectorPopcount ? [0, 1] : [1]) {
        // The three calls, single-threaded.
        const geoUp = [n, h, w, c, 3, 3, 1, 1, 1, 1, 1, 1, h, w, cu];
        const geoHr = [n, hf, wf, c, 3, 3, 1, 1, 1, 1, 1, 1, hf, wf, c];
        const stage = new Float32Array(n * hf * wf * c), unit = new Float32Array(n * hf * wf * c), ref = new Float32Array(n * hf * wf * co);
        native!.xnorConv(new Int32Array([1, ...geoUp, tc.orderUp, path, s]), x, up.thr, up.weights, up.alpha, up.bias, stage, up.gamma, up.slope, up.zeta, x, null);
        native!.xnorConv(new Int32Array([1, ...geoHr, tc.orderHr, path, 1]), stage, hr.thr, hr.weights, hr.alpha, hr.bias, unit, hr.gamma, hr.slope, hr.zeta, stage, leaky);
        native!.conv2d(new Int32Array([1, n, hf, wf, c, 3, 3, 1, 1, 1, 1, 1, 1, hf, wf, co]), unit, wLast, biasLast, ref);
        for (const threads of [1, 2, 3]) {
          const out = new Float32Array(ref.length).fill(NaN);
          native!.xnorTail(
            new Int32Array([threads, n, h, w, c, s, tc.orderUp, tc.orderHr, co, path]), x,
            up.thr, up.weights, up.alpha, up.bias, up.gamma, up.slope, up.zeta,
            hr.thr, hr.weights, hr.alpha, hr.bias, hr.gamma, hr.slope, hr.zeta, leaky, wLast, biasLast, out,
          );
          let bad = -1;
          for (let i = 0; i < out.length && bad < 0; i++) if (!Object.is(out[i], ref[i])) bad = i;
          expect(bad, `path ${path}, ${threads} thread(s): first differing output ${bad} (${out[bad]} vs ${ref[bad]})`).toBe(-1);
        }
      }
    });
  }

  it('names the argument that is wrong', () => {
    const p = new Int32Array([1, 1, 2, 2, 32, 2, 2, 2, 8, 0]);
    expect(() => native!.xnorTail(p, new Float32Array(128), null, new Int32Array(0), new Float32Array(0), null, new Float32Array(0),
      new Float32Array(0), new Float32Array(0), null, new Int32Array(0), new Float32Array(0), null, new Float32Array(0),
      new Float32Array(0), new Float32Array(0), null, new Float32Array(0), null, new Float32Array(0))).toThrow(/Co <= 4/);
    p[8] = 3;
    expect(() => native!.xnorTail(p, new Float32Array(128), null, new Int32Array(0), new Float32Array(0), null, new Float32Array(0),
      new Float32Array(0), new Float32Array(0), null, new Int32Array(0), new Float32Array(0), null, new Float32Array(0),
      new Float32Array(0), new Float32Array(0), null, new Float32Array(0), null, new Float32Array(0))).toThrow(/argument 3 \(weightsUp\)/);
  });
});
