import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  rollSpatial, windowPartition, windowReverse, WindowPartition, WindowReverse, shiftedWindowPartition, shiftedWindowReverse,
  relativePositionIndex, relativePositionBias, shiftWindowMask, padToMultiple, ChannelShortcut, WindowAttention,
  windowAttentionCore, layerNorm, gelu, LayerNorm, ShortcutAdd, channelShortcut,
} from '@frb/models';
import * as tfl from '@tensorflow/tfjs-layers';

function arange(shape: [number, number, number, number]): tf.Tensor4D {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: n }, (_, i) => i), shape) as tf.Tensor4D;
}

describe('window partition / reverse', () => {
  it('partition then reverse is the identity, with and without the cyclic shift', () => {
    const before = tf.memory().numTensors;
    for (const shift of [0, 2]) {
      const x = arange([2, 8, 12, 3]);
      const p = new WindowPartition({ windowSize: 4, shiftSize: shift });
      const r = new WindowReverse({ windowSize: 4, shiftSize: shift });
      const w = p.apply(x) as tf.Tensor;
      expect(w.shape).toEqual([2 * 2 * 3, 16, 3]);
      const back = r.apply([w, x]) as tf.Tensor;
      expect(Array.from(back.dataSync())).toEqual(Array.from(x.dataSync()));
      tf.dispose([x, w, back]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the shifted partition / reverse gradients equal autodiff through roll + partition', () => {
    const x = tf.randomNormal([2, 8, 4, 3], 0, 1, 'float32', 41) as tf.Tensor4D;
    const r = tf.randomNormal([2 * 2 * 1, 16, 3], 0, 1, 'float32', 42);
    const gOurs = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(shiftedWindowPartition(t as tf.Tensor4D, 4, 2), r)))(x);
    const gAuto = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(windowPartition(rollSpatial(t as tf.Tensor4D, -2), 4), r)))(x);
    expect(Array.from(gOurs.dataSync())).toEqual(Array.from(gAuto.dataSync()));
    const w = shiftedWindowPartition(x, 4, 2);
    const hOurs = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(shiftedWindowReverse(t as tf.Tensor3D, 4, 2, 8, 4), x)))(w);
    const hAuto = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(rollSpatial(windowReverse(t as tf.Tensor3D, 4, 8, 4), 2), x)))(w);
    expect(Array.from(hOurs.dataSync())).toEqual(Array.from(hAuto.dataSync()));
    tf.dispose([x, r, gOurs, gAuto, w, hOurs, hAuto]);
  });

  it('a window holds the row-major w×w patch (SwinIR layout)', () => {
    const x = arange([1, 4, 6, 1]); // value = y·6 + x
    const w = windowPartition(x, 2);
    const v = w.arraySync() as number[][][];
    // window 1 (row 0, col 1) covers rows 0..1, cols 2..3
    expect(v[1].map((t) => t[0])).toEqual([2, 3, 8, 9]);
    // window 3 (row 1, col 0) covers rows 2..3, cols 0..1
    expect(v[3].map((t) => t[0])).toEqual([12, 13, 18, 19]);
    expect(Array.from(windowReverse(w, 2, 4, 6).dataSync())).toEqual(Array.from(x.dataSync()));
    tf.dispose([x, w]);
  });

  it('rollSpatial matches torch.roll semantics', () => {
    const x = arange([1, 3, 4, 1]);
    const r = rollSpatial(x, -1).arraySync() as number[][][][];
    // out[y][x] = in[(y+1)%3][(x+1)%4]
    for (let y = 0; y < 3; y++) for (let c = 0; c < 4; c++) expect(r[0][y][c][0]).toBe(((y + 1) % 3) * 4 + ((c + 1) % 4));
    x.dispose();
  });

  it('rejects sizes that are not multiples of the window, naming the layer', () => {
    const x = tf.zeros([1, 6, 8, 2]);
    expect(() => new WindowPartition({ windowSize: 4, name: 'wp' }).apply(x)).toThrow(/WindowPartition 'wp'.*6x8/);
    expect(() => new WindowPartition({ windowSize: 4, shiftSize: 4 })).toThrow(/shiftSize/);
    x.dispose();
  });
});

