// npm run bench:xnor [-- --runs 9] [--threads 1,2] [--size 256] [--json] [--no-rgb] [--no-chains] [--body-units 2,4] [--baseline <module.node> [--baseline-layout u64]]
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
// Then (unless --no-chains) the conv chains of a packed FRBC-M x4 (order 2): its tail (upsampler stage 2 on
// 1 x 2·size x 2·size x C, the conv_hr unit with LeakyReLU, the conv to RGB), the same from stage 1 on, and a body
// chain of body units (on 1 x size x size x C), each as separate calls (xnorConv per level, conv2d) and as one
// row-by-row pass (xnorChain), per thread count; --body-units sets the body chains' lengths (units per pass).
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
const CHAINS = !args.includes('--no-chains');
const BODY_UNITS = opt('body-units', '2,4').split(',').map(Number);
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
  if (CHAINS) {
    for (const C of [64, 32]) {
      // Random binary levels in xnorChain's argument layout, and the same as separate xnorConv calls.
      const binary = (cin: number, r: number, seed: number, leaky: boolean) => {
        const order = 2, taps = 9, cout = cin * r * r;
        const rows = new Int32Array(order * cout * rowWords(taps, cin));
        const rw = filler(seed);
        for (let i = 0; i < rows.length; i++) rows[i] = (rw() * 2 ** 32) | 0;
        return {
          r, order, arrays: [
            floats(cin, seed + 3, 0.2), nativeXnorWeights(rows, order, cout, taps, cin, rowWords(taps, cin)),
            floats(order * cout, seed + 1, 0.1).map(Math.abs), floats(cout, seed + 2, 0.1), floats(cout, seed + 4, 0.3),
            floats(cout, seed + 5, 0.3).map((v) => v + 0.25), floats(cout, seed + 6, 0.3), leaky ? new Float32Array([0.1]) : null,
          ] as const,
        };
      };
      type Bin = ReturnType<typeof binary>;
      const chains: [string, number, (Bin | 'rgb')[]][] = [
        [`FRBC-M x4 tail at C = ${C} (stage 2 from 1x${2 * SIZE}x${2 * SIZE}x${C}, conv_hr unit, conv to RGB)`, 2 * SIZE, [binary(C, 2, 30, false), binary(C, 1, 40, true), 'rgb']],
        [`FRBC-M x4 from stage 1 at C = ${C} (stages 1 and 2 from 1x${SIZE}x${SIZE}x${C}, conv_hr unit, conv to RGB)`, SIZE, [binary(C, 2, 20, false), binary(C, 2, 30, false), binary(C, 1, 40, true), 'rgb']],
        ...BODY_UNITS.map((u): [string, number, (Bin | 'rgb')[]] => [`${u} body units at C = ${C} (on 1x${SIZE}x${SIZE}x${C})`, SIZE, Array.from({ length: u }, (_, i) => binary(C, 1, 50 + 10 * i, false))]),
      ];
      const wLast = floats(9 * C * 3, 70, 0.1), biasLast = floats(3, 71);
      for (const [label, size, levels] of chains) {
        const x = floats(size * size * C, 21);
        // The separate calls' outputs, one buffer per level (as a model's tensors).
        const sizes: number[] = [];
        let s = size;
        for (const lv of levels) { s *= lv === 'rgb' ? 1 : lv.r; sizes.push(s); }
        const outs = levels.map((lv, i) => new Float32Array(sizes[i] * sizes[i] * (lv === 'rgb' ? 3 : C)));
        const out = outs[outs.length - 1];
        for (const threads of THREADS) {
          const params = [threads, 1, size, size, C, levels.length, 0, ...levels.flatMap((lv) => (lv === 'rgb' ? [1, 1, 3] : [0, lv.r, lv.order]))];
          const arrays = levels.flatMap((lv) => (lv === 'rgb' ? [wLast, biasLast] : [...lv.arrays]));
          const separate = () => {
            let input = x, h = size;
            levels.forEach((lv, i) => {
              if (lv === 'rgb') {
                r.native!.conv2d(new Int32Array([threads, 1, h, h, C, 3, 3, 1, 1, 1, 1, 1, 1, h, h, 3]), input, wLast, biasLast, outs[i]);
              } else {
                const [thr, w, alpha, bias, gamma, slope, zeta, leaky] = lv.arrays;
                r.native!.xnorConv(new Int32Array([threads, 1, h, h, C, 3, 3, 1, 1, 1, 1, 1, 1, h, h, C * lv.r * lv.r, lv.order, 0, lv.r]),
                  input, thr, w, alpha, bias, outs[i], gamma, slope, zeta, input, leaky);
                h *= lv.r;
              }
              input = outs[i];
            });
          };
          timeVariants(`${label}, ${threads} thread(s)`, [
            ['separate calls', separate],
            ['one pass', () => r.native!.xnorChain(new Int32Array(params), x, ...arrays, out)],
          ], results, 'separate calls');
        }
      }
    }
  }
  log(`\n  load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (JSON_OUT) console.log(JSON.stringify({ load: os.loadavg(), results }));
}

main();
