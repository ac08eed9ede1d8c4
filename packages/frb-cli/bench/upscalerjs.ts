// npm run bench:upscalerjs [-- --sets Set5,Set14,B100] [--scales 2,3,4] [--models esrgan-slim,esrgan-medium,...]
//                          [--limit N] [--no-shipped] [--no-bicubic] [--data DIR] [--generate-lr] [--backend B]
//                          [--json] [--out FILE]
//
// Quality of the UpscalerJS models published on npm next to this project's shipped weight sets, measured in one run
// by the harness `frb eval` uses (@frb/bench: Y of BT.601, `scale` pixels shaved, outputs quantized to uint8, the
// conventions of the published SR tables) on the same LR files. Prints a Markdown table (Params/OPs on a 320x180 LR
// input, PSNR/SSIM per set) and, per scale and set, each shipped set's margin over the best UpscalerJS model.
//
// Rows:
//   Bicubic     MATLAB-compatible bicubic of the LR files (the anchor row of every scale block)
//   shipped     every entry of PRETRAINED (packages/frb-models/src/pretrained.ts), loaded with
//               createModel(model, {scale, weights: name}); a newly pinned set shows up here without edits
//   UpscalerJS  every model the @upscalerjs/* packages pinned in bench/upscalerjs/package.json export, at the
//               asked scales: esrgan-slim, esrgan-medium, esrgan-thick (x2, x3, x4; their x8 has no LR files here)
//               and esrgan-legacy (div2k x2/x3/x4, psnr-small x2, gans x4, a GAN-trained model PSNR does not
//               favour). @upscalerjs/default-model is not listed: its weights are byte-identical to esrgan-slim x2.
//
// How an UpscalerJS model is run. Nothing of the packages runs but their model definitions (the CommonJS entry of
// each package: scale, model.json path, inputRange/outputRange, and for the RRDN models `setup`, which registers
// their two custom layers with tfjs); the model.json is loaded with this project's loader, as `frb eval` loads any
// third-party model.json. The conversion is the one `frb eval --input-range R --output-range R` applies, the same
// as for our models, whose range is [0, 1]:
//   LR PNG (uint8) -> float32 x (inputRange max / 255) -> model.predict on the whole image (no tiling, no padding:
//   the models are fully convolutional, input [null, null, null, 3]) -> x (255 / outputRange max), rounded and
//   clamped to 0..255 -> uint8 SR image -> Y PSNR/SSIM against the mod-cropped HR.
// slim, medium and legacy div2k/psnr-small declare [0, 255] in and out; thick and legacy gans declare [0, 1].
// UpscalerJS's own upscale() may cut an image into patches (its patchSize option) and clips the output to the
// declared range before converting it to 8 bits; the clamp above is that clip, and whole images avoid patch seams.
//
// Data: --data DIR, else $FRB_DATA, else ../shared/data next to the repository (<root>/benchmark/<Set>/HR and
// LR_bicubic/X<s>). Without it the script says so and exits 0 (nothing measured). --backend as `frb eval`
// (auto: the wasm backend with this project's native conv kernels where they build). Progress goes to stderr.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { imresize } from '@frb/datasets';
import { formatTable, mergeRuns, type Cost, type EvalRun, type ImageUpscaler, type Predictor, type SetResult, type ValueRange } from '@frb/bench';
import { PRETRAINED } from '@frb/models';
import { getNativeStatus } from '@frb/layers/node';
import { flag, parse, parseInt0, parseList, parseScales, str } from '../src/args.js';
import { useBackend } from '../src/backend.js';
import { defaultContext, UsageError } from '../src/context.js';
import { COST_INPUT, modelCost } from '../src/cost.js';
import { availableSets, benchmarkRoot, checkSets } from '../src/data-root.js';
import { emit, jsonText } from '../src/output.js';
import { runSets } from '../src/sets-runner.js';
import { instantiate } from '../src/model-source.js';
import { loadUpscalerModel, upscalerModels } from './upscalerjs-models.js';

const CMD = 'bench:upscalerjs';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const bicubic: ImageUpscaler = { upscaleImage: (lr, s) => imresize(lr, s) };

