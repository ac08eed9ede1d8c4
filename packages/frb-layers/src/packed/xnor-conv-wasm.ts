/**
 * Direct (im2col-free) packed conv for stride-1 convs in WebAssembly: one module per (channels, kernel taps,
 * output block) holds both the SIMD sign packer and the XNOR-popcount conv, sharing one memory, so activations are
 * packed straight into a zero-bordered bit image and every output pixel reads its taps at fixed offsets from its
 * top-left corner. The border pixels of the bit image are 0 bits (+1), corrected afterwards exactly as the
 * im2col path does (packed-conv2d.ts). Weight rows are laid out tap by tap with `tapWords` (even) words per tap.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assembleModule, CodeWriter, F64, I32, I64, Op, Simd, V128, type FuncSpec } from './wasm-builder.js';
import { signPackFunc } from './sign-pack-wasm.js';
import { packedThreadPool, SHARED_MAX_PAGES, type XnorThreadPool } from './xnor-threads.js';

/**
 * The popcount sums of one base for `pixels` pixels × `block` output channels over every tap and word: PC[q·block + b]
 * = Σ popcount(activation word XOR weight word) (locals named as in convFunc).
 */
function emitPopcounts(c: CodeWriter, v: { taps: number; tapWords64: number; block: number; pixels: number; AH: number; WROW: number; WV: number; PC: number }): void {
  const { taps, tapWords64, block, pixels, AH, WROW, WV, PC } = v;
  const rowBytes = taps * tapWords64 * 8;
  for (let t = 0; t < taps; t++) {
    for (let j = 0; j < tapWords64; j++) {
      const first = t === 0 && j === 0;
      const A = AH + (t * tapWords64 + j) * pixels; // this word of every pixel, loaded once per pixel block
      for (let b = 0; b < block; b++) {
        c.get(WROW).mem(Op.i64Load, 3, b * rowBytes + (t * tapWords64 + j) * 8).set(WV);
        for (let q = 0; q < pixels; q++) {
          const pc = PC + q * block + b;
          if (!first) c.get(pc);
          c.get(A + q).get(WV).op(Op.i64Xor, Op.i64Popcnt);
          if (!first) c.op(Op.i64Add);
          c.set(pc);
        }
      }
    }
  }
}

/**
 * conv(img, w, alpha, bias, out, oh, ow, rowSkip, cout, order, K, tapOffPtr): for oh × ow output pixels whose
 * receptive fields start at img and advance by one pixel (tapWords·4 bytes) per column and by rowSkip extra bytes per
 * row; tapOffPtr holds the byte offset of each tap (int32), so any dilation works.
 */