describe('relative position bias', () => {
  it('the index matches the closed form (dh + w − 1)(2w − 1) + (dw + w − 1)', () => {
    for (const w of [1, 3, 8]) {
      const idx = relativePositionIndex(w);
      const n = w * w;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const dh = Math.floor(i / w) - Math.floor(j / w);
          const dw = (i % w) - (j % w);
          expect(idx[i * n + j]).toBe((dh + w - 1) * (2 * w - 1) + (dw + w - 1));
        }
      }
      expect(Math.max(...idx)).toBe((2 * w - 1) ** 2 - 1);
    }
  });

  it('the one-hot bias equals the table gathered at the index, heads first', () => {
    const w = 3;
    const heads = 2;
    const table = tf.randomNormal([(2 * w - 1) ** 2, heads], 0, 1, 'float32', 7) as tf.Tensor2D;
    const bias = relativePositionBias(table, w);
    const tv = table.arraySync();
    const idx = relativePositionIndex(w);
    const n = w * w;
    const b = bias.arraySync();
    for (let h = 0; h < heads; h++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      expect(b[h][i][j]).toBeCloseTo(tv[idx[i * n + j]][h], 6);
    }
    // and its gradient reaches the table (no gather: works on wasm too)
    const g = tf.grad((t: tf.Tensor) => tf.sum(relativePositionBias(t as tf.Tensor2D, w)))(table);
    const counts = new Array((2 * w - 1) ** 2).fill(0);
    for (const k of idx) counts[k]++;
    const gv = g.arraySync() as number[][];
    counts.forEach((c, k) => { expect(gv[k][0]).toBeCloseTo(c, 5); expect(gv[k][1]).toBeCloseTo(c, 5); });
    tf.dispose([table, bias, g]);
  });
});

describe('shifted-window mask', () => {
  it('blocks exactly the pairs that come from different regions of the unshifted image', () => {
    const [H, W, w, s] = [12, 8, 4, 2];
    const mask = shiftWindowMask(H, W, w, s);
    const n = w * w;
    const nW = (H / w) * (W / w);
    expect(mask.length).toBe(nW * n * n);
    // Independent derivation: the token at shifted position p came from original ((p + s) mod size); two tokens
    // of a window are neighbours in the original image iff, per axis, both or neither of them wrapped around.
    const wrapped = (p: number, size: number) => p + s >= size;
    let blocked = 0;
    for (let a = 0; a < H / w; a++) for (let b = 0; b < W / w; b++) {
      const win = a * (W / w) + b;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        const yi = a * w + Math.floor(i / w), xi = b * w + (i % w);
        const yj = a * w + Math.floor(j / w), xj = b * w + (j % w);
        const cross = wrapped(yi, H) !== wrapped(yj, H) || wrapped(xi, W) !== wrapped(xj, W);
        expect(mask[win * n * n + i * n + j]).toBe(cross ? -100 : 0);
        if (cross) blocked++;
      }
    }
    // only the last window row / column are mixed; interior windows are all zero
    expect(blocked).toBeGreaterThan(0);
    expect(Array.from(mask.subarray(0, n * n)).every((v) => v === 0)).toBe(true);
  });
});

describe('WindowAttention', () => {
  it('matches a direct per-window softmax attention with bias and mask', () => {
    const [B, H, W, C, heads, w, s] = [1, 4, 4, 4, 2, 2, 1];
    const x = tf.randomNormal([B, H, W, C], 0, 1, 'float32', 3) as tf.Tensor4D;
    const win = windowPartition(rollSpatial(x, -s), w);
    const qkv = tf.randomNormal([win.shape[0], w * w, 3 * C], 0, 1, 'float32', 4) as tf.Tensor3D;
    const layer = new WindowAttention({ numHeads: heads, windowSize: w, shiftSize: s });
    const out = (layer.apply([qkv, x]) as tf.Tensor).arraySync() as number[][][];
    const table = layer.getWeights()[0].arraySync() as number[][];
    const idx = relativePositionIndex(w);
    const mask = shiftWindowMask(H, W, w, s);
    const q = qkv.arraySync();
    const n = w * w, hd = C / heads, scale = 1 / Math.sqrt(hd);
    for (let b = 0; b < q.length; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < n; i++) {
      const logits = Array.from({ length: n }, (_, j) => {
        let dot = 0;
        for (let d = 0; d < hd; d++) dot += q[b][i][h * hd + d] * scale * q[b][j][C + h * hd + d];
        return dot + table[idx[i * n + j]][h] + mask[b * n * n + i * n + j];
      });
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const z = e.reduce((a, c) => a + c, 0);
      for (let d = 0; d < hd; d++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += (e[j] / z) * q[b][j][2 * C + h * hd + d];
        expect(out[b][i][h * hd + d]).toBeCloseTo(v, 5);
      }
    }
    tf.dispose([x, win, qkv]);
    layer.dispose();
  });
});

