/**
 * Attention mask of shifted windows (Swin / SwinIR `calculate_mask`).
 *
 * After the cyclic shift by −s, a window at the bottom/right edge holds tokens from up to four regions of the
 * original image that are not neighbours; pairs from different regions get −100 added to their logits
 * (≈ zero weight after softmax), pairs from the same region get 0.
 */

/** Region labels on the shifted H×W grid, following SwinIR's slices (0:−w), (−w:−s), (−s:) per axis. */
function regionIds(h: number, w: number, window: number, shift: number): Int32Array {
  const band = (p: number, size: number): number => (p < size - window ? 0 : p < size - shift ? 1 : 2);
  const ids = new Int32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) ids[y * w + x] = band(y, h) * 3 + band(x, w);
  return ids;
}

/**
 * Mask [nW, N, N] (row-major Float32Array, windows in the order of {@link windowPartition}) for a padded
 * H×W image; 0 where two tokens of a window share a region, −100 where they do not.
 */
export function shiftWindowMask(h: number, w: number, window: number, shift: number): Float32Array {
  if (h % window !== 0 || w % window !== 0) {
    throw new Error(`shiftWindowMask: image ${h}x${w} is not a multiple of the window ${window}`);
  }
  if (!Number.isInteger(shift) || shift <= 0 || shift >= window) {
    throw new Error(`shiftWindowMask: shift must be in (0, ${window}), got ${shift}`);
  }
  const ids = regionIds(h, w, window, shift);
  const n = window * window;
  const wh = h / window;
  const ww = w / window;
  const mask = new Float32Array(wh * ww * n * n);
  const win = new Int32Array(n);
  for (let a = 0; a < wh; a++) {
    for (let b = 0; b < ww; b++) {
      for (let t = 0; t < n; t++) {
        win[t] = ids[(a * window + Math.floor(t / window)) * w + b * window + (t % window)];
      }
      const base = (a * ww + b) * n * n;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (win[i] !== win[j]) mask[base + i * n + j] = -100;
    }
  }
  return mask;
}
