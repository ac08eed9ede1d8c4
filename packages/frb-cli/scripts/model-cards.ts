// Model cards of the shipped weight sets: measures every pinned set of the zoo (PRETRAINED in @frb/models) on every
// benchmark set under the data root, its packed form on Set5, and bicubic, and prints one markdown card per scale
// with the recipe, Params/OPs and file sizes beside published baselines. With --write it replaces the cards section
// of packages/frb-models/README.md (between the MODEL CARDS markers), which the data-gated test
// packages/frb-bench/test/shipped-weights.test.ts checks against fresh measurements.
//
//   npm run cards -- [--data DIR] [--only NAME@xS,...] [--write]
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchmarkSet, imresize, loadEvalPairs, type RawImage } from '@frb/datasets';
import { PRETRAINED, createModel, type PretrainedWeights } from '@frb/models';
import '@frb/models/node';
import { evaluateSet, superResolve, type ImageUpscaler, type Predictor, type SetResult } from '@frb/bench';
import { initBackend } from '@frb/layers/node';
import { availableSets, benchmarkRoot } from '../src/data-root.js';
import { modelCost } from '../src/cost.js';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const README = join(repo, 'packages/frb-models/README.md');
const BEGIN = '<!-- BEGIN MODEL CARDS: written by `npm run cards -- --write`; edit the script, not this section -->';
const END = '<!-- END MODEL CARDS -->';

/**
 * Published Set5 / Set14 / B100 PSNR/SSIM (Y, shave = scale) of small full-precision and binary baselines, by scale.
 * FSRCNN: Dong, Loy, Tang, ECCV 2016, as tabulated by later SR papers (SSIM omitted where we have no source).
 * SRResNet (FP, 64 features x 16 blocks), BBCU-M and BBCU-L (binary): BBCU (Xia et al., ICLR 2023) Table 1, via
 * ../shared/reference/published.md. BBCU publishes x2 and x4 only.
 */
const PUBLISHED: Record<number, Array<{ name: string; cells: Record<string, string>; params?: string }>> = {
  2: [
    { name: 'FSRCNN (FP, published)', cells: { Set5: '37.00', Set14: '32.63', B100: '31.53' }, params: '12 K' },
    { name: 'SRResNet (FP, BBCU Table 1)', cells: { Set5: '38.00/0.9605', Set14: '33.59/0.9171', B100: '32.19/0.8997' }, params: '1367 K / 85.43 G' },
    { name: 'BBCU-M (binary, BBCU Table 1)', cells: { Set5: '37.44/0.9584', Set14: '33.04/0.9127', B100: '31.81/0.8946' }, params: '46 K / 1.83 G' },
    { name: 'BBCU-L (binary, BBCU Table 1)', cells: { Set5: '37.58/0.9590', Set14: '33.18/0.9143', B100: '31.91/0.8962' }, params: '225 K / 18.55 G' },
  ],
  3: [{ name: 'FSRCNN (FP, published)', cells: { Set5: '33.16', Set14: '29.43', B100: '28.53' }, params: '12 K' }],
  4: [
    { name: 'FSRCNN (FP, published)', cells: { Set5: '30.71', Set14: '27.59', B100: '26.98' }, params: '12 K' },
    { name: 'SRResNet (FP, BBCU Table 1)', cells: { Set5: '32.16/0.8951', Set14: '28.60/0.7822', B100: '27.58/0.7364' }, params: '1515 K / 146.14 G' },
    { name: 'BBCU-M (binary, BBCU Table 1)', cells: { Set5: '31.54/0.8862', Set14: '28.20/0.7718', B100: '27.31/0.7263' }, params: '51 K / 3.95 G' },
    { name: 'BBCU-L (binary, BBCU Table 1)', cells: { Set5: '31.79/0.8905', Set14: '28.38/0.7762', B100: '27.41/0.7303' }, params: '372 K / 79.20 G' },
  ],
};

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { data: { type: 'string' }, only: { type: 'string' }, write: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  process.stdout.write('usage: npm run cards -- [--data DIR] [--only NAME@xS,...] [--write]\n');
  process.exit(0);
}
const root = resolve(values.data ?? process.env.FRB_DATA ?? join(repo, '../shared/data'));
const bench = benchmarkRoot('cards', root);
// The tables' usual order first, then whatever else the data root holds.
const USUAL = ['Set5', 'Set14', 'B100', 'Urban100', 'Manga109'];
const rank = (s: string) => (USUAL.includes(s) ? USUAL.indexOf(s) : USUAL.length);
const sets = availableSets(bench).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (!sets.includes('Set5')) {
  process.stderr.write(`cards: no benchmark/Set5 under the data root "${root}" (--data, $FRB_DATA)\n`);
  process.exit(1);
}
const wanted = values.only?.split(',').map((s) => s.trim());
const entries = PRETRAINED.filter((p) => !wanted || wanted.includes(`${p.name}@x${p.scale}`));
if (wanted) {
  for (const w of wanted) {
    if (!entries.some((p) => `${p.name}@x${p.scale}` === w)) {
      process.stderr.write(`cards: --only '${w}' is no pinned set (have: ${PRETRAINED.map((p) => `${p.name}@x${p.scale}`).join(', ')})\n`);
      process.exit(2);
    }
  }
}
// As `frb eval` runs: wasm with the native tier where it builds.
await initBackend('wasm');

