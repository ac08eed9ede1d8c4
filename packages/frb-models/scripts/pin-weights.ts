// Pin a trained model as a shipped pretrained weight set.
//
//   npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts <run model dir> <weights-name> <scale>
//       [--train-command "npm run frb -- train tmp/ship/frbc-x4.yaml"] [--note "..."]
//   npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts --repack <weights-name> <scale> [--model frbc-m]
//
// Both write the packed form next to the training form (packed/model.json + packed/weights.bin, made by deployModel
// with fused units) after checking that it upscales a test input as the training form does, and pin it too;
// --repack does only that, for a set already pinned (its training-form files are checked against their pins first).
//
// <run model dir> is a run's final `model/` folder or one of its `checkpoints/iter_NNNNNNNN/` folders (both hold
// model.json + weights.bin). The script checks that the files load and upscale by <scale>, copies them into
// packages/frb-models/weights/<model>-x<scale>-<name>/, and rewrites the PINNED table of src/pretrained.ts with their
// SHA-256 hashes and the provenance read from the run's log.jsonl (config, iterations trained, Set5 PSNR).
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModel, saveModelAtomic } from '@frb/models/node';
import { deployModel } from '../src/deploy.js';
import { PRETRAINED, findPretrained, type PinnedFile, type PretrainedWeights } from '../src/pretrained.js';

const pkgRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(pkgRoot, '../..');
const SOURCE = join(pkgRoot, 'src/pretrained.ts');

function fail(msg: string): never {
  process.stderr.write(`pin-weights: ${msg}\n`);
  process.exit(1);
}

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { 'train-command': { type: 'string' }, note: { type: 'string' }, repack: { type: 'boolean' }, model: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: true,
});
if (values.help || positionals.length !== (values.repack ? 2 : 3)) {
  process.stderr.write('usage: pin-weights.ts <run model dir> <weights-name> <scale> [--train-command CMD] [--note TEXT]\n' +
    '       pin-weights.ts --repack <weights-name> <scale> [--model <model>]\n');
  process.exit(values.help ? 0 : 2);
}
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const pinFile = async (dir: string, file: string, as = file): Promise<PinnedFile> => {
  const bytes = await readFile(join(dir, file));
  return { file: as, sha256: sha(bytes), bytes: bytes.length };
};

/**
 * Deploys the model in `dir` (fused packed units), checks that it gives the training form's output on a test input
 * (within the float-rounding tolerance the packed kernels are tested to), saves it to `dir`/packed and pins its files.
 */
async function writePacked(dir: string, scale: number): Promise<{ modelJson: PinnedFile; weightsBin: PinnedFile }> {
  await tf.setBackend('cpu');
  const model = await loadModel(dir);
  const packed = await deployModel(model);
  // A smooth test image. The packed form must match within float rounding, except where an activation sits within
  // rounding of its RSign threshold and the two forms take opposite signs: one such flip early in the net can move the
  // outputs of its whole receptive field by under one 8-bit level (frbc-m long-291: 20% of this input's values, at
  // most 0.0024). A packing fault (a wrong bit pattern or scale) moves outputs by far more, so the bound is 2/255;
  // the data-gated shipped-weights test then holds the packed Set5 PSNR to the float one within 0.01 dB.
  const x = tf.tidy(() => tf.reshape(tf.linspace(0, 1, 24 * 24 * 3), [1, 24, 24, 3]));
  const [a, b] = [model.predict(x) as tf.Tensor, packed.predict(x) as tf.Tensor];
  const diff = tf.tidy(() => tf.abs(tf.sub(a, b)).dataSync() as Float32Array);
  if (a.shape[1] !== 24 * scale) fail(`the model in '${dir}' maps 24x24 to ${a.shape[1]}x${a.shape[2]}, not x${scale}`);
  tf.dispose([x, a, b]);
  const maxDiff = diff.reduce((m, v) => Math.max(m, v), 0);
  const off = diff.filter((v) => v > 1e-4).length;
  if (maxDiff > 2 / 255) {
    fail(`the packed form of '${dir}' differs from the training form on the test input: ${off} of ${diff.length} values by more than 1e-4, at most ${maxDiff}`);
  }
  if (off > 0) console.error(`pin-weights: packed vs training form on the test input: ${off} of ${diff.length} values differ by more than 1e-4 (at most ${maxDiff.toFixed(6)}): activations within rounding of a threshold`);
  const outDir = join(dir, 'packed');
  await saveModelAtomic(packed, outDir, { overwrite: true });
  model.dispose();
  packed.dispose();
  return { modelJson: await pinFile(outDir, 'model.json'), weightsBin: await pinFile(outDir, 'weights.bin') };
}

