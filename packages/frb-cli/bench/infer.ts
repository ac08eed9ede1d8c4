// npm run bench:infer [-- --size 256] [--scale 4] [--runs 3] [--backends wasm,cpu] [--native] [--no-model]
//                      [--no-layer] [--no-body] [--cpu-body] [--threads N] [--no-readback] [--json]
//                      [--rows LIST] [--forms float,packed,unfused,fp] [--tiers wasm,native] [--model-threads 1,2]
//                      [--wasm-pool N] [--profile] [--profile-top N]
//
// Real 1-bit inference vs its float simulation vs the full-precision twin (issue 10). Medians of --runs
// interleaved rounds after one warm-up each, as wall-clock ms and as this process's CPU ms; with the default
// --threads 1 everything is single-threaded (tfjs-backend-wasm runs one thread under Node), so on a shared machine
// CPU ms is the fairer figure. Speedups are given for both.
//
//   per-layer  one FRBC body conv (3x3, 64->64, order 2) on a 1x{size}x{size}x64 feature map:
//              float simulation (SRBConv2D.apply: RSign + SRB binarize + tf.conv2d), packed PackedConv2D with the
//              wasm i64.popcnt kernel and with the JS kernel, and the FP twin's Conv2D (tf.conv2d + bias); and one
//              whole binary unit (conv -> RPReLU -> add of its input): PackedBinaryUnit with the fused epilogue
//              (unit_fused) vs PackedConv2D + RPReLU + add (unit_unfused)
//   body       FRBC's binary body alone (16 blocks x 2 units of SRBConv2D + RPReLU + add) on 1x{size}x{size}x64:
//              float simulation vs deployModel's packed body, fused units (packed) and deployModel(.., {fuse: false})
//              (packed_unfused), all through model.predict
//   model      the whole-model table (issue 21), on a 1x{size}x{size}x3 LR input at x{scale}, through model.predict:
//              rows (--rows) FRBC at the shipped size (frbc-32x8) and at 64 features / 16 blocks (frbc-64x16), the
//              binarized-upsampler variant frbc-m at both sizes (frbc-m-32x8, frbc-m-64x16), each as float
//              simulation, packed (deployModel, fused units) and, with --forms ...,unfused, packed unfused, with
//              their FP twin SRResNet of the same size; and UpscalerJS esrgan-slim x{scale} (esrgan-slim; the npm
//              package, pinned in bench/upscalerjs/ and installed on first use) on the same input and backend. Columns (--tiers): plain wasm
//              (tfjs-backend-wasm and this project's wasm packed kernel; one thread: tfjs-backend-wasm has no threads
//              under Node) and the native tier at each of --model-threads (default 1,2). Printed as a Markdown table
//              (median wall ms, CPU ms in parentheses) with packed-vs-float / FP twin / esrgan-slim ratios and
//              weights.bin bytes. Skipped with --no-model.
//   Quick run of the table alone: --no-layer --no-body --rows frbc-m-32x8,esrgan-slim --tiers native
//              --model-threads 2 --runs 1
//   --profile  after each configuration's timings, where one predict of each case spends its time: tf.profile's
//              top-level kernels summed by kernel name and output shape (largest first, --profile-top N of them,
//              default 12), and the wall time left between kernels (JS)
//   files      saved weights.bin bytes of the three models
// The result is read back (dataSync) inside each timing, and the readback alone is reported too (readback_ms; a
// line under the whole-model table): it is the same work for every model of one output size, and here it costs
// 1–35 ms depending on the process's allocator state (first touches of a fresh 12.6 MB buffer).
// --no-readback times without reading the result back: valid on the
// wasm and cpu backends, whose kernels finish synchronously; it isolates the kernels themselves.
// --cpu-body also runs the binary body on the cpu backend (slow: its float simulation takes minutes at 256).
// --native also measures, where the native tier builds (g++), the float paths on this project's native conv
// kernels and the packed layers on the native XNOR-popcount kernel (FrbXnorConv, what Node uses by default),
// with --threads threads (default 1); --backends picks the tfjs backends for per-layer and body (the whole
// models run on the first, and again with the native tier when --native is given).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  PackedConv2D, RPReLU, SRBConv2D, packLayer, packUnit, rprelu, setPackedKernel, srbConv2d, startPackedThreads, stopPackedThreads,
} from '@frb/layers';
import { nodeWorkerSpawner, useNativeConvKernels } from '@frb/layers/node';
import { createModel, deployModel } from '@frb/models';
import { formatOpsG, formatParamsK, type Cost } from '@frb/bench';
import { loadavg } from 'node:os';
import { COST_INPUT, modelCost } from '../src/cost.js';
import { loadUpscalerModel, upscalerModels } from './upscalerjs-models.js';
import { kernelSplit } from './kernel-split.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] != null ? args[i + 1] : dflt;
};
const SIZE = Number(opt('size', '256'));
const SCALE = Number(opt('scale', '4'));
const RUNS = Number(opt('runs', '3'));
const BACKENDS = opt('backends', 'wasm,cpu').split(',');
const NATIVE = args.includes('--native');
const MODEL = !args.includes('--no-model');
// The cpu backend's JS conv takes seconds per body conv at 256x256; its whole-body float run is opt-in.
const CPU_BODY = args.includes('--cpu-body');
const BODY = !args.includes('--no-body');
const LAYER = !args.includes('--no-layer');
const JSON_OUT = args.includes('--json');
const THREADS = Number(opt('threads', '1'));
const READBACK = !args.includes('--no-readback');
const PROFILE = args.includes('--profile');
const PROFILE_TOP = Number(opt('profile-top', '12'));
for (const b of BACKENDS) if (!['wasm', 'cpu'].includes(b)) throw new Error(`bench:infer: --backends entries must be wasm or cpu, got '${b}'`);
if (!(SIZE >= 8) || !(RUNS >= 1) || ![2, 3, 4].includes(SCALE) || !(Number.isInteger(THREADS) && THREADS >= 1)) {
  throw new Error('bench:infer: --size >= 8, --runs >= 1, --scale 2|3|4, --threads >= 1');
}
const log = (...a: unknown[]) => (JSON_OUT ? console.error(...a) : console.log(...a));
const results: Record<string, unknown> = { size: SIZE, scale: SCALE, runs: RUNS };

