import { link, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileExistsError, conversionNote, fromTensor, readImage, readImageInfo, toTensor, writePng, type RawImage } from '@frb/datasets';
import { cmykJpeg, exifRotatedJpeg, pattern, png16, rgbaPng, rotate90cw } from './fixtures.js';
import { countDiff, randomImage, tempDir } from './helpers.js';

let dir = '';
let cleanup = async () => {};
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('readImage / writePng', () => {
  it('round-trips RGB losslessly through PNG', async () => {
    const img = randomImage(9, 14, 3, 3);
    const f = join(dir, 'sub', 'rgb.png');
    await writePng(f, img);
    const back = await readImage(f);
    expect([back.height, back.width, back.channels]).toEqual([9, 14, 3]);
    expect(back.data).toBeInstanceOf(Uint8Array);
    expect(countDiff(back.data, img.data)).toBe(0);
    expect(await readImageInfo(f)).toMatchObject({ height: 9, width: 14, channels: 3, bits: 8, format: 'png' });
  });

  it('a grayscale PNG becomes 3 equal channels, or stays 1 with keepGray', async () => {
    const g = randomImage(5, 7, 1, 8);
    const f = join(dir, 'gray.png');
    await writePng(f, g);
    expect((await readImageInfo(f)).channels).toBe(1);
    const kept = await readImage(f, { keepGray: true });
    expect(kept.channels).toBe(1);
    expect(countDiff(kept.data, g.data)).toBe(0);
    const rgb = await readImage(f);
    expect(rgb.channels).toBe(3);
    for (let i = 0; i < g.data.length; i++) {
      expect([rgb.data[3 * i], rgb.data[3 * i + 1], rgb.data[3 * i + 2]]).toEqual([g.data[i], g.data[i], g.data[i]]);
    }
  });

  it('drops alpha keeping the stored colours (RGBA and gray+alpha); alpha "error" rejects transparency', async () => {
    const rgba = randomImage(4, 6, 4, 11);
    const f = join(dir, 'rgba.png');
    await writePng(f, rgba);
    const img = await readImage(f);
    expect(img.channels).toBe(3);
    for (let i = 0; i < 24; i++) {
      for (let c = 0; c < 3; c++) expect(img.data[i * 3 + c]).toBe(rgba.data[i * 4 + c]);
    }
    await expect(readImage(f, { alpha: 'error' })).rejects.toThrow(/rgba\.png.*transparent/);
    const opaque = { ...rgba, data: rgba.data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
    await writePng(join(dir, 'opaque.png'), opaque);
    expect((await readImage(join(dir, 'opaque.png'), { alpha: 'error' })).channels).toBe(3);

    const ga = randomImage(3, 5, 2, 12);
    await writePng(join(dir, 'ga.png'), ga);
    const g1 = await readImage(join(dir, 'ga.png'), { keepGray: true });
    expect(g1.channels).toBe(1);
    for (let i = 0; i < 15; i++) expect(g1.data[i]).toBe(ga.data[2 * i]);
    expect((await readImage(join(dir, 'ga.png'))).channels).toBe(3);
  });

  it('rejects 16-bit files unless allow16Bit, then maps v → round(v / 257)', async () => {
    const w = 5;
    const h = 3;
    const v16 = new Uint16Array(w * h * 3);
    for (let i = 0; i < v16.length; i++) v16[i] = (i * 4099 + 128) % 65536;
    const f = join(dir, 'deep.png');
    await sharp(v16, { raw: { width: w, height: h, channels: 3 } }).toColourspace('rgb16').png().toFile(f);
    expect((await readImageInfo(f)).bits).toBe(16);
    await expect(readImage(f)).rejects.toThrow(/deep\.png.*16-bit.*allow16Bit/);
    const img = await readImage(f, { allow16Bit: true });
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(img.data)).toEqual(Array.from(v16, (v) => Math.round(v / 257)));

    const g16 = new Uint16Array(w * h).map((_, i) => i * 4000);
    const fg = join(dir, 'deep-gray.png');
    await sharp(g16, { raw: { width: w, height: h, channels: 1 } }).toColourspace('grey16').png().toFile(fg);
    const g = await readImage(fg, { allow16Bit: true, keepGray: true });
    expect(g.channels).toBe(1);
    expect(Array.from(g.data)).toEqual(Array.from(g16, (v) => Math.round(v / 257)));
  });

  it('reads JPEG and WebP (lossy: close, not equal)', async () => {
    const img: RawImage = { data: new Uint8Array(16 * 16 * 3).fill(120), height: 16, width: 16, channels: 3 };
    for (const ext of ['jpg', 'webp'] as const) {
      const f = join(dir, `flat.${ext}`);
      const s = sharp(img.data, { raw: { width: 16, height: 16, channels: 3 } });
      await (ext === 'jpg' ? s.jpeg({ quality: 95 }) : s.webp({ quality: 95 })).toFile(f);
      const back = await readImage(f);
      expect([back.height, back.width, back.channels]).toEqual([16, 16, 3]);
      for (const v of back.data) expect(Math.abs(v - 120)).toBeLessThanOrEqual(3);
    }
  });

  it('reads TIFF losslessly', async () => {
    const img = randomImage(7, 9, 3, 41);
    const f = join(dir, 'im.tif');
    await sharp(img.data, { raw: { width: 9, height: 7, channels: 3 } }).tiff({ compression: 'lzw' }).toFile(f);
    const back = await readImage(f);
    expect((await readImageInfo(f)).format).toBe('tiff');
    expect(countDiff(back.data, img.data)).toBe(0);
  });

  it('errors name the file: missing, not an image, truncated', async () => {
    await expect(readImage(join(dir, 'nope.png'))).rejects.toThrow(/nope\.png/);
    await writeFile(join(dir, 'junk.png'), 'this is not a png');
    await expect(readImage(join(dir, 'junk.png'))).rejects.toThrow(/junk\.png/);
    const big = randomImage(64, 64, 3, 21);
    await writePng(join(dir, 'whole.png'), big);
    const bytes = await readFile(join(dir, 'whole.png'));
    await writeFile(join(dir, 'cut.png'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readImage(join(dir, 'cut.png'))).rejects.toThrow(/cut\.png/);
  });

  it('writePng rounds and clamps float images and rejects malformed ones', async () => {
    const f = join(dir, 'float.png');
    await writePng(f, { data: new Float32Array([-3, 0.5, 1.49, 254.5, 300, 77.7]), height: 1, width: 2, channels: 3 });
    expect(Array.from((await readImage(f)).data)).toEqual([0, 1, 1, 255, 255, 78]);
    await expect(writePng(join(dir, 'bad.png'), { data: new Uint8Array(5), height: 2, width: 2, channels: 3 })).rejects.toThrow(
      /bad\.png.*5 values/,
    );
  });
});

describe('files as users bring them: orientation, alpha, colour spaces, safe writes', () => {
  it("orientation 'apply' turns an EXIF-6 JPEG upright (90° clockwise of the stored pixels); the default keeps them as stored", async () => {
    const f = join(dir, 'phone.jpg');
    await exifRotatedJpeg(f, pattern(10, 16));
    const info = await readImageInfo(f);
    expect([info.orientation, info.height, info.width]).toEqual([6, 10, 16]);
    const stored = await readImage(f);
    expect([stored.height, stored.width]).toEqual([10, 16]);
    const upright = await readImage(f, { orientation: 'apply' });
    expect([upright.height, upright.width, upright.channels]).toEqual([16, 10, 3]);
    // Same decoded samples, only turned: exact equality with the stored pixels rotated here.
    expect(countDiff(upright.data, rotate90cw(stored).data)).toBe(0);
    await expect(readImage(f, { orientation: 'sideways' as 'apply' })).rejects.toThrow(/orientation must be/);
  });

  it("alpha 'keep' returns RGBA with the transparent regions as stored; gray+alpha keeps 2 channels with keepGray", async () => {
    const f = join(dir, 'logo.png');
    const rgba = await rgbaPng(f, pattern(6, 9, 2));
    const info = await readImageInfo(f);
    expect(info.hasAlpha).toBe(true);
    const kept = await readImage(f, { alpha: 'keep' });
    expect(kept.channels).toBe(4);
    expect(countDiff(kept.data, rgba.data)).toBe(0);
    const ga = randomImage(3, 5, 2, 12);
    await writePng(join(dir, 'ga-keep.png'), ga);
    const g2 = await readImage(join(dir, 'ga-keep.png'), { alpha: 'keep', keepGray: true });
    expect(g2.channels).toBe(2);
    expect(countDiff(g2.data, ga.data)).toBe(0);
  });

  it('a CMYK JPEG is 4 channels without alpha, read as sRGB, and its note says CMYK (not alpha); a 16-bit PNG says 16-bit', async () => {
    const f = join(dir, 'print.jpg');
    const rgb = pattern(8, 8, 3);
    await cmykJpeg(f, rgb);
    const info = await readImageInfo(f);
    expect([info.channels, info.hasAlpha, info.space]).toEqual([4, false, 'cmyk']);
    expect(conversionNote(info)).toBe('CMYK, converted to 8-bit sRGB');
    const img = await readImage(f, { alpha: 'keep' });
    expect(img.channels).toBe(3);
    // The round trip through CMYK and JPEG stays near the original colours.
    let err = 0;
    for (let i = 0; i < img.data.length; i++) err += Math.abs(img.data[i]! - rgb.data[i]!);
    expect(err / img.data.length).toBeLessThan(12);

    const f16 = join(dir, 'scan16.png');
    await png16(f16, rgb);
    const i16 = await readImageInfo(f16);
    expect(conversionNote(i16)).toBe('16-bit, converted to 8-bit');
    expect(countDiff((await readImage(f16, { allow16Bit: true })).data, rgb.data)).toBe(0);
    expect(conversionNote(await readImageInfo(join(dir, 'logo.png')))).toBeNull();
  });

  it('writePng replaces a file by rename (a hard link to the old file keeps the old bytes), leaves no temp file, and overwrite:false refuses', async () => {
    const sub = join(dir, 'atomic');
    const f = join(sub, 'out.png');
    const a = randomImage(5, 5, 3, 1);
    const b = randomImage(5, 5, 3, 2);
    await writePng(f, a);
    const before = await readFile(f);
    await link(f, join(sub, 'old.png'));
    await writePng(f, b);
    // An in-place write would have changed the shared inode; the rename gave out.png a new one.
    expect((await readFile(join(sub, 'old.png'))).equals(before)).toBe(true);
    expect(countDiff((await readImage(f)).data, b.data)).toBe(0);
    expect((await readdir(sub)).sort()).toEqual(['old.png', 'out.png']);
    const now = await readFile(f);
    await expect(writePng(f, a, { overwrite: false })).rejects.toBeInstanceOf(FileExistsError);
    expect((await readFile(f)).equals(now)).toBe(true);
    expect((await readdir(sub)).sort()).toEqual(['old.png', 'out.png']);
  });

  it('writePng carries an ICC profile unchanged (pixels untouched) and the DPI', async () => {
    const src = join(dir, 'p3.png');
    await sharp(pattern(4, 4).data, { raw: { width: 4, height: 4, channels: 3 } }).withIccProfile('p3').png().toFile(src);
    const icc = (await readImageInfo(src)).icc!;
    expect(icc.length).toBeGreaterThan(100);
    const img = randomImage(4, 4, 3, 5);
    const f = join(dir, 'tagged.png');
    await writePng(f, img, { icc, density: 300 });
    const info = await readImageInfo(f);
    expect(info.icc!.equals(icc)).toBe(true);
    expect(info.density).toBeCloseTo(300, 0);
    expect(countDiff((await readImage(f)).data, img.data)).toBe(0);
    // A CMYK profile does not describe RGB pixels: not attached.
    await writePng(join(dir, 'untagged.png'), img, { icc: Buffer.concat([icc.subarray(0, 16), Buffer.from('CMYK'), icc.subarray(20)]) });
    expect((await readImageInfo(join(dir, 'untagged.png'))).icc).toBeUndefined();
  });
});

describe('toTensor / fromTensor', () => {
  it('maps 0..255 to [0, 1] (or keeps 255) and back exactly, without leaking tensors', () => {
    const img = randomImage(6, 5, 3, 4);
    const before = tf.memory().numTensors;
    for (const range of [1, 255] as const) {
      const t = toTensor(img, range);
      expect(t.shape).toEqual([6, 5, 3]);
      expect(t.dtype).toBe('float32');
      const v = t.dataSync();
      for (let i = 0; i < v.length; i++) expect(v[i]).toBeCloseTo((img.data[i]! * range) / 255, 6);
      const back = fromTensor(t, range);
      expect(countDiff(back.data, img.data)).toBe(0);
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fromTensor rounds and clamps, and refuses NaN and wrong ranks', () => {
    const t = tf.tensor3d([-0.2, 0.5 / 255, 1.7 / 255, 1.2], [1, 1, 4]);
    expect(Array.from(fromTensor(t).data)).toEqual([0, 1, 2, 255]);
    const n = tf.tensor3d([0.1, NaN, 0.2], [1, 1, 3]);
    expect(() => fromTensor(n)).toThrow(/NaN/);
    const r4 = tf.zeros([1, 2, 2, 3]);
    expect(() => fromTensor(r4)).toThrow(/rank-3/);
    expect(() => toTensor(randomImage(2, 2, 3), 2 as 1)).toThrow(/range must be 1 or 255/);
    tf.dispose([t, n, r4]);
  });
});
