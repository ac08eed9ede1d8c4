import { describe, expect, it } from 'vitest';
import { psnr, ssim, toY, quantizeUint8, mse, ssimPlane, type ImageLike, type Plane } from '@frb/bench';
import { rawImage as randomImage } from './helpers.js';

const gray = (h: number, w: number, f: (y: number, x: number) => number): ImageLike & { data: Uint8Array } => {
  const data = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(y, x);
  return { data, height: h, width: w, channels: 1 };
};

describe('colour conventions', () => {
  it('Y of BT.601 maps black to 16 and white to 235 (float64, unrounded)', () => {
    const img = { data: Uint8Array.from([0, 0, 0, 255, 255, 255, 255, 0, 0]), height: 1, width: 3, channels: 3 };
    const y = toY(img).data;
    expect(y[0]).toBe(16);
    expect(y[1]).toBeCloseTo(235, 12);
    expect(y[2]).toBeCloseTo(16 + 65.481, 12);
    expect(toY(img, { roundY: true }).data[2]).toBe(81);
  });
  it('quantizes outputs like saved PNGs: round, clamp, range', () => {
    expect([...quantizeUint8([-3, 0.4, 0.5, 254.6, 300], 255)]).toEqual([0, 0, 1, 255, 255]);
    expect([...quantizeUint8([0, 0.5, 1, 1.2], 1)]).toEqual([0, 128, 255, 255]);
  });
});

describe('PSNR', () => {
  it('matches a hand computation', () => {
    const a = gray(2, 2, () => 100);
    const b = gray(2, 2, (y, x) => (y === 0 && x === 0 ? 110 : 100));
    // MSE = 10² / 4 = 25 → 10·log10(255² / 25)
    expect(psnr(a, b)).toBeCloseTo(10 * Math.log10(65025 / 25), 12);
    expect(psnr(a, b)).toBeCloseTo(34.1514, 4);
  });
  it('is +Infinity for identical images', () => {
    const a = randomImage(12, 9, 3, 1);
    expect(psnr(a, { ...a, data: a.data.slice() })).toBe(Infinity);
  });
  it('shaves the border before measuring', () => {
    const a = gray(6, 6, () => 50);
    const b = gray(6, 6, (y, x) => (y === 0 || x === 5 ? 200 : 50));
    expect(psnr(a, b, { shave: 1 })).toBe(Infinity);
    expect(psnr(a, b)).toBeLessThan(20);
    expect(() => psnr(a, b, { shave: 3 })).toThrow(/shave 3 leaves nothing/);
  });
  it('measures Y of RGB images: an error of d in every channel is an error of 219/255·d in Y', () => {
    const a = randomImage(8, 8, 3, 2);
    const b = { ...a, data: a.data.slice() };
    for (let i = 0; i < b.data.length; i++) b.data[i] = a.data[i] < 250 ? a.data[i] + 5 : a.data[i] - 5;
    const y1 = toY(a).data;
    const y2 = toY(b).data;
    let s = 0;
    for (let i = 0; i < y1.length; i++) s += (y1[i] - y2[i]) ** 2;
    expect(psnr(b, a)).toBeCloseTo(10 * Math.log10(65025 / (s / y1.length)), 10);
    // RGB variant pools all channels: every value differs by 5 → MSE 25.
    expect(psnr(b, a, { channel: 'rgb' })).toBeCloseTo(10 * Math.log10(65025 / 25), 10);
  });
  it('rejects mismatched images with a clear error', () => {
    expect(() => psnr(randomImage(4, 4, 3, 1), randomImage(4, 5, 3, 1))).toThrow(/SR image is 4x4 but HR image is 4x5/);
    expect(() => psnr(randomImage(4, 4, 1, 1), randomImage(4, 4, 3, 1))).toThrow(/1 channels but HR image has 3/);
  });
});

/** Direct (non-separable) SSIM with an explicit 11x11 window, as Wang et al.'s ssim_index writes it. */
function bruteSsim(a: Plane, b: Plane): number {
  const g: number[] = [];
  for (let i = 0; i < 11; i++) g.push(Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const gs = g.reduce((x, y) => x + y, 0);
  const C1 = (0.01 * 255) ** 2;
  const C2 = (0.03 * 255) ** 2;
  let total = 0;
  let n = 0;
  for (let y = 0; y + 11 <= a.height; y++) {
    for (let x = 0; x + 11 <= a.width; x++) {
      let m1 = 0, m2 = 0, s11 = 0, s22 = 0, s12 = 0;
      for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) {
        const w = (g[i] * g[j]) / (gs * gs);
        const p = a.data[(y + i) * a.width + x + j];
        const q = b.data[(y + i) * b.width + x + j];
        m1 += w * p; m2 += w * q; s11 += w * p * p; s22 += w * q * q; s12 += w * p * q;
      }
      const v1 = s11 - m1 * m1, v2 = s22 - m2 * m2, cv = s12 - m1 * m2;
      total += ((2 * m1 * m2 + C1) * (2 * cv + C2)) / ((m1 * m1 + m2 * m2 + C1) * (v1 + v2 + C2));
      n++;
    }
  }
  return total / n;
}

describe('SSIM', () => {
  it('is 1 for identical images', () => {
    const a = randomImage(16, 20, 3, 3);
    expect(ssim(a, { ...a, data: a.data.slice() })).toBeCloseTo(1, 12);
  });
  it('of two constant images is the luminance term (2ab + C1) / (a² + b² + C1)', () => {
    const C1 = (0.01 * 255) ** 2;
    const a = gray(11, 11, () => 100);
    const b = gray(11, 11, () => 110);
    expect(ssim(a, b)).toBeCloseTo((2 * 100 * 110 + C1) / (100 ** 2 + 110 ** 2 + C1), 12);
  });
  it('separable filtering equals the direct 11x11 window, valid region only', () => {
    const a = randomImage(17, 23, 1, 4);
    const b = randomImage(17, 23, 1, 5);
    for (let i = 0; i < a.data.length; i++) b.data[i] = (a.data[i] * 3 + b.data[i]) >> 2;
    const pa: Plane = { data: Float64Array.from(a.data), height: 17, width: 23 };
    const pb: Plane = { data: Float64Array.from(b.data), height: 17, width: 23 };
    const want = bruteSsim(pa, pb);
    expect(ssimPlane(pa, pb)).toBeCloseTo(want, 12);
    expect(want).toBeGreaterThan(0.3);
    expect(want).toBeLessThan(0.99);
  });
  it('RGB variant is the mean of the per-channel SSIMs', () => {
    const a = randomImage(12, 12, 3, 6);
    const b = randomImage(12, 12, 3, 7);
    const ch = (img: ImageLike, c: number): ImageLike => ({
      data: Uint8Array.from({ length: 144 }, (_, i) => img.data[i * 3 + c]), height: 12, width: 12, channels: 1,
    });
    const want = (ssim(ch(a, 0), ch(b, 0)) + ssim(ch(a, 1), ch(b, 1)) + ssim(ch(a, 2), ch(b, 2))) / 3;
    expect(ssim(a, b, { channel: 'rgb' })).toBeCloseTo(want, 12);
  });
  it('rejects planes smaller than the window', () => {
    expect(() => ssim(gray(10, 20, () => 1), gray(10, 20, () => 1))).toThrow(/smaller than the 11x11 window/);
  });
  it('mse of equal planes is 0', () => {
    const p: Plane = { data: new Float64Array([1, 2, 3]), height: 1, width: 3 };
    expect(mse(p, p)).toBe(0);
  });
});
