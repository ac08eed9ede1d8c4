// frb reproduce --preset NAME|FILE: the paper's comparison at reduced scale, as a thin layer over @frb/train's
// reproduction (plan → runs → page). Runs go N at a time as `frb train` / `frb eval` processes (--jobs), or
// in this process with --jobs 1.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { imresize } from '@frb/datasets';
import { initBackend, loadModel } from '@frb/layers/node';
import '@frb/models';
import { modelInputChannels, type EvalRun, type ImageUpscaler, type SetResult } from '@frb/bench';
import {
  METHODS, PresetError, executeRuns, loadPreset, modelFile, planRuns, train, validateConfig, writeReproductionPage,
  type PlannedRun, type Preset,
} from '@frb/train';
import { flag, parseChoice, parseInt0, str } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext } from '../context.js';
import { availableSets, benchmarkRoot, checkSets, dataRoot } from '../data-root.js';
import { runSets } from '../sets-runner.js';
import { COST_INPUT, modelCost } from '../cost.js';
import { defineCommand } from './command.js';

export { METHODS, loadPreset };

const HELP = `Usage: frb reproduce --preset NAME|FILE [options]

Reduced-scale reproduction of the paper's comparison: trains every method of the preset (the FP twin, BNN,
XNOR, Bi-Real, ReActNet, BBCU-L, FRB order 1/2, FRB + DBT, FRBT, ... or named variants such as DBT settings)
for each of its seeds, evaluates them and a bicubic row (Y PSNR/SSIM, as the tables), and writes a results
page with mean ± std over seeds, tests of the listed comparisons (Welch's t-test), and the PSNR-vs-OPs plot.

Presets (packages/frb-train/presets/): tiny (pipeline check, minutes), small (one seed, ~1.5 h on 2 cores),
dbt-sweep (the DBT study behind docs/distill.md), medium (seeded table behind docs/results.md),
paper (the paper's recipe: for a GPU or many-core machine; prints its it/s and ETA here).

Runs live in <runs>/x<scale>/<id>-s<seed>/. A finished run (model/ and eval.json) is reused; an interrupted
one continues from its checkpoint, so rerunning the command after a kill loses at most one checkpoint
interval per running job. Delete a run's folder to retrain it.

Options:
  --preset NAME|FILE  a built-in preset or a preset YAML file
  --data DIR          data root with the training folders and benchmark/<Set> (default $FRB_DATA or ../shared/data)
  --methods LIST      only these entry ids (their DBT teachers are trained too)
  --sets LIST         evaluate on these sets instead of the preset's ('all': every set under the data root,
                      e.g. Urban100 and Manga109 where present)
  --jobs N            runs at once, each a process (default: cores / threads); 1 runs in this process
  --threads T         threads per run (default 1)
  --backend B         wasm (default), cpu or auto
  --report            train nothing: evaluate the finished runs and write the page, listing the runs not
                      trained yet (a progress report of a long reproduction)
  -h, --help          this help
`;

const NOT_TRAINED = 'not trained yet (--report trains nothing)';

const bicubic: ImageUpscaler = { upscaleImage: (lr, s) => imresize(lr, s) };

