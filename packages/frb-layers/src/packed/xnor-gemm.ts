/**
 * The binary GEMM at the heart of packed inference: for every activation row p and output channel o,
 *
 *   out[p, o] = bias[o] + Σ_k α_k[o] · (K − 2·popcount(act[p] XOR w[k·cout + o]))
 *
 * i.e. Σ_k α_k · (±1 dot product of length K), with the popcount over `words` packed words per row. The sum of
 * the (exact, integer) dot products times α is formed in float64 and rounded to float32 once.
 *
 * Two implementations with the same contract: plain JS on Int32Array (SWAR popcount), and a WebAssembly kernel
 * assembled at runtime (wasm-builder.ts) with i64.popcnt, its inner loop fully unrolled for the row length.
 */
import { popcount32 } from './bits.js';
import { assembleModule, CodeWriter, F64, I32, I64, Op } from './wasm-builder.js';

export interface XnorGemmArgs {
  /** rows × words packed activation rows. */
  act: Int32Array;
  /** (order·cout) × words packed weight rows; row k·cout + o is base k of output channel o. */
  weights: Int32Array;
  /** α_k[o] at k·cout + o. */
  alphas: Float64Array;
  /** Per-output-channel bias (zeros for none). */
  bias: Float64Array;
  rows: number;
  cout: number;
  order: number;
  /** Words per row (even). */
  words: number;
  /** Dot-product length K counted by the kernel (taps × channels, padding bits excluded). */
  k: number;
  /** rows × cout result. */
  out: Float32Array;
}

/** 'native' runs on tensors (xnor-native.ts); the host-memory kernels here are 'wasm' and 'js'. */
export type XnorImpl = 'js' | 'wasm' | 'native';

function check(a: XnorGemmArgs): void {
  const { rows, cout, order, words } = a;
  if (words % 2 !== 0) throw new Error(`xnorGemm: words per row must be even, got ${words}`);
  if (a.act.length < rows * words) throw new Error(`xnorGemm: act has ${a.act.length} words, needs ${rows * words}`);
  if (a.weights.length !== order * cout * words) throw new Error(`xnorGemm: weights have ${a.weights.length} words, expected ${order * cout * words}`);
  if (a.alphas.length !== order * cout) throw new Error(`xnorGemm: alphas have ${a.alphas.length} values, expected ${order * cout}`);
  if (a.bias.length !== cout) throw new Error(`xnorGemm: bias has ${a.bias.length} values, expected ${cout}`);
  if (a.out.length < rows * cout) throw new Error(`xnorGemm: out has ${a.out.length} values, needs ${rows * cout}`);
}

/** Portable JS kernel. */
export function xnorGemmJs(a: XnorGemmArgs): void {
  check(a);
  const { act, weights, alphas, bias, rows, cout, order, words, k, out } = a;
  const kStride = cout * words;
  for (let p = 0; p < rows; p++) {
    const aOff = p * words;
    const oOff = p * cout;
    for (let o = 0; o < cout; o++) {
      let acc = bias[o];
      for (let b = 0; b < order; b++) {
        const wOff = b * kStride + o * words;
        let pc = 0;
        for (let j = 0; j < words; j++) pc += popcount32(act[aOff + j] ^ weights[wOff + j]);
        acc += alphas[b * cout + o] * (k - 2 * pc);
      }
      out[oOff + o] = acc;
    }
  }
}

// ---- WebAssembly kernel --------------------------------------------------------------------------------------

/** Rows longer than this (in 64-bit words) use the JS kernel; the wasm body is unrolled per word. */
const MAX_UNROLL_WORDS64 = 2048;

interface WasmKernel {
  memory: WebAssembly.Memory;
  run: (act: number, w: number, alpha: number, bias: number, out: number, rows: number, cout: number, order: number, k: number) => void;
}

/**
 * Assembles the kernel for rows of `words64` 64-bit words, computing `block` output channels per step (each
 * activation word is loaded once for `block` weight rows; cout must be a multiple of `block`):
 *   run(actPtr, wPtr, alphaPtr, biasPtr, outPtr, rows, cout, order, K)   (byte offsets; rows, cout, order ≥ 1)
 */
