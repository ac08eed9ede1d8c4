/**
 * Window partition / reverse with the cyclic shift of Swin (Liu et al., 2021), as used by SwinIR's Swin layers.
 *
 * Images stay NHWC (tfjs convention). A partition turns [B, H, W, C] into [B·nW, N, C] token windows
 * (N = window², windows in row-major order, tokens row-major inside each window), which is exactly the
 * layout of SwinIR's `window_partition(x).view(-1, N, C)`. The shift is `torch.roll(x, -shift)` before the
 * partition and `torch.roll(x, +shift)` after the reverse. tfjs 4.22 has no `roll`, so it is two slices
 * and a concat (both have gradients on every backend).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';

function checkWindowArgs(layer: string, window: number, shift: number): void {
  if (!Number.isInteger(window) || window < 1) {
    throw new Error(`${layer}: windowSize must be a positive integer, got ${window}`);
  }
  if (!Number.isInteger(shift) || shift < 0 || shift >= window) {
    throw new Error(`${layer}: shiftSize must be an integer in [0, windowSize), got ${shift} (windowSize ${window})`);
  }
}

/** Cyclic shift of the two spatial axes of an NHWC tensor, like `torch.roll(x, (s, s), dims=(1, 2))`. */
export function rollSpatial(x: tf.Tensor4D, shift: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const rollAxis = (t: tf.Tensor4D, axis: 1 | 2, size: number): tf.Tensor4D => {
      const s = ((shift % size) + size) % size;
      if (s === 0) return t;
      // roll by +s: the last s entries move to the front.
      const begin = [0, 0, 0, 0];
      const tailSize = [-1, -1, -1, -1];
      begin[axis] = size - s;
      const tail = tf.slice(t, begin, tailSize);
      const headSize = [-1, -1, -1, -1];
      headSize[axis] = size - s;
      const head = tf.slice(t, [0, 0, 0, 0], headSize);
      return tf.concat([tail, head], axis);
    };
    return rollAxis(rollAxis(x, 1, h), 2, w);
  });
}

/** [B, H, W, C] -> [B·nW, window², C]; H and W must be multiples of `window`. */
export function windowPartition(x: tf.Tensor4D, window: number): tf.Tensor3D {
  const [b, h, w, c] = x.shape;
  if (h % window !== 0 || w % window !== 0) {
    throw new Error(`windowPartition: spatial size ${h}x${w} is not a multiple of the window ${window}`);
  }
  return tf.tidy(() => {
    // [B·H/w, w, W/w, w·C] -> [B·H/w, W/w, w, w·C]: SwinIR's rank-6 permute as a rank-4 one.
    const t = tf.reshape(x, [b * (h / window), window, w / window, window * c]);
    return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [-1, window * window, c]);
  });
}

/** Inverse of {@link windowPartition}: [B·nW, window², C] -> [B, H, W, C]. */
export function windowReverse(windows: tf.Tensor3D, window: number, h: number, w: number): tf.Tensor4D {
  const [bw, n, c] = windows.shape;
  if (n !== window * window) {
    throw new Error(`windowReverse: windows hold ${n} tokens, expected window² = ${window * window}`);
  }
  const nW = (h / window) * (w / window);
  if (!Number.isInteger(nW) || bw % nW !== 0) {
    throw new Error(`windowReverse: ${bw} windows do not tile a ${h}x${w} image with window ${window}`);
  }
  return tf.tidy(() => {
    const t = tf.reshape(windows, [(bw / nW) * (h / window), w / window, window, window * c]);
    return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [bw / nW, h, w, c]);
  });
}

/**
 * Shift + partition as one op whose gradient is the reverse + unshift of dy (and vice versa below): nothing is
 * kept for backprop, where autodiff would keep the rolled slices (tfjs' concat gradient saves its inputs).
 */
export function shiftedWindowPartition(x: tf.Tensor4D, window: number, shift: number): tf.Tensor3D {
  const [, h, w] = x.shape;
  const f = tf.customGrad((...args: unknown[]) => {
    const xi = args[0] as tf.Tensor4D;
    return {
      value: windowPartition(shift > 0 ? rollSpatial(xi, -shift) : xi, window),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const back = windowReverse((Array.isArray(dy) ? dy[0] : dy) as tf.Tensor3D, window, h, w);
        return shift > 0 ? rollSpatial(back, shift) : back;
      },
    };
  });
  return f(x) as tf.Tensor3D;
}

