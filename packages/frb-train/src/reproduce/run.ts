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
  /** Training seconds: this invocation's, or for a reused run its log's sessions summed (null if unknown). */
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
  // A folder that holds training from another recipe (the preset was edited since) is neither reused nor
  // resumed nor has its config overwritten: every such run is named before anything starts.
  const drifted: string[] = [];
  for (const r of runs) {
    const why = await configDrift(r);
    if (why) drifted.push(`${r.dir}: ${why}`);
  }
  if (drifted.length) {
    throw new Error(`these run folders were trained with another config than the preset now gives; delete them to retrain, or restore the preset:\n  ${drifted.join('\n  ')}`);
  }
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

/**
 * Why a run folder's trained state does not belong to the planned config (null when it does, or when nothing
 * was trained there yet). Paths are compared by what they name, not where the data root or runs folder sit,
 * so a moved runs folder or another data root is still reused.
 */
export async function configDrift(r: PlannedRun): Promise<string | null> {
  const file = join(r.dir, 'config.json');
  if (!existsSync(file) || !(existsSync(join(r.dir, 'model')) || existsSync(join(r.dir, 'checkpoints')))) return null;
  let old: Record<string, unknown>;
  try {
    old = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return 'its config.json cannot be read';
  }
  const a = comparable(old), b = comparable(r.config);
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
  return fields.length ? `${fields.map((k) => `${k} was ${a[k] ?? 'unset'}, now ${b[k] ?? 'unset'}`).join('; ')}` : null;
}

/** A config flattened to dotted fields, without the output folder and with paths cut to their last two parts. */
function comparable(c: Record<string, unknown>): Record<string, string> {
  const flat: Record<string, string> = {};
  const tail = (s: string) => s.split(/[\\/]/).filter(Boolean).slice(-2).join('/');
  const walk = (v: unknown, at: string) => {
    if (at === 'output' || at === 'name') return;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
    } else if (at === 'data.train' && Array.isArray(v)) {
      flat[at] = JSON.stringify(v.map((s) => tail(String(s))));
    } else if (at === 'train.dbt.teacher' && typeof v === 'string') {
      flat[at] = tail(v.replace(/[\\/]model$/, ''));
    } else {
      flat[at] = JSON.stringify(v);
    }
  };
  walk(c, '');
  return flat;
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

/** Training seconds of a finished run by its log (null without a 'done' event). */
export async function loggedSeconds(logFile: string): Promise<number | null> {
  if (!existsSync(logFile)) return null;
  // Summed over sessions: each runs from its start/resume event to its last timed record, so the hours between an
  // interruption and the resume are not counted.
  let total = 0;
  let from: number | null = null;
  let last: number | null = null;
  let done = false;
  for (const line of (await readFile(logFile, 'utf8')).split('\n')) {
    let e: { kind?: string; event?: string; time?: string };
    try {
      e = JSON.parse(line);
    } catch {
      continue; // blank, or a line cut by a kill mid-write
    }
    if (!e.time) continue;
    const t = Date.parse(e.time);
    if (e.kind === 'event' && (e.event === 'start' || e.event === 'resume')) {
      if (from !== null && last !== null) total += last - from;
      from = t;
    }
    if (e.kind === 'event' && e.event === 'done') done = true;
    last = t;
  }
  if (from !== null && last !== null) total += last - from;
  return done && from !== null ? total / 1000 : null;
}
