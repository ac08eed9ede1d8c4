/**
 * PackedConv2D: the inference form of a trained SRBConv2D. Weight signs are stored one bit each (packed 32 per
 * int32 word along input channels, +1 → 0, −1 → 1), with the per-output-channel α's, the RSign threshold and the
 * bias as float32. `call` computes exactly what SRBConv2D's float simulation does,
 *
 *   y = conv(sign(x + b) zero-padded, Σ_k α_k s_k) + bias
 *
 * as y[p, o] = bias[o] + Σ_k α_k[o] · (K − 2·popcount(a_p XOR w_ko)) with the XNOR-popcount kernel
 * (xnor-gemm.ts). Padded taps hold no ±1 activation: the kernel sees them as +1 (bit 0), and border pixels are
 * then corrected by subtracting α_k[o] · Σ_c s_k[t, c, o] for every padded tap t (tap sums precomputed).
 *
 * With the native tier on (Node), `call` runs the FrbXnorConv kernel on the backend's memory (xnor-native.ts);
 * otherwise it runs on the host through dataSync / tf.tensor, so it works under any backend (cpu, wasm, ...).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { packActivations, padTapWords, restrideRows, rowWords, tapSums, wordsFor } from './bits.js';
import { xnorGemm } from './xnor-gemm.js';
import { xnorConvDirect, xnorConvHeap, type DirectConvArgs } from './xnor-conv-wasm.js';
import { packActivationsWasm } from './sign-pack-wasm.js';
import { getPackedKernel, hostPackedKernel } from './packed-common.js';
import { readFloat, readInt32, type PreparedWeights } from './prepared.js';
import { preparedNative, xnorConvNative } from './xnor-native.js';
import { PackedBinaryLayer, type PackedBinaryLayerArgs } from './packed-binary-layer.js';
import { singleInput, singleShape } from '../layers/stock.js';

export interface PackedConv2DArgs extends PackedBinaryLayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: 'same' | 'valid';
  dilationRate?: number | number[];
}

function pair(v: number | number[] | undefined, dflt: number, what: string, who: string): [number, number] {
  const a = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v.length === 1 ? [v[0], v[0]] : v;
  if (!Array.isArray(a) || a.length !== 2 || !a.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error(`${who}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [a[0], a[1]];
}

/** Output size and leading padding along one axis, with tfjs' 'same' / 'valid' rules. */
export function convAxis(size: number, k: number, stride: number, dilation: number, padding: 'same' | 'valid'): { out: number; pad: number } {
  const eff = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.max(0, Math.ceil((size - eff + 1) / stride)), pad: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + eff - size);
  return { out, pad: Math.floor(total / 2) };
}

/** RPReLU parameters of a deployed binary unit (layers/rprelu.ts: gamma, alpha = slope, zeta), [cout] each. */
export interface UnitEpilogue {
  gamma: Float32Array;
  slope: Float32Array;
  zeta: Float32Array;
  /**
   * The slope of a LeakyReLU applied after the residual add (a unit followed by LeakyReLU), or none: inside the
   * native kernel's epilogue, else as tfjs' LeakyRelu op on the unit's output (convolve); never by the host code.
   */
  leaky?: number;
}

/**
 * The unit's epilogue on host data: y = rprelu(y) + x elementwise (y and x both [pixels, c]), every step rounded
 * to float32 as the tfjs ops RPReLU and Add run (Math.fround after each op is exact float32 arithmetic).
 */
export function unitEpilogueHost(y: Float32Array, x: Float32Array, u: UnitEpilogue, c: number): void {
  const { gamma, slope, zeta } = u;
  for (let p = 0; p < y.length; p += c) {
    for (let j = 0; j < c; j++) {
      const t = Math.fround(y[p + j] - gamma[j]);
      const r = Math.fround((t < 0 ? Math.fround(t * slope[j]) : t) + zeta[j]);
      y[p + j] = r + x[p + j];
    }
  }
}

export class PackedConv2D extends PackedBinaryLayer {
  static className = 'PackedConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly dilationRate: [number, number];
  inputChannels = 0;