function median(ts: number[]): number {
  const s = [...ts].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** readback_ms: the median of the dataSync alone (inside wall_ms), when the result is read back. */
interface Timing { wall_ms: number; cpu_ms: number; readback_ms?: number }

/**
 * Interleaved timing: one warm-up of each case, then `runs` rounds running every case once (so a burst of load
 * from other processes hits all cases alike). Reports medians of wall-clock ms and of this process's CPU ms
 * (process.cpuUsage: user + system). Every case here is single-threaded, so CPU ms is its compute time even when
 * the machine is shared; wall ms includes waiting for a core. The result is read back (dataSync) inside the timing
 * unless --no-readback.
 */
function timeCases(cases: Record<string, () => tf.Tensor>, runs = RUNS): Record<string, Timing> {
  const names = Object.keys(cases);
  for (const n of names) cases[n]().dispose();
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  const readback: Record<string, number[]> = {};
  for (const n of names) { wall[n] = []; cpu[n] = []; readback[n] = []; }
  for (let r = 0; r < runs; r++) {
    for (const n of names) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const y = cases[n]();
      const t1 = performance.now();
      if (READBACK) y.dataSync();
      const t2 = performance.now();
      wall[n].push(t2 - t0);
      readback[n].push(t2 - t1);
      const c = process.cpuUsage(c0);
      cpu[n].push((c.user + c.system) / 1000);
      y.dispose();
    }
  }
  const timing = (n: string): Timing => ({
    wall_ms: +median(wall[n]).toFixed(1), cpu_ms: +median(cpu[n]).toFixed(1),
    ...(READBACK ? { readback_ms: +median(readback[n]).toFixed(1) } : {}),
  });
  return Object.fromEntries(names.map((n) => [n, timing(n)]));
}

