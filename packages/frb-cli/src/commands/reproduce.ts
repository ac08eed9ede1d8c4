// frb reproduce --preset tiny|small: the paper's comparison at reduced scale. Trains every listed method
// under one budget on T91 + BSD200, evaluates them with a bicubic row on Set5 / Set14 / B100, and writes
// the table (Params/OPs, budget, machine, command) as Markdown plus the PSNR-vs-OPs plot.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { parse as parseYaml } from 'yaml';
import { imresize } from '@frb/datasets';
import { initBackend, loadModel } from '@frb/layers/node';
import '@frb/models';
import {
  formatTable, mergeRuns, modelInputChannels, scatterPoints, writeScatter, type Cost, type EvalRun, type ImageUpscaler, type SetResult,
} from '@frb/bench';
import { flag, parse, parseChoice, str } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext } from '../context.js';
import { benchmarkRoot, checkSets, dataRoot } from '../data-root.js';
import { runSets } from '../sets-runner.js';
import { COST_INPUT, modelCost } from '../cost.js';
import { train, validateConfig } from '@frb/train';
import type { Command } from './command.js';

/** The compared methods: zoo model, and whether DBT from the FP twin is on. Labels as in the paper's Table 1. */
export const METHODS: Record<string, { label: string; model: string; dbt: boolean; ours?: boolean }> = {
  fp: { label: 'SRResNet (FP twin)', model: 'srresnet', dbt: false },
  bnn: { label: 'BNN', model: 'srresnet-bnn', dbt: false },
  xnor: { label: 'XNOR', model: 'srresnet-xnor', dbt: false },
  bireal: { label: 'Bi-Real', model: 'srresnet-bireal', dbt: false },
  reactnet: { label: 'ReActNet', model: 'srresnet-reactnet', dbt: false },
  bbcu: { label: 'BBCU-L', model: 'bbcu-l', dbt: false },
  frb1: { label: 'FRB order 1', model: 'frbc-o1', dbt: false, ours: true },
  frb2: { label: 'FRB order 2', model: 'frbc', dbt: false, ours: true },
  'frb2-dbt': { label: 'FRB order 2 + DBT', model: 'frbc', dbt: true, ours: true },
};

export interface Preset {
  name: string;
  description: string;
  scales: number[];
  model: { features: number; blocks: number };
  data: { train: string[]; patchSize: number; batchSize: number };
  train: { iterations: number; lr: number; scheduler: Record<string, unknown>; checkpointInterval: number };
  dbt: { weight: number; form: 'spatial' | 'elementwise' };
  eval: { sets: string[]; limit: number | null; plotSet: string };
  methods: string[];
  /** Folders/files relative to the working directory. */
  runs: string;
  results: string;
  plot: string;
}

const PRESET_DIR = fileURLToPath(new URL('../../presets/', import.meta.url));

function presetError(file: string, field: string, msg: string): UsageError {
  return new UsageError(`frb reproduce: preset "${file}": ${field} ${msg}`);
}