function convFunc(taps: number, tapWords64: number, block: number, pixels = 1): FuncSpec {
  const [IMG, W, ALPHA, BIAS, OUT, OH, OW, ROWSKIP, COUT, ORDER, K, TOFF] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [Y, X, O, WROW, KLEFT, ALPHAP, KSTRIDE, COUTB, WV] = [12, 13, 14, 15, 16, 17, 18, 19, 20];
  const T0 = 21; //                i32 × taps (tap byte offsets)
  const ACC = T0 + taps; //        f64 × pixels·block (pixel-major)
  const PC = ACC + pixels * block; // i64 × pixels·block
  const AH = PC + pixels * block; // i64 × taps·tapWords64·pixels: the block's activation words, read once per block
  const rowBytes = taps * tapWords64 * 8;
  const pixelBytes = tapWords64 * 8;
  const c = new CodeWriter();
  for (let t = 0; t < taps; t++) c.get(TOFF).mem(Op.i32Load, 2, t * 4).set(T0 + t);
  c.get(COUT).i32(rowBytes).op(Op.i32Mul).set(KSTRIDE);
  c.get(COUT).i32(4).op(Op.i32Mul).set(COUTB);
  c.get(OH).set(Y);
  c.begin(Op.loop); //                                                   output rows
  c.get(OW).set(X);
  c.begin(Op.loop); //                                                   output columns, `pixels` at a time
  // Every activation word of this pixel block, once (every output channel reads the same ones).
  for (let t = 0; t < taps; t++) {
    for (let j = 0; j < tapWords64; j++) {
      for (let q = 0; q < pixels; q++) c.get(IMG).get(T0 + t).op(Op.i32Add).mem(Op.i64Load, 3, j * 8 + q * pixelBytes).set(AH + (t * tapWords64 + j) * pixels + q);
    }
  }
  c.i32(0).set(O);
  c.begin(Op.loop); //                                                   output-channel blocks
  for (let b = 0; b < block; b++) {
    c.get(BIAS).get(O).i32(8).op(Op.i32Mul).op(Op.i32Add).mem(Op.f64Load, 3, b * 8).set(ACC + b);
    for (let q = 1; q < pixels; q++) c.get(ACC + b).set(ACC + q * block + b);
  }
  c.get(W).get(O).i32(rowBytes).op(Op.i32Mul).op(Op.i32Add).set(WROW);
  c.get(ALPHA).get(O).i32(8).op(Op.i32Mul).op(Op.i32Add).set(ALPHAP);
  c.get(ORDER).set(KLEFT);
  c.begin(Op.loop); //                                                   bases k
  emitPopcounts(c, { taps, tapWords64, block, pixels, AH, WROW, WV, PC });
  for (let q = 0; q < pixels; q++) {
    for (let b = 0; b < block; b++) {
      const i = q * block + b;
      c.get(ACC + i).get(ALPHAP).mem(Op.f64Load, 3, b * 8);
      c.get(K).get(PC + i).i64(1).op(Op.i64Shl).op(Op.f64ConvertI64S).op(Op.f64Sub);
      c.op(Op.f64Mul).op(Op.f64Add).set(ACC + i);
    }
  }
  c.get(WROW).get(KSTRIDE).op(Op.i32Add).set(WROW);
  c.get(ALPHAP).get(COUT).i32(8).op(Op.i32Mul).op(Op.i32Add).set(ALPHAP);
  c.get(KLEFT).i32(1).op(Op.i32Sub).tee(KLEFT).brIf(0);
  c.end();
  for (let b = 0; b < block; b++) c.get(OUT).get(ACC + b).op(Op.f32DemoteF64).mem(Op.f32Store, 2, b * 4);
  for (let q = 1; q < pixels; q++) {
    for (let b = 0; b < block; b++) {
      c.get(OUT).get(COUTB).i32(q).op(Op.i32Mul).op(Op.i32Add).get(ACC + q * block + b).op(Op.f32DemoteF64).mem(Op.f32Store, 2, b * 4);
    }
  }
  c.get(OUT).i32(4 * block).op(Op.i32Add).set(OUT);
  c.get(O).i32(block).op(Op.i32Add).tee(O).get(COUT).op(Op.i32LtU).brIf(0);
  c.end();
  // The o loop advanced OUT past pixel 0's outputs; skip the other pixels' too.
  if (pixels > 1) c.get(OUT).get(COUTB).i32(pixels - 1).op(Op.i32Mul).op(Op.i32Add).set(OUT);
  c.get(IMG).i32(pixels * pixelBytes).op(Op.i32Add).set(IMG);
  c.get(X).i32(pixels).op(Op.i32Sub).tee(X).brIf(0);
  c.end();
  c.get(IMG).get(ROWSKIP).op(Op.i32Add).set(IMG);
  c.get(Y).i32(1).op(Op.i32Sub).tee(Y).brIf(0);
  c.end();
  return {
    name: 'conv',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F64, I32],
    results: [],
    locals: [
      I32, I32, I32, I32, I32, I32, I32, I32, I64, ...Array(taps).fill(I32),
      ...Array(pixels * block).fill(F64), ...Array(pixels * block).fill(I64), ...Array(taps * tapWords64 * pixels).fill(I64),
    ],
    body: c,
  };
}

/**
 * unit(out, res, gamma, slope, zeta, ow, oh, outSkip, coutBytes): the deployed binary unit's epilogue in place over
 * oh rows of ow pixels of the conv output (rows outSkip bytes apart beyond their pixels), four channels per step:
 * t = y − γ, y = (t < 0 ? t·β : t) + ζ + res (layers/rprelu.ts, then the residual add), each f32x4 op rounding as
 * the separate tfjs ops do. res is contiguous [oh][ow][cout].
 */
