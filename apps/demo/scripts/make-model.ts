// Writes the demo's model files for each model and scale, from the shipped weight set src/config.ts picks (weightSet):
//   <out>/<model>-x<scale>-<set>/float/   the shipped model.json + weights.bin, byte for byte (float32 latent weights)
//   <out>/<model>-x<scale>-<set>/packed/  deployModel of that model, saved: 1-bit sign words for the binary body
// Both source files are checked against the SHA-256 pinned in @frb/models' zoo before anything is read from them.
// Writes are atomic: each float file by temporary name + rename, the packed folder whole (saveModelAtomic).
//   npx tsx --tsconfig tsconfig.json apps/demo/scripts/make-model.ts [--out DIR]
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployModel, findPretrained, type PinnedFile } from '@frb/models';
import { saveModelAtomic } from '@frb/models/node';
import { writeFileAtomic } from '@frb/datasets';
import { DEMO_MODELS, modelFolder, modelScales, weightSet, type DemoModel, type Scale } from '../src/config.js';
import type { DemoModelInfo } from '../src/sizes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT = path.resolve(here, '../public/models');

/** Reads one pinned source file; a missing file or a hash other than the pin is an error naming the file. */
export async function readPinned(url: URL, pin: PinnedFile): Promise<Uint8Array> {
  const file = fileURLToPath(url);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new Error(`make-model: cannot read ${file}: ${e instanceof Error ? e.message : e}`);
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== pin.sha256) throw new Error(`make-model: ${file} has SHA-256 ${sha}; the zoo pins ${pin.sha256} (corrupt or replaced)`);
  return bytes;
}

/**
 * Writes the float and packed forms of `model`'s weight set `weights` at x`scale` under `<out>/<model>-x<s>-<set>/`;
 * returns that folder. The packed form carries DemoModelInfo (src/sizes.ts) as its model.json's user metadata `frbDemo`.
 */
export async function makeDemoModel(model: DemoModel, scale: Scale, out = DEFAULT_OUT, weights = weightSet(model, scale)): Promise<string> {
  const entry = weights === undefined ? undefined : findPretrained(model, weights, scale);
  if (entry === undefined) throw new Error(`make-model: @frb/models pins no '${model}' weight set ${weights === undefined ? '' : `'${weights}' `}at x${scale} (src/config.ts weightSet)`);
  const urls = entry.urls();
  const jsonBytes = await readPinned(urls.modelJson, entry.files.modelJson);
  const binBytes = await readPinned(urls.weightsBin, entry.files.weightsBin);
  const dir = path.join(out, path.basename(modelFolder(model, scale, entry.name)));
  await mkdir(dir, { recursive: true });
  // Each file atomically, weights first; both are the pinned bytes, so a run cut off between them leaves a consistent pair.
  await writeFileAtomic(path.join(dir, 'float', entry.files.weightsBin.file), binBytes);
  await writeFileAtomic(path.join(dir, 'float', entry.files.modelJson.file), jsonBytes);

  const json = JSON.parse(new TextDecoder().decode(jsonBytes)) as tf.io.ModelJSON;
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const float = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: binBytes.slice().buffer as ArrayBuffer }),
    { strict: true },
  );
  try {
    const packed = await deployModel(float);
    try {
      const info: DemoModelInfo = {
        model, weights: entry.name, scale, architecture: { ...entry.architecture },
        source: { modelJson: entry.files.modelJson.sha256, weightsBin: entry.files.weightsBin.sha256 },
      };
      packed.setUserDefinedMetadata({ frbDemo: info });
      await saveModelAtomic(packed, path.join(dir, 'packed'), { overwrite: true });
    } finally {
      packed.dispose();
    }
  } finally {
    float.dispose();
  }
  return dir;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let out = DEFAULT_OUT;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out' && args[i + 1]) out = path.resolve(args[++i]);
    else throw new Error(`make-model: unknown or incomplete argument '${args[i]}' (use --out DIR)`);
  }
  await tf.setBackend('cpu');
  for (const model of DEMO_MODELS) {
    for (const scale of modelScales(model)) {
      console.log(`make-model: wrote ${await makeDemoModel(model, scale, out)} (${model} x${scale}, '${weightSet(model, scale)}' weights: float/ and packed/)`);
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