/** Inverse of {@link shiftedWindowPartition}, with the partition as its gradient. */
export function shiftedWindowReverse(windows: tf.Tensor3D, window: number, shift: number, h: number, w: number): tf.Tensor4D {
  const f = tf.customGrad((...args: unknown[]) => {
    const wi = args[0] as tf.Tensor3D;
    const x = windowReverse(wi, window, h, w);
    return {
      value: shift > 0 ? rollSpatial(x, shift) : x,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const d = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor4D;
        return windowPartition(shift > 0 ? rollSpatial(d, -shift) : d, window);
      },
    };
  });
  return f(windows) as tf.Tensor4D;
}

export interface WindowLayerArgs extends LayerArgs { windowSize: number; shiftSize?: number }

function readWindowArgs(layer: string, args: WindowLayerArgs & Record<string, unknown>): [number, number] {
  const window = (args.windowSize ?? args['window_size']) as number;
  const shift = (args.shiftSize ?? args['shift_size'] ?? 0) as number;
  checkWindowArgs(layer, window, shift);
  return [window, shift];
}

/** Shift (roll by −shift) then partition: [B, H, W, C] -> [B·nW, window², C]. */
export class WindowPartition extends tfl.layers.Layer {
  static className = 'WindowPartition';
  readonly windowSize: number;
  readonly shiftSize: number;

  constructor(args: WindowLayerArgs) {
    super(args);
    [this.windowSize, this.shiftSize] = readWindowArgs(`WindowPartition '${this.name}'`, args as WindowLayerArgs & Record<string, unknown>);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = inputShape as tfl.Shape;
    if (s.length !== 4) throw new Error(`WindowPartition '${this.name}': expected a rank-4 NHWC input, got shape [${s}]`);
    // Concrete B·nW when B, H, W are known (binarySummary counts every window's tokens from it); else null.
    const [b, h, w] = s;
    const ws = this.windowSize;
    const nb = b != null && h != null && w != null && h % ws === 0 && w % ws === 0 ? b * (h / ws) * (w / ws) : null;
    return [nb, ws * ws, s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      if (x.rank !== 4) throw new Error(`WindowPartition '${this.name}': expected a rank-4 NHWC input, got rank ${x.rank}`);
      const [, h, w] = x.shape;
      if (h % this.windowSize !== 0 || w % this.windowSize !== 0) {
        throw new Error(`WindowPartition '${this.name}': input ${h}x${w} is not a multiple of the window ${this.windowSize} (pad it first)`);
      }
      return shiftedWindowPartition(x, this.windowSize, this.shiftSize);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), windowSize: this.windowSize, shiftSize: this.shiftSize };
  }
}
tf.serialization.registerClass(WindowPartition);

/**
 * Reverse then un-shift: inputs [windows [B·nW, window², C], reference [B, H, W, ·]] -> [B, H, W, C].
 * The reference tensor (the Swin layer's input) only supplies B, H and W, which the windows no longer carry.
 */
export class WindowReverse extends tfl.layers.Layer {
  static className = 'WindowReverse';
  readonly windowSize: number;
  readonly shiftSize: number;

  constructor(args: WindowLayerArgs) {
    super(args);
    [this.windowSize, this.shiftSize] = readWindowArgs(`WindowReverse '${this.name}'`, args as WindowLayerArgs & Record<string, unknown>);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shapes = inputShape as tfl.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) {
      throw new Error(`WindowReverse '${this.name}': expects two inputs [windows, reference]`);
    }
    const [win, ref] = shapes;
    return [ref[0], ref[1], ref[2], win[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Error(`WindowReverse '${this.name}': expects two inputs [windows, reference]`);
      }
      const [win, ref] = inputs as [tf.Tensor3D, tf.Tensor4D];
      const [, h, w] = ref.shape;
      if (win.shape[1] !== this.windowSize ** 2) {
        throw new Error(`WindowReverse '${this.name}': windows hold ${win.shape[1]} tokens, expected ${this.windowSize ** 2}`);
      }
      return shiftedWindowReverse(win, this.windowSize, this.shiftSize, h, w);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), windowSize: this.windowSize, shiftSize: this.shiftSize };
  }
}
tf.serialization.registerClass(WindowReverse);
