// npm run bench:xnor [-- --runs 9] [--threads 1,2] [--size 256] [--json] [--no-rgb] [--no-tail] [--baseline <module.node> [--baseline-layout u64]]
// One packed binary conv layer on the native tier against this project's native float conv on the same geometry
// (3x3 'same', order 2, 1 x size x size x C -> C, for C = 64, the 64-feature FRBC body, and C = 32, the shipped
// size): the packed conv alone and as a fused unit (RPReLU + residual add in its epilogue), per thread count.
// Calls the compiled module directly on typed arrays (no tfjs dispatch), so only the kernels are timed.
// Variants run interleaved, one call of each per round, and medians are reported, so load from other processes
// hits every variant alike. Each call's process CPU time (user + system, all threads) is shown beside its wall
// time: on a loaded machine it shows a kernel's work apart from the time slices it got. --baseline loads a second
// compiled module (e.g. one the loader built from another revision, in ~/.cache/frb-layers) and times its
// xnorConv in the same rounds, for A/B; a module built before issue 21 takes its weights in its own layout (u64
// words of 64 channels, [tap][word][base][Co]), given with --baseline-layout u64. Then (unless --no-rgb) the FP
// conv to RGB that every model ends with, 1 x 4·size x 4·size x C -> 3 (x4), on the native float conv (and the
// baseline module's conv2d), since it runs after the binary parts in every packed model and its FP twin alike.
// Then (unless --no-tail) the tail of a packed FRBC-M x4 from the second upsampler stage on: the stage (order 2,
// 1 x 2·size x 2·size x C -> C·4, shuffled to 4·size square, plus its enlarged input), the conv_hr unit (with
// LeakyReLU) and the conv to RGB, as the three calls a model made before (xnorConv, xnorConv, conv2d) and as the
// one row-by-row pass (xnorTail), per thread count.
import { createRequire } from 'node:module';
import os from 'node:os';
import { loadNativeKernels } from '../src/kernels/native/loader.js';
import type { NativeModule } from '../src/kernels/native/module.js';
import { nativeXnorWeights } from '../src/packed/xnor-native.js';
import { rowWords } from '../src/packed/bits.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '9'));
const THREADS = opt('threads', '1,2').split(',').map(Number);
const SIZE = Number(opt('size', '256'));
const BASELINE = opt('baseline', '');
const BASELINE_LAYOUT = opt('baseline-layout', 'current');
const JSON_OUT = args.includes('--json');
const RGB = !args.includes('--no-rgb');
const TAIL = !args.includes('--no-tail');
const log = (...a: unknown[]) => { if (!JSON_OUT) console.log(...a); };

/** Seeded xorshift, so both modules see the same data every run. */
function filler(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32 - 0.5;
  };
}
const floats = (n: number, seed: number, scale = 1) => { const r = filler(seed); return Float32Array.from({ length: n }, () => r() * scale); };
const median = (ts: number[]) => { const s = [...ts].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/** Sign rows as u64 words [tap][⌈cin/64⌉][row] (Int32 pairs): the native weight layout before issue 21. */
function u64Weights(kernel: Int32Array, rows: number, taps: number, cin: number, rowStride: number): Int32Array {
  const wpt = Math.ceil(cin / 32), w64 = Math.ceil(cin / 64);
  const out = new Int32Array(2 * taps * w64 * rows);
  for (let t = 0; t < taps; t++) {
    for (let j = 0; j < w64; j++) {
      for (let r = 0; r < rows; r++) {
        const src = r * rowStride + t * wpt + 2 * j, dst = 2 * ((t * w64 + j) * rows + r);
        out[dst] = kernel[src];
        out[dst + 1] = 2 * j + 1 < wpt ? kernel[src + 1] : 0;
      }
    }
  }
  return out;
}

type Variant = [name: string, run: () => void];

/**
 * Times the variants interleaved (one warm-up each, then RUNS rounds of one call each), logs and records each one's
 * median wall and process CPU ms under `key`; with `ref`, the first variant is the reference the others' ratios use.
 */
function timeVariants(key: string, variants: Variant[], results: Record<string, Record<string, number>>, ref?: string) {
  const times = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  variants.forEach(([, f]) => f()); // warm-up
  for (let run = 0; run < RUNS; run++) {
    variants.forEach(([, f], i) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      f();
      times[i].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[i].push((c.user + c.system) / 1000);
    });
  }
  results[key] = {};
  log(`\n  ${key}`);
  const refWall = median(times[0]), refCpu = median(cpu[0]);
  variants.forEach(([name], i) => {
    const m = median(times[i]);
    const mc = median(cpu[i]);
    results[key][`${name.replace(/ /g, '_')}_ms`] = +m.toFixed(2);
    results[key][`${name.replace(/ /g, '_')}_cpu_ms`] = +mc.toFixed(2);
    const vs = ref && i > 0;
    log(`    ${name.padEnd(14)} ${m.toFixed(2).padStart(8)} ms  (min ${Math.min(...times[i]).toFixed(2)}, max ${Math.max(...times[i]).toFixed(2)})${vs ? `  ${(refWall / m).toFixed(2)}x ${ref}` : ''}` +
      `   cpu ${mc.toFixed(2)} ms${vs ? ` (${(refCpu / mc).toFixed(2)}x)` : ''}`);
  });
}

