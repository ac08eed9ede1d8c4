// x8 self-ensemble (Lim et al., EDSR 2017; "+" rows of SR tables): run the model on the 8 flips /
// transposes of the input, undo each transform on its output and average.
import type { FloatImage } from './tiling.js';

/**
 * Apply the dihedral transform `k` (0..7) to an HWC image: bit 0 flips left-right, bit 1 flips
 * up-down, bit 2 transposes (after the flips). `inverse` undoes it (transpose first, then flips).
 */
export function dihedral(img: FloatImage, k: number, inverse = false): FloatImage {
  if (!(Number.isInteger(k) && k >= 0 && k < 8)) throw new Error(`dihedral: k must be 0..7, got ${k}`);
  const flipH = (k & 1) !== 0;
  const flipV = (k & 2) !== 0;
  const transpose = (k & 4) !== 0;
  const { height: H, width: W, channels: C, data } = img;
  // Output size: forward with transpose swaps; inverse input is already swapped.
  const oh = transpose ? W : H;
  const ow = transpose ? H : W;
  const out = new Float32Array(data.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // Source coordinates in `img` for output pixel (y, x).
      let sy: number;
      let sx: number;
      if (!inverse) {
        // out = T(V(H(img))): undo transpose, then the flips, to find the source.
        let fy = transpose ? x : y;
        let fx = transpose ? y : x;
        if (flipV) fy = H - 1 - fy;
        if (flipH) fx = W - 1 - fx;
        sy = fy;
        sx = fx;
      } else {
        // out = H(V(T(img))): img is the transformed image of size H x W.
        let fy = y;
        let fx = x;
        if (flipV) fy = oh - 1 - fy;
        if (flipH) fx = ow - 1 - fx;
        sy = transpose ? fx : fy;
        sx = transpose ? fy : fx;
      }
      const src = (sy * W + sx) * C;
      const dst = (y * ow + x) * C;
      for (let c = 0; c < C; c++) out[dst + c] = data[src + c];
    }
  }
  return { data: out, height: oh, width: ow, channels: C };
}

/** Average `run` over the 8 dihedral transforms of `img` (each output transformed back). */
export async function selfEnsemble(
  run: (img: FloatImage) => Promise<FloatImage>,
  img: FloatImage,
  onStep?: (done: number, total: number) => void,
): Promise<FloatImage> {
  let acc: Float64Array | undefined;
  let shape: Omit<FloatImage, 'data'> | undefined;
  for (let k = 0; k < 8; k++) {
    const y = dihedral(await run(dihedral(img, k)), k, true);
    if (!acc) {
      acc = new Float64Array(y.data.length);
      shape = { height: y.height, width: y.width, channels: y.channels };
    } else if (y.height !== shape!.height || y.width !== shape!.width || y.channels !== shape!.channels) {
      throw new Error(`self-ensemble: transform ${k} gave a ${y.height}x${y.width}x${y.channels} output, expected ${shape!.height}x${shape!.width}x${shape!.channels}`);
    }
    for (let i = 0; i < acc.length; i++) acc[i] += y.data[i];
    onStep?.(k + 1, 8);
  }
  const out = new Float32Array(acc!.length);
  for (let i = 0; i < out.length; i++) out[i] = acc![i] / 8;
  return { data: out, ...shape! };
}
