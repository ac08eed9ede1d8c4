/** RawImage ↔ tfjs tensors. */
import * as tf from '@tensorflow/tfjs-core';
import { assertRawImage, type RawImage } from './raw-image.js';

function checkRange(range: number, fn: string): void {
  if (range !== 1 && range !== 255) throw new RangeError(`${fn}: range must be 1 or 255, got ${range}`);
}

/**
 * HWC float32 tensor of `img`, with 255 mapped to `range` (1 → values in [0, 1], 255 → unchanged).
 * Float images are treated like uint8 ones: on the 0–255 scale.
 */
export function toTensor(img: RawImage, range: 1 | 255 = 1): tf.Tensor3D {
  assertRawImage(img, 'toTensor: img');
  checkRange(range, 'toTensor');
  const src = img.data;
  const out = new Float32Array(src.length);
  const k = range / 255;
  if (range === 255) out.set(src);
  else for (let i = 0; i < src.length; i++) out[i] = src[i]! * k;
  return tf.tensor3d(out, [img.height, img.width, img.channels], 'float32');
}

/** uint8 RawImage from an HWC tensor whose white is `range`: scaled to 0–255, rounded, clamped. */
export function fromTensor(t: tf.Tensor, range: 1 | 255 = 1): RawImage {
  checkRange(range, 'fromTensor');
  if (t.rank !== 3) throw new RangeError(`fromTensor: expected a rank-3 [height, width, channels] tensor, got shape [${t.shape}]`);
  const [height, width, channels] = t.shape as [number, number, number];
  const src = t.dataSync();
  const k = 255 / range;
  const data = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]! * k;
    // A NaN would silently become 0 in the Uint8Array: refuse it instead.
    if (v !== v) throw new RangeError(`fromTensor: value ${i} (pixel ${Math.floor(i / channels)}) is NaN`);
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return { data, height, width, channels };
}