/** One row of the table: a name and how to build its predictor per scale (none: the row has no such scale). */
interface Method {
  method: string;
  kind: 'bicubic' | 'shipped' | 'upscalerjs';
  scales: number[];
  inputRange?: (scale: number) => ValueRange;
  outputRange?: (scale: number) => ValueRange;
  build: (scale: number) => Promise<Predictor>;
  /** Provenance for the JSON output. */
  source: string;
}

const HELP = `Usage: npm run bench:upscalerjs -- [options]

PSNR/SSIM (Y, shaved, uint8) of the UpscalerJS npm models next to this project's shipped weight sets and
bicubic, in one run; prints a Markdown table. See the header of packages/frb-cli/bench/upscalerjs.ts.

  --sets LIST       comma-separated sets (default Set5,Set14,B100; absent ones are noted and left out)
  --scales LIST     comma-separated scales (default 2,3,4)
  --models LIST     only these rows: UpscalerJS row names (esrgan-slim, esrgan-medium, esrgan-thick,
                    'esrgan-legacy div2k', ...) or packages (esrgan-legacy, @upscalerjs/esrgan-legacy);
                    shipped sets and bicubic stay unless
                    --no-shipped / --no-bicubic
  --no-shipped      leave out the shipped weight sets
  --no-bicubic      leave out the bicubic row
  --limit N         only the first N images of each set (quick checks; not comparable with full sets)
  --data DIR        data root holding benchmark/<Set>/... (default $FRB_DATA or ../shared/data)
  --generate-lr     make LR from HR with MATLAB bicubic instead of reading LR_bicubic/X<s>
  --backend B       auto (default), wasm, cpu, tensorflow
  --json            print the runs as JSON (input of 'frb table') instead of the table
  --out FILE        write the output to FILE
`;

/** A row per shipped weight set (PRETRAINED), at the asked scales it has weights for. */
function shippedMethods(scales: number[], note: (s: string) => void): Method[] {
  const methods: Method[] = [];
  const names = [...new Set(PRETRAINED.map((e) => `${e.model}\u0000${e.name}`))];
  for (const key of names) {
    const [model, name] = key.split('\u0000');
    const have = PRETRAINED.filter((e) => e.model === model && e.name === name).map((e) => e.scale);
    const at = scales.filter((s) => have.includes(s));
    for (const s of scales.filter((x) => !have.includes(x))) note(`${model} '${name}' has no x${s} weights; its x${s} row is left out`);
    if (at.length === 0) continue;
    methods.push({
      method: `${model} ${name} (1-bit, shipped)`, kind: 'shipped', scales: at,
      build: (scale) => instantiate({ kind: 'zoo', ref: model, label: model, weights: name }, { scale }),
      source: `createModel('${model}', {scale, weights: '${name}'})`,
    });
  }
  return methods;
}

