// Test helpers: capture CLI output in-process, and build a tiny benchmark folder and model.json on disk.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { imresize, mulberry32, writePng, type RawImage } from '@frb/datasets';
import { main, type CliContext } from '@frb/cli';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function frb(argv: string[], cwd = process.cwd(), env: Record<string, string | undefined> = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd,
  };
  const code = await main(argv, ctx);
  return { code, stdout, stderr };
}

/** The seeded [0, 1) generator the tests draw from (mulberry32 from @frb/datasets). */
export const rng = mulberry32;

export { smoothImage } from '../../frb-train/test/helpers.js';
import { smoothImage } from '../../frb-train/test/helpers.js';

/** <tmp>/benchmark/Toy/{HR, LR_bicubic/X2} with three images (one gray, one with an odd size). */
export async function makeToyData(): Promise<{ root: string; hr: Record<string, RawImage> }> {
  const root = mkdtempSync(join(tmpdir(), 'frb-cli-'));
  const set = join(root, 'benchmark', 'Toy');
  mkdirSync(join(set, 'HR'), { recursive: true });
  const hr: Record<string, RawImage> = {
    a: smoothImage(32, 28, 3, 1),
    b: smoothImage(24, 30, 1, 2),
    c: smoothImage(27, 25, 3, 3),
  };
  for (const [name, img] of Object.entries(hr)) {
    await writePng(join(set, 'HR', `${name}.png`), img);
    const h = img.height - (img.height % 2);
    const w = img.width - (img.width % 2);
    const crop: RawImage = { data: new Uint8Array(h * w * img.channels), height: h, width: w, channels: img.channels };
    for (let y = 0; y < h; y++) crop.data.set(img.data.subarray(y * img.width * img.channels, (y * img.width + w) * img.channels), y * w * img.channels);
    await writePng(join(set, 'LR_bicubic', 'X2', `${name}x2.png`), imresize(crop, 1 / 2));
  }
  return { root, hr };
}

/** Save a LayersModel as model.json + weights.bin in `dir` (what tfjs' file savers write). */
export async function saveModelJson(model: tfl.LayersModel, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = a.weightData instanceof ArrayBuffer ? a.weightData : (a.weightData as ArrayBuffer[])[0];
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data as ArrayBuffer));
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}
