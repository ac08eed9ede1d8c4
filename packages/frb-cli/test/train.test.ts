// frb train (the command over @frb/train): config file in, exit codes, kill -9 and --resume across processes. Tiny models on generated
// images in a temp folder (no shared data needed).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '@frb/models';
import { saveModel } from '@frb/layers/node';
import { ConfigError, JsonlLogger, findCheckpoint, learningRateAt, loadConfig, train, validateConfig, type TrainConfig } from '@frb/train';
import { frb } from './helpers.js';
import { baseConfig, makeTrainRoot, quiet, trainLosses as trainLossesOf } from '../../frb-train/test/helpers.js';

let root: string;

beforeAll(async () => {
  root = await makeTrainRoot();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const base = baseConfig;
const cfgOf = (raw: Record<string, unknown>): TrainConfig => validateConfig(raw, root, 'test.yaml');
const trainLosses = (out: string) => trainLossesOf(root, out);

describe('frb train (command)', () => {
  it('trains from a YAML config, writes log, curve, checkpoints and model; config errors exit 2 naming the field', async () => {
    const y = join(root, 'cli.yaml');
    writeFileSync(y, [
      'name: cli', 'seed: 1', 'model: {name: srresnet-bnn, scale: 2, features: 8, blocks: 1}',
      'data: {train: imgs, patch_size: 8, batch_size: 2, cache_dir: false}',
      'train: {iterations: 4, optimizer: {lr: 0.001}}', 'checkpoint: {interval: 2}', 'log_interval: 2', 'output: runs/cli', '',
    ].join('\n'));
    // initBackend would also build the native conv kernels (another package's option); plain tfjs here.
    const native = process.env.FRB_NATIVE;
    const backend = tf.getBackend();
    process.env.FRB_NATIVE = '0';
    const r = await frb(['train', y, '--backend', 'cpu'], root).finally(async () => {
      if (native === undefined) delete process.env.FRB_NATIVE;
      else process.env.FRB_NATIVE = native;
      await tf.setBackend(backend); // the command switched to cpu; the suite's backend comes back
    });
    expect(r.stderr).toMatch(/finished at iteration 4\/4/);
    expect(r.code).toBe(0);
    for (const f of ['log.jsonl', 'curve.png', 'model/model.json', 'checkpoints/latest.json']) expect(existsSync(join(root, 'runs/cli', f))).toBe(true);
    writeFileSync(y, 'model: {name: frbc}\ndata: {train: imgs}\ntrain: {iterations: 2, optimizer: {betas: [0.9]}}\n');
    const bad = await frb(['train', y], root);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/train\.optimizer\.betas must be two numbers/);
    const missing = await frb(['train'], root);
    expect(missing.code).toBe(2);
  });
});

describe('kill and resume', () => {
  it('a run killed with SIGKILL resumes from its last checkpoint, losing at most one interval, on the same trajectory', async () => {
    const raw = base('runs/killed', { train: { iterations: 80, optimizer: { lr: 1e-3 } }, checkpoint: { interval: 10, keep: 2 } });
    const y = join(root, 'killed.json');
    writeFileSync(y, JSON.stringify(raw));
    // the child trains on the suite's backend, so its part of the trajectory is comparable bit for bit
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/frb-cli/src/bin.ts', 'train', y, '--backend', tf.getBackend()], {
      cwd: repoRoot,
      env: { ...process.env, FRB_NATIVE: '0', TSX_TSCONFIG_PATH: join(repoRoot, 'tsconfig.json') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const latest = join(root, 'runs/killed/checkpoints/latest.json');
    const deadline = Date.now() + 90_000;
    let seen = 0;
    while (Date.now() < deadline && child.exitCode === null) {
      if (existsSync(latest)) {
        try {
          seen = (JSON.parse(readFileSync(latest, 'utf8')) as { iteration: number }).iteration;
        } catch {
          seen = 0;
        }
        if (seen >= 10) break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(child.exitCode, `child ended before a checkpoint: ${stderr}`).toBeNull();
    child.kill('SIGKILL');
    await exited;
    const logged = (await trainLosses('runs/killed')).map((r) => r[0]);
    const lastLogged = Math.max(...logged);
    expect(lastLogged).toBeLessThan(80);

    const resumed = await train(cfgOf(raw), { stderr: quiet, resume: true });
    expect(resumed.stopped).toBe('done');
    expect(resumed.startIteration).toBeGreaterThanOrEqual(10);
    expect(lastLogged - resumed.startIteration).toBeLessThanOrEqual(10); // at most one interval lost

    const fresh = await train(cfgOf({ ...raw, output: 'runs/unkilled' }), { stderr: quiet });
    expect(fresh.stopped).toBe('done');
    const a = await trainLosses('runs/unkilled');
    const b = await trainLosses('runs/killed');
    expect(b.map((r) => r[0])).toEqual(a.map((r) => r[0]));
    for (let i = 0; i < a.length; i++) expect(Math.abs(b[i]![1] - a[i]![1])).toBeLessThanOrEqual(1e-6 * Math.abs(a[i]![1]));
  });
});
