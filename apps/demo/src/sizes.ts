// Sizes the page shows, computed from the files it serves: the bytes of a model's weight files as its model.json's
// weight manifest lays them out, for both forms of the model, and where the 1:1 zoom region sits.
import type * as tf from '@tensorflow/tfjs-core';
import type { DemoModel, ModelForm } from './config.js';

/** What scripts/make-model.ts records in the packed model.json (userDefinedMetadata.frbDemo). */
export interface DemoModelInfo {
  model: DemoModel;
  weights: string;
  scale: number;
  architecture: Record<string, number | boolean | string>;
  /** SHA-256 of the pinned source files the packed model was made from. */
  source: { modelJson: string; weightsBin: string };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes of the weight files a model.json's manifest describes (shape × dtype size, quantized dtypes honoured). */
export function manifestBytes(json: tf.io.ModelJSON, what = 'model.json'): number {
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${what}: no weightsManifest`);
  let bytes = 0;
  for (const group of json.weightsManifest) {
    for (const w of group.weights) {
      const dtype = w.quantization?.dtype ?? w.dtype;
      const size = DTYPE_BYTES[dtype];
      if (size === undefined) throw new Error(`${what}: weight '${w.name}' has dtype '${dtype}', which the page cannot size`);
      bytes += w.shape.reduce((a, b) => a * b, 1) * size;
    }
  }
  return bytes;
}

export interface ServedSizes {
  packed: number;
  float: number;
  info: DemoModelInfo;
}

async function fetchJson(url: string): Promise<tf.io.ModelJSON> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as tf.io.ModelJSON;
}

/** Weight bytes of both forms of one model (from their served model.json files) and the packed form's info. */
export async function servedSizes(urls: Record<ModelForm, string>): Promise<ServedSizes> {
  const [packed, float] = await Promise.all([fetchJson(urls.packed), fetchJson(urls.float)]);
  const info = (packed.userDefinedMetadata as { frbDemo?: DemoModelInfo } | undefined)?.frbDemo;
  if (!info?.architecture) throw new Error(`${urls.packed}: no frbDemo metadata (not written by apps/demo/scripts/make-model.ts)`);
  return { packed: manifestBytes(packed, urls.packed), float: manifestBytes(float, urls.float), info };
}

/** The top-left corner and size of a `side`×`side` region centred on `c`, kept inside a width×height image. */
export function zoomOrigin(c: { x: number; y: number }, width: number, height: number, side: number): { x: number; y: number; w: number; h: number } {
  const w = Math.min(side, width);
  const h = Math.min(side, height);
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, Math.round(v)));
  return { x: clamp(c.x - w / 2, width - w), y: clamp(c.y - h / 2, height - h), w, h };
}
