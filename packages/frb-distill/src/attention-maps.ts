// DBT attention maps for plots: per paired block, the teacher's and the student's attention as an image
// (N, H, W), and a teacher | student | |difference| grid as RGBA bytes (PNG writing lives in ./node).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { attention, resolveAttentionForm, type AttentionForm } from './attention.js';
import { blockOutputModel, runBlocks } from './block-outputs.js';
import { resolvePairs, type PairSpec } from './pairing.js';

export interface BlockAttentionMaps {
  student: string;
  teacher: string;
  /** (N, H, W): the student's attention, as an image. */
  studentMap: tf.Tensor3D;
  /** (N, H, W): the teacher's attention, as an image. */
  teacherMap: tf.Tensor3D;
}

/**
 * A block output's attention as an image (N, H, W). `spatial`: the normalized map itself. `elementwise`:
 * the normalized F² summed over channels (each pixel's share of the block's energy) — the same picture up to
 * a scale, since both are built from F². `channel`: the per-channel unit maps summed over channels.
 */
export function attentionImage(features: tf.Tensor, form: AttentionForm = 'spatial', where = 'attentionImage'): tf.Tensor3D {
  if (features.rank !== 4) {
    throw new Error(`${where}: attention images need a 4-D block output (N, H, W, C), got [${features.shape}]`);
  }
  const [n, h, w, c] = features.shape as [number, number, number, number];
  const f = resolveAttentionForm(form, where);
  return tf.tidy(() => {
    const a = attention(features, f, where);
    if (f === 'spatial') return tf.reshape(a, [n, h, w]) as tf.Tensor3D;
    // `channel` rows are channel-major (one unit map per channel), `elementwise` rows pixel-major.
    return (f === 'channel' ? tf.sum(tf.reshape(a, [n, c, h, w]), 1) : tf.sum(tf.reshape(a, [n, h, w, c]), -1)) as tf.Tensor3D;
  });
}

/** Attention images of the named layers of one model for `input` (inference mode). Caller disposes. */
export function modelAttentionImages(model: tfl.LayersModel, input: tf.Tensor | tf.Tensor[], layerNames: readonly string[],
  form: AttentionForm = 'spatial'): tf.Tensor3D[] {
  const blocks = blockOutputModel(model, layerNames, 'model');
  return tf.tidy(() => runBlocks(blocks, input).map((o, k) =>
    attentionImage(o, form, `attention map of '${layerNames[k]}' in '${model.name}'`)));
}

/**
 * Teacher and student attention images for every paired block (automatic pairs by default) on `input`.
 * Caller disposes the maps (`disposeAttentionMaps`).
 */
export function attentionMaps(args: {
  student: tfl.LayersModel;
  teacher: tfl.LayersModel;
  input: tf.Tensor | tf.Tensor[];
  pairs?: readonly PairSpec[];
  form?: AttentionForm | 'element_wise';
}): BlockAttentionMaps[] {
  const form = resolveAttentionForm(args.form, 'attentionMaps');
  const pairs = resolvePairs(args.student, args.teacher, args.pairs);
  const s = modelAttentionImages(args.student, args.input, pairs.map((p) => p.student), form);
  const t = modelAttentionImages(args.teacher, args.input, pairs.map((p) => p.teacher), form);
  return pairs.map((p, k) => {
    if (s[k].shape.join() !== t[k].shape.join()) {
      tf.dispose([...s, ...t]);
      throw new Error(`attentionMaps: student layer '${p.student}' map [${s[k].shape}] and teacher layer ` +
        `'${p.teacher}' map [${t[k].shape}] differ in shape`);
    }
    return { student: p.student, teacher: p.teacher, studentMap: s[k], teacherMap: t[k] };
  });
}

export function disposeAttentionMaps(maps: BlockAttentionMaps[]): void {
  for (const m of maps) tf.dispose([m.studentMap, m.teacherMap]);
}

/** An RGBA image, row-major, 4 bytes per pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface GridOptions {
  /** Which sample of the batch to draw. Default 0. */
  sample?: number;
  /** Integer upscaling of each map (nearest neighbour). Default 4. */
  scale?: number;
  /** Gap between cells, in pixels. Default 2. */
  pad?: number;
  /** 'heat' (black → red → yellow → white) or 'gray'. Default 'heat'. */
  colormap?: 'heat' | 'gray';
}

const BACKGROUND = [40, 40, 40, 255];

/** Maps v in [0, 1] to RGB. */
export function colorize(v: number, colormap: 'heat' | 'gray' = 'heat'): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
  if (colormap === 'gray') {
    const g = Math.round(255 * x);
    return [g, g, g];
  }
  return [Math.round(255 * Math.min(1, 3 * x)), Math.round(255 * Math.min(1, Math.max(0, 3 * x - 1))),
    Math.round(255 * Math.max(0, 3 * x - 2))];
}

/**
 * One row per block pair, columns teacher | student | |student − teacher|. Within a row all three cells share
 * one scale (the row's largest value), so teacher and student are directly comparable.
 */
export async function attentionGrid(maps: BlockAttentionMaps[], opts: GridOptions = {}): Promise<RgbaImage> {
  if (maps.length === 0) throw new Error('attentionGrid: no attention maps given');
  const sample = opts.sample ?? 0;
  const scale = opts.scale ?? 4;
  const pad = opts.pad ?? 2;
  const colormap = opts.colormap ?? 'heat';
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`attentionGrid: scale must be an integer ≥ 1, got ${scale}`);
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`attentionGrid: pad must be an integer ≥ 0, got ${pad}`);
  const n = maps[0].studentMap.shape[0];
  if (!Number.isInteger(sample) || sample < 0 || sample >= n) {
    throw new Error(`attentionGrid: sample ${sample} is outside the batch of ${n}`);
  }
  const rows = await Promise.all(maps.map(async (m) => {
    const [, h, w] = m.studentMap.shape;
    const pick = (t: tf.Tensor3D) => tf.tidy(() => tf.squeeze(tf.slice(t, [sample, 0, 0], [1, h, w]), [0]));
    const st = pick(m.studentMap);
    const te = pick(m.teacherMap);
    const [s, t] = await Promise.all([st.data(), te.data()]);
    tf.dispose([st, te]);
    const d = Float32Array.from(s, (v, i) => Math.abs(v - t[i]));
    let max = 0;
    for (const arr of [t, s]) for (const v of arr) max = Math.max(max, v);
    return { h, w, cells: [t, s, d], max };
  }));
  const cellW = Math.max(...rows.map((r) => r.w)) * scale;
  const width = 3 * cellW + 4 * pad;
  const height = rows.reduce((acc, r) => acc + r.h * scale + pad, pad);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(BACKGROUND, 4 * i);
  let y0 = pad;
  for (const r of rows) {
    r.cells.forEach((cell, col) => {
      const x0 = pad + col * (cellW + pad);
      for (let yy = 0; yy < r.h * scale; yy++) {
        for (let xx = 0; xx < r.w * scale; xx++) {
          const v = cell[Math.floor(yy / scale) * r.w + Math.floor(xx / scale)];
          const rgb = colorize(r.max > 0 ? v / r.max : 0, colormap);
          data.set([...rgb, 255], 4 * ((y0 + yy) * width + x0 + xx));
        }
      }
    });
    y0 += r.h * scale + pad;
  }
  return { width, height, data };
}
