// npm run bench:kernels [-- --runs 5] [--json] [--backends wasm,cpu] [--threads 2]
// Medians (after one warm-up) of forward, filter-gradient and input-gradient time per backend for three tiers:
// stock tfjs kernels, this project's portable kernels (forward-conv formulations on the backend's own Conv2D),
// and the native tier (compiled on first use; convs split across --threads).
// A stock kernel whose warm-up run alone takes > 10 s is reported from that single run (n=1) rather than
// repeated (tfjs-cpu's Conv2DBackpropFilter takes over a minute on the 128x128 case).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerFrbKernels, unregisterFrbKernels } from '../src/kernels/index.js';
import { useNativeConvKernels } from '../src/backend.js';

interface Stat { median_ms: number; min_ms: number; max_ms: number; n: number }
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '5'));
const JSON_OUT = args.includes('--json');
const BACKENDS = opt('backends', 'wasm,cpu').split(',');
const THREADS = Number(opt('threads', '2'));
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
    log(`\n== ${backend} (stock and portable tiers single-threaded: ${backend === 'wasm' ? 'tfjs-backend-wasm runs unthreaded under Node' : 'pure JS'}; native on ${THREADS} thread(s)) ==`);
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
      useNativeConvKernels(false);
      unregisterFrbKernels();
      r.forward_stock = time(fwd);
      r.filter_grad_stock = tf.getKernel(tf.Conv2DBackpropFilter, backend) ? time(dW) : null;
      r.input_grad_stock = time(dX);
      registerFrbKernels({ tier: 'portable' });
      r.filter_grad_portable = time(dW);
      r.input_grad_portable = time(dX);
      const ns = useNativeConvKernels(true, THREADS);
      if (ns.active) {
        r.forward_native = time(fwd);
        r.filter_grad_native = time(dW);
        r.input_grad_native = time(dX);
      }
      useNativeConvKernels(false);
      const row = (label: string, k: string) => log(`    ${label.padEnd(26)} ${r[k] ? fmt(r[k]) : k.endsWith('stock') ? 'no kernel' : `n/a (${ns.reason})`}`);
      row('forward      stock', 'forward_stock');
      row(`forward      native x${THREADS}`, 'forward_native');
      row('filter grad  stock', 'filter_grad_stock');
      row('filter grad  portable', 'filter_grad_portable');
      row(`filter grad  native x${THREADS}`, 'filter_grad_native');
      row('input grad   stock', 'input_grad_stock');
      row('input grad   portable', 'input_grad_portable');
      row(`input grad   native x${THREADS}`, 'input_grad_native');
      out[backend][name] = r;
      tf.dispose([x, filter, dy]);
    }
  }
  if (JSON_OUT) console.log(JSON.stringify(out));
}

main();