type Plain = Omit<PretrainedWeights, 'urls'>;

/** Rewrites the PINNED table of src/pretrained.ts with `entry` added or replacing the same (model, name, scale). */
async function writeTable(entry: Plain): Promise<void> {
  const all: Plain[] = PRETRAINED.map(({ urls: _u, ...rest }) => rest)
    .filter((p) => !(p.model === entry.model && p.name === entry.name && p.scale === entry.scale));
  all.push(entry);
  all.sort((a, b) => a.model.localeCompare(b.model) || a.name.localeCompare(b.name) || a.scale - b.scale);
  const code = all.map((p) => {
    const dir = `../weights/${p.model}-x${p.scale}-${p.name}/`;
    const { provenance, ...head } = p;
    const body = JSON.stringify({ ...head, provenance }, null, 2).split('\n').slice(1, -1).map((l) => `  ${l}`.replace(/^(\s*)"(\w+)":/, '$1$2:')).join('\n');
    const packedUrls = p.files.packed
      ? `      packedJson: new URL('${dir}packed/model.json', import.meta.url),\n      packedBin: new URL('${dir}packed/weights.bin', import.meta.url),\n`
      : '';
    return `  {\n${body},\n    urls: () => ({\n      modelJson: new URL('${dir}model.json', import.meta.url),\n` +
      `      weightsBin: new URL('${dir}weights.bin', import.meta.url),\n${packedUrls}    }),\n  },`;
  }).join('\n');
  const src = await readFile(SOURCE, 'utf8');
  const re = /(\/\/ BEGIN PINNED[^\n]*\n)[\s\S]*?(\/\/ END PINNED)/;
  if (!re.test(src)) fail(`'${SOURCE}' has no BEGIN/END PINNED markers`);
  const tmp = `${SOURCE}.${process.pid}.tmp`;
  await writeFile(tmp, src.replace(re, `$1export const PRETRAINED: readonly PretrainedWeights[] = [\n${code}\n];\n$2`));
  await rename(tmp, SOURCE);
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

if (values.repack) {
  const [name, scaleArg] = positionals as [string, string];
  const scale = Number(scaleArg);
  // Two models may pin a set of the same name at the same scale (frbc and frbc-m 'long-291' at x4): --model says which.
  const matches = PRETRAINED.filter((p) => p.name === name && p.scale === scale && (values.model === undefined || p.model === values.model));
  if (matches.length > 1) fail(`'${name}' at x${scaleArg} is pinned for ${matches.map((p) => p.model).join(' and ')}: say which with --model`);
  const entry = matches[0];
  if (!entry || !findPretrained(entry.model, name, scale)) fail(`no pinned weight set '${name}' at x${scaleArg}${values.model ? ` for '${values.model}'` : ''}`);
  const dir = join(pkgRoot, 'weights', `${entry.model}-x${scale}-${name}`);
  for (const pin of [entry.files.modelJson, entry.files.weightsBin]) {
    const got = await pinFile(dir, pin.file);
    if (got.sha256 !== pin.sha256) fail(`'${join(dir, pin.file)}' does not match its pinned SHA-256: re-pin the set from its run first`);
  }
  const packed = await writePacked(dir, scale);
  const { urls: _u, ...plain } = entry;
  await writeTable({ ...plain, files: { ...plain.files, packed } });
  process.stdout.write(`packed ${entry.model} x${scale} '${name}': packed/model.json ${kb(packed.modelJson.bytes)} + packed/weights.bin ` +
    `${kb(packed.weightsBin.bytes)} (training form weights.bin ${kb(entry.files.weightsBin.bytes)})\n`);
  process.exit(0);
}
const [dirArg, name, scaleArg] = positionals as [string, string, string];
const scale = Number(scaleArg);
if (!Number.isInteger(scale) || scale < 2) fail(`<scale> must be an integer >= 2, got '${scaleArg}'`);
if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) fail(`<weights-name> must be lower-case letters, digits, '.', '_' or '-', got '${name}'`);