/** Reads and checks a preset file; every error names the field. */
export async function loadPreset(nameOrFile: string): Promise<Preset> {
  const file = /\.(ya?ml|json)$/i.test(nameOrFile) ? nameOrFile : join(PRESET_DIR, `${nameOrFile}.yaml`);
  if (!existsSync(file)) {
    throw new UsageError(`frb reproduce: no preset '${nameOrFile}' ("${file}" does not exist; built in: tiny, small)`);
  }
  const raw = parseYaml(await readFile(file, 'utf8')) as Record<string, any>;
  const need = (v: unknown, field: string, check: (x: any) => boolean, what: string) => {
    if (!check(v)) throw presetError(file, field, `must be ${what}, got ${JSON.stringify(v)}`);
    return v as any;
  };
  const posInt = (x: any) => Number.isInteger(x) && x > 0;
  const strList = (x: any) => Array.isArray(x) && x.length > 0 && x.every((s) => typeof s === 'string' && s);
  const methods = need(raw.methods, 'methods', strList, 'a non-empty list of method ids');
  for (const [i, m] of (methods as string[]).entries()) {
    if (!(m in METHODS)) throw presetError(file, `methods[${i}]`, `'${m}' is not a method (known: ${Object.keys(METHODS).join(', ')})`);
  }
  if ((methods as string[]).includes('frb2-dbt') && !(methods as string[]).includes('fp')) {
    throw presetError(file, 'methods', "lists frb2-dbt without fp (DBT distills from the trained FP twin)");
  }
  const p: Preset = {
    name: need(raw.name, 'name', (x) => typeof x === 'string' && /^[\w-]+$/.test(x), 'a word'),
    description: String(raw.description ?? ''),
    scales: need(raw.scales, 'scales', (x) => Array.isArray(x) && x.length > 0 && x.every((s) => [2, 3, 4].includes(s)), 'a list of 2, 3, 4'),
    model: {
      features: need(raw.model?.features, 'model.features', posInt, 'a positive integer'),
      blocks: need(raw.model?.blocks, 'model.blocks', posInt, 'a positive integer'),
    },
    data: {
      train: need(raw.data?.train, 'data.train', strList, 'a list of folders (relative to the data root)'),
      patchSize: need(raw.data?.patch_size, 'data.patch_size', posInt, 'a positive integer'),
      batchSize: need(raw.data?.batch_size, 'data.batch_size', posInt, 'a positive integer'),
    },
    train: {
      iterations: need(raw.train?.iterations, 'train.iterations', posInt, 'a positive integer'),
      lr: need(raw.train?.lr, 'train.lr', (x) => typeof x === 'number' && x > 0, 'a positive number'),
      scheduler: need(raw.train?.scheduler ?? { type: 'none' }, 'train.scheduler', (x) => typeof x === 'object' && x !== null, 'a mapping'),
      checkpointInterval: need(raw.train?.checkpoint_interval ?? 500, 'train.checkpoint_interval', posInt, 'a positive integer'),
    },
    dbt: {
      weight: need(raw.dbt?.weight ?? 0.1, 'dbt.weight', (x) => typeof x === 'number' && x >= 0, 'a number >= 0'),
      form: need(raw.dbt?.form ?? 'spatial', 'dbt.form', (x) => x === 'spatial' || x === 'elementwise', 'spatial or elementwise'),
    },
    eval: {
      sets: need(raw.eval?.sets ?? ['Set5', 'Set14', 'B100'], 'eval.sets', strList, 'a list of sets'),
      limit: raw.eval?.limit == null ? null : need(raw.eval.limit, 'eval.limit', posInt, 'a positive integer'),
      plotSet: need(raw.eval?.plot_set ?? 'Set5', 'eval.plot_set', (x) => typeof x === 'string', 'a set name'),
    },
    methods,
    runs: need(raw.runs ?? `runs/reproduce-${raw.name}`, 'runs', (x) => typeof x === 'string' && x.length > 0, 'a folder'),
    results: need(raw.results, 'results', (x) => typeof x === 'string' && x.endsWith('.md'), 'a .md file'),
    plot: need(raw.plot, 'plot', (x) => typeof x === 'string' && /\.(png|svg)$/.test(x), 'a .png or .svg file'),
  };
  return p;
}

const bicubic: ImageUpscaler = { upscaleImage: (lr, s) => imresize(lr, s) };

