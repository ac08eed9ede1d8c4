// Runs a planned reproduction: every run trained (teachers first) and evaluated, N jobs at a time, reusing
// finished work. How one run is trained or evaluated is the caller's (the CLI starts `frb train` / `frb eval`
// processes, a test may run them in-process), so this file holds only the order and the bookkeeping.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvalRun } from '@frb/bench';
import { writeFileAtomic } from '@frb/datasets';
import { runPool, type PoolEvent, type PoolJob } from './pool.js';
import type { PlannedRun } from './plan.js';

export interface RunOutcome {
  run: PlannedRun;
  /** The run's evaluation (null when training or evaluation failed). */
  eval: EvalRun | null;
  /** Training was found finished rather than done by this invocation. */
  reused: boolean;
  /** Training seconds: this invocation's, or for a reused run its log's start → done span (null if unknown). */
  trainSeconds: number | null;
  error?: string;
}

export interface ReproduceHooks {
  /** Trains one run to the end; `resume` when its folder holds checkpoints from an interrupted attempt. */
  train: (run: PlannedRun, resume: boolean) => Promise<void>;
  /** Evaluates a finished run (its model/ folder) on the preset's sets. */
  evaluate: (run: PlannedRun) => Promise<EvalRun>;
  /** Jobs at once. */
  jobs: number;
  /** Sets every evaluation must cover: a cached eval.json without one of them is evaluated again. */
  sets?: string[];
  onEvent?: (e: PoolEvent & { phase: 'train' | 'eval' }) => void;
}

export const modelFile = (r: PlannedRun) => join(r.dir, 'model', 'model.json');
const evalFile = (r: PlannedRun) => join(r.dir, 'eval.json');

export async function executeRuns(runs: PlannedRun[], h: ReproduceHooks): Promise<RunOutcome[]> {
  const out = new Map<string, RunOutcome>(runs.map((r) => [r.key, { run: r, eval: null, reused: existsSync(modelFile(r)), trainSeconds: null }]));
  const jobs: PoolJob[] = [];
  for (const r of runs) {
    const o = out.get(r.key)!;
    await writeFileAtomic(join(r.dir, 'config.json'), JSON.stringify(r.config, null, 1) + '\n');
    jobs.push({
      key: `train:${r.key}`,
      deps: r.teacher ? [`train:${r.teacher}`] : [],
      run: async () => {
        if (o.reused) return;
        const t0 = Date.now();
        await h.train(r, existsSync(join(r.dir, 'checkpoints')));
        if (!existsSync(modelFile(r))) throw new Error(`${r.key}: training ended without a model in "${join(r.dir, 'model')}"`);
        o.trainSeconds = (Date.now() - t0) / 1000;
      },
    });
    jobs.push({
      key: `eval:${r.key}`,
      deps: [`train:${r.key}`],
      run: async () => {
        const cached = await readEval(evalFile(r), r.scale, h.sets ?? []);
        o.eval = cached ?? await h.evaluate(r);
        if (!cached) await writeFileAtomic(evalFile(r), JSON.stringify(o.eval, null, 1) + '\n');
      },
    });
  }
  const res = await runPool(jobs, {
    concurrency: h.jobs,
    onEvent: (e) => h.onEvent?.({ ...e, key: e.key.replace(/^(train|eval):/, ''), phase: e.key.startsWith('train:') ? 'train' : 'eval' }),
  });
  for (const f of res.failed) out.get(f.key.replace(/^(train|eval):/, ''))!.error = f.error.message;
  for (const s of res.skipped) {
    const o = out.get(s.key.replace(/^(train|eval):/, ''))!;
    o.error ??= `not run: ${s.because.replace(/^(train|eval):/, '')} did not finish`;
  }
  for (const o of out.values()) if (o.reused) o.trainSeconds = await loggedSeconds(join(o.run.dir, 'log.jsonl'));
  return runs.map((r) => out.get(r.key)!);
}

async function readEval(file: string, scale: number, sets: string[]): Promise<EvalRun | null> {
  if (!existsSync(file)) return null;
  try {
    const e = JSON.parse(await readFile(file, 'utf8')) as EvalRun;
    if (!Array.isArray(e.results)) return null;
    return sets.every((s) => e.results.some((x) => x.set === s && x.scale === scale)) ? e : null;
  } catch {
    return null; // cut by a kill: evaluate again
  }
}

/** Seconds from a run log's first 'start' event to its 'done' event (null when either is missing). */
export async function loggedSeconds(logFile: string): Promise<number | null> {
  if (!existsSync(logFile)) return null;
  let start: number | null = null;
  let done: number | null = null;
  for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
    let e: { kind?: string; event?: string; time?: string };
    try {
      e = JSON.parse(line);
    } catch {
      continue; // blank, or a line cut by a kill mid-write
    }
    if (e.kind !== 'event' || !e.time) continue;
    if (e.event === 'start' && start === null) start = Date.parse(e.time);
    if (e.event === 'done') done = Date.parse(e.time);
  }
  return start !== null && done !== null && done >= start ? (done - start) / 1000 : null;
}
