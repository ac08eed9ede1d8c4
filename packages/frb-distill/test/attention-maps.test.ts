import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { attention, attentionImage, attentionMaps, attentionGrid, colorize, disposeAttentionMaps, attentionLoss,
  modelAttentionImages, blockOutputModel, runBlocks } from '@frb/distill';
import { writeRgbaPng } from '../src/node.js';
import { tinySR, randomData } from './helpers.js';

describe('attention maps for plots', () => {
  it('spatial images are the attention vectors reshaped; elementwise images are their channel sums', () => {
    const f = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 9);
    const sp = attentionImage(f, 'spatial');
    expect(sp.shape).toEqual([2, 3, 4]);
    expect(Array.from(sp.dataSync())).toEqual(Array.from(attention(f, 'spatial').dataSync()));
    const el = attentionImage(f, 'elementwise');
    const ref = tf.tidy(() => tf.sum(tf.reshape(attention(f, 'elementwise'), [2, 3, 4, 5]), -1));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(el, ref))).dataSync()[0])).toBeLessThan(1e-7);
    // Both are F²-based: same picture up to a per-sample scale.
    const ratio = tf.tidy(() => tf.div(el, sp).dataSync());
    for (let i = 1; i < 12; i++) expect(ratio[i]).toBeCloseTo(ratio[0], 4);
    expect(() => attentionImage(tf.zeros([2, 3]), 'spatial', 'plot')).toThrow(/plot: attention images need a 4-D/);
    tf.dispose([f, sp, el, ref]);
  });

  it('gives teacher and student maps per paired block, consistent with L_dis', () => {
    const student = tinySR({ seed: 1, size: 5 });
    const teacher = tinySR({ seed: 2, size: 5 });
    const x = randomData([2, 5, 5, 2], 3);
    const n0 = tf.memory().numTensors;
    const maps = attentionMaps({ student, teacher, input: x });
    expect(maps.map((m) => m.student)).toEqual(['body/block_00', 'body/block_01']);
    expect(maps[0].studentMap.shape).toEqual([2, 5, 5]);
    // Distances between the flattened maps reproduce L_dis.
    const d = tf.tidy(() => {
      const per = maps.map((m) => tf.mean(tf.norm(tf.sub(tf.reshape(m.studentMap, [2, -1]), tf.reshape(m.teacherMap, [2, -1])), 2, 1)));
      return tf.mean(tf.stack(per)).dataSync()[0];
    });
    const names = ['body/block_00', 'body/block_01'];
    const lDis = tf.tidy(() => attentionLoss(runBlocks(blockOutputModel(student, names), x),
      runBlocks(blockOutputModel(teacher, names), x), 'spatial').dataSync()[0]);
    expect(d).toBeGreaterThan(0.01);
    expect(d).toBeCloseTo(lDis, 5);
    const imgs = modelAttentionImages(student, x, names);
    expect(Array.from(imgs[1].dataSync())).toEqual(Array.from(maps[1].studentMap.dataSync()));
    tf.dispose(imgs);
    disposeAttentionMaps(maps);
    expect(tf.memory().numTensors).toBe(n0);
    x.dispose();
  });

  it('draws a teacher | student | difference grid as RGBA and writes it as PNG', async () => {
    // Hand-made maps: teacher hot at top-left, student hot at bottom-right.
    const t = tf.tensor3d([[[1, 0], [0, 0]]]);
    const s = tf.tensor3d([[[0, 0], [0, 0.5]]]);
    const grid = await attentionGrid([{ student: 's', teacher: 't', studentMap: s, teacherMap: t }], { scale: 2, pad: 1 });
    expect(grid.width).toBe(3 * 4 + 4 * 1);
    expect(grid.height).toBe(4 + 2);
    const px = (x: number, y: number) => Array.from(grid.data.slice(4 * (y * grid.width + x), 4 * (y * grid.width + x) + 4));
    expect(px(0, 0)).toEqual([40, 40, 40, 255]); // padding
    expect(px(1, 1)).toEqual([...colorize(1), 255]); // teacher top-left, row max = 1
    expect(px(4, 4)).toEqual([...colorize(0), 255]); // teacher bottom-right
    expect(px(1 + 4 + 1 + 3, 1 + 3)).toEqual([...colorize(0.5), 255]); // student bottom-right
    expect(px(1 + 2 * 5, 1)).toEqual([...colorize(1), 255]); // |diff| top-left
    await expect(attentionGrid([{ student: 's', teacher: 't', studentMap: s, teacherMap: t }], { sample: 3 }))
      .rejects.toThrow(/sample 3 is outside the batch of 1/);

    const dir = await mkdtemp(join(tmpdir(), 'frb-distill-'));
    try {
      const file = join(dir, 'sub', 'grid.png');
      await writeRgbaPng(file, grid);
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([grid.width, grid.height, 4]);
      expect(Buffer.compare(data, Buffer.from(grid.data))).toBe(0);
      await expect(writeRgbaPng(join(dir, 'bad.png'), { width: 3, height: 3, data: new Uint8ClampedArray(4) }))
        .rejects.toThrow(/bad\.png.*expected 3×3×4 = 36 bytes, got 4/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    tf.dispose([t, s]);
  });
});
