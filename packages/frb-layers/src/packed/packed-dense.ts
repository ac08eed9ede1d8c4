/**
 * PackedDense: the inference form of a trained SRBDense (rank-2 [batch, in] or rank-3 [batch, tokens, in]
 * inputs). Weight signs are stored one bit each (32 per int32 word along input units, +1 → 0, −1 → 1) with the
 * α's, RSign threshold and bias as float32; `call` computes
 *
 *   y[p, o] = bias[o] + Σ_k α_k[o] · (K − 2·popcount(sign(x_p + b) XOR s_ko)),   K = input units,
 *
 * exactly SRBDense's float simulation sign(x + b) · Σ_k α_k s_k + bias. Runs on the host (dataSync / tf.tensor).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { packActivations, restrideRows, rowWords, wordsFor } from './bits.js';
import { xnorGemm } from './xnor-gemm.js';
import { packActivationsWasm } from './sign-pack-wasm.js';
import { preparedNative, xnorConvNative } from './xnor-native.js';
import { getPackedKernel, hostPackedKernel } from './packed-common.js';
import { readFloat, readInt32, type PreparedWeights } from './prepared.js';
import { PackedBinaryLayer, type PackedBinaryLayerArgs } from './packed-binary-layer.js';
import { singleInput, singleShape } from '../layers/stock.js';

export interface PackedDenseArgs extends PackedBinaryLayerArgs {
  units: number;
}

export class PackedDense extends PackedBinaryLayer {
  static className = 'PackedDense';
  readonly units: number;
  inputUnits = 0;

  constructor(args: PackedDenseArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units < 1) throw new Error(`${this.who}: units must be a positive integer, got ${JSON.stringify(args.units)}`);
    this.units = args.units;
  }

  protected get fanIn(): number {
    return this.inputUnits;
  }

  protected get outUnits(): number {
    return this.units;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape, this.who);
    const cin = shape[shape.length - 1];
    if ((shape.length !== 2 && shape.length !== 3) || cin == null) {
      throw new Error(`${this.who}: expected a rank-2 [batch, features] or rank-3 [batch, tokens, features] input with known features, got shape [${shape}]`);
    }
    this.inputUnits = cin;
    this.addPackedWeights(this.units, wordsFor(cin), cin);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape, this.who);
    return [...s.slice(0, -1), this.units];
  }

  private prepared(): PreparedWeights {
    return this.preparedWith(() => ({
      kernel: restrideRows(readInt32(this.packedKernel!), this.order * this.units, wordsFor(this.inputUnits), rowWords(1, this.inputUnits)),
      alphas: Float64Array.from(readFloat(this.alpha!)),
      bias: this.bias ? Float64Array.from(readFloat(this.bias)) : new Float64Array(this.units),
      threshold: this.threshold ? readFloat(this.threshold).slice() : null,
      tapSums: new Float64Array(0),
    }));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = singleInput(inputs, this.who);
    if (x.rank !== 2 && x.rank !== 3) {
      throw new Error(`${this.who}: expected a rank-2 [batch, features] or rank-3 [batch, tokens, features] input, got shape [${x.shape}]`);
    }
    const cin = x.shape[x.rank - 1];
    if (cin !== this.inputUnits) throw new Error(`${this.who}: expected ${this.inputUnits} input features, got ${cin}`);
    const rows = x.size / cin;
    if (getPackedKernel() === 'native') {
      // A dense layer is a 1×1 conv over its rows.
      const prep = this.prepared();
      const native = preparedNative(prep, this.order, this.units, 1, cin, this.useBias);
      const geometry = new Int32Array([rows, 1, 1, cin, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, this.units, this.order]);
      return this.activate(xnorConvNative(x, { geometry, ...native, threshold: prep.threshold, outShape: [...x.shape.slice(0, -1), this.units] }));
    }
    return this.activate(tf.tensor(this.forward(x.dataSync() as Float32Array, rows), [...x.shape.slice(0, -1), this.units]));
  }

  /** The packed dense on host data [rows, inputUnits]; returns [rows, units]. */
  forward(x: Float32Array, rows: number): Float32Array {
    const { kernel, alphas, bias, threshold } = this.prepared();
    const cin = this.inputUnits;
    const L = rowWords(1, cin);
    const out = new Float32Array(rows * this.units);
    if (rows === 0) return out;
    const impl = hostPackedKernel(getPackedKernel());
    const act = (impl === 'wasm' ? packActivationsWasm : packActivations)(x, rows, cin, threshold, L);
    xnorGemm({ act, weights: kernel, alphas, bias, rows, cout: this.units, order: this.order, words: L, k: cin, out }, impl);
    return out;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      ...this.binaryConfig(),
    };
  }
}
tf.serialization.registerClass(PackedDense);
