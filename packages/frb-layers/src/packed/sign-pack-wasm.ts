/**
 * WebAssembly SIMD sign packing: for each pixel of a channels-last [pixels, C] float32 tensor, the word
 * bits of sign(x + b) (bit = 1 where NOT x + b >= 0, so NaN → −1 and −0 → +1, as bits.ts' packActivations),
 * four channels per f32x4 compare and i32x4.bitmask. Assembled at runtime per channel count (C a multiple of 4,
 * unrolled per pixel); other channel counts, or engines without SIMD, use the JS packer.
 */
import { packActivations, wordsFor } from './bits.js';
import { assembleModule, CodeWriter, I32, Op, Simd, V128, type FuncSpec } from './wasm-builder.js';

const MAX_CHANNELS = 4096;

/** run(xPtr, thPtr, outPtr, pixels): out gets `stride` words per pixel (the first ⌈C/32⌉ written, rest untouched). */
export function assembleSignPack(channels: number, stride: number): Uint8Array {
  return assembleModule([signPackFunc('run', channels, stride)]);
}

/** The packing function alone (params xPtr, thPtr, outPtr, pixels), for modules that add their own kernels. */
export function signPackFunc(name: string, channels: number, stride: number): FuncSpec {
  if (channels % 4 !== 0) throw new Error(`assembleSignPack: channels must be a multiple of 4, got ${channels}`);
  const [X, TH, OUT, PIXELS] = [0, 1, 2, 3];
  const [XEND, WORD] = [4, 5];
  const ZERO = 6; // v128
  const c = new CodeWriter();
  c.get(X).get(PIXELS).i32(channels * 4).op(Op.i32Mul).op(Op.i32Add).set(XEND);
  c.simd(Simd.v128Const, ...new Array(16).fill(0)).set(ZERO);
  c.begin(Op.loop);
  for (let w = 0; w < wordsFor(channels); w++) {
    const groups = Math.min(8, (channels - w * 32) / 4);
    for (let q = 0; q < groups; q++) {
      const off = (w * 32 + q * 4) * 4;
      c.get(X).simd(Simd.v128Load, 2, ...uleb32(off)).get(TH).simd(Simd.v128Load, 2, ...uleb32(off)).simd(Simd.f32x4Add);
      c.get(ZERO).simd(Simd.f32x4Ge).simd(Simd.v128Not).simd(Simd.i32x4Bitmask);
      if (q > 0) c.i32(4 * q).op(Op.i32Shl).get(WORD).op(Op.i32Or);
      c.set(WORD);
    }
    c.get(OUT).get(WORD).mem(Op.i32Store, 2, w * 4);
  }
  c.get(OUT).i32(stride * 4).op(Op.i32Add).set(OUT);
  c.get(X).i32(channels * 4).op(Op.i32Add).tee(X).get(XEND).op(Op.i32LtU).brIf(0);
  c.end();
  return { name, params: [I32, I32, I32, I32], results: [], locals: [I32, I32, V128], body: c };
}

function uleb32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

interface PackKernel { memory: WebAssembly.Memory; run: (x: number, th: number, out: number, pixels: number) => void }
const cache = new Map<string, PackKernel | null>();

function kernel(channels: number, stride: number): PackKernel | null {
  if (typeof WebAssembly === 'undefined' || channels % 4 !== 0 || channels > MAX_CHANNELS) return null;
  const key = `${channels}:${stride}`;
  let k = cache.get(key);
  if (k !== undefined) return k;
  try {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(assembleSignPack(channels, stride) as BufferSource), {});
    k = { memory: inst.exports.memory as WebAssembly.Memory, run: inst.exports.run as PackKernel['run'] };
  } catch {
    k = null; // no SIMD in this engine: the JS packer is used
  }
  cache.set(key, k);
  return k;
}

/** Same contract and result as {@link packActivations}, with the SIMD kernel where it applies. */
export function packActivationsWasm(
  x: Float32Array, pixels: number, channels: number, threshold: Float32Array | null, stride = wordsFor(channels),
): Int32Array {
  const k = kernel(channels, stride);
  if (k === null || pixels === 0) return packActivations(x, pixels, channels, threshold, stride);
  if (x.length < pixels * channels) throw new Error(`packActivations: ${x.length} values, expected ${pixels * channels}`);
  if (stride < wordsFor(channels)) throw new Error(`packActivations: row stride ${stride} is shorter than ${wordsFor(channels)} words`);
  const xB = pixels * channels * 4;
  const thOff = xB;
  const outOff = thOff + channels * 4;
  const total = outOff + pixels * stride * 4;
  const have = k.memory.buffer.byteLength;
  if (total > have) k.memory.grow(Math.ceil((total - have) / 65536));
  const buf = k.memory.buffer;
  new Float32Array(buf, 0, pixels * channels).set(x.subarray(0, pixels * channels));
  const th = new Float32Array(buf, thOff, channels);
  if (threshold) th.set(threshold);
  else th.fill(0);
  const out = new Int32Array(buf, outOff, pixels * stride);
  out.fill(0);
  k.run(0, thOff, outOff, pixels);
  return out.slice();
}