const modelDir = resolve(dirArg);
const jsonFile = join(modelDir, 'model.json');
const binFile = join(modelDir, 'weights.bin');
for (const f of [jsonFile, binFile]) {
  try {
    await stat(f);
  } catch {
    fail(`no ${basename(f)} in '${modelDir}'`);
  }
}
const modelJson = JSON.parse(await readFile(jsonFile, 'utf8')) as tf.io.ModelJSON;
const paths = modelJson.weightsManifest.flatMap((g) => g.paths);
if (paths.length !== 1 || paths[0] !== 'weights.bin') fail(`'${jsonFile}' must name exactly one weight file, weights.bin; it names ${paths.join(', ')}`);

// The run folder: <run>/model or <run>/checkpoints/iter_N.
const ckpt = /^iter_(\d+)$/.exec(basename(modelDir));
const runDir = ckpt ? dirname(dirname(modelDir)) : dirname(modelDir);
const logFile = join(runDir, 'log.jsonl');
let log: Array<Record<string, any>>;
try {
  log = (await readFile(logFile, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch (err) {
  fail(`cannot read the run's log '${logFile}': ${err instanceof Error ? err.message : String(err)}`);
}
const start = [...log].reverse().find((e) => e.kind === 'event' && e.event === 'start');
if (!start) fail(`'${logFile}' has no start event (with the run's config)`);
const cfg = start.config;
if (cfg.model.scale !== scale) fail(`the run trained x${cfg.model.scale}, not x${scale}`);
const done = log.find((e) => e.kind === 'event' && e.event === 'done');
let iterations: number;
if (ckpt) iterations = Number(ckpt[1]);
else if (done) iterations = done.iter;
else fail(`'${modelDir}' is not a checkpoint folder and the log has no 'done' event: cannot tell how many iterations it holds`);
const vals = log.filter((e) => e.kind === 'val' && e.set === 'Set5' && e.iter <= iterations);
// Training wall time: each session runs from its start/resume event to its last timed record up to `iterations`.
let trainMs = 0;
let from: number | undefined;
let last: number | undefined;
for (const e of log) {
  if (!e.time || e.iter > iterations) continue;
  const t = Date.parse(e.time);
  if (e.kind === 'event' && (e.event === 'start' || e.event === 'resume')) {
    if (from !== undefined && last !== undefined) trainMs += last - from;
    from = t;
  }
  last = t;
}
if (from !== undefined && last !== undefined) trainMs += last - from;
let val: { psnr: number; iter: number } | undefined = vals[vals.length - 1];
// Runs without validation (frb reproduce evaluates after training instead): the run's eval.json, when it scored
// the final model.
if (!val && !ckpt) {
  try {
    const ev = JSON.parse(await readFile(join(runDir, 'eval.json'), 'utf8')) as { results?: Array<{ set: string; scale: number; psnr: number }> };
    const set5 = ev.results?.find((r) => r.set === 'Set5' && r.scale === scale);
    if (set5) val = { psnr: set5.psnr, iter: iterations };
  } catch {
    // no eval.json: Set5 stays unlogged
  }
}

// The files must load and upscale by `scale`.
await tf.setBackend('cpu');
const model = await loadModel(modelDir);
const y = tf.tidy(() => model.predict(tf.zeros([1, 8, 8, 3])) as tf.Tensor);
if (y.shape[1] !== 8 * scale || y.shape[2] !== 8 * scale) fail(`the model maps 8x8 to ${y.shape.slice(1, 3).join('x')}, not x${scale}`);
y.dispose();
const params = model.countParams();
model.dispose();

const folder = `${cfg.model.name}-x${scale}-${name}`;
const outDir = join(pkgRoot, 'weights', folder);
await mkdir(outDir, { recursive: true });
await copyFile(jsonFile, join(outDir, 'model.json'));
await copyFile(binFile, join(outDir, 'weights.bin'));

const opt = cfg.model.options ?? {};
const architecture: PretrainedWeights['architecture'] = { features: opt.features ?? 64, blocks: opt.blocks ?? 16, channels: opt.channels ?? 3 };
for (const k of ['order', 'alignment']) if (opt[k] !== undefined) architecture[k] = opt[k];
const t = cfg.train;
const sched = t.scheduler.type === 'cosine'
  ? `cosine over ${t.scheduler.periods.join('+')} to ${t.scheduler.etaMin}`
  : t.scheduler.type === 'multistep' ? `multistep ${t.scheduler.milestones.join(',')} x${t.scheduler.gamma}` : 'constant';
const config = `${cfg.model.name} x${scale} ${JSON.stringify(opt)}; LR patch ${cfg.data.patchSize}, batch ${cfg.data.batchSize}` +
  `${cfg.data.augment ? ', flips/transpose' : ''}; Adam lr ${t.optimizer.lr} betas ${JSON.stringify(t.optimizer.betas)}, ${sched}; ` +
  `${t.loss.toUpperCase()}${t.dbt ? ` + DBT ${JSON.stringify(t.dbt)}` : ''}; seed ${cfg.seed}; backend ${start.backend}`;
const note = values.note ?? (iterations < t.iterations ? `checkpoint at ${iterations} of ${t.iterations} planned iterations (run not finished when pinned)` : undefined);

const entry = {
  model: cfg.model.name as string,
  name,
  scale,
  architecture,
  files: { modelJson: await pinFile(outDir, 'model.json'), weightsBin: await pinFile(outDir, 'weights.bin'), packed: await writePacked(outDir, scale) },
  provenance: {
    iterations,
    iterationsPlanned: t.iterations as number,
    set5Psnr: val ? Math.round(val.psnr * 1000) / 1000 : null,
    set5PsnrIter: val ? (val.iter as number) : null,
    data: `${cfg.data.train.map((p: string) => basename(p)).join(' + ')} (${start.images} images), LR by MATLAB bicubic`,
    config,
    trainCommand: values['train-command'] ?? `frb train <config of run '${cfg.name}'>`,
    pinCommand: `npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts ${relative(repoRoot, modelDir)} ${name} ${scale}`,
    ...(trainMs > 0 ? { trainSeconds: Math.round(trainMs / 1000) } : {}),
    pinned: new Date().toISOString().slice(0, 10),
    ...(note ? { note } : {}),
  },
};

await writeTable(entry);

process.stdout.write(
  `pinned ${entry.model} x${scale} '${name}' from ${relative(repoRoot, modelDir)}: ${iterations}/${t.iterations} iterations, ` +
    `Set5 ${val ? `${val.psnr.toFixed(3)} dB at ${val.iter}` : 'not logged'}, ${params} params (incl. latent binary), ` +
    `model.json ${kb(entry.files.modelJson.bytes)} + weights.bin ${kb(entry.files.weightsBin.bytes)}, packed ${kb(entry.files.packed.modelJson.bytes)} + ${kb(entry.files.packed.weightsBin.bytes)} -> ${relative(repoRoot, outDir)}\n`,
);
