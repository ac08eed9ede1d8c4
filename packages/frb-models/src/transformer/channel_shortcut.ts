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
    return tf.tidy(() => (din === this.units ? tf.clone(x) : channelShortcut(x, this.units)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }
}
tf.serialization.registerClass(ChannelShortcut);

/** The shortcut as an op: repeat (widen) or group-average (narrow) along the last axis. */
export function channelShortcut(x: tf.Tensor, units: number): tf.Tensor {
  const din = x.shape[x.rank - 1];
  if (din === units) return x;
  if (units > din) return tf.concat(new Array<tf.Tensor>(units / din).fill(x), x.rank - 1);
  return tf.mean(tf.reshape(x, [...x.shape.slice(0, -1), din / units, units]), x.rank - 1);
}

/** Adjoint of {@link channelShortcut}: sums the repeats (widen) or spreads dy/k over the groups (narrow). */
function channelShortcutGrad(dy: tf.Tensor, din: number): tf.Tensor {
  const units = dy.shape[dy.rank - 1];
  if (din === units) return dy;
  if (units > din) return tf.sum(tf.reshape(dy, [...dy.shape.slice(0, -1), units / din, din]), dy.rank - 1);
  const k = din / units;
  return tf.concat(new Array<tf.Tensor>(k).fill(tf.div(dy, k)), dy.rank - 1);
}

/**
 * Inputs [y (binary Linear output, width units), x (its input)] -> y + shortcut(x), as one op with a written-out
 * gradient: tfjs would otherwise keep the shortcut tensor and both add inputs until backprop, which made FRBT's
 * training step need noticeably more memory than SwinIR-S's.
 */
export class ShortcutAdd extends tfl.layers.Layer {
  static className = 'ShortcutAdd';

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shapes = inputShape as tfl.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new Error(`ShortcutAdd '${this.name}': expects two inputs [y, x]`);
    const [y, x] = shapes;
    const units = y[y.length - 1];
    const din = x[x.length - 1];
    if (units != null && din != null && !shortcutFits(din, units)) {
      throw new Error(`ShortcutAdd '${this.name}': input width ${din} and output width ${units} are not integer multiples of each other`);
    }
    return y;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`ShortcutAdd '${this.name}': expects two inputs [y, x]`);
    const [y, x] = inputs;
    const units = y.shape[y.rank - 1];
    const din = x.shape[x.rank - 1];
    if (!shortcutFits(din, units)) {
      throw new Error(`ShortcutAdd '${this.name}': input width ${din} and output width ${units} are not integer multiples of each other`);
    }
    const f = tf.customGrad((...args: unknown[]) => {
      const [yi, xi] = args as [tf.Tensor, tf.Tensor];
      return {
        value: tf.add(yi, channelShortcut(xi, units)),
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
          const d = Array.isArray(dy) ? dy[0] : dy;
          return [tf.clone(d), channelShortcutGrad(d, din)];
        },
      };
    });
    return f(y, x);
  }
}
tf.serialization.registerClass(ShortcutAdd);