export const reproduceCommand = defineCommand({
  name: 'reproduce',
  help: HELP,
  options: {
    preset: { type: 'string' }, data: { type: 'string' }, methods: { type: 'string' },
    jobs: { type: 'string' }, threads: { type: 'string' }, backend: { type: 'string' }, report: { type: 'boolean' }, sets: { type: 'string' },
  },
  positionals: false,
  async run(p, ctx) {
    const presetArg = str(p, 'preset');
    if (!presetArg) throw new UsageError('frb reproduce: --preset is required (tiny, small, dbt-sweep, medium, paper, or a preset file)');
    let preset: Preset;
    try {
      preset = await loadPreset(/\.(ya?ml|json)$/i.test(presetArg) ? resolve(ctx.cwd, presetArg) : presetArg);
    } catch (e) {
      if (e instanceof PresetError) throw new UsageError(`frb reproduce: ${e.message}`);
      throw e;
    }
    const threads = parseInt0('reproduce', 'threads', str(p, 'threads'), 1) ?? 1;
    const jobs = parseInt0('reproduce', 'jobs', str(p, 'jobs'), 1) ?? Math.max(1, Math.floor(os.availableParallelism() / threads));
    const backendName = parseChoice('reproduce', 'backend', str(p, 'backend'), ['wasm', 'cpu', 'auto'] as const, 'wasm');
    const root = dataRoot(ctx, str(p, 'data'));
    const bench = benchmarkRoot('reproduce', root);
    const setsArg = str(p, 'sets')?.split(',').map((x) => x.trim()).filter(Boolean);
    const wanted = setsArg ? (setsArg.length === 1 && setsArg[0] === 'all' ? 'all' : setsArg) : preset.eval.sets;
    const sets = wanted === 'all' ? availableSets(bench) : wanted;
    checkSets('reproduce', bench, sets, preset.scales, false);
    for (const f of preset.data.train) {
      if (!existsSync(join(root, f))) throw new UsageError(`frb reproduce: training folder "${join(root, f)}" does not exist (preset data.train, under the data root)`);
    }
    const only = str(p, 'methods')?.split(',').map((s) => s.trim()).filter(Boolean);
    const runsDir = resolve(ctx.cwd, preset.runs);
    let runs: PlannedRun[];
    try {
      runs = planRuns(preset, { dataRoot: root, runsDir, only });
    } catch (e) {
      throw new UsageError(`frb reproduce: --methods: ${(e as Error).message}`);
    }
    const backend = await initBackend(backendName, { threads });
    await tf.ready();
    const t0 = Date.now();
    const load0 = os.loadavg()[0]!;
    const evalArgs = (r: PlannedRun) => ({ benchRoot: bench, sets, scales: [r.scale], generateLR: false, limit: preset.eval.limit ?? undefined, label: r.entry.label, evalOptions: {} });
    const hooks = jobs === 1 ? inlineHooks(ctx, evalArgs) : processHooks(ctx, { threads, backend: backendName, root, sets, limit: preset.eval.limit });
    const report = flag(p, 'report');
    if (report) hooks.train = async () => { throw new Error(NOT_TRAINED); };
    ctx.stderr.write(`reproduce: ${runs.length} run(s) of preset ${preset.name}, ${jobs} at a time (${threads} thread(s) each)\n`);
    const finishedBefore = runs.filter((r) => existsSync(modelFile(r)));
    for (const r of finishedBefore) ctx.stderr.write(`reproduce: ${r.key}: using the finished model in "${dirname(modelFile(r))}"\n`);
    const outcomes = await executeRuns(runs, {
      ...hooks, jobs, sets,
      onEvent: progressReporter(ctx, { report, t0, reused: finishedBefore.length }),
    });
    const bicubicResults: SetResult[] = await runSets(ctx, { benchRoot: bench, sets, scales: preset.scales, generateLR: false, limit: preset.eval.limit ?? undefined, label: 'bicubic', evalOptions: {} }, async () => ({ predictor: bicubic }));
    const { resultsFile, plotFile } = await writeReproductionPage({
      preset, outcomes, bicubic: bicubicResults, sets, cwd: ctx.cwd,
      command: `npx frb reproduce --preset ${presetArg}${only ? ` --methods ${only.join(',')}` : ''}${str(p, 'jobs') ? ` --jobs ${jobs}` : ''}${str(p, 'threads') ? ` --threads ${threads}` : ''}${setsArg ? ` --sets ${setsArg.join(',')}` : ''}${report ? ' --report' : ''}`,
      machine: { backend, jobs, threads, wallSeconds: (Date.now() - t0) / 1000, loadStart: load0, loadEnd: os.loadavg()[0]! },
    });
    ctx.stderr.write(`reproduce: wrote ${resultsFile}${plotFile ? ` and ${plotFile}` : ''} (${((Date.now() - t0) / 60000).toFixed(1)} min)\n`);
    // --report: runs not trained yet are expected (the page lists them); anything else that failed is not.
    return outcomes.some((o) => o.error && !(report && /not trained yet|did not finish/.test(o.error))) ? EXIT_FAILURE : EXIT_OK;
  },
});

type RunEvent = Parameters<NonNullable<Parameters<typeof executeRuns>[1]['onEvent']>>[0];

