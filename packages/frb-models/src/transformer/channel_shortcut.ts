/**
 * Shortcut of a binary Linear whose input and output widths differ (FRBT's qkv 60→180, fc1 60→120, fc2 120→60).
 *
 * Where the widths match, FRBT keeps a plain identity shortcut around the SRBDense, as the conv unit does. Where
 * they differ by an integer factor this layer carries the full-precision input across anyway (our choice, not the
 * paper's; it follows ReActNet's reduction blocks and binary ViTs with pooled shortcuts):
 *  - widening by k (qkv: k = 3, fc1: k = 2): the input is repeated k times along channels, so q, k and v each see
 *    x, and fc1's two halves each see x;
 *  - narrowing by k (fc2: k = 2): consecutive groups [c, c + units, …] are averaged, the exact inverse of the
 *    repeat, so the MLP's shortcut path fc2∘fc1 is the identity.
 * Without it, the 1-bit qkv and MLP would be the only path for their information, which is what the residual
 * design of binary SR networks avoids (a binarized activation keeps one bit per channel).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';

export interface ChannelShortcutArgs extends LayerArgs {
  /** Output width. */
  units: number;
}

/** True when a shortcut of this kind exists between widths `din` and `dout`. */
export function shortcutFits(din: number, dout: number): boolean {
  return din > 0 && dout > 0 && (dout % din === 0 || din % dout === 0);
}

export class ChannelShortcut extends tfl.layers.Layer {
  static className = 'ChannelShortcut';
  readonly units: number;

  constructor(args: ChannelShortcutArgs) {
    super({ ...args, trainable: false });
    this.units = args?.units;
    if (!Number.isInteger(this.units) || this.units < 1) {
      throw new Error(`ChannelShortcut '${this.name}': units must be a positive integer, got ${String(args?.units)}`);
    }
  }

  private check(din: number | null): void {
    if (din != null && !shortcutFits(din, this.units)) {
      throw new Error(`ChannelShortcut '${this.name}': input width ${din} and units ${this.units} are not integer multiples of each other`);
    }
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = inputShape as tfl.Shape;
    this.check(s[s.length - 1]);
    return [...s.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const din = x.shape[x.rank - 1];
    this.check(din);
    return tf.tidy(() => {
      if (din === this.units) return tf.clone(x);
      if (this.units > din) {
        // concat rather than tile: same result, ~7x faster on the wasm backend.
        return tf.concat(new Array<tf.Tensor>(this.units / din).fill(x), x.rank - 1);
      }
      const k = din / this.units;
      return tf.mean(tf.reshape(x, [...x.shape.slice(0, -1), k, this.units]), x.rank - 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }
}
tf.serialization.registerClass(ChannelShortcut);
