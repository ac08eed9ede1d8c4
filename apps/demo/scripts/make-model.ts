// Writes the demo's model files: the shipped FRBC 'small-291' weights of @frb/models (x2 and x4), copied into the
// page's public folder after checking each file against the SHA-256 pinned in the zoo (src/config.ts says where the
// page loads them). The page therefore runs exactly what `createModel('frbc', {scale, weights: 'small-291'})` gives.
//   npx tsx --tsconfig tsconfig.json apps/demo/scripts/make-model.ts [--out DIR]
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPretrained } from '@frb/models';

export const WEIGHT_SET = 'small-291';
const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT = path.resolve(here, '../public/models');

/** Copies the pinned x`scale` FRBC files to `<out>/frbc-x<scale>/`; a file whose hash differs from the pin is an error. */
export async function copyShippedModel(scale: 2 | 4, out = DEFAULT_OUT): Promise<string> {
  const entry = findPretrained('frbc', WEIGHT_SET, scale);
  if (entry === undefined) throw new Error(`make-model: @frb/models pins no '${WEIGHT_SET}' FRBC weights at x${scale}`);
  const urls = entry.urls();
  const dir = path.join(out, `frbc-x${scale}`);
  await mkdir(dir, { recursive: true });
  for (const [pin, url] of [[entry.files.modelJson, urls.modelJson], [entry.files.weightsBin, urls.weightsBin]] as const) {
    const src = fileURLToPath(url);
    const bytes = await readFile(src);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== pin.sha256) throw new Error(`make-model: ${src} has SHA-256 ${sha}, the zoo pins ${pin.sha256}`);
    await writeFile(path.join(dir, pin.file), bytes);
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
  for (const scale of [2, 4] as const) {
    console.log(`make-model: wrote ${await copyShippedModel(scale, out)} (FRBC x${scale}, '${WEIGHT_SET}' weights)`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