const cell = (r: SetResult) => `${r.psnr.toFixed(2)}/${r.ssim.toFixed(4)}`;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function measure(predictor: Predictor, set: string, scale: number): Promise<SetResult> {
  const pairs = await benchmarkSet(bench, set, scale);
  const r = await evaluateSet(predictor, loadEvalPairs(pairs, { keepGray: true }), { scale, set });
  process.stderr.write(`  ${set} x${scale}: ${r.psnr.toFixed(3)} dB\n`);
  return r;
}

/** SR images of every image of `set` by `predictor`, on `backend`; the wasm backend (with the native tier) is restored. */
async function srImages(predictor: Predictor, set: string, scale: number, backend: 'wasm' | 'cpu'): Promise<RawImage[]> {
  if (backend !== 'wasm') await initBackend(backend);
  const out: RawImage[] = [];
  try {
    for await (const item of loadEvalPairs(await benchmarkSet(bench, set, scale), { keepGray: true })) out.push(await superResolve(predictor, item.lr, { scale }));
  } finally {
    if (backend !== 'wasm') await initBackend('wasm');
  }
  return out;
}

interface Agreement { differ: number; total: number; maxLevels: number }

/** 8-bit output values that differ between two lists of SR images (count, of how many, largest difference in levels). */
function agreement(xs: RawImage[], ys: RawImage[]): Agreement {
  const r = { differ: 0, total: 0, maxLevels: 0 };
  xs.forEach((x, k) => {
    const y = ys[k]!;
    for (let i = 0; i < x.data.length; i++) {
      const d = Math.abs(Math.round(x.data[i]!) - Math.round(y.data[i]!));
      if (d > 0) r.differ++;
      r.maxLevels = Math.max(r.maxLevels, d);
    }
    r.total += x.data.length;
  });
  return r;
}

const said = (a: Agreement) => `${a.differ.toLocaleString('en-US')} of ${a.total.toLocaleString('en-US')} 8-bit output values differ, by at most ${a.maxLevels} level${a.maxLevels === 1 ? '' : 's'}`;

interface Card {
  entry: PretrainedWeights;
  float: Record<string, SetResult>;
  packedSet5?: SetResult;
  /** Set5 images: packed vs float (wasm), and the float simulation on cpu vs wasm (the backends' own rounding). */
  agree?: { packed: Agreement; backends: Agreement };
  params: number;
  ops: number;
}

