// Test helpers: temporary folders and tiny images generated on the fly (no image is committed).
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawImage } from '@frb/datasets';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const sharedData = resolve(repoRoot, '../shared/data');
export const hasSharedData = existsSync(join(sharedData, 'benchmark', 'Set5', 'HR'));

export async function tempDir(prefix = 'frb-datasets-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Deterministic pseudo-random uint8 image (xorshift), so failures reproduce. */
export function randomImage(height: number, width: number, channels: number, seed = 1): RawImage {
  const data = new Uint8Array(height * width * channels);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    data[i] = s & 255;
  }
  return { data, height, width, channels };
}

/** Image whose pixel (y, x) holds R = y, G = x, B = tag: a crop reveals where it came from. */
export function coordImage(height: number, width: number, tag = 7): RawImage {
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = y;
      data[o + 1] = x;
      data[o + 2] = tag;
    }
  }
  return { data, height, width, channels: 3 };
}

export function countDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`countDiff: lengths ${a.length} and ${b.length} differ`);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}
