// Pin a trained model as a shipped pretrained weight set.
//
//   npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts <run model dir> <weights-name> <scale>
//       [--train-command "npm run frb -- train tmp/ship/frbc-x4.yaml"] [--note "..."]
//
// <run model dir> is a run's final `model/` folder or one of its `checkpoints/iter_NNNNNNNN/` folders (both hold
// model.json + weights.bin). The script checks that the files load and upscale by <scale>, copies them into
// packages/frb-models/weights/<model>-x<scale>-<name>/, and rewrites the PINNED table of src/pretrained.ts with their
// SHA-256 hashes and the provenance read from the run's log.jsonl (config, iterations trained, Set5 PSNR).
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModel } from '@frb/models/node';
import { PRETRAINED, type PretrainedWeights } from '../src/pretrained.js';

const pkgRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(pkgRoot, '../..');
const SOURCE = join(pkgRoot, 'src/pretrained.ts');

function fail(msg: string): never {
  process.stderr.write(`pin-weights: ${msg}\n`);
  process.exit(1);
}

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { 'train-command': { type: 'string' }, note: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: true,
});
if (values.help || positionals.length !== 3) {
  process.stderr.write('usage: pin-weights.ts <run model dir> <weights-name> <scale> [--train-command CMD] [--note TEXT]\n');
  process.exit(values.help ? 0 : 2);
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
const val = vals[vals.length - 1];

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
const pin = async (file: string) => {
  const bytes = await readFile(join(outDir, file));
  return { file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
};

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
  files: { modelJson: await pin('model.json'), weightsBin: await pin('weights.bin') },
  provenance: {
    iterations,
    iterationsPlanned: t.iterations as number,
    set5Psnr: val ? Math.round(val.psnr * 1000) / 1000 : null,
    set5PsnrIter: val ? (val.iter as number) : null,
    data: `${cfg.data.train.map((p: string) => basename(p)).join(' + ')} (${start.images} images), LR by MATLAB bicubic`,
    config,
    trainCommand: values['train-command'] ?? `frb train <config of run '${cfg.name}'>`,
    pinCommand: `npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts ${relative(repoRoot, modelDir)} ${name} ${scale}`,
    pinned: new Date().toISOString().slice(0, 10),
    ...(note ? { note } : {}),
  },
};

// Keep the other pinned sets, replace this one, regenerate the table as code.
type Plain = Omit<PretrainedWeights, 'urls'>;
const all: Plain[] = PRETRAINED.map(({ urls: _u, ...rest }) => rest)
  .filter((p) => !(p.model === entry.model && p.name === name && p.scale === scale));
all.push(entry);
all.sort((a, b) => a.model.localeCompare(b.model) || a.name.localeCompare(b.name) || a.scale - b.scale);
const code = all.map((p) => {
  const dir = `../weights/${p.model}-x${p.scale}-${p.name}/`;
  const { provenance, ...head } = p;
  const body = JSON.stringify({ ...head, provenance }, null, 2).split('\n').slice(1, -1).map((l) => `  ${l}`.replace(/^(\s*)"(\w+)":/, '$1$2:')).join('\n');
  return `  {\n${body},\n    urls: () => ({\n      modelJson: new URL('${dir}model.json', import.meta.url),\n` +
    `      weightsBin: new URL('${dir}weights.bin', import.meta.url),\n    }),\n  },`;
}).join('\n');
const src = await readFile(SOURCE, 'utf8');
const re = /(\/\/ BEGIN PINNED[^\n]*\n)[\s\S]*?(\/\/ END PINNED)/;
if (!re.test(src)) fail(`'${SOURCE}' has no BEGIN/END PINNED markers`);
await writeFile(SOURCE, src.replace(re, `$1export const PRETRAINED: readonly PretrainedWeights[] = [\n${code}\n];\n$2`));

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
process.stdout.write(
  `pinned ${entry.model} x${scale} '${name}' from ${relative(repoRoot, modelDir)}: ${iterations}/${t.iterations} iterations, ` +
    `Set5 ${val ? `${val.psnr.toFixed(3)} dB at ${val.iter}` : 'not logged'}, ${params} params (incl. latent binary), ` +
    `model.json ${kb(entry.files.modelJson.bytes)} + weights.bin ${kb(entry.files.weightsBin.bytes)} -> ${relative(repoRoot, outDir)}\n`,
);
