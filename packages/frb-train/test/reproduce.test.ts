// The reproduction's scheduling: the job pool (never more than N at once, teachers first, a failure skips its
// dependents only), the plan (one run per entry x seed x scale, stable folders, DBT teacher wiring, budgets),
// resuming a killed reproduction without redoing finished runs, and what a seed changes.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { imageFolder, patchBatches, writePng } from '@frb/datasets';
import {
  PresetError, checkPreset, configDrift, createSeededModel, executeRuns, loadPreset, modelFile, planRuns, runPool,
  type PlannedRun, type PoolJob,
} from '@frb/train';
import { createModel, modelInfo } from '@frb/models';
import { METHODS } from '@frb/train';
import { loggedSeconds } from '../src/reproduce/run.js';
import { smoothImage } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'frb-repro-lib-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('runPool', () => {
  it('never runs more than N jobs at once, starts a job only after its dependencies, and runs every job once', async () => {
    for (const n of [1, 2, 3]) {
      let running = 0;
      let peak = 0;
      const order: string[] = [];
      const job = (key: string, deps: string[] = [], ms = 5): PoolJob => ({
        key, deps,
        run: async () => {
          expect(deps.every((d) => order.includes(d))).toBe(true);
          running++;
          peak = Math.max(peak, running);
          await sleep(ms);
          running--;
          order.push(key);
        },
      });
      const jobs = [job('t'), job('a', ['t']), job('b', ['t']), job('c'), job('d'), job('e', ['a', 'c'], 1), job('f')];
      const r = await runPool(jobs, { concurrency: n });
      expect(peak).toBe(n === 1 ? 1 : Math.min(n, 4));
      expect(peak).toBeLessThanOrEqual(n);
      expect([...order].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 't']);
      expect(r.done).toHaveLength(7);
    }
  });

  it('a failed job skips its dependents (named) and the rest still run', async () => {
    const ran: string[] = [];
    const r = await runPool([
      { key: 'teacher', deps: [], run: async () => { throw new Error('teacher diverged'); } },
      { key: 'student', deps: ['teacher'], run: async () => void ran.push('student') },
      { key: 'other', deps: [], run: async () => void ran.push('other') },
    ], { concurrency: 2 });
    expect(ran).toEqual(['other']);
    expect(r.failed.map((f) => [f.key, f.error.message])).toEqual([['teacher', 'teacher diverged']]);
    expect(r.skipped).toEqual([{ key: 'student', because: 'teacher' }]);
    await expect(runPool([{ key: 'x', deps: ['y'], run: async () => {} }], { concurrency: 1 })).rejects.toThrow(/'x' depends on unknown job 'y'/);
  });
});

const rawPreset = (over: Record<string, unknown> = {}) => ({
  name: 'unit', scales: [2, 4], model: { features: 8, blocks: 1 },
  data: { train: ['train/A'], patch_size: 8, batch_size: 2 },
  train: { iterations: 10, lr: 1e-3, scheduler: { type: 'cosine', periods: [10], eta_min: 1e-6 }, checkpoint_interval: 5 },
  seeds: [0, 1],
  methods: ['fp', 'frb2', { id: 'fp-long', method: 'fp', iterations: 40, seeds: [0], scales: [4] },
    { id: 'frb2-dbt-x', method: 'frb2', scales: [4], dbt: { teacher: 'fp-long', weight: 'auto', grad_fraction: 0.5, form: 'channel' } }],
  compare: [['frb2', 'fp']],
  runs: 'runs/unit', results: 'out/unit.md', plot: null,
  ...over,
});