const ratio = (a: Timing, b: Timing) => ({ wall: +(a.wall_ms / b.wall_ms).toFixed(2), cpu: +(a.cpu_ms / b.cpu_ms).toFixed(2) });

async function weightBytes(m: tfl.LayersModel): Promise<number> {
  let bytes = 0;
  await m.save(tf.io.withSaveHandler(async (a) => {
    bytes = (a.weightData as ArrayBuffer).byteLength;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return bytes;
}

/** FRBC's binary body on its own (same layer configs and weights as `m`), input [size, size, features]. */
function bodyOf(m: tfl.LayersModel, features: number, blocks: number): tfl.LayersModel {
  const input = tfl.input({ shape: [SIZE, SIZE, features] });
  let x: tfl.SymbolicTensor = input;
  const copies: [tfl.layers.Layer, tfl.layers.Layer][] = [];
  for (let i = 0; i < blocks; i++) {
    for (const u of [1, 2]) {
      const p = `body/block_${String(i).padStart(2, '0')}/unit${u}`;
      const src = m.getLayer(`${p}/conv`) as SRBConv2D;
      const conv = srbConv2d({ ...(src.getConfig() as unknown as Parameters<typeof srbConv2d>[0]) });
      const act = rprelu({ name: `${p}/rprelu` });
      const y = act.apply(conv.apply(x)) as tfl.SymbolicTensor;
      x = tfl.layers.add().apply([y, x]) as tfl.SymbolicTensor;
      copies.push([src, conv], [m.getLayer(`${p}/rprelu`), act]);
    }
  }
  const body = tfl.model({ inputs: input, outputs: x });
  for (const [src, dst] of copies) dst.setWeights(src.getWeights());
  return body;
}

/** The 64-feature, 16-block FRBC of the per-layer and body tables, its packed forms, FP twin and one unit's layers. */
async function layerModels() {
  const features = 64;
  const blocks = 16;
  const frbc = createModel('frbc', { scale: SCALE, features, blocks });
  perturb(frbc);
  const fp = createModel('srresnet', { scale: SCALE, features, blocks });
  const body = bodyOf(frbc, features, blocks);
  const conv = frbc.getLayer('body/block_00/unit1/conv') as SRBConv2D;
  const act = frbc.getLayer('body/block_00/unit1/rprelu') as RPReLU;
  return {
    features, blocks, frbc, fp, body, conv, act,
    packed: await deployModel(frbc),
    packedBody: await deployModel(body),
    packedBodyUnfused: await deployModel(body, { fuse: false }),
    pconv: packLayer(conv),
    punit: packUnit(conv, act),
    fpConv: fp.getLayer('body/block_00/conv1'),
  };
}
type LayerModels = Awaited<ReturnType<typeof layerModels>>;
type Config = { backend: string; native: boolean };

/** One layer (float simulation, FP conv, packed, unit fused and unfused) on one backend/tier. */
function timeLayer(m: LayerModels, c: Config, x: tf.Tensor, stockSim: Timing | undefined): Record<string, unknown> {
  const { conv, fpConv, pconv, punit, act } = m;
  const packedCase = c.native ? 'packed_native' : 'packed_wasm';
  const cases: Record<string, () => tf.Tensor> = {
    float_sim: () => conv.apply(x) as tf.Tensor,
    fp_conv: () => fpConv.apply(x) as tf.Tensor,
    [packedCase]: () => pconv.apply(x) as tf.Tensor,
    unit_fused: () => punit.apply(x) as tf.Tensor,
    unit_unfused: () => tf.tidy(() => tf.add(act.apply(pconv.apply(x)) as tf.Tensor, x)),
  };
  setPackedKernel(c.native ? 'native' : 'wasm');
  // The cpu backend's float convs take seconds each at 256x256: one timed round there.
  const r: Record<string, unknown> = timeCases(cases, c.backend === 'cpu' ? 1 : RUNS);
  if (!c.native) {
    setPackedKernel('js');
    r.packed_js = timeCases({ packed_js: () => pconv.apply(x) as tf.Tensor }, 1).packed_js;
    setPackedKernel('wasm');
  }
  const t = r as Record<string, Timing>;
  r.speedup_vs_float_sim = ratio(t.float_sim, t[packedCase]);
  r.speedup_vs_fp_conv = ratio(t.fp_conv, t[packedCase]);
  if (c.native && stockSim) r.speedup_vs_stock_float_sim = ratio(stockSim, t[packedCase]);
  r.unit_fused_speedup = ratio(t.unit_unfused, t.unit_fused);
  return r;
}

/** The binary body alone: float simulation, packed with fused units, packed unfused. */
function timeBody(m: LayerModels, c: Config, x: tf.Tensor, stockBody: Timing | undefined): Record<string, unknown> {
  setPackedKernel(c.native ? 'native' : 'wasm');
  const b: Record<string, unknown> = timeCases({
    float_sim: () => m.body.predict(x) as tf.Tensor,
    packed: () => m.packedBody.predict(x) as tf.Tensor,
    packed_unfused: () => m.packedBodyUnfused.predict(x) as tf.Tensor,
  }, c.backend === 'cpu' ? 1 : RUNS);
  b.speedup = ratio(b.float_sim as Timing, b.packed as Timing);
  b.fused_speedup = ratio(b.packed_unfused as Timing, b.packed as Timing);
  if (c.native && stockBody) b.speedup_vs_stock_float_sim = ratio(stockBody, b.packed as Timing);
  return b;
}

/** weights.bin bytes of the float and packed forms. */
async function fileSizes(m: LayerModels): Promise<Record<string, number>> {
  const files = {
    frbc_float_sim_bytes: await weightBytes(m.frbc),
    frbc_packed_bytes: await weightBytes(m.packed),
    srresnet_fp_bytes: await weightBytes(m.fp),
    body_float_sim_bytes: await weightBytes(m.body),
    body_packed_bytes: await weightBytes(m.packedBody),
  };
  return {
    ...files,
    packed_over_fp: +(files.frbc_packed_bytes / files.srresnet_fp_bytes).toFixed(4),
    body_packed_over_float: +(files.body_packed_bytes / files.body_float_sim_bytes).toFixed(4),
  };
}

async function layersAndBody(): Promise<void> {
  await tf.setBackend(BACKENDS[0]);
  const m = await layerModels();
  const configs: Config[] = BACKENDS.flatMap((b) => (NATIVE ? [{ backend: b, native: false }, { backend: b, native: true }] : [{ backend: b, native: false }]));
  const perLayer: Record<string, Record<string, unknown>> = {};
  const bodyRes: Record<string, Record<string, unknown>> = {};
  for (const c of configs) {
    await tf.setBackend(c.backend);
    const name = `${c.backend}${c.native ? '+native' : ''}`;
    if (c.native) {
      const st = useNativeConvKernels(true, THREADS);
      if (!st.active) { log(`${name}: native kernels unavailable (${st.reason}); skipped`); continue; }
    } else {
      useNativeConvKernels(false);
    }
    const x = tf.randomNormal([1, SIZE, SIZE, m.features], 0, 1, 'float32', 1);
    if (LAYER) {
      log(`\n== ${name}: per-layer, 1x${SIZE}x${SIZE}x64 -> 64, 3x3 ==`);
      perLayer[name] = timeLayer(m, c, x, (perLayer[c.backend] as Record<string, Timing> | undefined)?.float_sim);
      log(perLayer[name]);
    }
    if (!BODY || (c.backend === 'cpu' && !CPU_BODY)) {
      log(`== ${name}: binary body skipped (${BODY ? 'pass --cpu-body' : '--no-body'}) ==`);
    } else {
      log(`== ${name}: binary body (${m.blocks} blocks x 2 units) on 1x${SIZE}x${SIZE}x64 ==`);
      bodyRes[name] = timeBody(m, c, x, (bodyRes[c.backend] as Record<string, Timing> | undefined)?.float_sim);
      log(bodyRes[name]);
    }
    x.dispose();
  }
  Object.assign(results, { per_layer: perLayer, body: bodyRes, threads: THREADS, readback: READBACK });
  useNativeConvKernels(false);
  results.files = await fileSizes(m);
  log('\n== weights.bin sizes ==');
  log(results.files);
  void PackedConv2D;
}

// ---- Whole-model table (issue 21): x{scale} models on a 1x{size}x{size}x3 LR input, per tier and thread count ----

/** Rows of the whole-model table: binary zoo models at two sizes, with their FP twin (srresnet at the same size). */
const TABLE_MODELS: Record<string, { model: 'frbc' | 'frbc-m'; features: number; blocks: number; label: string }> = {
  'frbc-32x8': { model: 'frbc', features: 32, blocks: 8, label: 'FRBC 32/8 (shipped long-291 size)' },
  'frbc-64x16': { model: 'frbc', features: 64, blocks: 16, label: 'FRBC 64/16' },
  'frbc-m-32x8': { model: 'frbc-m', features: 32, blocks: 8, label: 'FRBC-M 32/8 (binary upsampler, shipped size)' },
  'frbc-m-64x16': { model: 'frbc-m', features: 64, blocks: 16, label: 'FRBC-M 64/16 (binary upsampler)' },
};
const SLIM = 'esrgan-slim';
/** Forms of a binary row: float simulation, deployModel (fused units), deployModel(.., {fuse: false}); and its FP twin. */
const FORMS = { float: 'float simulation', packed: 'packed (deployModel)', unfused: 'packed, unfused units', fp: 'FP twin (srresnet)' } as const;
type Form = keyof typeof FORMS;

function listOpt<T extends string>(name: string, dflt: string, allowed: readonly string[]): T[] {
  const v = opt(name, dflt).split(',').map((x) => x.trim()).filter(Boolean);
  for (const x of v) if (!allowed.includes(x)) throw new Error(`bench:infer: --${name} entries must be among ${allowed.join(', ')}; got '${x}'`);
  if (v.length === 0) throw new Error(`bench:infer: --${name} needs at least one entry`);
  return v as T[];
}
const TABLE_ROWS = listOpt<string>('rows', [...Object.keys(TABLE_MODELS), SLIM].join(','), [...Object.keys(TABLE_MODELS), SLIM]);
const TABLE_FORMS = listOpt<Form>('forms', 'float,packed,fp', Object.keys(FORMS));
const TIERS = listOpt<'wasm' | 'native'>('tiers', 'wasm,native', ['wasm', 'native']);
const MODEL_THREADS = opt('model-threads', '1,2').split(',').map(Number);
// --wasm-pool N: also plain wasm with the packed kernel's worker pool at N threads (what the demo page runs where it
// is cross-origin isolated); tfjs-backend-wasm's own kernels stay single-threaded.
const WASM_POOL = Number(opt('wasm-pool', '0'));
if (!(Number.isInteger(WASM_POOL) && (WASM_POOL === 0 || WASM_POOL >= 2))) throw new Error(`bench:infer: --wasm-pool takes 0 (none) or an integer >= 2, got '${opt('wasm-pool', '')}'`);
if (!MODEL_THREADS.every((t) => Number.isInteger(t) && t >= 1)) throw new Error(`bench:infer: --model-threads takes integers >= 1, got '${opt('model-threads', '')}'`);

interface TableCase { row: string; label: string; form: Form | 'fp-upscalerjs'; model: tfl.LayersModel; input: 1 | 255; cost?: Cost }

const fmtMs = (t: Timing | undefined) => (t ? `${Math.round(t.wall_ms).toLocaleString('en-US')} (${Math.round(t.cpu_ms).toLocaleString('en-US')})` : '-');
const fmtX = (a: Timing | undefined, b: Timing | undefined) => (a && b ? `${(a.wall_ms / b.wall_ms).toFixed(2)}x` : '-');

/** Untrained weights moved off their initial values (timing does not depend on the values). */
function perturb(m: tfl.LayersModel): void {
  tf.tidy(() => m.setWeights(m.getWeights().map((w, i) => tf.add(w, tf.randomNormal(w.shape, 0, 0.05, 'float32', i)))));
}

function costOf(m: tfl.LayersModel): Cost | undefined {
  try {
    return modelCost(m, COST_INPUT);
  } catch (err) {
    log(`Params/OPs of '${m.name}' not counted: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/**
 * The whole-model table: every row's forms timed on the wasm backend with this project's wasm kernels (plain wasm,
 * what a browser runs) and with the native tier at each --model-threads, interleaved per configuration (timeCases),
 * each model's output read back unless --no-readback. Prints a Markdown table (median wall ms, CPU ms in
 * parentheses) and the speedups; returns the medians for --json.
 */
/** The table's models: each row's float, packed (and unfused) forms, one FP twin per size, esrgan-slim last. */
async function tableCases() {
  await tf.setBackend('wasm');
  useNativeConvKernels(false);
  const cases: TableCase[] = [];
  const twins = new Map<string, TableCase>();
  const bytes: Record<string, { packed?: number; fp?: number }> = {};
  for (const row of TABLE_ROWS) {
    if (row === SLIM) {
      const m = upscalerModels(log).find((u) => u.row === SLIM && u.scale === SCALE);
      if (!m) { log(`whole-model table: @upscalerjs/esrgan-slim x${SCALE} is not among the pinned UpscalerJS models; its row is left out`); continue; }
      const model = await loadUpscalerModel(m);
      cases.push({ row, label: `UpscalerJS esrgan-slim x${SCALE} (${m.pkg}@${m.version}, full precision)`, form: 'fp-upscalerjs', model, input: m.inputRange, cost: costOf(model) });
      continue;
    }
    const spec = TABLE_MODELS[row];
    const float = createModel(spec.model, { scale: SCALE, features: spec.features, blocks: spec.blocks });
    perturb(float);
    const cost = costOf(float);
    const label = spec.label;
    if (TABLE_FORMS.includes('float')) cases.push({ row, label, form: 'float', model: float, input: 1, cost });
    if (TABLE_FORMS.includes('packed')) {
      const packed = await deployModel(float);
      cases.push({ row, label, form: 'packed', model: packed, input: 1, cost });
      bytes[row] = { packed: await weightBytes(packed) };
    }
    if (TABLE_FORMS.includes('unfused')) cases.push({ row, label, form: 'unfused', model: await deployModel(float, { fuse: false }), input: 1, cost });
    if (!TABLE_FORMS.includes('float')) float.dispose();
    const size = `${spec.features}x${spec.blocks}`;
    if (TABLE_FORMS.includes('fp') && !twins.has(size)) {
      const fp = createModel('srresnet', { scale: SCALE, features: spec.features, blocks: spec.blocks });
      twins.set(size, { row: `srresnet-${size}`, label: `SRResNet ${spec.features}/${spec.blocks} (FP twin)`, form: 'fp', model: fp, input: 1, cost: costOf(fp) });
    }
    if (twins.has(size)) (bytes[row] ??= {}).fp = await weightBytes(twins.get(size)!.model);
  }
  // FP twins after the binary rows, the UpscalerJS row last.
  const ordered = [...cases.filter((c) => c.form !== 'fp-upscalerjs'), ...twins.values(), ...cases.filter((c) => c.form === 'fp-upscalerjs')];

  return { ordered, cases, bytes };
}

type TableConfig = { name: string; native: boolean; threads: number; pool?: boolean };
interface TableTimes { ran: TableConfig[]; times: Record<string, Record<string, Timing>>; load0: number[]; load1: number[]; wasmThreads: boolean }

/** Times every case on plain wasm and on the native tier at each thread count, interleaved per configuration. */
async function timeTable(ordered: TableCase[]): Promise<TableTimes> {
  const configs: TableConfig[] = [];
  if (TIERS.includes('wasm')) configs.push({ name: 'plain wasm', native: false, threads: 1 });
  if (TIERS.includes('wasm') && WASM_POOL) configs.push({ name: `plain wasm, packed pool of ${WASM_POOL}`, native: false, threads: WASM_POOL, pool: true });
  if (TIERS.includes('native')) for (const t of MODEL_THREADS) configs.push({ name: `native tier, ${t} thread${t > 1 ? 's' : ''}`, native: true, threads: t });
  const wasmThreads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  const load0 = loadavg();
  const times: Record<string, Record<string, Timing>> = {};
  const ran: typeof configs = [];
  for (const c of configs) {
    if (c.native) {
      const st = useNativeConvKernels(true, c.threads);
      if (!st.active) { log(`whole-model table: ${c.name} skipped (native kernels unavailable: ${st.reason})`); continue; }
      setPackedKernel('native');
    } else {
      useNativeConvKernels(false);
      setPackedKernel('wasm');
      if (c.pool) await startPackedThreads(c.threads, nodeWorkerSpawner);
    }
    log(`\n== whole models x${SCALE}, LR 1x${SIZE}x${SIZE}x3, ${c.name} ==`);
    const lr = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 2);
    const lr255 = tf.mul(lr, 255);
    const fns: Record<string, () => tf.Tensor> = {};
    for (const k of ordered) fns[`${k.row}/${k.form}`] = () => k.model.predict(k.input === 255 ? lr255 : lr) as tf.Tensor;
    times[c.name] = timeCases(fns);
    log(times[c.name]);
    if (PROFILE) for (const [name, fn] of Object.entries(fns)) await profileCase(`${name}, ${c.name}`, fn);
    ran.push(c);
    tf.dispose([lr, lr255]);
    if (c.pool) stopPackedThreads();
  }
  useNativeConvKernels(false);
  const load1 = loadavg();

  return { ran, times, load0, load1, wasmThreads };
}

/** Prints where one predict of a case spends its time (--profile): kernels by name and output shape. */
async function profileCase(title: string, fn: () => tf.Tensor): Promise<void> {
  const { rows, kernelMs, wallMs } = await kernelSplit(() => fn().data(), (k) => `${k.name} → [${k.outputShapes[0]?.join('x') ?? ''}]`);
  log(`\n  ${title}: ${wallMs} ms wall, ${kernelMs} ms in kernels, ${(wallMs - kernelMs).toFixed(1)} ms between them`);
  for (const r of rows.slice(0, PROFILE_TOP)) {
    log(`    ${r.ms.toFixed(1).padStart(8)} ms ${(100 * r.share).toFixed(1).padStart(5)}%  ${String(r.calls).padStart(3)}x  ${r.kernel}`);
  }
}

/** The Markdown table of whole-model times, the packed rows' ratios and their weights.bin bytes. */
function tableMarkdown(ordered: TableCase[], cases: TableCase[], bytes: Record<string, { packed?: number; fp?: number }>, t: TableTimes): string[] {
  const { ran, times, load0, load1, wasmThreads } = t;
  const head = ['model', 'Params (K)', 'OPs (G)', 'form', ...ran.map((c) => c.name)];
  const md = [
    `Whole models x${SCALE}, LR 1×${SIZE}×${SIZE}×3 → ${SIZE * SCALE}×${SIZE * SCALE}: median wall ms of ${RUNS} interleaved runs after a warm-up (CPU ms of the process in parentheses)` +
      `${READBACK ? ', output read back' : ''}; wasm backend; load average ${load0.map((x) => x.toFixed(2)).join(' ')} at the start, ${load1.map((x) => x.toFixed(2)).join(' ')} at the end.`,
    `Plain wasm: tfjs-backend-wasm's kernels and this project's wasm packed kernel, one thread (WASM_HAS_MULTITHREAD_SUPPORT is ${wasmThreads} under this Node${wasmThreads ? '' : ', so a thread count does not apply'}); native tier: this project's native float conv and XNOR-popcount kernels with N threads. Untrained weights (timing does not depend on them).`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 || i === 3 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const k of ordered) {
    const form = k.form === 'fp-upscalerjs' ? 'full precision' : FORMS[k.form];
    md.push(`| ${[k.label, formatParamsK(k.cost?.params), formatOpsG(k.cost?.ops), form, ...ran.map((c) => fmtMs(times[c.name][`${k.row}/${k.form}`]))].join(' | ')} |`);
  }
  const binRows = [...new Set(cases.filter((c) => c.form === 'packed').map((c) => c.row))];
  if (binRows.length) {
    md.push('', `Packed (wall-time ratios; > 1: packed is faster):`, '', `| packed model | against | ${ran.map((c) => c.name).join(' | ')} |`, `| --- | --- |${ran.map(() => ' ---: |').join('')}`);
    for (const row of binRows) {
      const spec = TABLE_MODELS[row];
      const twin = `srresnet-${spec.features}x${spec.blocks}/fp`;
      const against: Array<[string, string]> = [[`${row}/float`, 'its float simulation'], [twin, 'its FP twin'], [`${SLIM}/fp-upscalerjs`, `UpscalerJS esrgan-slim x${SCALE}`]];
      for (const [key, what] of against) {
        if (!ran.some((c) => times[c.name][key])) continue;
        md.push(`| ${spec.label} | ${what} | ${ran.map((c) => fmtX(times[c.name][key], times[c.name][`${row}/packed`])).join(' | ')} |`);
      }
    }
    md.push('', 'weights.bin bytes, packed vs FP twin:', '');
    for (const row of binRows) {
      const b = bytes[row];
      md.push(`- ${TABLE_MODELS[row].label}: ${b.packed?.toLocaleString('en-US')} packed${b.fp ? ` vs ${b.fp.toLocaleString('en-US')} (1/${(b.fp / b.packed!).toFixed(1)})` : ''}`);
    }
  }
  if (READBACK) {
    // The same output size for every case, so the same work; what it costs depends on how the process's
    // allocator hands out the fresh 4·H·W·3-byte buffer (first touches of fresh pages), not on the model.
    md.push('', `Of the wall ms above, the readback (dataSync of the ${SIZE * SCALE}×${SIZE * SCALE}×3 output), median ms:`, '');
    for (const c of ran) {
      md.push(`- ${c.name}: ${ordered.map((k) => `${k.row}/${k.form} ${times[c.name][`${k.row}/${k.form}`]?.readback_ms ?? '–'}`).join(', ')}`);
    }
  }
  return md;
}

async function wholeModelTable(): Promise<Record<string, unknown>> {
  const { ordered, cases, bytes } = await tableCases();
  const t = await timeTable(ordered);
  log(`\n${tableMarkdown(ordered, cases, bytes, t).join('\n')}\n`);
  for (const k of ordered) k.model.dispose();
  return { configs: t.ran, times: t.times, bytes, loadavg: { start: t.load0, end: t.load1 }, wasm_multithread: t.wasmThreads };
}

async function main(): Promise<void> {
  if (LAYER || BODY) await layersAndBody();
  if (MODEL) results.model = await wholeModelTable();
  useNativeConvKernels(false);
  if (JSON_OUT) console.log(JSON.stringify(results, null, 2));
}

await main();
