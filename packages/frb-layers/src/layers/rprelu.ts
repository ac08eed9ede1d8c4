/**
 * RPReLU (ReActNet): PReLU(x − γ) + ζ with learnable per-channel (last axis) γ, slope β and ζ.
 * BBCU and FRB use it after each binary conv to reshape the activation distribution (inferred
 * placement). Weights: `gamma` (shift in, zeros), `alpha` (negative slope, default 0.25), `zeta`
 * (shift out, zeros).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { singleInput, singleShape } from './stock.js';
import { FrbRPReLU, FrbRPReLUGrad, hasFrbKernel, runFrbKernel } from '../kernels/contracts.js';

export interface RPReLUArgs extends LayerArgs {
  /** Initial negative slope of the PReLU. Default 0.25 (PyTorch's nn.PReLU default). */
  alphaInit?: number;
}

export class RPReLU extends tfl.layers.Layer {
  static className = 'RPReLU';
  readonly alphaInit: number;
  gamma: LayerVariable | null = null;
  alpha: LayerVariable | null = null;
  zeta: LayerVariable | null = null;

  constructor(args: RPReLUArgs = {}) {
    super(args);
    this.alphaInit = args.alphaInit ?? 0.25;
    if (!Number.isFinite(this.alphaInit)) {
      throw new Error(`RPReLU '${this.name}': alphaInit must be a finite number, got ${args.alphaInit}`);
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape, `RPReLU '${this.name}'`);
    const c = shape[shape.length - 1];
    if (shape.length < 2 || c == null) {
      throw new Error(`RPReLU '${this.name}': needs an input of rank >= 2 with a known last (channel) dimension, got shape [${shape}]`);
    }
    this.gamma = this.addWeight('gamma', [c], 'float32', tfl.initializers.zeros());
    this.alpha = this.addWeight('alpha', [c], 'float32', tfl.initializers.constant({ value: this.alphaInit }));
    this.zeta = this.addWeight('zeta', [c], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, `RPReLU '${this.name}'`);
      return rpreluOp(x, this.gamma!.read(), this.alpha!.read(), this.zeta!.read());
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alphaInit: this.alphaInit };
  }
}
tf.serialization.registerClass(RPReLU);

/**
 * prelu(x − γ, β) + ζ (per last-axis channel), differentiable in all four. With the native tier it is one fused
 * kernel each way (FrbRPReLU / FrbRPReLUGrad) instead of sub, prelu, add and their seven gradient ops; elsewhere
 * those tfjs ops. Both give the same values.
 */
export function rpreluOp(x: tf.Tensor, gamma: tf.Tensor, alpha: tf.Tensor, zeta: tf.Tensor): tf.Tensor {
  const C = x.shape[x.rank - 1];
  const fused = hasFrbKernel(FrbRPReLU) && x.dtype === 'float32' && x.size > 0 &&
    [gamma, alpha, zeta].every((p) => p.dtype === 'float32' && p.rank === 1 && p.shape[0] === C);
  if (!fused) return tf.add(tf.prelu(tf.sub(x, gamma), alpha), zeta);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, g, a, z] = args as tf.Tensor[];
    (args[4] as tf.GradSaveFunc)([xi, g, a]);
    return {
      value: runFrbKernel(FrbRPReLU, { x: xi, gamma: g, alpha: a, zeta: z }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runFrbKernel(FrbRPReLUGrad, { dy, x: saved[0], gamma: saved[1], alpha: saved[2] }) as tf.Tensor[],
    };
  });
  return f(x, gamma, alpha, zeta);
}

export function rprelu(args?: RPReLUArgs): RPReLU {
  return new RPReLU(args);
}
