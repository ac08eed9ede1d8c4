import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PixelShuffle, pixelShuffle, BilinearUpsample } from '@frb/models';

// PyTorch's pixel_shuffle written from its definition, on NHWC data: out[b, h·r+i, w·r+j, c] = in[b, h, w, c·r²+i·r+j].
function torchOrderShuffle(x: number[], [b, h, w, cr2]: number[], r: number): number[] {
  const c = cr2 / (r * r);
  const out = new Array<number>(x.length);
  for (let n = 0; n < b; n++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let k = 0; k < cr2; k++) {
          const ch = Math.floor(k / (r * r));
          const i = Math.floor((k % (r * r)) / r);
          const j = k % r;
          const oy = y * r + i, ox = xx * r + j;
          out[((n * h * r + oy) * w * r + ox) * c + ch] = x[((n * h + y) * w + xx) * cr2 + k];
        }
  return out;
}

describe('PixelShuffle (PyTorch channel order)', () => {
  it('matches a hand-computed 1x1x1x8 → 1x2x2x2 example (differs from tf.depthToSpace)', () => {
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 8]);
    const y = pixelShuffle(x, 2);
    expect(y.shape).toEqual([1, 2, 2, 2]);
    // channel k = c·4 + i·2 + j lands at (i, j, c)
    expect(Array.from(y.dataSync())).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
    expect(Array.from(tf.depthToSpace(x, 2).dataSync())).not.toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
    tf.dispose([x, y]);
  });

  it('matches the definition on 2x2x3x18 at r = 3 and 2x3x2x8 at r = 2', () => {
    for (const [shape, r] of [[[2, 2, 3, 18], 3], [[2, 3, 2, 8], 2]] as const) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Array.from({ length: n }, (_, i) => (i * 7919) % 1009);
      const x = tf.tensor4d(data, shape as unknown as [number, number, number, number]);
      const y = pixelShuffle(x, r);
      expect(y.shape).toEqual([shape[0], shape[1] * r, shape[2] * r, shape[3] / (r * r)]);
      expect(Array.from(y.dataSync())).toEqual(torchOrderShuffle(data, [...shape], r));
      tf.dispose([x, y]);
    }
  });

  it('has the right gradient: d/dx sum(shuffle(x)·g) = unshuffle(g)', () => {
    const shape: [number, number, number, number] = [1, 2, 2, 8];
    const g = tf.tensor4d(Array.from({ length: 32 }, (_, i) => i + 1), [1, 4, 4, 2]);
    const x = tf.randomNormal(shape);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pixelShuffle(t as tf.Tensor4D, 2), g)))(x);
    // The shuffle is a permutation, so its adjoint takes g back: shuffle(grad) must equal g exactly.
    const back = pixelShuffle(grad as tf.Tensor4D, 2);
    expect(Array.from(back.dataSync())).toEqual(Array.from(g.dataSync()));
    tf.dispose([g, x, grad, back]);
  });

  it('works as a layer with unknown spatial dims, and rejects bad channel counts by name', () => {
    const inp = tfl.input({ shape: [null, null, 12] });
    const layer = new PixelShuffle({ scale: 2, name: 'ps' });
    const out = layer.apply(inp) as tfl.SymbolicTensor;
    expect(out.shape).toEqual([null, null, null, 3]);
    expect(() => new PixelShuffle({ scale: 2, name: 'bad' }).apply(tfl.input({ shape: [4, 4, 6] }))).toThrow(/bad.*divisible/);
    expect(() => new PixelShuffle({ scale: 0 })).toThrow(/scale/);
  });
});

describe('BilinearUpsample (F.interpolate bilinear, align_corners=False)', () => {
  it('upsamples [[1,2],[3,4]] by 2 as PyTorch does', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = new BilinearUpsample({ scale: 2 }).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 4, 4, 1]);
    // PyTorch: source coordinate (d + 0.5)/2 − 0.5, clamped to the border.
    const want = [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4];
    const got = Array.from(y.dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    tf.dispose([x, y]);
  });

  it('matches PyTorch\'s source-index rule at scales 3 and 4 on random data', () => {
    // upsample_bilinear2d, align_corners=False: src = max((d + 0.5)/s − 0.5, 0), neighbours i0 and min(i0 + 1, n − 1).
    const src = (d: number, s: number, n: number): [number, number, number] => {
      const f = Math.max((d + 0.5) / s - 0.5, 0);
      const i0 = Math.min(Math.floor(f), n - 1);
      return [i0, Math.min(i0 + 1, n - 1), f - i0];
    };
    for (const s of [3, 4]) {
      const [h, w, c] = [3, 4, 2];
      const data = Array.from({ length: h * w * c }, (_, i) => Math.sin(i * 1.7) * 3);
      const x = tf.tensor4d(data, [1, h, w, c]);
      const y = new BilinearUpsample({ scale: s }).apply(x) as tf.Tensor;
      const got = y.dataSync();
      for (let oy = 0; oy < h * s; oy++)
        for (let ox = 0; ox < w * s; ox++)
          for (let ch = 0; ch < c; ch++) {
            const [y0, y1, ly] = src(oy, s, h);
            const [x0, x1, lx] = src(ox, s, w);
            const at = (yy: number, xx: number) => data[(yy * w + xx) * c + ch];
            const want = (1 - ly) * ((1 - lx) * at(y0, x0) + lx * at(y0, x1)) + ly * ((1 - lx) * at(y1, x0) + lx * at(y1, x1));
            expect(got[(oy * w * s + ox) * c + ch]).toBeCloseTo(want, 4);
          }
      tf.dispose([x, y]);
    }
  });
});