function unitFunc(): FuncSpec {
  const [OUT, RES, G, B, Z, OW, OH, SKIP, COUTB] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [Y, X, C, T, ZERO] = [9, 10, 11, 12, 13];
  const c = new CodeWriter();
  const ld = (base: number) => c.get(base).get(C).op(Op.i32Add).simd(Simd.v128Load, 2, 0);
  c.simd(Simd.v128Const, ...new Array(16).fill(0)).set(ZERO);
  c.get(OH).set(Y);
  c.begin(Op.loop); //                                                   rows
  c.get(OW).set(X);
  c.begin(Op.loop); //                                                   pixels
  c.i32(0).set(C);
  c.begin(Op.loop); //                                                   four channels at a time
  c.get(OUT).get(C).op(Op.i32Add); //                                    the store's address
  ld(OUT); ld(G); c.simd(Simd.f32x4Sub).set(T);
  c.get(T); ld(B); c.simd(Simd.f32x4Mul);
  c.get(T);
  c.get(T).get(ZERO).simd(Simd.f32x4Lt).simd(Simd.v128Bitselect);
  ld(Z); c.simd(Simd.f32x4Add);
  ld(RES); c.simd(Simd.f32x4Add);
  c.simd(Simd.v128Store, 2, 0);
  c.get(C).i32(16).op(Op.i32Add).tee(C).get(COUTB).op(Op.i32LtU).brIf(0);
  c.end();
  c.get(OUT).get(COUTB).op(Op.i32Add).set(OUT);
  c.get(RES).get(COUTB).op(Op.i32Add).set(RES);
  c.get(X).i32(1).op(Op.i32Sub).tee(X).brIf(0);
  c.end();
  c.get(OUT).get(SKIP).op(Op.i32Add).set(OUT);
  c.get(Y).i32(1).op(Op.i32Sub).tee(Y).brIf(0);
  c.end();
  return { name: 'unit', params: Array(9).fill(I32), results: [], locals: [I32, I32, I32, V128, V128], body: c };
}

/**
 * The kernel module; with `imported`, importing its memory (a shared one for threads, or another module's plain
 * memory: tfjs-backend-wasm's heap) instead of owning one.
 */
export function assembleXnorConv(
  channels: number, taps: number, tapWords: number, block: number, pixels = 1, imported?: Parameters<typeof assembleModule>[2],
): Uint8Array {
  if (tapWords % 2 !== 0) throw new Error(`assembleXnorConv: words per tap must be even, got ${tapWords}`);
  return assembleModule([signPackFunc('pack', channels, tapWords), convFunc(taps, tapWords / 2, block, pixels), unitFunc()], 1, imported);
}

interface ConvKernel {
  memory: WebAssembly.Memory;
  pack: (x: number, th: number, out: number, pixels: number) => void;
  conv: (img: number, w: number, alpha: number, bias: number, out: number, oh: number, ow: number, rowSkip: number,
    cout: number, order: number, k: number, tapOff: number) => void;
  /** With a thread pool: the kernel's id in the pool, or null when the workers could not load it. */
  poolId?: number | null;
  unit: (out: number, res: number, gamma: number, slope: number, zeta: number, ow: number, oh: number, outSkip: number,
    coutBytes: number) => void;
}

const cache = new Map<string, ConvKernel | null>();
const MAX_TAPS = 121;

const heapKernels = new WeakMap<WebAssembly.Memory, Map<string, ConvKernel | null>>();

/**
 * The kernel for these sizes, built once: on its own memory; with a thread pool, over the pool's shared memory (the
 * pool's workers instantiate the same bytes; the pool keeps these kernels, so they go with it); or over `heap`,
 * another module's plain memory (tfjs-backend-wasm's, see xnorConvHeap).
 */