async function card(entry: PretrainedWeights): Promise<Card> {
  process.stderr.write(`${entry.model} x${entry.scale} '${entry.name}'\n`);
  const model = await createModel(entry.model, { scale: entry.scale, weights: entry.name });
  const cost = modelCost(model);
  const float: Record<string, SetResult> = {};
  for (const set of sets) float[set] = await measure(model, set, entry.scale);
  let packedSet5: SetResult | undefined;
  let agree: Card['agree'];
  if (entry.files.packed) {
    const packed = await createModel(entry.model, { scale: entry.scale, weights: entry.name, packed: true });
    packedSet5 = await measure(packed, 'Set5', entry.scale);
    const floatWasm = await srImages(model, 'Set5', entry.scale, 'wasm');
    agree = {
      packed: agreement(floatWasm, await srImages(packed, 'Set5', entry.scale, 'wasm')),
      backends: agreement(floatWasm, await srImages(model, 'Set5', entry.scale, 'cpu')),
    };
    packed.dispose();
  }
  model.dispose();
  return { entry, float, packedSet5, agree, params: cost.params ?? NaN, ops: cost.ops ?? NaN };
}

const bicubic: ImageUpscaler = { upscaleImage: (lr, s) => imresize(lr, s) };
const cards: Card[] = [];
for (const e of entries) cards.push(await card(e));
const scales = [...new Set(cards.map((c) => c.entry.scale))].sort((a, b) => a - b);

const out: string[] = [];
for (const scale of scales) {
  const mine = cards.filter((c) => c.entry.scale === scale);
  const bic: Record<string, SetResult> = {};
  process.stderr.write(`bicubic x${scale}\n`);
  for (const set of sets) bic[set] = await measure(bicubic, set, scale);
  out.push(`### x${scale}`, '');
  out.push(`| model | ${sets.join(' | ')} | Set5 packed | Params / OPs (320x180) | files: latent / packed |`);
  out.push(`| --- | ${sets.map(() => '---').join(' | ')} | --- | --- | --- |`);
  for (const c of mine) {
    const f = c.entry.files;
    const files = `${kib(f.modelJson.bytes + f.weightsBin.bytes)} / ${f.packed ? kib(f.packed.modelJson.bytes + f.packed.weightsBin.bytes) : 'not shipped'}`;
    out.push(`| ${c.entry.model} \`${c.entry.name}\` x${scale} | ${sets.map((s) => cell(c.float[s]!)).join(' | ')} | ${c.packedSet5 ? cell(c.packedSet5) : 'not shipped'} | ` +
      `${(c.params / 1000).toFixed(1)} K / ${(c.ops / 1e9).toFixed(2)} G | ${files} |`);
  }
  out.push(`| bicubic (measured) | ${sets.map((s) => cell(bic[s]!)).join(' | ')} | | | |`);
  for (const p of PUBLISHED[scale] ?? []) out.push(`| ${p.name} | ${sets.map((s) => p.cells[s] ?? '').join(' | ')} | | ${p.params ?? ''} | |`);
  out.push('');
  for (const c of mine) {
    const pv = c.entry.provenance;
    const wall = pv.trainSeconds !== undefined ? `${(pv.trainSeconds / 60).toFixed(0)} min of training wall time` : 'wall time not recorded by the pin';
    out.push(`- ${c.entry.model} \`${c.entry.name}\` x${scale}: ${pv.config}; ${pv.data}; ${pv.iterations} of ${pv.iterationsPlanned} iterations, ` +
      `${wall}; trained by \`${pv.trainCommand}\`; pinned ${pv.pinned}.${pv.note ? ` ${pv.note}` : ''}` +
      (c.agree ? ` Set5, packed vs float simulation (wasm): ${said(c.agree.packed)}; for scale, the float simulation on cpu vs wasm: ${said(c.agree.backends)}.` : ''));
  }
  out.push('');
}
const text = `${out.join('\n').trimEnd()}\n`;
process.stdout.write(text);

if (values.write) {
  if (wanted) {
    process.stderr.write('cards: --write needs every pinned set measured (leave out --only)\n');
    process.exit(2);
  }
  const readme = readFileSync(README, 'utf8');
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) {
    process.stderr.write(`cards: ${README} has no model-card markers (${BEGIN} ... ${END})\n`);
    process.exit(1);
  }
  const next = `${readme.slice(0, a + BEGIN.length)}\n\n${text}\n${readme.slice(b)}`;
  const tmp = `${README}.${process.pid}.tmp`;
  writeFileSync(tmp, next);
  renameSync(tmp, README);
  process.stderr.write(`cards: wrote ${README}\n`);
}