describe('presets and plans', () => {
  it('one run per entry x seed x scale in stable folders; DBT runs after (and from) their teacher; budgets stretch the schedule', () => {
    const p = checkPreset(rawPreset(), 'unit.yaml');
    const runs = planRuns(p, { dataRoot: '/data', runsDir: '/r' });
    expect(runs.map((r) => r.key)).toEqual([
      // seed-major: every entry's first seed before any second seed, so a partial reproduction has a full table
      'fp-s0@x2', 'frb2-s0@x2', 'fp-s1@x2', 'frb2-s1@x2',
      'fp-s0@x4', 'frb2-s0@x4', 'fp-long-s0@x4', 'frb2-dbt-x-s0@x4', 'fp-s1@x4', 'frb2-s1@x4', 'frb2-dbt-x-s1@x4',
    ]);
    const d = runs.find((r) => r.key === 'frb2-dbt-x-s1@x4')!;
    expect(d.dir).toBe('/r/x4/frb2-dbt-x-s1');
    expect(d.teacher).toBe('fp-long-s0@x4');
    expect((d.config.train as any).dbt).toEqual({ teacher: '/r/x4/fp-long-s0/model', weight: 'auto', grad_fraction: 0.5, form: 'channel' });
    expect(d.config.seed).toBe(1);
    const long = runs.find((r) => r.key === 'fp-long-s0@x4')!;
    expect((long.config.train as any).iterations).toBe(40);
    expect((long.config.train as any).scheduler.periods).toEqual([40]);
    expect((long.config.data as any).train).toEqual(['/data/train/A']);
    // --methods: a DBT entry brings its teacher
    expect(planRuns(p, { dataRoot: '/data', runsDir: '/r', only: ['frb2-dbt-x'] }).map((r) => r.key))
      .toEqual(['fp-long-s0@x4', 'frb2-dbt-x-s0@x4', 'frb2-dbt-x-s1@x4']);
    expect(() => planRuns(p, { dataRoot: '/d', runsDir: '/r', only: ['nope'] })).toThrow(/no method 'nope' in preset unit/);
  });

  it('names the field of every mistake', () => {
    const bad = (over: Record<string, unknown>, msg: RegExp) => expect(() => checkPreset(rawPreset(over), 'unit.yaml')).toThrow(msg);
    bad({ seeds: [0, 0] }, /preset "unit.yaml": seeds must be a list of distinct integers/);
    bad({ methods: ['fp', 'warp'] }, /methods\[1\]\.method must be one of fp, bnn/);
    bad({ methods: ['fp', 'fp'] }, /methods\[1\]: the id 'fp' is used twice/);
    bad({ methods: ['frb2', { id: 'd', method: 'frb2', dbt: { teacher: 'fp' } }] }, /methods\[1\]\.dbt\.teacher: no entry 'fp'/);
    bad({ methods: ['fp', { id: 'd', method: 'frb2', dbt: { teacher: 'fp', form: 'pixel' } }] }, /methods\[1\]\.dbt\.form must be spatial or elementwise or channel/);
    bad({ compare: [['fp', 'zzz']] }, /compare must be a list of \[id, id\] pairs/);
    expect(() => checkPreset(rawPreset(), 'unit.yaml')).not.toThrow();
    expect(new PresetError('x')).toBeInstanceOf(Error);
  });

  it('frbc-m (binary upsampler, ours) can be listed, with DBT from its FP twin; every binary method names the zoo\'s twin', () => {
    const p = checkPreset(rawPreset({ scales: [2], methods: ['fp', 'frbc-m', { id: 'frbc-m-dbt', method: 'frbc-m', dbt: { teacher: 'fp' } }], compare: [['frbc-m', 'fp']] }), 'unit.yaml');
    expect(p.entries.find((e) => e.id === 'frbc-m')!.label).toBe('FRBC-M (binary upsampler, ours)');
    const runs = planRuns(p, { dataRoot: '/d', runsDir: '/r' });
    const run = runs.find((r) => r.key === 'frbc-m-dbt-s0@x2')!;
    expect((run.config.model as any).name).toBe('frbc-m');
    expect(run.teacher).toBe('fp-s0@x2');
    const m = createModel('frbc-m', { ...(run.config.model as Record<string, unknown>), name: undefined });
    expect(m.getLayer('upsampler/upconv1').getClassName()).toBe('SRBConv2D');
    m.dispose();
    for (const [id, row] of Object.entries(METHODS)) {
      if (!row.binary) continue;
      expect(row.fpTwin, id).toBeDefined();
      expect(METHODS[row.fpTwin!]!.binary).toBe(false);
      expect(METHODS[row.fpTwin!]!.model, id).toBe(modelInfo(row.model)!.fpTwin);
    }
  });

  it('the built-in presets are valid', async () => {
    for (const name of ['tiny', 'small', 'dbt-sweep', 'medium', 'paper']) {
      const p = await loadPreset(name);
      expect(planRuns(p, { dataRoot: '/d', runsDir: '/r' }).length).toBeGreaterThan(0);
    }
    await expect(loadPreset('nope')).rejects.toThrow(/no preset 'nope'/);
  });
});