function kernel(channels: number, taps: number, tapWords: number, pool: XnorThreadPool | null, heap?: WebAssembly.Memory): ConvKernel | null {
  if (typeof WebAssembly === 'undefined' || channels % 4 !== 0 || taps > MAX_TAPS || channels > 4096) return null;
  const key = `${channels}:${taps}:${tapWords}`;
  let kernels = heap ? heapKernels.get(heap) : (pool?.kernels ?? cache) as Map<string, ConvKernel | null>;
  if (!kernels) heapKernels.set(heap!, (kernels = new Map()));
  let k = kernels.get(key);
  if (k !== undefined) return k;
  const memory = heap ?? pool?.memory;
  const imported = heap ? { shared: false as const } : pool ? { shared: true as const, maxPages: SHARED_MAX_PAGES } : undefined;
  const bytes = assembleXnorConv(channels, taps, tapWords, DIRECT_BLOCK, DIRECT_PIXELS, imported);
  try {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), memory ? { env: { memory } } : {});
    const e = inst.exports as Record<string, unknown>;
    k = { memory: e.memory as WebAssembly.Memory, pack: e.pack as ConvKernel['pack'], conv: e.conv as ConvKernel['conv'], unit: e.unit as ConvKernel['unit'] };
  } catch {
    k = null;
  }
  // Outside the catch: a pool that stalls is an error to see, not a reason to fall back to im2col quietly.
  if (k && pool) k.poolId = pool.load(bytes);
  kernels.set(key, k);
  return k;
}

export interface DirectConvArgs {
  x: Float32Array;
  n: number; h: number; w: number; cin: number;
  threshold: Float32Array | null;
  /** Weight rows (order·cout) × (taps·tapWords) words, tapWords = even(⌈cin/32⌉). */
  weights: Int32Array;
  tapWords: number;
  alphas: Float64Array;
  bias: Float64Array;
  cout: number; order: number;
  kh: number; kw: number; dh: number; dw: number;
  /** Output size and leading padding (stride 1). */
  oh: number; ow: number; padTop: number; padLeft: number;
  out: Float32Array;
  /**
   * A deployed binary unit (same-size output, cout = cin): `correct` fixes one image's border pixels in the
   * kernel's memory ([oh] rows of `rowPixels` pixels), then RPReLU and the add of x run in place before the copy out.
   */
  unit?: { gamma: Float32Array; slope: Float32Array; zeta: Float32Array };
  /** Fixes one image's border pixels in the kernel's memory ([oh] rows of `rowPixels` pixels), before a unit's epilogue. */
  correct?: (out: Float32Array, rowPixels: number) => void;
}

/**
 * Output channels × output pixels per kernel step. Measured on 256×256×64 → 64, 3×3, order 2 (CPU ms, min of 9):
 * 4×1 43.2, 2×2 39.5, 1×4 43.1, 2×4 46.1, 1×2 37.3 (more accumulators than registers spill).
 */
export const DIRECT_BLOCK = 1;
export const DIRECT_PIXELS = 2;

/** Byte offsets of everything one direct conv call keeps in the kernel's memory, from the start of its region. */
function layout(a: Omit<DirectConvArgs, 'x' | 'out'>, withInput: boolean, withOutput = true) {
  const { h, w, cin, oh, ow } = a;
  const taps = a.kh * a.kw;
  const owE = Math.ceil(ow / DIRECT_PIXELS) * DIRECT_PIXELS;
  const hp = Math.max(h + a.padTop, oh + (a.kh - 1) * a.dh);
  const wp = Math.max(w + a.padLeft, owE + (a.kw - 1) * a.dw);
  const pixB = a.tapWords * 4;
  const th = withInput ? h * w * cin * 4 : 0; // the input image first, when it is copied in
  const img = th + cin * 4 + 12; // + 12: the bit image 16-byte aligned for any cin
  const imgB = hp * wp * pixB;
  const wts = (img + imgB + 15) & ~15;
  const al = wts + a.weights.length * 4;
  const bi = al + a.alphas.length * 8;
  const tap = bi + a.bias.length * 8;
  const unit = tap + taps * 4;
  const out = (unit + (a.unit ? 3 * a.cout * 4 : 0) + 15) & ~15;
  return { taps, owE, hp, wp, pixB, th, img, imgB, wts, al, bi, tap, unit, out, total: out + (withOutput ? oh * owE * a.cout * 4 : 0) };
}