/** A row per UpscalerJS model (one row per model name, its scales as columns), filtered by --models. */
function upscalerMethods(scales: number[], models: string | undefined, note: (s: string) => void): Method[] {
  const methods: Method[] = [];
  const only = models !== undefined ? parseList(models, []) : undefined;
  const ujs = upscalerModels(note).filter((m) => scales.includes(m.scale));
  if (only) {
    const known = new Set(ujs.flatMap((m) => [m.row, m.pkg, m.pkg.replace(/^@upscalerjs\//, '')]));
    for (const o of only) if (!known.has(o)) throw new UsageError(`frb ${CMD}: --models: no UpscalerJS model '${o}' at x${scales.join(', x')} (known: ${[...new Set(ujs.map((m) => m.row))].join(', ')})`);
  }
  for (const row of [...new Set(ujs.map((m) => m.row))]) {
    const ms = ujs.filter((m) => m.row === row && (!only || [m.row, m.pkg, m.pkg.replace(/^@upscalerjs\//, '')].some((n) => only.includes(n))));
    if (ms.length === 0) continue;
    const at = (s: number) => ms.find((m) => m.scale === s)!;
    methods.push({
      method: `UpscalerJS ${row}`, kind: 'upscalerjs', scales: ms.map((m) => m.scale).sort((a, b) => a - b),
      inputRange: (s) => at(s).inputRange, outputRange: (s) => at(s).outputRange,
      build: (s) => loadUpscalerModel(at(s)),
      source: `${ms[0].pkg}@${ms[0].version}: ${ms.map((m) => `x${m.scale} ${m.file.slice(m.file.indexOf(ms[0].pkg) + ms[0].pkg.length + 1)} [0, ${m.inputRange}] -> [0, ${m.outputRange}]`).join('; ')}`,
    });
  }
  return methods;
}

type Run = EvalRun & { results: SetResult[] };

/** Evaluates every row at each of its scales with the harness of frb eval; counts Params/OPs of layers models. */
async function measure(
  ctx: ReturnType<typeof defaultContext>, methods: Method[],
  o: { root: string; sets: string[]; generateLR: boolean; limit: number | undefined }, note: (s: string) => void,
): Promise<Run[]> {
  const { root, sets, generateLR, limit } = o;
  const runs: Run[] = [];
  for (const m of methods) {
    const cost: Record<string, Cost> = {};
    const results: SetResult[] = [];
    for (const scale of m.scales) {
      // One runSets call per scale: each scale of an UpscalerJS row has its own value ranges.
      results.push(...(await runSets(
        ctx,
        {
          benchRoot: root, sets, scales: [scale], generateLR, limit, label: `${m.method} x${scale}`,
          evalOptions: { inputRange: m.inputRange?.(scale), outputRange: m.outputRange?.(scale) },
        },
        async () => {
          let predictor: Predictor;
          try {
            predictor = await m.build(scale);
          } catch (err) {
            throw new Error(`${m.method} x${scale} (${m.source}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          }
          if (typeof (predictor as tfl.LayersModel).predict === 'function') {
            const model = predictor as tfl.LayersModel;
            try {
              cost[String(scale)] = modelCost(model, COST_INPUT);
            } catch (err) {
              note(`${m.method} x${scale}: Params/OPs not counted (${err instanceof Error ? err.message : String(err)})`);
            }
            return { predictor: model, dispose: () => model.dispose() };
          }
          return { predictor };
        },
      )));
    }
    runs.push({ method: m.method, cost, results, options: { kind: m.kind, source: m.source } });
  }
  return runs;
}

async function main(argv: string[]): Promise<number> {
  const ctx = defaultContext();
  const p = parse(CMD, argv, {
    sets: { type: 'string' }, scales: { type: 'string' }, models: { type: 'string' }, limit: { type: 'string' },
    'no-shipped': { type: 'boolean' }, 'no-bicubic': { type: 'boolean' }, data: { type: 'string' },
    'generate-lr': { type: 'boolean' }, backend: { type: 'string' }, json: { type: 'boolean' }, out: { type: 'string' },
  }, false);
  if (flag(p, 'help')) {
    ctx.stdout.write(HELP);
    return 0;
  }
  const note = (s: string) => ctx.stderr.write(`${CMD}: ${s}\n`);
  const scales = parseScales(CMD, str(p, 'scales'), [2, 3, 4]);
  const limit = parseInt0(CMD, 'limit', str(p, 'limit'), 1);
  const generateLR = flag(p, 'generate-lr');

  const data = str(p, 'data') !== undefined ? resolve(str(p, 'data')!) : resolve(ctx.env.FRB_DATA ?? join(repoRoot, '../shared/data'));
  if (!existsSync(data)) {
    note(`skipped: no benchmark data at "${data}" (pass --data DIR or set FRB_DATA to a folder holding benchmark/<Set>/HR and LR_bicubic/X<s>); nothing was measured`);
    return 0;
  }
  const root = benchmarkRoot(CMD, data);
  const have = availableSets(root);
  const asked = parseList(str(p, 'sets'), ['Set5', 'Set14', 'B100']);
  const sets = asked.filter((s) => have.includes(s));
  for (const s of asked.filter((x) => !have.includes(x))) note(`set '${s}' is not in "${root}" (available: ${have.join(', ') || 'none'}); left out`);
  if (sets.length === 0) {
    note(`skipped: none of the sets ${asked.join(', ')} is in "${root}"; nothing was measured`);
    return 0;
  }
  checkSets(CMD, root, sets, scales, generateLR);

  // Rows.
  const methods: Method[] = [];
  if (!flag(p, 'no-bicubic')) {
    methods.push({ method: 'Bicubic', kind: 'bicubic', scales, build: async () => bicubic, source: 'MATLAB-compatible imresize (@frb/datasets)' });
  }
  if (!flag(p, 'no-shipped')) {
    methods.push(...shippedMethods(scales, note));
  }
  methods.push(...upscalerMethods(scales, str(p, 'models'), note));

  const backend = await useBackend(CMD, str(p, 'backend'), ctx);
  const native = getNativeStatus();
  const load0 = loadavg();
  const t0 = performance.now();
  const runs = await measure(ctx, methods, { root, sets, generateLR, limit }, note);
  const minutes = (performance.now() - t0) / 60000;
  const load1 = loadavg();
  const leaked = tf.memory().numTensors;

  if (flag(p, 'json')) {
    await emit(ctx, jsonText({ backend, native: native.active ? { threads: native.threads } : null, data: root, limit: limit ?? null, minutes, loadavg: { start: load0, end: load1 }, runs }), str(p, 'out'));
    return 0;
  }
  const lines: string[] = [];
  lines.push(`<!-- npm run ${CMD}${argv.length ? ` -- ${argv.join(' ')}` : ''} -->`);
  lines.push(
    `Backend ${backend}${native.active ? ` with the native conv kernels (${native.threads} thread${native.threads > 1 ? 's' : ''})` : ''}; ` +
      `data ${root}${limit ? `, first ${limit} image(s) per set (not comparable with full-set numbers)` : ''}; ` +
      `${minutes.toFixed(1)} min; load average ${load0.map((x) => x.toFixed(2)).join(' ')} at the start, ${load1.map((x) => x.toFixed(2)).join(' ')} at the end.`,
  );
  lines.push('PSNR (dB) / SSIM on Y (BT.601), `scale` pixels shaved, outputs quantized to uint8; Params/OPs on a 320x180 LR input (binary ones / 32 and / 64).');
  lines.push('');
  lines.push(formatTable(mergeRuns(runs), 'md').trimEnd());
  const margins = marginLines(runs, scales, sets);
  if (margins.length) {
    lines.push('', 'Shipped 1-bit sets vs the best UpscalerJS model at the same scale (PSNR, dB):', '', ...margins);
  }
  lines.push('', 'Sources:', ...runs.map((r) => `- ${r.method}: ${String(r.options?.source)}`));
  if (leaked > 0) lines.push('', `(${leaked} tensors still allocated at the end)`);
  await emit(ctx, lines.join('\n') + '\n', str(p, 'out'));
  return 0;
}

/** Per scale and set: each shipped row minus the best UpscalerJS row, naming that row. */
function marginLines(runs: Run[], scales: number[], sets: string[]): string[] {
  const kind = (r: EvalRun) => (r.options as { kind: string }).kind;
  const psnrOf = (r: EvalRun, scale: number, set: string) => r.results.find((x) => x.scale === scale && x.set === set)?.psnr;
  const out: string[] = [];
  for (const scale of scales) {
    for (const set of sets) {
      let best: { method: string; psnr: number } | undefined;
      for (const r of runs.filter((x) => kind(x) === 'upscalerjs')) {
        const v = psnrOf(r, scale, set);
        if (v !== undefined && (!best || v > best.psnr)) best = { method: r.method, psnr: v };
      }
      if (!best) continue;
      for (const r of runs.filter((x) => kind(x) === 'shipped')) {
        const v = psnrOf(r, scale, set);
        if (v === undefined) continue;
        const d = v - best.psnr;
        out.push(`- x${scale} ${set}: ${r.method} ${v.toFixed(2)} vs ${best.method} ${best.psnr.toFixed(2)}: ${d >= 0 ? '+' : ''}${d.toFixed(2)}`);
      }
    }
  }
  return out;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${msg.replace(/^frb /, '')}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