const HELP = `Usage: frb reproduce --preset tiny|small|FILE [options]

Reduced-scale reproduction of the paper's comparison: trains the FP twin, BNN, XNOR, Bi-Real, ReActNet,
BBCU-L, FRB order 1, FRB order 2 and FRB order 2 + DBT (teacher: the FP twin trained here) under one
budget on T91 + BSD200, evaluates them and a bicubic row on Set5 / Set14 / B100 (Y PSNR/SSIM, as the
tables), and writes the Markdown table (Params/OPs, budget, machine, command) and the PSNR-vs-OPs plot.

Presets (packages/frb-cli/presets/): 'tiny' checks the pipeline end to end in minutes (its numbers mean
little); 'small' is sized to finish in under 2 hours on 2 cores and writes docs/results.md.
A method whose run folder already holds a finished model is not trained again (delete the folder to
retrain); an interrupted one resumes from its checkpoint.

Options:
  --preset NAME|FILE  tiny, small, or a preset YAML file
  --data DIR          data root with train/T91, train/BSD200 and benchmark/<Set> (default $FRB_DATA or ../shared/data)
  --methods LIST      only these method ids (${Object.keys(METHODS).join(', ')})
  --backend B         wasm (default), cpu or auto
  -h, --help          this help
`;

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: "train and compare the paper's methods at reduced scale (table + PSNR-vs-OPs plot)",
  help: HELP,
  async run(argv: string[], ctx: CliContext): Promise<number> {
    const p = parse('reproduce', argv, {
      preset: { type: 'string' },
      data: { type: 'string' },
      methods: { type: 'string' },
      backend: { type: 'string' },
    }, false);
    if (flag(p, 'help')) {
      ctx.stdout.write(HELP);
      return EXIT_OK;
    }
    const presetArg = str(p, 'preset');
    if (!presetArg) throw new UsageError('frb reproduce: --preset is required (tiny, small, or a preset file)');
    const preset = await loadPreset(/\.(ya?ml|json)$/i.test(presetArg) ? resolve(ctx.cwd, presetArg) : presetArg);
    let methods = preset.methods;
    const only = str(p, 'methods');
    if (only !== undefined) {
      methods = only.split(',').map((s) => s.trim()).filter(Boolean);
      for (const m of methods) if (!(m in METHODS)) throw new UsageError(`frb reproduce: --methods: unknown method '${m}' (known: ${Object.keys(METHODS).join(', ')})`);
      if (methods.includes('frb2-dbt') && !methods.includes('fp')) {
        throw new UsageError('frb reproduce: --methods lists frb2-dbt without fp (DBT distills from the FP twin trained in the same run)');
      }
    }
    const backendName = parseChoice('reproduce', 'backend', str(p, 'backend'), ['wasm', 'cpu', 'auto'] as const, 'wasm');
    const root = dataRoot(ctx, str(p, 'data'));
    const bench = benchmarkRoot('reproduce', root);
    checkSets('reproduce', bench, preset.eval.sets, preset.scales, false);
    for (const f of preset.data.train) {
      if (!existsSync(join(root, f))) throw new UsageError(`frb reproduce: training folder "${join(root, f)}" does not exist (preset data.train, under the data root)`);
    }
    const backend = await initBackend(backendName);
    await tf.ready();
    const runsDir = resolve(ctx.cwd, preset.runs);
    const t0 = Date.now();
    const runs: EvalRun[] = [];
    const timing: Record<string, { trainSeconds: number | null; itPerSec: number | null; iterations: number; reused: boolean }> = {};
    const notes: string[] = [];
    const evalOpts = (label: string) => ({ benchRoot: bench, sets: preset.eval.sets, scales: [] as number[], generateLR: false, limit: preset.eval.limit ?? undefined, label, evalOptions: {} });

    // Bicubic row.
    const bicResults: SetResult[] = await runSets(ctx, { ...evalOpts('bicubic'), scales: preset.scales }, async () => ({ predictor: bicubic }));
    runs.push({ method: 'Bicubic', results: bicResults });

    for (const scale of preset.scales) {
      for (const id of methods) {
        const m = METHODS[id]!;
        const out = join(runsDir, `x${scale}`, id);
        const modelJson = join(out, 'model', 'model.json');
        const started = Date.now();
        let itPerSec: number | null = null;
        let reused = false;
        const teacherJson = join(runsDir, `x${scale}`, 'fp', 'model', 'model.json');
        if (!existsSync(modelJson) && m.dbt && !existsSync(teacherJson)) {
          notes.push(`${m.label} x${scale}: not trained: its DBT teacher (the FP twin) has no finished model at "${teacherJson}".`);
          continue;
        }
        if (!existsSync(modelJson)) {
          const cfg = validateConfig({
            name: `${preset.name}-${id}-x${scale}`,
            seed: 0,
            model: { name: m.model, scale, features: preset.model.features, blocks: preset.model.blocks },
            data: { train: preset.data.train.map((f) => join(root, f)), patch_size: preset.data.patchSize, batch_size: preset.data.batchSize },
            train: {
              iterations: preset.train.iterations,
              optimizer: { lr: preset.train.lr },
              scheduler: preset.train.scheduler,
              ...(m.dbt ? { dbt: { teacher: join(runsDir, `x${scale}`, 'fp', 'model'), weight: preset.dbt.weight, form: preset.dbt.form } } : {}),
            },
            checkpoint: { interval: preset.train.checkpointInterval, keep: 1 },
            log_interval: Math.max(1, Math.floor(preset.train.iterations / 100)),
            output: out,
          }, ctx.cwd, `preset ${preset.name} (${id})`);
          ctx.stderr.write(`reproduce: training ${m.label} x${scale} (${cfg.train.iterations} iterations)\n`);
          const hasCk = existsSync(join(out, 'checkpoints'));
          const r = await train(cfg, { resume: hasCk, stderr: ctx.stderr });
          if (r.stopped === 'non-finite') {
            notes.push(`${m.label} x${scale}: training stopped: ${r.message}`);
            ctx.stderr.write(`reproduce: ${m.label} x${scale}: ${r.message}\n`);
            continue;
          }
          itPerSec = r.itPerSec;
          if (r.leftOut.length && !notes.some((n) => n.startsWith('Left out'))) {
            notes.push(`Left out of training (LR smaller than a ${preset.data.patchSize}px patch at x${scale}): ${r.leftOut.length} image(s).`);
          }
        } else {
          ctx.stderr.write(`reproduce: ${m.label} x${scale}: using the finished model in "${dirname(modelJson)}"\n`);
          reused = true;
        }
        // A reused run's training time comes from its own log (first start → done), so a rerun that only
        // re-evaluates still reports what the training took.
        const logged = reused ? await loggedRun(join(out, 'log.jsonl')) : null;
        const trainSeconds = logged ? logged.seconds : (Date.now() - started) / 1000;
        if (trainSeconds && reused) itPerSec = preset.train.iterations / trainSeconds;
        if (logged?.leftOut.length && !notes.some((n) => n.startsWith('Left out'))) {
          notes.push(`Left out of training (LR smaller than a ${preset.data.patchSize}px patch at x${scale}): ${logged.leftOut.length} image(s).`);
        }
        timing[`${id}@x${scale}`] = { trainSeconds, itPerSec, iterations: preset.train.iterations, reused };
        const model = await loadModel(modelJson);
        let cost: Cost | undefined;
        try {
          cost = modelCost(model, COST_INPUT, modelInputChannels(model) ?? 3);
        } catch (e) {
          notes.push(`${m.label}: Params/OPs not counted: ${(e as Error).message}`);
        }
        try {
          const results = await runSets(ctx, { ...evalOpts(m.label), scales: [scale] }, async () => ({ predictor: model }));
          runs.push({ method: m.label, cost: cost ? { [String(scale)]: cost } : undefined, results });
        } finally {
          model.dispose();
        }
      }
    }
    const wall = (Date.now() - t0) / 1000;
    const table = mergeRuns(runs);
    await mkdir(runsDir, { recursive: true });
    await writeFile(join(runsDir, 'runs.json'), JSON.stringify({ preset, backend, runs, timing, notes }, null, 1));

    // Plot.
    const plotFile = resolve(ctx.cwd, preset.plot);
    const plotScale = preset.scales[preset.scales.length - 1]!;
    const ours = new Set(Object.values(METHODS).filter((x) => x.ours).map((x) => x.label));
    try {
      const { points } = scatterPoints(table, { set: preset.eval.plotSet, scale: plotScale, x: 'ops', highlight: (mm) => ours.has(mm) });
      await writeScatter(plotFile, points, { title: `${preset.eval.plotSet} x${plotScale}, preset ${preset.name}: PSNR vs OPs` });
    } catch (e) {
      notes.push(`Plot not written: ${(e as Error).message}`);
    }

    // Results page.
    const resultsFile = resolve(ctx.cwd, preset.results);
    const cpu = os.cpus();
    const lines: string[] = [];
    lines.push(`# Reduced-scale reproduction: preset \`${preset.name}\``, '');
    if (preset.description) lines.push(preset.description.trim(), '');
    lines.push('Command: `npm run frb -- reproduce --preset ' + presetArg + (only ? ` --methods ${only}` : '') + (str(p, 'backend') ? ` --backend ${backendName}` : '') + '`', '');
    lines.push('## Budget', '');
    lines.push(`- every method: ${preset.train.iterations} iterations of batch ${preset.data.batchSize}, LR patch ${preset.data.patchSize}, Adam lr ${preset.train.lr} (β = 0.9, 0.99), scheduler ${JSON.stringify(preset.train.scheduler)}, L1, seed 0`);
    lines.push(`- model size: ${preset.model.features} features, ${preset.model.blocks} residual blocks (the paper: 64 and 16)`);
    lines.push(`- training data: ${preset.data.train.join(' + ')} (LR by MATLAB bicubic); DBT: ${preset.dbt.form} attention, weight ${preset.dbt.weight}, teacher = the FP twin trained in this run`);
    lines.push(`- evaluation: ${preset.eval.sets.join(', ')}${preset.eval.limit ? ` (first ${preset.eval.limit} images of each set only)` : ''}, Y of BT.601, scale pixels shaved, official LR files`);
    lines.push('', '## Machine', '');
    lines.push(`- ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores visible, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; tfjs backend ${backend}`);
    const reusedRuns = Object.values(timing).filter((t) => t.reused);
    const date = new Date().toISOString().slice(0, 10);
    if (reusedRuns.length === 0) {
      lines.push(`- wall time: ${(wall / 60).toFixed(1)} min (${date})`);
    } else {
      const logged = reusedRuns.reduce((a, t) => a + (t.trainSeconds ?? 0), 0);
      lines.push(`- wall time of this invocation: ${(wall / 60).toFixed(1)} min (${date}); it reused ${reusedRuns.length} finished run(s) whose training took ${(logged / 60).toFixed(1)} min by their logs${reusedRuns.some((t) => t.trainSeconds === null) ? ' (some logs without start/done times are not counted)' : ''}`);
    }
    lines.push('', '## Results (PSNR / SSIM)', '');
    lines.push('Params (K) and OPs (G) count binary parameters / 32 and binary operations / 64 on a 320x180 LR input, as the binary-SR papers do.', '');
    lines.push(formatTable(table, 'md').trim(), '');
    lines.push(`![PSNR vs OPs](${relativeLink(resultsFile, plotFile)})`, '');
    lines.push('## Training time', '', '| method | scale | training seconds | it/s | source |', '|---|---|---|---|---|');
    for (const [k, v] of Object.entries(timing)) {
      const [id, sc] = k.split('@');
      const secs = v.trainSeconds === null ? 'unknown' : v.trainSeconds.toFixed(0);
      const rate = v.itPerSec === null ? '-' : v.itPerSec.toFixed(2);
      lines.push(`| ${METHODS[id!]!.label} | ${sc} | ${secs} | ${rate} | ${v.reused ? 'its log (reused run; start → done)' : 'this invocation'} |`);
    }
    lines.push('', '## What it shows', '');
    lines.push(...ordering(table, preset.eval.plotSet, plotScale));
    if (notes.length) lines.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
    await mkdir(dirname(resultsFile), { recursive: true });
    await writeFile(resultsFile, lines.join('\n') + '\n');
    ctx.stderr.write(`reproduce: wrote ${resultsFile} and ${plotFile} (${(wall / 60).toFixed(1)} min)\n`);
    ctx.stdout.write(formatTable(table, 'md'));
    return notes.some((n) => n.includes('training stopped')) ? EXIT_FAILURE : EXIT_OK;
  },
};

