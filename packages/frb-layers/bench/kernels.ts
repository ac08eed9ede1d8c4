// npm run bench:kernels [-- --runs 5] [--json] [--backends wasm,cpu]
// Medians (after one warm-up) of forward, filter-gradient and input-gradient time, stock vs ours, per backend.
// A stock kernel whose warm-up run alone takes > 10 s is reported from that single run (n=1) rather than
// repeated (tfjs-cpu's Conv2DBackpropFilter takes over a minute on the 128x128 case).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { isFrbKernel, registerConvGradKernels, unregisterConvGradKernels } from '../src/kernels/index.js';

interface Stat { median_ms: number; min_ms: number; max_ms: number; n: number }
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '5'));
const JSON_OUT = args.includes('--json');
const BACKENDS = opt('backends', 'wasm,cpu').split(',');
const log = (...a: unknown[]) => { if (!JSON_OUT) console.log(...a); };

function time(fn: () => tf.Tensor): Stat | null {
  const once = () => {
    const t0 = performance.now();
    const r = fn();
    r.dataSync();
    const dt = performance.now() - t0;
    r.dispose();
    return dt;
  };
  let warm: number;
  try {
    warm = once();
  } catch (e) {
    log(`    (failed: ${(e as Error).message.split('\n')[0]})`);
    return null;
  }
  const ts = warm > 10_000 ? [warm] : Array.from({ length: RUNS }, once);
  ts.sort((a, b) => a - b);
  const med = ts.length % 2 ? ts[(ts.length - 1) / 2] : (ts[ts.length / 2 - 1] + ts[ts.length / 2]) / 2;
  return { median_ms: +med.toFixed(2), min_ms: +ts[0].toFixed(2), max_ms: +ts[ts.length - 1].toFixed(2), n: ts.length };
}

const CASES = {
  '1x128x128 64->64 3x3': { x: [1, 128, 128, 64], cout: 64 },
  'conv4 layer 4x48x48 64->64 3x3': { x: [4, 48, 48, 64], cout: 64 },
} as const;

const fmt = (s: Stat | null) => (s == null ? 'n/a' : `${s.median_ms.toFixed(1)} ms (min ${s.min_ms.toFixed(1)}, max ${s.max_ms.toFixed(1)}, n=${s.n})`);

async function main() {
  const out: Record<string, Record<string, Record<string, Stat | null>>> = {};
  for (const backend of BACKENDS) {
    await tf.setBackend(backend);
    out[backend] = {};
    log(`\n== ${backend} (single thread: tfjs-backend-wasm runs unthreaded under Node) ==`);
    for (const [name, c] of Object.entries(CASES)) {
      const [n, h, w, cin] = c.x;
      const x = tf.randomNormal([n, h, w, cin]) as tf.Tensor4D;
      const filter = tf.randomNormal([3, 3, cin, c.cout], 0, 0.05) as tf.Tensor4D;
      const dy = tf.randomNormal([n, h, w, c.cout]) as tf.Tensor4D;
      const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
      const fwd = () => tf.conv2d(x, filter, 1, 'same');
      const dW = () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: filter.shape } as never) as tf.Tensor;
      const dX = () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { ...attrs, inputShape: x.shape } as never) as tf.Tensor;
      log(`  ${name}`);
      const r: Record<string, Stat | null> = {};
      r.forward = time(fwd);
      log(`    forward                 ${fmt(r.forward)}`);
      registerConvGradKernels();
      r.filter_grad_ours = time(dW);
      r.input_grad_ours = time(dX);
      const dxOurs = isFrbKernel(tf.Conv2DBackpropInput, backend);
      unregisterConvGradKernels();
      r.filter_grad_stock = tf.getKernel(tf.Conv2DBackpropFilter, backend) ? time(dW) : null;
      r.input_grad_stock = time(dX);
      registerConvGradKernels();
      log(`    filter grad  stock      ${r.filter_grad_stock ? fmt(r.filter_grad_stock) : 'no kernel'}`);
      log(`    filter grad  ours       ${fmt(r.filter_grad_ours)}`);
      log(`    input grad   stock      ${fmt(r.input_grad_stock)}`);
      log(`    input grad   registered ${fmt(r.input_grad_ours)}${dxOurs ? ' (ours)' : ' (stock kept: faster on this backend)'}`);
      out[backend][name] = r;
      tf.dispose([x, filter, dy]);
    }
  }
  if (JSON_OUT) console.log(JSON.stringify(out));
}

main();
