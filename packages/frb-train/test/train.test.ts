// @frb/train: config validation, schedules, exact resume, NaN/Inf stop, DBT. Tiny models on generated
// images in a temp folder (no shared data needed).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@frb/models';
import { saveModel } from '@frb/layers/node';
import { ConfigError, JsonlLogger, findCheckpoint, learningRateAt, loadConfig, train, validateConfig, type TrainConfig } from '@frb/train';
import { baseConfig, makeTrainRoot, quiet, trainLosses as trainLossesOf } from './helpers.js';

let root: string;

beforeAll(async () => {
  root = await makeTrainRoot();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const base = baseConfig;
const cfgOf = (raw: Record<string, unknown>): TrainConfig => validateConfig(raw, root, 'test.yaml');
const trainLosses = (out: string) => trainLossesOf(root, out);

describe('train config', () => {
  const bad = (over: Record<string, unknown>, field: RegExp) => {
    expect(() => cfgOf(base('x', over))).toThrow(ConfigError);
    expect(() => cfgOf(base('x', over))).toThrow(field);
  };
  it('fills BasicSR-like defaults and resolves paths against the config folder', () => {
    const c = cfgOf(base('runs/a'));
    expect(c.output).toBe(join(root, 'runs/a'));
    expect(c.data.train).toEqual([join(root, 'imgs')]);
    expect(c.train.optimizer).toEqual({ type: 'adam', lr: 1e-3, betas: [0.9, 0.99], eps: 1e-8 });
    expect(c.backend).toBe('wasm');
    expect(c.val).toBeNull();
    // Left unset (the plain-folder layout), so configs from before `layout` resolve to the same object.
    expect('layout' in c.data).toBe(false);
    expect(cfgOf(base('runs/a', { data: { train: 'imgs', layout: 'div2k' } })).data.layout).toBe('div2k');
  });
  it('names the field of every mistake', () => {
    bad({ train: { iterations: 0 } }, /train\.iterations must be >= 1/);
    bad({ train: { iterations: 5, itertions: 3 } }, /train\.itertions is not a known option/);
    bad({ train: { iterations: 5, scheduler: { type: 'multistep', milestones: [4, 2] } } }, /train\.scheduler\.milestones\[1\] must be larger/);
    bad({ train: { iterations: 5, scheduler: { type: 'step' } } }, /train\.scheduler\.type must be one of none, multistep, cosine/);
    bad({ train: { iterations: 5, optimizer: { lr: -1 } } }, /train\.optimizer\.lr must be > 0/);
    bad({ data: { train: [], patch_size: 8 } }, /data\.train must be a folder/);
    bad({ data: { train: 'imgs', patchSize: 8, patch_size: 8 } }, /data\.patch_size given twice/);
    bad({ model: { scale: 2 } }, /model\.name is required/);
    bad({ checkpoint: { interval: 1.5 } }, /checkpoint\.interval must be an integer/);
    bad({ train: { iterations: 5, dbt: { weight: 0.1 } } }, /train\.dbt\.teacher is required/);
    bad({ lr: 1 }, /lr is not a known option/);
    bad({ data: { train: 'imgs', layout: 'flat' } }, /data\.layout must be one of folder, div2k, df2k, benchmark, got "flat"/);
  });
  it('the shipped example configs are valid and resolve $data / $cwd, not the repository layout', async () => {
    for (const f of ['frbc-x4-291.yaml', 'frbc-x4-291-dbt.yaml', 'frbc-x2-small-291.yaml', 'frbc-x4-small-291.yaml']) {
      const c = await loadConfig(join(repoRoot, 'packages/frb-cli/configs', f), { dataRoot: '/data/root', cwd: '/work/here' });
      expect(c.data.train).toEqual(['/data/root/train/T91', '/data/root/train/BSD200']);
      expect(c.output.startsWith('/work/here/runs/')).toBe(true);
      if (c.val) expect(c.val.data).toBe('/data/root');
      if (c.train.dbt) expect(c.train.dbt.teacher.startsWith('/work/here/runs/')).toBe(true);
    }
  });
  it('a config copied anywhere resolves $data under the given root; without one the error says how to set it', async () => {
    const y = join(root, 'elsewhere', 'c.yaml');
    mkdirSync(join(root, 'elsewhere'), { recursive: true });
    writeFileSync(y, 'model: {name: frbc, scale: 2}\ndata: {train: [$data/imgs, rel]}\ntrain: {iterations: 3}\noutput: $cwd/out\n');
    const c = await loadConfig(y, { dataRoot: root, cwd: '/w' });
    expect(c.data.train).toEqual([join(root, 'imgs'), join(root, 'elsewhere', 'rel')]);
    expect(c.output).toBe('/w/out');
    await expect(loadConfig(y)).rejects.toThrow(/c\.yaml": the path "\$data\/imgs" uses \$data, but no data root is set \(pass --data DIR or set FRB_DATA\)/);
  });
  it('reads YAML and JSON files; camelCase keys are accepted', async () => {
    const y = join(root, 'c.yaml');
    writeFileSync(y, 'model:\n  name: frbc\n  scale: 2\ndata:\n  train: imgs\n  patchSize: 8\ntrain:\n  iterations: 3\n');
    expect((await loadConfig(y)).data.patchSize).toBe(8);
    const j = join(root, 'c.json');
    writeFileSync(j, JSON.stringify(base('o')));
    expect((await loadConfig(j)).train.iterations).toBe(6);
    writeFileSync(j, '{ "model": ');
    await expect(loadConfig(j)).rejects.toThrow(/c\.json.*not valid JSON/);
    await expect(loadConfig(join(root, 'nope.yaml'))).rejects.toThrow(/nope\.yaml.*cannot read/);
  });
});

describe('learning-rate schedules (BasicSR, 1-based iterations)', () => {
  it('multistep decays at each milestone, including the milestone iteration itself', () => {
    const s = { type: 'multistep' as const, milestones: [3, 5], gamma: 0.1 };
    expect([1, 2, 3, 4, 5, 9].map((i) => learningRateAt(s, 1, i))).toEqual([1, 1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1]);
  });
  it('cosine restarts follow eta_min + w·(base − eta_min)·(1 + cos(π·t/T))/2 per period', () => {
    const s = { type: 'cosine' as const, periods: [4, 4], restartWeights: [1, 0.5], etaMin: 0.1 };
    expect(learningRateAt(s, 1, 2)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI / 2)), 12);
    expect(learningRateAt(s, 1, 4)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(s, 1, 5)).toBeCloseTo(0.1 + 0.5 * 0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(learningRateAt(s, 1, 20)).toBe(0.1);
  });
});

describe('train loop', () => {
  it('resume continues exactly: same loss trajectory and weights as an uninterrupted run', async () => {
    const before = tf.memory().numTensors;
    const a = await train(cfgOf(base('runs/full')), { stderr: quiet });
    expect(a.stopped).toBe('done');
    expect(a.iteration).toBe(6);
    expect(a.leftOut).toEqual(['small']);
    expect(tf.memory().numTensors).toBe(before);

    const b1 = await train(cfgOf(base('runs/split')), { stderr: quiet, until: 3 });
    expect(b1.stopped).toBe('until');
    expect((await findCheckpoint(join(root, 'runs/split/checkpoints')))!.state.iteration).toBe(3);
    const b2 = await train(cfgOf(base('runs/split')), { stderr: quiet, resume: true });
    expect(b2.startIteration).toBe(3);
    expect(b2.stopped).toBe('done');
    expect(tf.memory().numTensors).toBe(before);

    const la = await trainLosses('runs/full');
    const lb = await trainLosses('runs/split');
    expect(la.map((r) => r[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lb.map((r) => r[0])).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 0; i < 6; i++) expect(Math.abs(lb[i]![1] - la[i]![1])).toBeLessThanOrEqual(1e-6 * Math.abs(la[i]![1]));
    // the losses move (a run that did not train would also "match")
    expect(new Set(la.map((r) => r[1])).size).toBe(6);
    const wa = readFileSync(join(root, 'runs/full/model/weights.bin'));
    const wb = readFileSync(join(root, 'runs/split/model/weights.bin'));
    const fa = new Float32Array(wa.buffer, wa.byteOffset, wa.byteLength / 4);
    const fb = new Float32Array(wb.buffer, wb.byteOffset, wb.byteLength / 4);
    let maxDiff = 0;
    for (let i = 0; i < fa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fa[i]! - fb[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    expect(existsSync(join(root, 'runs/full/curve.png'))).toBe(true);
  });

  it('an abort (Ctrl-C in the command) checkpoints the last iteration and stops; resume continues the trajectory', async () => {
    const ac = new AbortController();
    const raw = base('runs/abort', { checkpoint: { interval: 100 } });
    // abort as soon as the first progress line (iteration 1) is written
    const stderr = { write: (s: string) => (s.includes('1/6') ? ac.abort() : undefined, true) };
    const r = await train(cfgOf(raw), { stderr, signal: ac.signal, progressBar: false });
    expect(r.stopped).toBe('interrupted');
    expect(r.iteration).toBe(1);
    expect((await findCheckpoint(join(root, 'runs/abort/checkpoints')))!.state.iteration).toBe(1);
    const r2 = await train(cfgOf(raw), { stderr: quiet, resume: true });
    expect(r2.startIteration).toBe(1);
    const la = await trainLosses('runs/full');
    const lb = await trainLosses('runs/abort');
    expect(lb.map((x) => x[0])).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 0; i < 6; i++) expect(Math.abs(lb[i]![1] - la[i]![1])).toBeLessThanOrEqual(1e-6 * Math.abs(la[i]![1]));
  });

  it('a second run into a folder with checkpoints needs --resume; a changed model is refused on resume', async () => {
    await expect(train(cfgOf(base('runs/full')), { stderr: quiet })).rejects.toThrow(/already holds checkpoints.*--resume/);
    const changed = base('runs/full', { model: { name: 'frbc', scale: 2, features: 12, blocks: 2 } });
    await expect(train(cfgOf(changed), { stderr: quiet, resume: true })).rejects.toThrow(/config section 'model' differs/);
  });

  it('a non-finite loss stops the run before the step, keeping the last good checkpoint', async () => {
    // lr × 1e30 from iteration 5: the weights blow up and the loss overflows a step or two later.
    const raw = base('runs/nan', { train: { iterations: 12, optimizer: { lr: 1e-3 }, scheduler: { type: 'multistep', milestones: [5], gamma: 1e30 } } });
    const before = tf.memory().numTensors;
    const r = await train(cfgOf(raw), { stderr: quiet });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.stopped).toBe('non-finite');
    expect(r.message).toMatch(/loss is (NaN|Infinity) at iteration \d+.*Last good checkpoint/);
    expect(r.iteration).toBeLessThan(12);
    const ck = await findCheckpoint(join(root, 'runs/nan/checkpoints'));
    expect(ck).not.toBeNull();
    expect(ck!.state.iteration).toBeLessThanOrEqual(r.iteration);
    // every weight in the kept checkpoint is finite
    const bin = readFileSync(join(ck!.dir, 'state.bin'));
    const f = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
    expect(f.every(Number.isFinite)).toBe(true);
    const events = (await new JsonlLogger(join(root, 'runs/nan/log.jsonl')).read()).filter((e) => e.event === 'non-finite');
    expect(events).toHaveLength(1);
  });

  it('without a terminal, progress lines come between log intervals too (done/total, ETA); onProgress sees every step', async () => {
    let text = '';
    const seen: number[] = [];
    const raw = base('runs/quiet', { log_interval: 100, train: { iterations: 4, optimizer: { lr: 1e-3 } } });
    const r = await train(cfgOf(raw), { stderr: { write: (t: string) => (text += t) }, progressBar: false, progressEveryMs: 1e-9,
      onProgress: (p) => seen.push(p.iteration) });
    expect(r.stopped).toBe('done');
    expect(seen).toEqual([1, 2, 3, 4]);
    // iterations 1-3 are not log iterations (interval 100): each still printed a line with its count and ETA
    for (const k of [1, 2, 3]) expect(text).toMatch(new RegExp(`tiny: ${k}/4 .* eta `));
  });

  it('DBT adds weight · L_dis from a frozen teacher file and logs it', async () => {
    const teacher = createModel('srresnet', { scale: 2, features: 8, blocks: 2 });
    await saveModel(teacher, join(root, 'teacher'));
    const before = readFileSync(join(root, 'teacher', 'weights.bin'));
    teacher.dispose();
    const raw = base('runs/dbt', { train: { iterations: 3, optimizer: { lr: 1e-3 }, dbt: { teacher: 'teacher', weight: 0.5 } } });
    const n0 = tf.memory().numTensors;
    const r = await train(cfgOf(raw), { stderr: quiet });
    expect(tf.memory().numTensors).toBe(n0);
    expect(r.stopped).toBe('done');
    const recs = (await new JsonlLogger(join(root, 'runs/dbt/log.jsonl')).read()).filter((e) => e.kind === 'train');
    expect(recs).toHaveLength(3);
    for (const e of recs) {
      expect(e.distill as number).toBeGreaterThan(0);
      expect(e.loss as number).toBeCloseTo((e.l1 as number) + (e.distill as number), 5);
    }
    expect(readFileSync(join(root, 'teacher', 'weights.bin')).equals(before)).toBe(true);
  });
});