/**
 * What a finished run's log says: seconds from its first 'start' event to its 'done' event (null when either is
 * missing) and the images its start event lists as left out.
 */
async function loggedRun(logFile: string): Promise<{ seconds: number | null; leftOut: string[] }> {
  if (!existsSync(logFile)) return { seconds: null, leftOut: [] };
  let start: number | null = null;
  let done: number | null = null;
  let leftOut: string[] = [];
  for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    let e: { kind?: string; event?: string; time?: string; leftOut?: unknown };
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a line cut by a kill mid-write
    }
    if (e.kind !== 'event' || !e.time) continue;
    const t = Date.parse(e.time);
    if (e.event === 'start' && start === null) {
      start = t;
      if (Array.isArray(e.leftOut)) leftOut = e.leftOut.map(String);
    }
    if (e.event === 'done') done = t;
  }
  return { seconds: start !== null && done !== null && done >= start ? (done - start) / 1000 : null, leftOut };
}

function relativeLink(from: string, to: string): string {
  const a = dirname(from).split(/[\\/]/);
  const b = to.split(/[\\/]/);
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

/** The observed ordering on one set, stated as measured (whatever it shows), and the DBT difference. */
function ordering(table: ReturnType<typeof mergeRuns>, set: string, scale: number): string[] {
  const rows = table.rows.filter((r) => r.scale === scale && r.cells[set]);
  if (rows.length === 0) return [`No results on ${set} x${scale}.`];
  const sorted = [...rows].sort((a, b) => b.cells[set]!.psnr - a.cells[set]!.psnr);
  const out = [`Measured order on ${set} x${scale} (PSNR): ${sorted.map((r) => `${r.method} ${r.cells[set]!.psnr.toFixed(2)}`).join(' > ')}.`];
  const paper = ['FRB order 2', 'BBCU-L', 'ReActNet', 'BNN'];
  const have = paper.map((m) => rows.find((r) => r.method === m));
  if (have.every(Boolean)) {
    const holds = have.every((r, i) => i === 0 || have[i - 1]!.cells[set]!.psnr > r!.cells[set]!.psnr);
    out.push('', `The paper's ordering FRB order 2 > BBCU-L > ReActNet > BNN ${holds ? 'holds' : 'does not hold'} here on ${set} x${scale} (strictly, by PSNR).`);
  }
  const frb = rows.find((r) => r.method === 'FRB order 2');
  const dbt = rows.find((r) => r.method === 'FRB order 2 + DBT');
  if (frb && dbt) {
    const d = dbt.cells[set]!.psnr - frb.cells[set]!.psnr;
    const verdict = Math.abs(d) < 0.005 ? 'makes no measurable difference' : d > 0 ? 'helps' : 'does not help';
    out.push('', `DBT ${verdict} at this budget: ${d >= 0 ? '+' : ''}${d.toFixed(3)} dB on ${set} x${scale} (FRB order 2 + DBT vs FRB order 2).`);
  }
  return out;
}
