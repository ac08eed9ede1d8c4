/**
 * Activation quantizers: a forward function plus the pseudo-gradient used in its place
 * during training (tf.customGrad). Conventions follow Larq / Bi-Real Net:
 *
 * - `sign`:       forward sign(x) with sign(0) = +1; gradient 0 (its true derivative a.e.).
 * - `steSign`:    forward sign(x); gradient dy · 1{|x| ≤ clip} (straight-through, clip default 1).
 * - `approxSign`: forward sign(x); gradient dy · (2 − 2|x|) · 1{|x| ≤ 1} (Bi-Real Net's
 *                 piecewise-polynomial surrogate).
 * - `identity`:   forward x; gradient dy (keeps activations full precision).
 *
 * sign(0) = +1 everywhere (not tf.sign, whose sign(0) = 0): a binary value must be one of two
 * states so that bit-packed inference (Larq Compute Engine convention) gives the same result.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FrbRSign, FrbRSignGrad, hasFrbKernel, runFrbKernel } from './kernels/contracts.js';

/** sign(x) with sign(0) = +1 (and NaN → −1); no gradient defined (use a quantizer to train). */
export function sign(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(tf.cast(tf.greaterEqual(x, 0), x.dtype), 2), 1));
}

/** A named activation quantizer: `apply` is differentiable with the quantizer's pseudo-gradient. */
export interface Quantizer {
  /** camelCase name, as accepted by {@link getQuantizer}. */
  readonly name: QuantizerName;
  apply(x: tf.Tensor): tf.Tensor;
}

export type QuantizerName = 'sign' | 'steSign' | 'approxSign' | 'identity';

/** Quantizer names accepted by layer configs: camelCase or snake_case (tfjs rewrites saved strings). */
export type QuantizerIdentifier = QuantizerName | 'ste_sign' | 'approx_sign';

/**
 * y = forward(x) whose gradient is gradFunc(dy, x) instead of forward's own (tf.customGrad).
 * Shared by the quantizers and the SRB weight binarizer.
 */
export function withSurrogateGrad(
  x: tf.Tensor,
  forward: (x: tf.Tensor) => tf.Tensor,
  gradFunc: (dy: tf.Tensor, x: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const a = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([a]);
    return { value: forward(a), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => gradFunc(dy, saved[0]) };
  });
  return f(x);
}

type SignKind = 'sign' | 'steSign' | 'approxSign';

/** The surrogate gradient dy · g(a) of each sign quantizer, as tfjs ops (the reference the fused kernel matches). */
function surrogate(kind: SignKind, clip: number): (dy: tf.Tensor, a: tf.Tensor) => tf.Tensor {
  if (kind === 'sign') return (dy) => tf.zerosLike(dy);
  if (kind === 'steSign') return (dy, a) => tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(a), clip), dy.dtype));
  // 2 − 2|x| on |x| ≤ 1 and 0 outside is exactly relu(2 − 2|x|).
  return (dy, a) => tf.mul(dy, tf.relu(tf.sub(2, tf.mul(2, tf.abs(a)))));
}

/** Whether the fused RSign kernels (native tier) can take x and threshold on the current backend. */
function fusedRSign(x: tf.Tensor, threshold: tf.Tensor | null): boolean {
  if (x.dtype !== 'float32' || x.rank < 1 || x.size === 0 || !hasFrbKernel(FrbRSign)) return false;
  return threshold === null || (threshold.dtype === 'float32' && threshold.rank === 1 && threshold.shape[0] === x.shape[x.rank - 1]);
}

/**
 * q(x + threshold) for a sign quantizer (threshold per last-axis channel, or null), with the quantizer's
 * pseudo-gradient for x and threshold. With the native tier this is one fused kernel each way (FrbRSign /
 * FrbRSignGrad); elsewhere tf.add followed by the quantizer's tfjs ops. Both give the same values.
 */