/** Progress lines on stderr: starts, failures, and after each evaluation the runs done and an ETA. */
function progressReporter(ctx: CliContext, o: { report: boolean; t0: number; reused: number }) {
  return (e: RunEvent) => {
    if (o.report && e.phase === 'train') return; // nothing is trained; the page lists what is not finished
    if (e.kind === 'start') ctx.stderr.write(`reproduce: ${e.phase} ${e.key} started\n`);
    else if (e.kind === 'failed') ctx.stderr.write(`reproduce: ${e.phase} ${e.key} failed: ${e.error.message}\n`);
    else if (e.kind === 'done' && e.phase === 'eval') {
      const done = Math.ceil(e.finished / 2);
      const total = e.total / 2;
      const elapsed = (Date.now() - o.t0) / 1000;
      // The rate comes from runs trained by this invocation: reused ones finish at once and would make it 0.
      const trainedHere = done - o.reused;
      const eta = trainedHere > 0 ? `ETA ${((elapsed / trainedHere) * (total - done) / 60).toFixed(1)} min` : 'ETA after the first run trained here';
      ctx.stderr.write(`reproduce: ${done}/${total} runs done, ${(elapsed / 60).toFixed(1)} min, ${eta}\n`);
    }
  };
}

type EvalArgs = (r: PlannedRun) => Parameters<typeof runSets>[1];

/** --jobs 1: train and evaluate in this process. */
function inlineHooks(ctx: CliContext, evalArgs: EvalArgs) {
  return {
    train: async (r: PlannedRun, resume: boolean) => {
      const cfg = validateConfig(r.config, ctx.cwd, `run ${r.key}`);
      ctx.stderr.write(`reproduce: training ${r.entry.label} (seed ${r.seed}, x${r.scale}, ${cfg.train.iterations} iterations)\n`);
      const res = await train(cfg, { resume, stderr: ctx.stderr });
      if (res.stopped !== 'done') throw new Error(res.message ?? `training stopped (${res.stopped})`);
    },
    evaluate: async (r: PlannedRun): Promise<EvalRun> => {
      const model = await loadModel(modelFile(r));
      try {
        const results = await runSets(ctx, evalArgs(r), async () => ({ predictor: model }));
        return { method: r.entry.label, cost: costOf(model, r.scale), results, options: { seed: r.seed } };
      } finally {
        model.dispose();
      }
    },
  };
}

function costOf(model: Parameters<typeof modelCost>[0], scale: number): EvalRun['cost'] {
  try {
    return { [String(scale)]: modelCost(model, COST_INPUT, modelInputChannels(model) ?? 3) };
  } catch {
    return undefined;
  }
}

/** --jobs N > 1: each run's training and evaluation is an `frb` process with FRB_THREADS set. */
function processHooks(ctx: CliContext, o: { threads: number; backend: string; root: string; sets: string[]; limit: number | null }) {
  const run = (args: string[], logFile: string) => runFrb(ctx, args, o.threads, logFile);
  return {
    train: async (r: PlannedRun, resume: boolean) => {
      await run(['train', join(r.dir, 'config.json'), '--backend', o.backend, ...(resume ? ['--resume'] : [])], join(r.dir, 'train.out'));
    },
    evaluate: async (r: PlannedRun): Promise<EvalRun> => {
      const out = join(r.dir, 'eval.run.json');
      await run(['eval', modelFile(r), '--scale', String(r.scale), '--sets', o.sets.join(','), '--data', o.root, '--backend', o.backend,
        '--method', r.entry.label, '--json', '--out', out, ...(o.limit ? ['--limit', String(o.limit)] : [])], join(r.dir, 'eval.out'));
      return { ...(JSON.parse(readFileSync(out, 'utf8')) as EvalRun), options: { seed: r.seed } };
    },
  };
}

/** This CLI as a child process (the compiled bin, or the TypeScript entry through tsx in the repository). */
function runFrb(ctx: CliContext, args: string[], threads: number, logFile: string): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, '..', 'bin.js');
  const ts = join(here, '..', 'bin.ts');
  const tsconfig = join(here, '..', '..', '..', '..', 'tsconfig.json');
  // In the repository (no build) the child runs the TypeScript entry through tsx's loader, named by path so it
  // resolves from any working folder.
  const loader = () => pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
  const argv = existsSync(js) ? [js, ...args] : ['--import', loader(), ts, ...args];
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'w');
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, argv, {
      cwd: ctx.cwd,
      env: { ...process.env, ...ctx.env, FRB_THREADS: String(threads), ...(existsSync(js) ? {} : { TSX_TSCONFIG_PATH: tsconfig }) },
      stdio: ['ignore', fd, fd],
    });
    child.on('error', (e) => {
      closeSync(fd);
      rej(e);
    });
    child.on('exit', (code, signal) => {
      closeSync(fd);
      if (code === 0) res();
      else rej(new Error(`frb ${args[0]} exited with ${signal ?? code} (its output: "${logFile}")`));
    });
  });
}
