// npm run bench:train [-- --configs wasm:portable:1,wasm:native:1,wasm:native:2] [--cases conv4,frbc-small]
//                      [--runs 5] [--torch] [--json] [--no-split]
//
// Forward and train-step milliseconds (median of --runs after 2 warm-ups, with min and max) for the cases of
// ../shared/bench/torch_reference.py:
//   conv4      4 x conv3x3 64->64 (bias, no activation) on a 4x48x48x64 batch, L1 loss, Adam(2e-4)
//   frbc-small createModel('frbc', {scale: 4, features: 32, blocks: 8}) (16 binary units), batch 16,
//              LR patch 48 -> HR 192, L1 loss, Adam(2e-4)
// A train step is optimizer.minimize(L1(model.apply(x, {training: true}), y)), as torch's
// zero_grad/forward/backward/step. A config is backend:tier:threads — tier 'portable' = this project's
// conv-gradient kernels on the backend's own Conv2D (tfjs-backend-wasm runs single-threaded under Node, the
// cpu backend is pure JS, so these are 1 thread), tier 'native' = the native conv kernels (initBackend's
// default where g++ is present), whose convs split across `threads`; every other op stays on the backend,
// single-threaded, except the fused per-step kernels (RSign, RPReLU, Transpose) the native tier also registers;
// tier 'native-convs' leaves those out (the native tier before issue 3's fused kernels), for an A/B in one run.
// A case whose first warm-up takes > 20 s is reported from one further run (n=1) to keep
// the benchmark bounded (the cpu backend on frbc-small).
// --torch also runs the PyTorch reference (python3, Debian python3-torch) at 1 and 2 threads in the same run,
// once before and once after the tfjs configs, so a change in machine load between them shows.
// The per-kernel split profiles one train step (tf.profile; top-level kernels only, so our gradient
// kernels' nested Conv2D/Transpose calls are counted inside them).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { getNativeStatus, initBackend } from '@frb/layers/node';
import { enableNativeConvKernels } from '@frb/layers';
import { createModel } from '@frb/models';
import { kernelSplit, type SplitRow } from './kernel-split.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] != null ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '5'));
const CONFIGS = opt('configs', 'wasm:portable:1,wasm:native:1,wasm:native:2,cpu:native:2').split(',').map((c) => {
  const [backend, tier, threads] = c.split(':');
  if (!['wasm', 'cpu'].includes(backend) || !['portable', 'native', 'native-convs'].includes(tier) || !(Number(threads) >= 1)) {
    throw new Error(`bench:train: bad --configs entry '${c}' (expected backend:tier:threads, tier portable, native or native-convs, e.g. wasm:native:2)`);
  }
  if (tier === 'portable' && Number(threads) !== 1) throw new Error(`bench:train: '${c}': the portable tier is single-threaded`);
  return { name: c, backend: backend as 'wasm' | 'cpu', native: tier !== 'portable', fused: tier === 'native', threads: Number(threads) };
});
const CASES = opt('cases', 'conv4,frbc-small').split(',');
const JSON_OUT = args.includes('--json');
const SPLIT = !args.includes('--no-split');
const TORCH = args.includes('--torch');
const log = (...a: unknown[]) => { if (!JSON_OUT) console.log(...a); else console.error(...a); };

// cpu_ms: the median CPU time (user + system, all threads) of the same runs: on a loaded machine, wall time
// depends on what else runs, CPU time much less; wall ≈ cpu_ms / threads only when every thread had a core.
interface Stat { median_ms: number; min_ms: number; max_ms: number; n: number; cpu_ms?: number }
interface CaseResult { forward_ms: number; train_step_ms: number; forward: Stat; train_step: Stat; split?: SplitRow[] }

function stat(ts: number[]): Stat {
  const s = [...ts].sort((a, b) => a - b);
  const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median_ms: +med.toFixed(2), min_ms: +s[0].toFixed(2), max_ms: +s[s.length - 1].toFixed(2), n: s.length };
}

async function timeIt(fn: () => Promise<void>): Promise<Stat> {
  const cpu: number[] = [];
  const once = async () => {
    const c0 = process.cpuUsage(), t0 = performance.now();
    await fn();
    const ms = performance.now() - t0, c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    return ms;
  };
  const withCpu = (ts: number[]): Stat => ({ ...stat(ts), cpu_ms: stat(cpu.slice(-ts.length)).median_ms });
  const w = await once();
  if (w > 20_000) return withCpu([await once()]);
  await once();
  const ts: number[] = [];
  for (let i = 0; i < RUNS; i++) ts.push(await once());
  return withCpu(ts);
}

function buildCase(name: string): { model: tfl.LayersModel; x: tf.Tensor; y: tf.Tensor } {
  if (name === 'conv4') {
    const model = tfl.sequential();
    for (let i = 0; i < 4; i++) {
      model.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', ...(i === 0 ? { inputShape: [48, 48, 64] } : {}) }));
    }
    return { model, x: tf.randomNormal([4, 48, 48, 64]), y: tf.randomNormal([4, 48, 48, 64]) };
  }
  if (name === 'frbc-small') {
    const model = createModel('frbc', { scale: 4, features: 32, blocks: 8 });
    return { model, x: tf.randomUniform([16, 48, 48, 3]), y: tf.randomUniform([16, 192, 192, 3]) };
  }
  throw new Error(`bench:train: unknown case '${name}' (expected conv4 or frbc-small)`);
}

