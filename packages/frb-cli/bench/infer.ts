// npm run bench:infer [-- --size 256] [--scale 4] [--runs 3] [--backends wasm,cpu] [--native] [--no-model]
//                      [--no-body] [--cpu-body] [--threads N] [--no-readback] [--json]
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
//   model      FRBC x{scale} (64 features, 16 blocks) on a 1x{size}x{size}x3 LR input: float simulation, packed
//              (deployModel, fused units), packed unfused and the FP twin SRResNet, through model.predict
//              (skipped with --no-model)
//   files      saved weights.bin bytes of the three models
// --no-readback times without reading the result back (dataSync of a 16 MB output costs ~10 ms): valid on the
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
import { PackedConv2D, RPReLU, SRBConv2D, packLayer, packUnit, rprelu, setPackedKernel, srbConv2d } from '@frb/layers';
import { useNativeConvKernels } from '@frb/layers/node';
import { createModel, deployModel } from '@frb/models';

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
const JSON_OUT = args.includes('--json');
const THREADS = Number(opt('threads', '1'));
const READBACK = !args.includes('--no-readback');
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

interface Timing { wall_ms: number; cpu_ms: number }

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
  for (const n of names) { wall[n] = []; cpu[n] = []; }
  for (let r = 0; r < runs; r++) {
    for (const n of names) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const y = cases[n]();
      if (READBACK) y.dataSync();
      wall[n].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[n].push((c.user + c.system) / 1000);
      y.dispose();
    }
  }
  return Object.fromEntries(names.map((n) => [n, { wall_ms: +median(wall[n]).toFixed(1), cpu_ms: +median(cpu[n]).toFixed(1) }]));
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