/** Writes the call's threshold, weights, α, bias, tap offsets and unit parameters at `base` + their offsets. */
function writeParams(buf: ArrayBuffer, base: number, a: Omit<DirectConvArgs, 'x' | 'out'>, L: ReturnType<typeof layout>): void {
  const th = new Float32Array(buf, base + L.th, a.cin);
  if (a.threshold) th.set(a.threshold);
  else th.fill(0);
  new Int32Array(buf, base + L.wts, a.weights.length).set(a.weights);
  new Float64Array(buf, base + L.al, a.alphas.length).set(a.alphas);
  new Float64Array(buf, base + L.bi, a.bias.length).set(a.bias);
  const tapOff = new Int32Array(buf, base + L.tap, L.taps);
  for (let ky = 0; ky < a.kh; ky++) for (let kx = 0; kx < a.kw; kx++) tapOff[ky * a.kw + kx] = (ky * a.dh * L.wp + kx * a.dw) * L.pixB;
  if (a.unit) {
    if (a.oh !== a.h || a.ow !== a.w || a.cout !== a.cin) {
      throw new Error(`xnorConvDirect: a unit's output must have its input's shape, got [${a.h}, ${a.w}, ${a.cin}] → [${a.oh}, ${a.ow}, ${a.cout}]`);
    }
    const u = new Float32Array(buf, base + L.unit, 3 * a.cout);
    u.set(a.unit.gamma, 0);
    u.set(a.unit.slope, a.cout);
    u.set(a.unit.zeta, 2 * a.cout);
  }
}

/**
 * One image: packs the input at byte offset xAt into the bit image, runs the conv into output rows of owE pixels
 * each at byte offset outAt (default: the region's own), corrects the borders and, for a unit, applies RPReLU and
 * adds the input (still at xAt).
 */
function runImage(
  k: ConvKernel, pool: XnorThreadPool | null, base: number, xAt: number, a: Omit<DirectConvArgs, 'x' | 'out'>, L: ReturnType<typeof layout>,
  outAt = base + L.out,
): Float32Array {
  const { w, cin, oh } = a;
  new Int32Array(k.memory.buffer, base + L.img, L.imgB / 4).fill(0);
  for (let y = 0; y < a.h; y++) k.pack(xAt + y * w * cin * 4, base + L.th, base + L.img + ((y + a.padTop) * L.wp + a.padLeft) * L.pixB, w);
  const rowSkip = (L.wp - L.owE) * L.pixB;
  const [img, wts, al, bi, tap] = [L.img, L.wts, L.al, L.bi, L.tap].map((o) => base + o);
  const out = outAt;
  if (pool && k.poolId != null) {
    pool.conv(k.poolId, k.conv, {
      img, w: wts, alpha: al, bias: bi, out, oh, owE: L.owE, rowSkip, cout: a.cout, order: a.order,
      k: L.taps * cin, tapOff: tap, imgRow: L.wp * L.pixB, outRow: L.owE * a.cout * 4,
    });
  } else {
    k.conv(img, wts, al, bi, out, oh, L.owE, rowSkip, a.cout, a.order, L.taps * cin, tap);
  }
  const res = new Float32Array(k.memory.buffer, out, oh * L.owE * a.cout);
  a.correct?.(res, L.owE);
  if (a.unit) {
    const cb = a.cout * 4;
    k.unit(out, xAt, base + L.unit, base + L.unit + cb, base + L.unit + 2 * cb, a.ow, oh, (L.owE - a.ow) * cb, cb);
  }
  return res;
}

/** Copies one image's output rows (owE pixels each, the first ow kept) into dst at element offset `at`. */
function copyRows(res: Float32Array, dst: Float32Array, at: number, oh: number, ow: number, owE: number, cout: number): void {
  if (owE === ow) dst.set(res, at);
  else for (let y = 0; y < oh; y++) dst.set(res.subarray(y * owE * cout, (y * owE + ow) * cout), at + y * ow * cout);
}

/** Runs the direct conv; returns false (doing nothing) when no kernel applies, so the caller uses im2col. */
export function xnorConvDirect(a: DirectConvArgs): boolean {
  const pool = packedThreadPool();
  const k = kernel(a.cin, a.kh * a.kw, a.tapWords, pool);
  if (k === null) return false;
  const L = layout(a, true);
  const have = k.memory.buffer.byteLength;
  if (L.total > have) k.memory.grow(Math.ceil((L.total - have) / 65536));
  writeParams(k.memory.buffer, 0, a, L);
  const { h, w, cin } = a;
  for (let b = 0; b < a.n; b++) {
    new Float32Array(k.memory.buffer, 0, h * w * cin).set(a.x.subarray(b * h * w * cin, (b + 1) * h * w * cin));
    copyRows(runImage(k, pool, 0, 0, a, L), a.out, b * a.oh * a.ow * a.cout, a.oh, a.ow, L.owE, a.cout);
  }
  return true;
}