function signWithSurrogate(x: tf.Tensor, threshold: tf.Tensor | null, kind: SignKind, clip = 1): tf.Tensor {
  if (!fusedRSign(x, threshold)) {
    const a = threshold === null ? x : tf.add(x, threshold);
    return withSurrogateGrad(a, sign, surrogate(kind, clip));
  }
  const inputs = threshold === null ? [x] : [x, threshold];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, bi] = args.slice(0, inputs.length) as tf.Tensor[];
    (args[inputs.length] as tf.GradSaveFunc)(inputs.length === 2 ? [xi, bi] : [xi]);
    return {
      value: runFrbKernel(FrbRSign, bi ? { x: xi, threshold: bi } : { x: xi }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        if (kind === 'sign') return saved.map((t) => tf.zerosLike(t));
        const gin = saved.length === 2 ? { dy, x: saved[0], threshold: saved[1] } : { dy, x: saved[0] };
        return runFrbKernel(FrbRSignGrad, gin, { quantizer: kind, clip }) as tf.Tensor[];
      },
    };
  });
  return f(...inputs);
}

/** sign(x) whose gradient is zero. */
export function signQuantize(x: tf.Tensor): tf.Tensor {
  return signWithSurrogate(x, null, 'sign');
}

/** Straight-through sign: gradient passes where |x| ≤ clip. */
export function steSign(x: tf.Tensor, clip = 1): tf.Tensor {
  if (!(clip > 0)) throw new Error(`steSign: clip must be > 0, got ${clip}`);
  return signWithSurrogate(x, null, 'steSign', clip);
}

/** Bi-Real Net's ApproxSign: gradient dy · max(0, 2 − 2|x|). */
export function approxSign(x: tf.Tensor): tf.Tensor {
  return signWithSurrogate(x, null, 'approxSign');
}

/** Identity quantizer (x itself, gradient dy). */
export function identityQuantize(x: tf.Tensor): tf.Tensor {
  return tf.clone(x);
}

export const signQuantizer: Quantizer = Object.freeze({ name: 'sign' as const, apply: signQuantize });
export const steSignQuantizer: Quantizer = Object.freeze({ name: 'steSign' as const, apply: (x: tf.Tensor) => steSign(x) });
export const approxSignQuantizer: Quantizer = Object.freeze({ name: 'approxSign' as const, apply: approxSign });
export const identityQuantizer: Quantizer = Object.freeze({ name: 'identity' as const, apply: identityQuantize });

const QUANTIZERS: Record<QuantizerName, Quantizer> = {
  sign: signQuantizer,
  steSign: steSignQuantizer,
  approxSign: approxSignQuantizer,
  identity: identityQuantizer,
};

/** Known quantizer names (camelCase). */
export const QUANTIZER_NAMES = Object.freeze(Object.keys(QUANTIZERS)) as readonly QuantizerName[];

/** 'approx_sign' → 'approxSign'; camelCase passes unchanged. */
function toCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Normalizes a quantizer identifier to its camelCase name, or throws naming `context`
 * (e.g. the layer and argument) and the known names.
 */
export function normalizeQuantizerName(name: string, context = 'getQuantizer'): QuantizerName {
  if (typeof name !== 'string') {
    throw new Error(`${context}: quantizer must be a string name, got ${typeof name}`);
  }
  const camel = toCamel(name);
  if (!(camel in QUANTIZERS)) {
    throw new Error(
      `${context}: unknown quantizer '${name}'; known: ${QUANTIZER_NAMES.join(', ')} (snake_case accepted)`,
    );
  }
  return camel as QuantizerName;
}

/** Looks up a quantizer by camelCase or snake_case name; a Quantizer object passes through. */
export function getQuantizer(identifier: string | Quantizer, context = 'getQuantizer'): Quantizer {
  if (typeof identifier === 'object' && identifier !== null && typeof identifier.apply === 'function') {
    return identifier;
  }
  return QUANTIZERS[normalizeQuantizerName(identifier as string, context)];
}

/**
 * RSign: q(x + threshold) with a learnable per-channel threshold (last axis; null for none), differentiable in
 * both. The built-in sign quantizers run fused on the native tier; identity and custom quantizers apply to the sum.
 */
export function quantizeShifted(q: Quantizer, x: tf.Tensor, threshold: tf.Tensor | null): tf.Tensor {
  if (q === signQuantizer || q === steSignQuantizer || q === approxSignQuantizer) {
    return signWithSurrogate(x, threshold, q.name as SignKind);
  }
  return q.apply(threshold === null ? x : tf.add(x, threshold));
}