describe('windowAttentionCore custom gradient', () => {
  it('matches autodiff through the plain ops (SwinIR head split), for qkv and the bias, with and without the mask', () => {
    const [B, nW, heads, n, hd, scale] = [2, 2, 2, 4, 3, 0.7];
    const bw = B * nW;
    const C = heads * hd;
    const qkv = tf.randomNormal([bw, n, 3 * C], 0, 1, 'float32', 11) as tf.Tensor3D;
    const bias = tf.randomNormal([heads, n, n], 0, 1, 'float32', 14) as tf.Tensor3D;
    const dy = tf.randomNormal([bw, n, C], 0, 1, 'float32', 15);
    const maskVals = Array.from({ length: nW * n * n }, (_, i) => (i % 3 === 0 ? -100 : 0));
    const mask = tf.tensor(maskVals, [1, nW, 1, n, n]);
    for (const m of [null, mask]) {
      // SwinIR: qkv.reshape(B_, N, 3, heads, hd).permute(2, 0, 3, 1, 4); (attn @ v).transpose(1, 2).reshape(B_, N, C)
      const plain = (a: tf.Tensor, d: tf.Tensor) => {
        const [q, k, v] = tf.unstack(tf.transpose(tf.reshape(a, [bw, n, 3, heads, hd]), [2, 0, 3, 1, 4]));
        let l: tf.Tensor = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), d);
        if (m) l = tf.reshape(tf.add(tf.reshape(l, [B, nW, heads, n, n]), m), [bw, heads, n, n]);
        const o = tf.reshape(tf.transpose(tf.matMul(tf.softmax(l), v), [0, 2, 1, 3]), [bw, n, C]);
        return tf.sum(tf.mul(o, dy));
      };
      const custom = (a: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(windowAttentionCore(a as tf.Tensor3D, d as tf.Tensor3D, m, scale), dy));
      const { value: v1, grads: g1 } = tf.valueAndGrads(plain)([qkv, bias]);
      const { value: v2, grads: g2 } = tf.valueAndGrads(custom)([qkv, bias]);
      expect(v2.dataSync()[0]).toBeCloseTo(v1.dataSync()[0], 4);
      g1.forEach((g, i) => {
        const a = g.dataSync(), b = g2[i].dataSync();
        expect(b.length).toBe(a.length);
        let maxAbs = 0;
        for (let j = 0; j < a.length; j++) maxAbs = Math.max(maxAbs, Math.abs(a[j] - b[j]));
        expect(maxAbs).toBeLessThan(1e-4);
      });
      tf.dispose([v1, v2, ...g1, ...g2]);
    }
    tf.dispose([qkv, bias, dy, mask]);
  });
});

describe('LayerNorm and GELU with written-out gradients', () => {
  const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

  it('LayerNorm equals the autodiff formula and tfjs LayerNormalization, values and gradients', () => {
    const x = tf.randomNormal([2, 5, 7], 1, 2, 'float32', 31);
    const g = tf.randomNormal([7], 1, 0.5, 'float32', 32) as tf.Tensor1D;
    const b = tf.randomNormal([7], 0, 0.5, 'float32', 33) as tf.Tensor1D;
    const dy = tf.randomNormal([2, 5, 7], 0, 1, 'float32', 34);
    const plain = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
      const m = tf.mean(xi, -1, true);
      const v = tf.mean(tf.square(tf.sub(xi, m)), -1, true);
      return tf.sum(tf.mul(tf.add(tf.mul(tf.div(tf.sub(xi, m), tf.sqrt(tf.add(v, 1e-5))), gi), bi), dy));
    };
    const custom = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(layerNorm(xi, gi as tf.Tensor1D, bi as tf.Tensor1D), dy));
    const r1 = tf.valueAndGrads(plain)([x, g, b]);
    const r2 = tf.valueAndGrads(custom)([x, g, b]);
    expect(r2.value.dataSync()[0]).toBeCloseTo(r1.value.dataSync()[0], 3);
    r1.grads.forEach((gr, i) => expect(maxDiff(gr, r2.grads[i])).toBeLessThan(1e-4));
    const ours = new LayerNorm({ epsilon: 1e-5 });
    const theirs = tfl.layers.layerNormalization({ epsilon: 1e-5 });
    ours.apply(x); theirs.apply(x);
    ours.setWeights([g, b]); theirs.setWeights([g, b]);
    expect(maxDiff(ours.apply(x) as tf.Tensor, theirs.apply(x) as tf.Tensor)).toBeLessThan(1e-5);
  });

  it('GELU equals tfjs gelu (erf form) and its autodiff gradient', () => {
    const x = tf.linspace(-6, 6, 97);
    const ref = tfl.layers.activation({ activation: 'gelu' }).apply(x) as tf.Tensor;
    expect(maxDiff(gelu(x), ref)).toBeLessThan(1e-6);
    expect(gelu(tf.tensor1d([1])).dataSync()[0]).toBeCloseTo(0.8413447, 6); // 1·Φ(1)
    const gPlain = tf.grad((t: tf.Tensor) => tf.sum(tfl.layers.activation({ activation: 'gelu' }).apply(t) as tf.Tensor))(x);
    const gOurs = tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(x);
    expect(maxDiff(gOurs, gPlain)).toBeLessThan(1e-5);
  });
});