function main() {
  const r = loadNativeKernels();
  if (!r.native) { console.error(`bench:xnor: native tier unavailable: ${r.reason}`); process.exit(1); }
  const mods: [string, NativeModule][] = [['packed', r.native]];
  if (BASELINE) mods.push(['baseline', createRequire(import.meta.url)(BASELINE) as NativeModule]);
  log(`bench:xnor  ${os.cpus()[0]?.model}, ${os.cpus().length} cpus, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${RUNS} interleaved rounds, medians`);
  const results: Record<string, Record<string, number>> = {};
  for (const C of [64, 32]) {
    const H = SIZE, W = SIZE, k = 3, order = 2, taps = k * k;
    const geo = [1, H, W, C, k, k, 1, 1, 1, 1, 1, 1, H, W, C];
    const x = floats(H * W * C, 1);
    const thr = floats(C, 2, 0.2);
    const wf = floats(taps * C * C, 3, 0.1);
    // Random sign rows in the stored layout ([order·C] rows of rowWords words), then the native u64 layout.
    const rows = new Int32Array(order * C * rowWords(taps, C));
    const rw = filler(4);
    const wpt = Math.ceil(C / 32);
    for (let row = 0; row < order * C; row++) {
      for (let t = 0; t < taps; t++) {
        for (let j = 0; j < wpt; j++) {
          const bits = Math.min(32, C - 32 * j);
          rows[row * rowWords(taps, C) + t * wpt + j] = bits === 32 ? (rw() * 2 ** 32) | 0 : ((rw() + 0.5) * 2 ** bits) >>> 0;
        }
      }
    }
    const wbits = nativeXnorWeights(rows, order, C, taps, C, rowWords(taps, C));
    const wOld = BASELINE_LAYOUT === 'u64' ? u64Weights(rows, order * C, taps, C, rowWords(taps, C)) : wbits;
    const alpha = floats(order * C, 5, 0.1).map(Math.abs);
    const bias = floats(C, 6);
    const gamma = floats(C, 7, 0.3), slope = floats(C, 8, 0.3).map((v) => v + 0.25), zeta = floats(C, 9, 0.3);
    const out = new Float32Array(H * W * C);
    for (const threads of THREADS) {
      const p = new Int32Array([threads, ...geo]);
      const px = new Int32Array([threads, ...geo, order]);
      const variants: Variant[] = [['float conv', () => r.native!.conv2d(p, x, wf, bias, out)]];
      for (const [name, m] of mods) {
        const wm = name === 'baseline' ? wOld : wbits;
        variants.push([`${name}`, () => m.xnorConv(px, x, thr, wm, alpha, bias, out)]);
        variants.push([`${name} unit`, () => m.xnorConv(px, x, thr, wm, alpha, bias, out, gamma, slope, zeta, x)]);
      }
      timeVariants(`1x${H}x${W}x${C}->${C} 3x3 order ${order}, ${threads} thread(s)`, variants, results, 'float conv');
    }
  }
  if (RGB) {
    // The FP conv to RGB every model ends with (x4: 4·size square, C → 3), on the native float conv's narrow path.
    for (const C of [64, 32]) {
      const H = 4 * SIZE, W = 4 * SIZE;
      const geo = [1, H, W, C, 3, 3, 1, 1, 1, 1, 1, 1, H, W, 3];
      const x = floats(H * W * C, 11), wf = floats(9 * C * 3, 12, 0.1), bias = floats(3, 13);
      const out = new Float32Array(H * W * 3);
      for (const threads of THREADS) {
        const p = new Int32Array([threads, ...geo]);
        const variants = mods.map(([name, m]): Variant => [name === 'packed' ? 'conv to RGB' : 'baseline', () => m.conv2d(p, x, wf, bias, out)]);
        timeVariants(`1x${H}x${W}x${C}->3 3x3 float (conv to RGB), ${threads} thread(s)`, variants, results);
      }
    }
  }
  if (TAIL) {
    for (const C of [64, 32]) {
      const H = 2 * SIZE, W = 2 * SIZE, Hf = 2 * H, Wf = 2 * W, order = 2, taps = 9, Cu = 4 * C;
      const x = floats(H * W * C, 21);
      const conv = (cout: number, seed: number) => {
        const rows = new Int32Array(order * cout * rowWords(taps, C));
        const rw = filler(seed);
        for (let i = 0; i < rows.length; i++) rows[i] = (rw() * 2 ** 32) | 0;
        return {
          w: nativeXnorWeights(rows, order, cout, taps, C, rowWords(taps, C)), alpha: floats(order * cout, seed + 1, 0.1).map(Math.abs),
          bias: floats(cout, seed + 2, 0.1), thr: floats(C, seed + 3, 0.2), gamma: floats(cout, seed + 4, 0.3),
          slope: floats(cout, seed + 5, 0.3).map((v) => v + 0.25), zeta: floats(cout, seed + 6, 0.3),
        };
      };
      const up = conv(Cu, 30), hr = conv(C, 40);
      const leaky = new Float32Array([0.1]), wLast = floats(9 * C * 3, 50, 0.1), biasLast = floats(3, 51);
      const stage = new Float32Array(Hf * Wf * C), unit = new Float32Array(Hf * Wf * C), out = new Float32Array(Hf * Wf * 3);
      for (const threads of THREADS) {
        const pu = new Int32Array([threads, 1, H, W, C, 3, 3, 1, 1, 1, 1, 1, 1, H, W, Cu, order, 0, 2]);
        const ph = new Int32Array([threads, 1, Hf, Wf, C, 3, 3, 1, 1, 1, 1, 1, 1, Hf, Wf, C, order, 0, 1]);
        const pl = new Int32Array([threads, 1, Hf, Wf, C, 3, 3, 1, 1, 1, 1, 1, 1, Hf, Wf, 3]);
        const pt = new Int32Array([threads, 1, H, W, C, 2, order, order, 3, 0]);
        const variants: Variant[] = [
          ['three calls', () => {
            r.native!.xnorConv(pu, x, up.thr, up.w, up.alpha, up.bias, stage, up.gamma, up.slope, up.zeta, x, null);
            r.native!.xnorConv(ph, stage, hr.thr, hr.w, hr.alpha, hr.bias, unit, hr.gamma, hr.slope, hr.zeta, stage, leaky);
            r.native!.conv2d(pl, unit, wLast, biasLast, out);
          }],
          ['one pass', () => r.native!.xnorTail(pt, x, up.thr, up.w, up.alpha, up.bias, up.gamma, up.slope, up.zeta,
            hr.thr, hr.w, hr.alpha, hr.bias, hr.gamma, hr.slope, hr.zeta, leaky, wLast, biasLast, out)],
        ];
        timeVariants(`FRBC-M x4 tail at C = ${C}: stage 1x${H}x${W}x${C} -> ${Hf}x${Wf}x${C}, conv_hr unit, conv to RGB, ${threads} thread(s)`, variants, results, 'three calls');
      }
    }
  }
  log(`\n  load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (JSON_OUT) console.log(JSON.stringify({ load: os.loadavg(), results }));
}

main();