describe('loggedSeconds', () => {
  it('sums the sessions of a resumed run (start or resume to its last record), not the gap between them', async () => {
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
    const file = join(tmp, 'sessions.jsonl');
    const lines = [
      { kind: 'event', iter: 0, event: 'start', time: t(0) },
      { kind: 'train', iter: 10, time: t(60) },
      { kind: 'event', iter: 10, event: 'interrupted', time: t(100) },
      { kind: 'event', iter: 10, event: 'resume', time: t(10_000) },
      { kind: 'train', iter: 20, time: t(10_030) },
      { kind: 'event', iter: 20, event: 'done', time: t(10_050) },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"kind":"tr');
    expect(await loggedSeconds(file)).toBe(150);
    writeFileSync(file, lines.slice(0, 5).map((l) => JSON.stringify(l)).join('\n'));
    expect(await loggedSeconds(file)).toBeNull(); // not finished
  });
});

describe('executeRuns: resume after a kill', () => {
  it('a rerun trains only what is unfinished (resuming checkpoints) and evaluates only what has no eval.json', async () => {
    const p = checkPreset(rawPreset({ scales: [4], methods: ['fp', 'frb2'], seeds: [0, 1], compare: [] }), 'unit.yaml');
    const runs = planRuns(p, { dataRoot: '/data', runsDir: join(tmp, 'exec') });
    const trained: Array<[string, boolean]> = [];
    const evaluated: string[] = [];
    const fakeTrain = async (r: PlannedRun, resume: boolean) => {
      trained.push([r.key, resume]);
      if (r.key === 'frb2-s1@x4' && !resume) {
        mkdirSync(join(r.dir, 'checkpoints'), { recursive: true }); // killed mid-run: a checkpoint, no model
        throw new Error('killed');
      }
      mkdirSync(join(r.dir, 'model'), { recursive: true });
      writeFileSync(modelFile(r), '{}');
    };
    const fakeEval = async (r: PlannedRun) => {
      evaluated.push(r.key);
      return { method: 'x', results: [{ set: 'Set5', scale: 4, psnr: 30 + r.seed, ssim: 0.9 }] };
    };
    const first = await executeRuns(runs, { train: fakeTrain, evaluate: fakeEval, jobs: 2 });
    expect(first.filter((o) => o.error).map((o) => o.run.key)).toEqual(['frb2-s1@x4']);
    expect(evaluated.sort()).toEqual(['fp-s0@x4', 'fp-s1@x4', 'frb2-s0@x4']);
    for (const r of runs) expect(existsSync(join(r.dir, 'config.json'))).toBe(true);
    trained.length = 0;
    evaluated.length = 0;
    const second = await executeRuns(runs, { train: fakeTrain, evaluate: fakeEval, jobs: 2 });
    expect(trained).toEqual([['frb2-s1@x4', true]]);
    expect(evaluated).toEqual(['frb2-s1@x4']);
    expect(second.every((o) => !o.error && o.eval !== null)).toBe(true);
    expect(second.filter((o) => o.reused).map((o) => o.run.key).sort()).toEqual(['fp-s0@x4', 'fp-s1@x4', 'frb2-s0@x4']);
    // a cached eval.json that lacks an asked-for set is evaluated again; one that has them all is reused
    evaluated.length = 0;
    await executeRuns(runs, { train: fakeTrain, evaluate: fakeEval, jobs: 2, sets: ['Set5'] });
    expect(evaluated).toEqual([]);
    await executeRuns(runs, { train: fakeTrain, evaluate: fakeEval, jobs: 2, sets: ['Set5', 'Set14'] });
    expect(evaluated.sort()).toEqual(runs.map((r) => r.key).sort());
  });

  it('a folder trained under another recipe is refused by name, not reused or overwritten; moved paths are not drift', async () => {
    const p = checkPreset(rawPreset({ scales: [4], methods: ['fp'], seeds: [0], compare: [] }), 'unit.yaml');
    const dir = join(tmp, 'drift');
    const runs = planRuns(p, { dataRoot: '/data', runsDir: dir });
    const train = async (r: PlannedRun) => {
      mkdirSync(join(r.dir, 'model'), { recursive: true });
      writeFileSync(modelFile(r), '{}');
    };
    const evaluate = async () => ({ method: 'x', results: [{ set: 'Set5', scale: 4, psnr: 30, ssim: 0.9 }] });
    await executeRuns(runs, { train, evaluate, jobs: 1 });
    const before = readFileSync(join(runs[0]!.dir, 'config.json'), 'utf8');
    // same recipe, another data root: reused
    expect(await configDrift(planRuns(p, { dataRoot: '/elsewhere/data', runsDir: dir })[0]!)).toBeNull();
    const longer = planRuns(checkPreset(rawPreset({ scales: [4], methods: ['fp'], seeds: [0], compare: [], train: { iterations: 20, lr: 1e-3, checkpoint_interval: 5 } }), 'unit.yaml'),
      { dataRoot: '/data', runsDir: dir });
    expect(await configDrift(longer[0]!)).toMatch(/train\.iterations was 10, now 20/);
    await expect(executeRuns(longer, { train, evaluate, jobs: 1 })).rejects.toThrow(new RegExp(`${join(dir, 'x4', 'fp-s0').replace(/[/\\]/g, '.')}: .*train\\.iterations was 10, now 20`));
    expect(readFileSync(join(runs[0]!.dir, 'config.json'), 'utf8')).toBe(before);
  });
});

describe('seeds', () => {
  it('a seed sets the initial weights and the patch order: different seeds differ, the same seed repeats', async () => {
    const n0 = tf.memory().numTensors;
    const w = (seed: number) => {
      const m = createSeededModel('frbc', 2, { features: 4, blocks: 1 }, seed);
      const v = m.getWeights().map((t) => Array.from(t.dataSync()));
      m.dispose();
      return v.flat();
    };
    expect(w(0)).toEqual(w(0));
    expect(w(0)).not.toEqual(w(1));
    const dir = join(tmp, 'imgs');
    for (let i = 0; i < 3; i++) await writePng(join(dir, `i${i}.png`), smoothImage(24, 26, 3, 40 + i));
    const pairs = await imageFolder([dir], 2);
    const firstBatch = async (seed: number) => {
      const it = patchBatches(pairs, { scale: 2, patchSize: 6, batchSize: 2, seed, augment: true, iterations: 1, cacheDir: false });
      return Array.from((await it.next()).value!.xs);
    };
    expect(await firstBatch(3)).toEqual(await firstBatch(3));
    expect(await firstBatch(3)).not.toEqual(await firstBatch(4));
    expect(tf.memory().numTensors).toBe(n0);
  });
});