describe('padding and shortcuts', () => {
  it('reflect-pads like PyTorch where possible and still pads images smaller than the window', () => {
    const x = arange([1, 5, 3, 1]);
    const p = padToMultiple(x, 4);
    expect(p.shape).toEqual([1, 8, 4, 1]);
    const ref = tf.mirrorPad(x, [[0, 0], [0, 3], [0, 1], [0, 0]], 'reflect');
    expect(Array.from(p.dataSync())).toEqual(Array.from(ref.dataSync()));
    const tiny = arange([1, 2, 1, 1]);
    const pt = padToMultiple(tiny, 8);
    expect(pt.shape).toEqual([1, 8, 8, 1]);
    // top-left stays the original, every padded value is one of the originals
    expect(Array.from(pt.dataSync()).slice(0, 1)).toEqual([0]);
    expect(new Set(pt.dataSync())).toEqual(new Set([0, 1]));
    const sym = padToMultiple(x, 4, 'symmetric');
    const symRef = tf.mirrorPad(x, [[0, 0], [0, 3], [0, 1], [0, 0]], 'symmetric');
    expect(Array.from(sym.dataSync())).toEqual(Array.from(symRef.dataSync()));
    tf.dispose([x, p, ref, tiny, pt, sym, symRef]);
  });

  it('ShortcutAdd adds the shortcut and its gradient equals autodiff through concat / mean', () => {
    for (const [din, units] of [[3, 9], [6, 3], [4, 4]]) {
      const x = tf.randomNormal([2, 5, din], 0, 1, 'float32', 51);
      const y = tf.randomNormal([2, 5, units], 0, 1, 'float32', 52);
      const r = tf.randomNormal([2, 5, units], 0, 1, 'float32', 53);
      const layer = new ShortcutAdd({});
      const out = layer.apply([y, x]) as tf.Tensor;
      const ref = tf.add(y, channelShortcut(x, units));
      expect(Array.from(out.dataSync())).toEqual(Array.from(ref.dataSync()));
      const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layer.apply([a, b]) as tf.Tensor, r)))([y, x]);
      const auto = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.add(a, channelShortcut(b, units)), r)))([y, x]);
      ours.forEach((g, i) => {
        const d = tf.max(tf.abs(tf.sub(g, auto[i]))).dataSync()[0];
        expect(d).toBeLessThan(1e-6);
      });
    }
    expect(() => new ShortcutAdd({ name: 'sa' }).apply([tf.zeros([1, 4]), tf.zeros([1, 3])])).toThrow(/ShortcutAdd 'sa'.*3.*4/);
  });

  it('ChannelShortcut repeats to widen and group-averages to narrow (their composition is the identity)', () => {
    const x = tf.tensor3d([[[1, 2, 3], [4, 5, 6]]]);
    const wide = new ChannelShortcut({ units: 6 }).apply(x) as tf.Tensor;
    expect(wide.arraySync()).toEqual([[[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]]);
    const narrow = new ChannelShortcut({ units: 3 }).apply(tf.tensor3d([[[1, 2, 3, 5, 6, 7]]])) as tf.Tensor;
    expect(narrow.arraySync()).toEqual([[[3, 4, 5]]]);
    const back = new ChannelShortcut({ units: 3 }).apply(wide) as tf.Tensor;
    expect(back.arraySync()).toEqual(x.arraySync());
    expect(() => new ChannelShortcut({ units: 4, name: 'sc' }).apply(x)).toThrow(/ChannelShortcut 'sc'.*3.*4/);
  });
});