/** tfjs-backend-wasm's heap: its (non-shared) memory, allocator and tensor placement, as its backend exposes them. */
interface WasmHeap {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(ptr: number): void;
  offsetOf(t: tf.TensorInfo): number;
  makeOutput(shape: number[]): tf.TensorInfo;
}

function wasmHeap(): WasmHeap | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as {
    wasm?: { asm?: { memory?: unknown }; _malloc?: (n: number) => number; _free?: (p: number) => void };
    dataIdMap?: { get(id: object): { memoryOffset: number } | undefined };
    makeOutput?: (shape: number[], dtype: 'float32') => tf.TensorInfo;
  };
  const memory = b.wasm?.asm?.memory;
  const { _malloc: malloc, _free: free } = b.wasm ?? {};
  if (!(memory instanceof WebAssembly.Memory) || !malloc || !free || !b.dataIdMap || !b.makeOutput) return null;
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return null;
  const ids = b.dataIdMap;
  return {
    memory, malloc: (n) => malloc(n) >>> 0, free, makeOutput: (shape) => b.makeOutput!(shape, 'float32'),
    offsetOf: (t) => ids.get(t.dataId)!.memoryOffset,
  };
}

/**
 * The direct conv on tfjs-backend-wasm's own memory, on the wasm backend: the kernel module imports that memory,
 * reads x where the tensor lives, writes the output tensor in place and keeps its scratch in a block from the
 * backend's allocator, so nothing is copied between the backend and the kernel (the host path copies the input
 * out, into the kernel's memory, and the output back). The backend's memory is not shared, so with a thread pool
 * running the kernel stays on the pool's memory, and x and the output are copied straight between it and the
 * backend's (no host arrays in between). Returns null (doing nothing) where it does not apply: another backend,
 * no kernel for these sizes.
 */
export function xnorConvHeap(x: tf.Tensor, a: Omit<DirectConvArgs, 'x' | 'out'>): tf.Tensor | null {
  const heap = wasmHeap();
  if (!heap || x.dtype !== 'float32') return null;
  const { n, oh, ow, cout } = a;
  const pool = packedThreadPool();
  if (pool) {
    // Allocate first: makeOutput may grow the backend's memory, which detaches older views.
    const out = heap.makeOutput([n, oh, ow, cout]);
    const view = (t: tf.TensorInfo, size: number) => new Float32Array(heap.memory.buffer, heap.offsetOf(t), size);
    if (xnorConvDirect({ ...a, x: view(x, x.size), out: view(out, n * oh * ow * cout) })) return tf.engine().makeTensorFromTensorInfo(out);
    tf.engine().makeTensorFromTensorInfo(out).dispose();
    return null;
  }
  const k = kernel(a.cin, a.kh * a.kw, a.tapWords, null, heap.memory);
  if (k === null) return null;
  // With an even output width (owE = ow) the kernel writes the output tensor itself; else rows go via the region.
  const direct = ow % DIRECT_PIXELS === 0;
  const L = layout(a, false, !direct);
  const out = heap.makeOutput([n, oh, ow, cout]);
  const base = heap.malloc(L.total + 16);
  try {
    const region = Math.ceil(base / 16) * 16; // not `& ~15`: the backend's offsets may pass 2^31
    writeParams(heap.memory.buffer, region, a, L);
    const xAt = heap.offsetOf(x), outAt = heap.offsetOf(out);
    const image = oh * ow * cout;
    for (let b = 0; b < n; b++) {
      const xb = xAt + b * a.h * a.w * a.cin * 4;
      if (direct) runImage(k, null, region, xb, a, L, outAt + b * image * 4);
      else copyRows(runImage(k, null, region, xb, a, L), new Float32Array(heap.memory.buffer, outAt, n * image), b * image, oh, ow, L.owE, cout);
    }
  } finally {
    heap.free(base);
  }
  return tf.engine().makeTensorFromTensorInfo(out);
}