  constructor(args: PackedConv2DArgs) {
    super(args);
    const who = this.who;
    if (!Number.isInteger(args.filters) || args.filters < 1) throw new Error(`${who}: filters must be a positive integer, got ${JSON.stringify(args.filters)}`);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize, 1, 'kernelSize', who);
    this.strides = pair(args.strides, 1, 'strides', who);
    this.dilationRate = pair(args.dilationRate, 1, 'dilationRate', who);
    const padding = args.padding ?? 'valid';
    if (padding !== 'same' && padding !== 'valid') throw new Error(`${who}: padding must be 'same' or 'valid', got ${JSON.stringify(args.padding)}`);
    this.padding = padding;
  }

  /**
   * Depth-to-space factor of the native kernel's epilogue: 1 here; a fused upsampler stage (PackedUpsampleUnit)
   * sets r, with its output channels in depth-to-space order.
   */
  protected get shuffle(): number {
    return 1;
  }

  /** Number of kernel taps kh·kw. */
  get taps(): number {
    return this.kernelSize[0] * this.kernelSize[1];
  }

  protected get fanIn(): number {
    return this.taps * this.inputChannels;
  }

  protected get outUnits(): number {
    return this.filters;
  }

  /** The conv's sizes as plain numbers, unpacked once per call by the forward paths. */
  protected geometry() {
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.strides;
    const [dh, dw] = this.dilationRate;
    return { kh, kw, sh, sw, dh, dw, cin: this.inputChannels, cout: this.filters, order: this.order, taps: this.taps };
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape, this.who);
    if (shape.length !== 4 || shape[3] == null) {
      throw new Error(`${this.who}: expected a rank-4 input [batch, height, width, channels] with known channels, got shape [${shape}]`);
    }
    const cin = shape[3];
    this.inputChannels = cin;
    // Sign bits of base k, output channel o in row k·filters + o: taps × ⌈cin/32⌉ int32 words (1 bit per weight).
    this.addPackedWeights(this.filters, this.taps * wordsFor(cin), cin);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape, this.who);
    const dim = (v: number | null, i: 0 | 1) =>
      v == null ? null : convAxis(v, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding).out;
    return [s[0], dim(s[1], 0), dim(s[2], 1), this.filters];
  }

  protected prepared(): PreparedWeights {
    return this.preparedWith(() => this.buildPrepared());
  }

  /** The host copies of the weights in the kernels' formats (cached by `prepared`). */
  protected buildPrepared(): PreparedWeights {
    const rows = this.order * this.filters;
    const kernel = restrideRows(readInt32(this.packedKernel!), rows, this.taps * wordsFor(this.inputChannels), rowWords(this.taps, this.inputChannels));
    return {
      kernel,
      alphas: Float64Array.from(readFloat(this.alpha!)),
      bias: this.bias ? Float64Array.from(readFloat(this.bias)) : new Float64Array(this.filters),
      threshold: this.threshold ? readFloat(this.threshold).slice() : null,
      tapSums: tapSums(kernel, rows, this.taps, this.inputChannels),
    };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = singleInput(inputs, this.who);
    return this.activate(this.convolve(x, null));
  }

  /**
   * The packed conv of x on the selected kernel; with `unit`, also RPReLU and the add of x in the same pass
   * (PackedBinaryUnit; with a shuffle, PackedUpsampleUnit). Checks x's rank and channels.
   */
  protected convolve(x: tf.Tensor, unit: UnitEpilogue | null): tf.Tensor {
    const [n, h, w] = this.checkInput(x);
    if (getPackedKernel() === 'native') {
      const { kh, kw, sh, sw, dh, dw, cin, cout, order } = this.geometry();
      const ay = convAxis(h, kh, sh, dh, this.padding);
      const ax = convAxis(w, kw, sw, dw, this.padding);
      const geometry = new Int32Array([n, h, w, cin, kh, kw, sh, sw, dh, dw, ay.pad, ax.pad, ay.out, ax.out, cout, order]);
      const r = this.shuffle;
      const outShape = [n, ay.out * r, ax.out * r, cout / (r * r)];
      return xnorConvNative(x, { geometry, ...this.nativeWeights(), outShape, rprelu: unit, shuffle: r, leaky: unit?.leaky ?? null }, unit ? x : undefined);
    }
    const y = this.convolveElsewhere(x, n, h, w, unit);
    // The wasm and JS epilogues have no LeakyReLU: a unit's following one runs as the backend's own op (so the result
    // is the unfused model's on every backend, whose LeakyRelu kernels differ in alpha's precision).
    if (unit?.leaky === undefined) return y;
    const z = tf.leakyRelu(y, unit.leaky);
    y.dispose();
    return z;
  }

  /** convolve() on the wasm and JS kernels (the unit's LeakyReLU, if any, not applied). */
  private convolveElsewhere(x: tf.Tensor, n: number, h: number, w: number, unit: UnitEpilogue | null): tf.Tensor {
    // On the wasm backend, the wasm kernel runs in the backend's own memory (no copies), where it applies.
    const direct = hostPackedKernel(getPackedKernel()) === 'wasm' ? this.directArgs(n, h, w, unit) : null;
    const inHeap = direct ? xnorConvHeap(x, direct) : null;
    if (inHeap) return inHeap;
    const { kh, kw, sh, sw, dh, dw, cout } = this.geometry();
    const outShape: [number, number, number, number] = [n, convAxis(h, kh, sh, dh, this.padding).out, convAxis(w, kw, sw, dw, this.padding).out, cout];
    return tf.tensor4d(this.forward(x.dataSync() as Float32Array, n, h, w, unit), outShape);
  }

  /** x's [batch, height, width], after checking its rank and channels. */
  protected checkInput(x: tf.Tensor): [number, number, number] {
    if (x.rank !== 4) throw new Error(`${this.who}: expected a rank-4 input [batch, height, width, channels], got shape [${x.shape}]`);
    const [n, h, w, cin] = x.shape as [number, number, number, number];
    if (cin !== this.inputChannels) throw new Error(`${this.who}: expected ${this.inputChannels} input channels, got ${cin}`);
    return [n, h, w];
  }

  /** The native kernel's weight layout and float32 scalars (built once per weight change). */
  protected nativeWeights() {
    const prep = this.prepared();
    const { cin, cout, order, taps } = this.geometry();
    return { ...preparedNative(prep, order, cout, taps, cin, this.useBias), threshold: prep.threshold };
  }

  /**
   * The packed conv on host data [n, h, w, cin] (channels last); returns [n, outH, outW, filters]. With `unit`
   * (same-size output, filters = cin), each output then goes through RPReLU and gets x added, as PackedBinaryUnit.
   */
  forward(x: Float32Array, n: number, h: number, w: number, unit: UnitEpilogue | null = null): Float32Array {
    const { kh, kw, sh, sw, dh, dw, cout } = this.geometry();
    const ay = convAxis(h, kh, sh, dh, this.padding);
    const ax = convAxis(w, kw, sw, dw, this.padding);
    const out = new Float32Array(n * ay.out * ax.out * cout);
    if (out.length === 0) return out;
    const impl = hostPackedKernel(getPackedKernel());
    // Stride-1 convs on the wasm kernel skip im2col: taps are read in place from a zero-bordered bit image; the
    // kernel corrects the borders and runs the unit's epilogue in its own memory.
    const direct = impl === 'wasm' ? this.directArgs(n, h, w, unit) : null;
    if (direct && xnorConvDirect({ ...direct, x, out })) return out;
    const prep = this.prepared();
    this.im2colForward(x, n, h, w, ay.out, ax.out, ay.pad, ax.pad, out, prep, impl);
    // Border correction: a padded tap contributed Σ_c s·(+1); the float simulation's zero padding contributes 0.
    if (this.padding === 'same') this.correctBorders(out, n, ax.out, h, w, ay.out, ax.out, ay.pad, ax.pad, prep.tapSums, prep.alphas);
    if (unit) unitEpilogueHost(out, x, unit, cout);
    return out;
  }

  /**
   * The direct wasm conv's arguments for an n×h×w input, less the input and output (stride 1 only, else null):
   * weights with each tap padded to an even word count, and the border correction of one image.
   */
  private directArgs(n: number, h: number, w: number, unit: UnitEpilogue | null): Omit<DirectConvArgs, 'x' | 'out'> | null {
    const { kh, kw, sh, sw, dh, dw, cin, cout, order, taps } = this.geometry();
    if (sh !== 1 || sw !== 1) return null;
    const prep = this.prepared();
    const ay = convAxis(h, kh, sh, dh, this.padding);
    const ax = convAxis(w, kw, sw, dw, this.padding);
    const wpt = wordsFor(cin);
    const tapWords = wpt + (wpt & 1);
    prep.tapKernel ??= padTapWords(prep.kernel, order * cout, rowWords(taps, cin), taps, wpt, tapWords);
    const correct = this.padding === 'same'
      ? (o: Float32Array, rowPixels: number) => this.correctBorders(o, 1, rowPixels, h, w, ay.out, ax.out, ay.pad, ax.pad, prep.tapSums, prep.alphas)
      : undefined;
    return {
      n, h, w, cin, threshold: prep.threshold, weights: prep.tapKernel, tapWords, alphas: prep.alphas, bias: prep.bias,
      cout, order, kh, kw, dh, dw, oh: ay.out, ow: ax.out, padTop: ay.pad, padLeft: ax.pad, unit: unit ?? undefined, correct,
    };
  }

  /**
   * Subtracts, at every output pixel with padded taps, Σ_k α_k[o] · Σ_c s_k[t, c, o] over those taps t, in
   * `images` images of oh rows of `rowPixels` pixels (the first ow of each row are outputs).
   */
  private correctBorders(
    out: Float32Array, images: number, rowPixels: number, h: number, w: number, oh: number, ow: number,
    padTop: number, padLeft: number, sums: Float64Array, alphas: Float64Array,
  ): void {
    const { kh, kw, sh, sw, dh, dw, cout, order, taps } = this.geometry();
    const padTaps: number[] = [];
    const corr = new Float64Array(cout);
    for (let oy = 0; oy < oh; oy++) {
      const rowEdge = oy * sh - padTop < 0 || oy * sh - padTop + (kh - 1) * dh >= h;
      for (let ox = 0; ox < ow; ox++) {
        const colEdge = ox * sw - padLeft < 0 || ox * sw - padLeft + (kw - 1) * dw >= w;
        if (!rowEdge && !colEdge) continue;
        padTaps.length = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padTop + ky * dh;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padLeft + kx * dw;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) padTaps.push(ky * kw + kx);
          }
        }
        corr.fill(0);
        for (let k = 0; k < order; k++) {
          for (let o = 0; o < cout; o++) {
            const row = (k * cout + o) * taps;
            let s = 0;
            for (const t of padTaps) s += sums[row + t];
            corr[o] += alphas[k * cout + o] * s;
          }
        }
        for (let b = 0; b < images; b++) {
          const off = ((b * oh + oy) * rowPixels + ox) * cout;
          for (let o = 0; o < cout; o++) out[off + o] -= corr[o];
        }
      }
    }
  }

  /** The portable path: im2col on bits, then the XNOR GEMM (xnor-gemm.ts). */
  private im2colForward(
    x: Float32Array, n: number, h: number, w: number, oh: number, ow: number, padTop: number, padLeft: number,
    out: Float32Array, prep: PreparedWeights, impl: 'js' | 'wasm',
  ): void {
    const { kernel, alphas, bias, threshold } = prep;
    const { kh, kw, sh, sw, dh, dw, cin, cout, order, taps } = this.geometry();
    const rows = n * oh * ow;
    const wpt = wordsFor(cin);
    const L = rowWords(taps, cin);
    const ay = { pad: padTop };
    const ax = { pad: padLeft };
    const pix = (impl === 'wasm' ? packActivationsWasm : packActivations)(x, n * h * w, cin, threshold);
    // im2col on bits: row p = the taps of output pixel p, padded taps left 0 (read as +1, corrected below).
    // Tap-major per output row: for each valid (ky, kx), the output columns whose input column is in range form
    // one contiguous run, copied without per-pixel bounds checks.
    const act = new Int32Array(rows * L);
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < oh; oy++) {
        const rowStart = (b * oh + oy) * ow;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - ay.pad + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const shift = kx * dw - ax.pad; // ix = ox·sw + shift
            const lo = Math.max(0, Math.ceil(-shift / sw));
            const hi = Math.min(ow - 1, Math.floor((w - 1 - shift) / sw));
            if (hi < lo) continue;
            let dst = (rowStart + lo) * L + (ky * kw + kx) * wpt;
            let src = ((b * h + iy) * w + lo * sw + shift) * wpt;
            const srcStep = sw * wpt;
            if (wpt === 2) {
              for (let ox = lo; ox <= hi; ox++, dst += L, src += srcStep) {
                act[dst] = pix[src];
                act[dst + 1] = pix[src + 1];
              }
            } else {
              for (let ox = lo; ox <= hi; ox++, dst += L, src += srcStep) {
                for (let j = 0; j < wpt; j++) act[dst + j] = pix[src + j];
              }
            }
          }
        }
      }
    }
    xnorGemm({ act, weights: kernel, alphas, bias, rows, cout, order, words: L, k: taps * cin, out }, impl);

  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dilationRate: [...this.dilationRate],
      ...this.binaryConfig(),
    };
  }
}
tf.serialization.registerClass(PackedConv2D);