async function runCase(name: string): Promise<CaseResult> {
  const { model, x, y } = buildCase(name);
  const optimizer = tf.train.adam(2e-4);
  const loss = () => tf.mean(tf.abs(tf.sub(model.apply(x, { training: true }) as tf.Tensor, y))) as tf.Scalar;
  const step = async () => {
    const l = optimizer.minimize(loss, true);
    await l!.data();
    l!.dispose();
  };
  const fwd = async () => {
    const out = model.predict(x) as tf.Tensor;
    await out.data();
    out.dispose();
  };
  await step(); // creates the optimizer's slots so the leak check below sees a steady state
  const before = tf.memory().numTensors;
  const forward = await timeIt(fwd);
  const train = await timeIt(step);
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) log(`    WARNING: ${leaked} tensors leaked over the timed runs`);
  const res: CaseResult = { forward_ms: forward.median_ms, train_step_ms: train.median_ms, forward, train_step: train };
  if (SPLIT && train.median_ms < 20_000) {
    res.split = (await kernelSplit(step)).rows;
  }
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return res;
}

const fmt = (s: Stat) =>
  `${s.median_ms.toFixed(1)} ms (min ${s.min_ms.toFixed(1)}, max ${s.max_ms.toFixed(1)}, n=${s.n}; cpu ${s.cpu_ms?.toFixed(0)} ms)`;

function torchReference(threads: number): Record<string, unknown> | string {
  const script = path.resolve(repoRoot, '../shared/bench/torch_reference.py');
  if (!existsSync(script)) return `skipped: ${script} is absent`;
  // $PYTHON first, then python3 on PATH, then Debian's /usr/bin/python3 (python3-torch installs there; a pyenv
  // python3 earlier on PATH may lack torch).
  const pythons = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const errors: string[] = [];
  for (const py of [...new Set(pythons)]) {
    try {
      const out = execFileSync(py, [script, '--threads', String(threads), '--runs', String(RUNS), '--json'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return JSON.parse(out.trim().split('\n').pop()!);
    } catch (e) {
      const err = e as Error & { stderr?: string };
      errors.push(`${py}: ${(err.stderr || err.message).trim().split('\n').pop()}`);
    }
  }
  return `failed: ${errors.join('; ')}`;
}

async function main() {
  const byConfig: Record<string, Record<string, CaseResult>> = {};
  const load = () => os.loadavg()[0].toFixed(1);
  log(`bench:train  runs=${RUNS}  cores=${os.cpus().length}  load(1 min)=${load()}`);
  const torch: Record<string, unknown> = {};
  const runTorch = (when: string) => {
    for (const threads of [1, 2]) {
      const r = torchReference(threads);
      torch[`${when}_threads_${threads}`] = r;
      log(`\n== PyTorch (${when}), ${threads} thread(s), load ${load()}: ${JSON.stringify(r)}`);
    }
  };
  if (TORCH) runTorch('before');
  for (const cfg of CONFIGS) {
    await initBackend(cfg.backend, { native: cfg.native, threads: cfg.threads });
    const ns = getNativeStatus();
    if (cfg.native && !ns.active) {
      log(`\n== ${cfg.name}: skipped, native kernels unavailable (${ns.reason})`);
      continue;
    }
    if (cfg.native && !cfg.fused) enableNativeConvKernels(ns.native, cfg.threads, { fused: false });
    byConfig[cfg.name] = {};
    for (const c of CASES) {
      const tier = !cfg.native ? 'portable kernels, 1 thread' : `native convs${cfg.fused ? ' + fused kernels' : ' only'} on ${cfg.threads} thread(s)`;
      log(`\n== ${cfg.name} (${cfg.backend}, ${tier}), ${c}`);
      const r = await runCase(c);
      byConfig[cfg.name][c] = r;
      log(`  forward     ${fmt(r.forward)}`);
      log(`  train step  ${fmt(r.train_step)}   (load ${load()})`);
      if (r.split) {
        log(`  split of one train step (top-level kernels):`);
        for (const row of r.split.slice(0, 12)) {
          log(`    ${row.kernel.padEnd(24)} ${row.ms.toFixed(1).padStart(9)} ms  ${(row.share * 100).toFixed(1).padStart(5)} %  x${row.calls}`);
        }
      }
    }
  }
  if (TORCH) runTorch('after');
  // Top-level conv4 / frbc-small entries: the first config (as torch_reference.py's shape); all in by_config.
  const first = byConfig[CONFIGS[0].name] ?? {};
  const result: Record<string, unknown> = { config: CONFIGS[0].name, load_avg_1min: os.loadavg()[0] };
  for (const c of CASES) if (first[c]) result[c] = first[c];
  result.by_config = byConfig;
  if (TORCH) result.torch = torch;
  if (JSON_OUT) console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