async function main(): Promise<void> {
  await tf.setBackend(BACKENDS[0]);
  const features = 64;
  const blocks = 16;
  const frbc = createModel('frbc', { scale: SCALE, features, blocks });
  // Untrained weights, moved off their initial values (timing does not depend on the values).
  tf.tidy(() => frbc.setWeights(frbc.getWeights().map((w, i) => tf.add(w, tf.randomNormal(w.shape, 0, 0.05, 'float32', i)))));
  const packed = await deployModel(frbc);
  const fp = createModel('srresnet', { scale: SCALE, features, blocks });
  const body = bodyOf(frbc, features, blocks);
  const packedBody = await deployModel(body);
  const packedBodyUnfused = await deployModel(body, { fuse: false });
  const packedUnfused = await deployModel(frbc, { fuse: false });

  const conv = frbc.getLayer('body/block_00/unit1/conv') as SRBConv2D;
  const pconv = packLayer(conv);
  const act = frbc.getLayer('body/block_00/unit1/rprelu') as RPReLU;
  const punit = packUnit(conv, act);
  const fpConv = fp.getLayer('body/block_00/conv1');

  const configs: { backend: string; native: boolean }[] = [];
  for (const b of BACKENDS) {
    configs.push({ backend: b, native: false });
    if (NATIVE) configs.push({ backend: b, native: true });
  }
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
    log(`\n== ${name}: per-layer, 1x${SIZE}x${SIZE}x64 -> 64, 3x3 ==`);
    const x = tf.randomNormal([1, SIZE, SIZE, features], 0, 1, 'float32', 1);
    const cases: Record<string, () => tf.Tensor> = {
      float_sim: () => conv.apply(x) as tf.Tensor,
      fp_conv: () => fpConv.apply(x) as tf.Tensor,
    };
    if (!c.native) cases.packed_wasm = () => pconv.apply(x) as tf.Tensor;
    else cases.packed_native = () => pconv.apply(x) as tf.Tensor;
    cases.unit_fused = () => punit.apply(x) as tf.Tensor;
    cases.unit_unfused = () => tf.tidy(() => tf.add(act.apply(pconv.apply(x)) as tf.Tensor, x));
    setPackedKernel(c.native ? 'native' : 'wasm');
    // The cpu backend's float convs take seconds each at 256x256: one timed round there.
    const r: Record<string, unknown> = timeCases(cases, c.backend === 'cpu' ? 1 : RUNS);
    if (!c.native) {
      setPackedKernel('js');
      r.packed_js = timeCases({ packed_js: () => pconv.apply(x) as tf.Tensor }, 1).packed_js;
      setPackedKernel('wasm');
      const t = r as Record<string, Timing>;
      r.speedup_vs_float_sim = ratio(t.float_sim, t.packed_wasm);
      r.speedup_vs_fp_conv = ratio(t.fp_conv, t.packed_wasm);
    } else {
      const t = r as Record<string, Timing>;
      r.speedup_vs_float_sim = ratio(t.float_sim, t.packed_native);
      r.speedup_vs_fp_conv = ratio(t.fp_conv, t.packed_native);
      const stockSim = (perLayer[c.backend] as Record<string, Timing> | undefined)?.float_sim;
      if (stockSim) r.speedup_vs_stock_float_sim = ratio(stockSim, t.packed_native);
    }
    r.unit_fused_speedup = ratio(r.unit_unfused as Timing, r.unit_fused as Timing);
    perLayer[name] = r;
    log(r);

    if (!BODY || (c.backend === 'cpu' && !CPU_BODY)) {
      log(`== ${name}: binary body skipped (${BODY ? 'pass --cpu-body' : '--no-body'}) ==`);
      x.dispose();
      continue;
    }
    log(`== ${name}: binary body (${blocks} blocks x 2 units) on 1x${SIZE}x${SIZE}x64 ==`);
    const bodyRuns = c.backend === 'cpu' ? 1 : RUNS;
    setPackedKernel(c.native ? 'native' : 'wasm');
    const b: Record<string, unknown> = timeCases({
      float_sim: () => body.predict(x) as tf.Tensor,
      packed: () => packedBody.predict(x) as tf.Tensor,
      packed_unfused: () => packedBodyUnfused.predict(x) as tf.Tensor,
    }, bodyRuns);
    b.speedup = ratio(b.float_sim as Timing, b.packed as Timing);
    b.fused_speedup = ratio(b.packed_unfused as Timing, b.packed as Timing);
    const stockBody = (bodyRes[c.backend] as Record<string, Timing> | undefined)?.float_sim;
    if (c.native && stockBody) b.speedup_vs_stock_float_sim = ratio(stockBody, b.packed as Timing);
    bodyRes[name] = b;
    log(b);
    x.dispose();
  }
  results.per_layer = perLayer;
  results.body = bodyRes;
  results.threads = THREADS;
  results.readback = READBACK;
  useNativeConvKernels(false);

  if (MODEL) {
    await tf.setBackend(BACKENDS[0]);
    const model: Record<string, unknown> = {};
    for (const native of NATIVE ? [false, true] : [false]) {
      const name = `${BACKENDS[0]}${native ? '+native' : ''}`;
      if (native && !useNativeConvKernels(true, THREADS).active) continue;
      setPackedKernel(native ? 'native' : 'wasm');
      log(`\n== ${name}: whole models x${SCALE}, LR 1x${SIZE}x${SIZE}x3 ==`);
      const lr = tf.randomUniform([1, SIZE, SIZE, 3], 0, 1, 'float32', 2);
      const m: Record<string, unknown> = timeCases({
        frbc_float_sim: () => frbc.predict(lr) as tf.Tensor,
        frbc_packed: () => packed.predict(lr) as tf.Tensor,
        frbc_packed_unfused: () => packedUnfused.predict(lr) as tf.Tensor,
        srresnet_fp: () => fp.predict(lr) as tf.Tensor,
      });
      m.fused_speedup = ratio(m.frbc_packed_unfused as Timing, m.frbc_packed as Timing);
      m.packed_speedup_vs_float_sim = ratio(m.frbc_float_sim as Timing, m.frbc_packed as Timing);
      m.packed_speedup_vs_fp = ratio(m.srresnet_fp as Timing, m.frbc_packed as Timing);
      model[name] = m;
      log(m);
      lr.dispose();
    }
    useNativeConvKernels(false);
    results.model = model;
  }

  const files = {
    frbc_float_sim_bytes: await weightBytes(frbc),
    frbc_packed_bytes: await weightBytes(packed),
    srresnet_fp_bytes: await weightBytes(fp),
    body_float_sim_bytes: await weightBytes(body),
    body_packed_bytes: await weightBytes(packedBody),
  };
  results.files = {
    ...files,
    packed_over_fp: +(files.frbc_packed_bytes / files.srresnet_fp_bytes).toFixed(4),
    body_packed_over_float: +(files.body_packed_bytes / files.body_float_sim_bytes).toFixed(4),
  };
  log('\n== weights.bin sizes ==');
  log(results.files);
  if (JSON_OUT) console.log(JSON.stringify(results, null, 2));
  void PackedConv2D;
}

await main();