export function assembleXnorKernel(words64: number, block = 1): Uint8Array {
  const [ACT, W, ALPHA, BIAS, OUT, ROWS, COUT, ORDER, K] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [AEND, O, WROW, KLEFT, ALPHAP, KSTRIDE, A] = [9, 10, 11, 12, 13, 14, 15];
  const ACC = 16; //           f64 × block
  const PC = 16 + block; //    i64 × block
  const rowBytes = words64 * 8;
  const c = new CodeWriter();
  // aEnd = act + rows·rowBytes; kStride = cout·rowBytes (bytes between bases of one output channel)
  c.get(ACT).get(ROWS).i32(rowBytes).op(Op.i32Mul).op(Op.i32Add).set(AEND);
  c.get(COUT).i32(rowBytes).op(Op.i32Mul).set(KSTRIDE);
  c.begin(Op.loop); //                                            rows p
  c.i32(0).set(O);
  c.begin(Op.loop); //                                            output channels o … o+block−1
  for (let b = 0; b < block; b++) c.get(BIAS).get(O).i32(8).op(Op.i32Mul).op(Op.i32Add).mem(Op.f64Load, 3, b * 8).set(ACC + b);
  c.get(W).get(O).i32(rowBytes).op(Op.i32Mul).op(Op.i32Add).set(WROW);
  c.get(ALPHA).get(O).i32(8).op(Op.i32Mul).op(Op.i32Add).set(ALPHAP);
  c.get(ORDER).set(KLEFT);
  c.begin(Op.loop); //                                            bases k
  for (let j = 0; j < words64; j++) {
    c.get(ACT).mem(Op.i64Load, 3, j * 8).set(A);
    for (let b = 0; b < block; b++) {
      if (j > 0) c.get(PC + b);
      c.get(A).get(WROW).mem(Op.i64Load, 3, b * rowBytes + j * 8).op(Op.i64Xor, Op.i64Popcnt);
      if (j > 0) c.op(Op.i64Add);
      c.set(PC + b);
    }
  }
  // acc_b += α_k[o+b] · (K − 2·pc_b)
  for (let b = 0; b < block; b++) {
    c.get(ACC + b).get(ALPHAP).mem(Op.f64Load, 3, b * 8);
    c.get(K).get(PC + b).i64(1).op(Op.i64Shl).op(Op.f64ConvertI64S).op(Op.f64Sub);
    c.op(Op.f64Mul).op(Op.f64Add).set(ACC + b);
  }
  c.get(WROW).get(KSTRIDE).op(Op.i32Add).set(WROW);
  c.get(ALPHAP).get(COUT).i32(8).op(Op.i32Mul).op(Op.i32Add).set(ALPHAP);
  c.get(KLEFT).i32(1).op(Op.i32Sub).tee(KLEFT).brIf(0);
  c.end();
  for (let b = 0; b < block; b++) c.get(OUT).get(ACC + b).op(Op.f32DemoteF64).mem(Op.f32Store, 2, b * 4);
  c.get(OUT).i32(4 * block).op(Op.i32Add).set(OUT);
  c.get(O).i32(block).op(Op.i32Add).tee(O).get(COUT).op(Op.i32LtU).brIf(0);
  c.end();
  c.get(ACT).i32(rowBytes).op(Op.i32Add).tee(ACT).get(AEND).op(Op.i32LtU).brIf(0);
  c.end();
  return assembleModule([{
    name: 'run',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, F64],
    results: [],
    locals: [I32, I32, I32, I32, I32, I32, I64, ...Array(block).fill(F64), ...Array(block).fill(I64)],
    body: c,
  }]);
}

/** Output channels per kernel step: 4 where cout allows (measured fastest), else 2 or 1. */
export function xnorBlock(cout: number): number {
  return cout % 4 === 0 ? 4 : cout % 2 === 0 ? 2 : 1;
}

const kernels = new Map<string, WasmKernel | null>();
let wasmUnavailable: string | null = null;

function wasmKernel(words64: number, block = 1): WasmKernel | null {
  if (wasmUnavailable !== null || words64 > MAX_UNROLL_WORDS64) return null;
  const key = `${words64}:${block}`;
  let k = kernels.get(key);
  if (k !== undefined) return k;
  try {
    const module = new WebAssembly.Module(assembleXnorKernel(words64, block) as BufferSource);
    const inst = new WebAssembly.Instance(module, {});
    k = { memory: inst.exports.memory as WebAssembly.Memory, run: inst.exports.run as WasmKernel['run'] };
  } catch (e) {
    wasmUnavailable = `WebAssembly kernel failed to compile: ${(e as Error).message}`;
    k = null;
  }
  kernels.set(key, k);
  return k;
}

/** Null when the wasm kernel can be used, else why not (no WebAssembly, compile failure). */
export function wasmXnorUnavailable(): string | null {
  if (typeof WebAssembly === 'undefined') return 'WebAssembly is not available';
  wasmKernel(1);
  return wasmUnavailable;
}

/** WebAssembly kernel (falls back to {@link xnorGemmJs} when wasm is unavailable or rows are very long). */
export function xnorGemmWasm(a: XnorGemmArgs): void {
  check(a);
  const { rows, cout, order, words } = a;
  if (rows === 0 || cout === 0) return;
  const kern = typeof WebAssembly === 'undefined' ? null : wasmKernel(words / 2, xnorBlock(cout));
  if (kern === null) return xnorGemmJs(a);
  // Layout in the kernel's own memory: act | weights | alphas | bias | out (8-byte aligned).
  const actB = rows * words * 4;
  const wB = order * cout * words * 4;
  const alB = order * cout * 8;
  const biB = cout * 8;
  const outB = rows * cout * 4;
  const offW = actB;
  const offAl = offW + wB;
  const offBi = offAl + alB;
  const offOut = offBi + biB;
  const total = offOut + outB;
  const have = kern.memory.buffer.byteLength;
  if (total > have) kern.memory.grow(Math.ceil((total - have) / 65536));
  const buf = kern.memory.buffer;
  new Int32Array(buf, 0, rows * words).set(a.act.subarray(0, rows * words));
  new Int32Array(buf, offW, order * cout * words).set(a.weights);
  new Float64Array(buf, offAl, order * cout).set(a.alphas);
  new Float64Array(buf, offBi, cout).set(a.bias);
  kern.run(0, offW, offAl, offBi, offOut, rows, cout, order, a.k);
  a.out.set(new Float32Array(buf, offOut, rows * cout));
}

/** The kernel for `impl`. */
export function xnorGemm(a: XnorGemmArgs, impl: 'js' | 'wasm' = 'wasm'): void {
  if (impl === 'js') xnorGemmJs(a);
  else if (impl === 'wasm') xnorGemmWasm(a);
  else throw new Error(`xnorGemm: impl must be 'js' or 'wasm', got ${JSON.stringify(impl)}`);
}
