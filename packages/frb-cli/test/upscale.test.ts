// frb upscale: generated images in a temp folder, the shipped FRBC weights, cpu backend. No shared data needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { imresize, readImage, writePng, type RawImage } from '@frb/datasets';
import { superResolve } from '@frb/bench';
import { PRETRAINED, bestPretrained, createModel, pretrainedNames } from '@frb/models';
import { frb, smoothImage } from './helpers.js';

let dir: string;
let img: string;
let lr: RawImage;
const scales = [...new Set(PRETRAINED.filter((p) => p.model === 'frbc').map((p) => p.scale))].sort();
/** What frb upscale runs without --weights: the shipped set with the best logged Set5 PSNR at that scale. */
const defaultSet = (scale: number) => bestPretrained('frbc', scale)!.name;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'frb-upscale-'));
  img = join(dir, 'photo.png');
  lr = smoothImage(19, 26, 3, 7);
  await writePng(img, lr);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const meanAbsDiff = (a: RawImage, b: RawImage) => {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i]! - b.data[i]!);
  return s / a.data.length;
};

describe('frb upscale', () => {
  for (const scale of scales) {
    it(`x${scale}: writes <name>_x${scale}.png beside the input with the best shipped set, equal to its tiled prediction, not bicubic`, async () => {
      const before = tf.memory().numTensors;
      const r = await frb(['upscale', img, '--scale', String(scale), '--tile', '8', '--backend', 'cpu']);
      expect(r.stderr).toMatch(new RegExp(`26x19 -> ${26 * scale}x${19 * scale} \\(x${scale}, frbc '${defaultSet(scale)}', 12 tiles, cpu`));
      expect(r.code).toBe(0);
      const out = join(dir, `photo_x${scale}.png`);
      expect(r.stdout).toBe(`${out}\n`);
      const sr = await readImage(out);
      expect([sr.height, sr.width, sr.channels]).toEqual([19 * scale, 26 * scale, 3]);

      const model = await createModel('frbc', { scale, weights: defaultSet(scale) });
      const want = await superResolve(model, lr, { scale, tile: 8 });
      model.dispose();
      expect(Buffer.from(sr.data).equals(Buffer.from(want.data))).toBe(true);
      const bicubic = imresize(lr, scale);
      expect(meanAbsDiff(sr, bicubic)).toBeGreaterThan(0.5);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('--packed on a shipped set runs its shipped packed files: equal to their tiled prediction, within a level of the float model', async () => {
    const s = scales[scales.length - 1]!;
    const before = tf.memory().numTensors;
    const out = join(dir, 'packed.png');
    const r = await frb(['upscale', img, '--scale', String(s), '--packed', '--tile', '8', '-o', out, '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`frbc '${defaultSet(s)}' packed`);
    const sr = await readImage(out);
    const packed = await createModel('frbc', { scale: s, weights: defaultSet(s), packed: true });
    const want = await superResolve(packed, lr, { scale: s, tile: 8 });
    packed.dispose();
    expect(Buffer.from(sr.data).equals(Buffer.from(want.data))).toBe(true);
    const fm = await createModel('frbc', { scale: s, weights: defaultSet(s) });
    const float = await superResolve(fm, lr, { scale: s, tile: 8 });
    fm.dispose();
    let worst = 0;
    for (let i = 0; i < sr.data.length; i++) worst = Math.max(worst, Math.abs(sr.data[i]! - float.data[i]!));
    expect(worst).toBeLessThanOrEqual(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('--out, a gray image stays gray, --tile 0 (whole image) and --weights <model.json folder>', async () => {
    const gray = join(dir, 'gray.png');
    await writePng(gray, smoothImage(11, 9, 1, 3));
    const s = scales[0]!;
    const out = join(dir, 'sub', 'g.png');
    const a = await frb(['upscale', gray, '--scale', String(s), '--out', out, '--tile', '0', '--backend', 'cpu']);
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(/1 tile,/);
    const g = await readImage(out, { keepGray: true });
    expect([g.height, g.width, g.channels]).toEqual([11 * s, 9 * s, 1]);
    const entry = PRETRAINED.find((p) => p.model === 'frbc' && p.scale === s)!;
    const folder = join(fileURLToPath(entry.urls().modelJson), '..');
    const out2 = join(dir, 'g2.png');
    const b = await frb(['upscale', gray, '--scale', String(s), '--out', out2, '--tile', '0', '--weights', folder, '--backend', 'cpu']);
    expect(b.code).toBe(0);
    expect(readFileSync(out2).equals(readFileSync(out))).toBe(true);
  });

  it('shows a progress bar on a TTY', async () => {
    let err = '';
    const { main } = await import('@frb/cli');
    const code = await main(['upscale', img, '--scale', String(scales[0]), '--tile', '16', '--out', join(dir, 'tty.png'), '--backend', 'cpu'], {
      stdout: { write: () => true },
      stderr: { write: (c: string) => (err += c), isTTY: true, columns: 100 },
      env: {},
      cwd: dir,
    });
    expect(code).toBe(0);
    expect(err).toMatch(/\rupscale x\d \[#+\] 4\/4 /);
  });

  it('errors: missing image, bad scale, overwriting the input, non-PNG --out, unknown weights', async () => {
    const missing = await frb(['upscale', join(dir, 'nope.png'), '--backend', 'cpu']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`image "${join(dir, 'nope.png')}" does not exist`);

    const none = await frb(['upscale']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/one or more <image> \(or folders of images\) expected, got 0/);

    const badScale = [2, 3, 4, 8].find((k) => !scales.includes(k))!;
    const bad = await frb(['upscale', img, '--scale', String(badScale)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--scale must be ${scales.join(' or ')} (the scales with shipped weights), got '${badScale}'`);
    const smallScales = PRETRAINED.filter((p) => p.model === 'frbc' && p.name === 'small-291').map((p) => p.scale).sort();
    const badNamed = await frb(['upscale', img, '--weights', 'small-291', '--scale', '8']);
    expect(badNamed.stderr).toContain(`--scale must be ${smallScales.join(' or ')} (the scales weights 'small-291' exist for), got '8'`);
    const junk = await frb(['upscale', img, '--scale', 'x4']);
    expect(junk.code).toBe(2);

    const mtime = statSync(img).mtimeMs;
    const s = String(scales[0]);
    const same = await frb(['upscale', img, '--scale', s, '--out', img]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('refusing to overwrite the input image');
    const pngIn = join(dir, 'in.png');
    writeFileSync(pngIn, readFileSync(img));
    const relative = await frb(['upscale', 'in.png', '--scale', s, '--out', './sub/../in.png'], dir);
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('refusing to overwrite the input image');
    expect(statSync(img).mtimeMs).toBe(mtime);

    const jpg = await frb(['upscale', img, '--scale', s, '--out', join(dir, 'x.jpg')]);
    expect(jpg.code).toBe(2);
    expect(jpg.stderr).toContain('--output must end in .png');

    const w = await frb(['upscale', img, '--weights', 'huge']);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain(`--weights 'huge' is neither a shipped weight set of 'frbc' (${pretrainedNames('frbc').join(', ')}) nor a model.json path`);

    const notImage = join(dir, 'notes.png');
    writeFileSync(notImage, 'not an image');
    const corrupt = await frb(['upscale', notImage, '--scale', s, '--backend', 'cpu']);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toContain(notImage);
  });

  it('--help exits 0 and lists the options', async () => {
    const r = await frb(['upscale', '--help']);
    expect(r.code).toBe(0);
    for (const o of ['--scale', '--out', '--weights', '--tile', '--backend']) expect(r.stdout).toContain(o);
    const g = await frb(['--help']);
    expect(g.stdout).toMatch(/upscale\s+upscale images/);
  });
});
