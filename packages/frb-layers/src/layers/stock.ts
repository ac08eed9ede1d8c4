/**
 * Stock tfjs-layers classes, fetched from the serialization registry of the user's own
 * tfjs-layers instance. tfjs-layers does not export Conv2D/Dense as values, and importing its
 * dist files directly could load a second copy of the library (a different Layer base class and
 * registry); the registry lookup avoids both, and creates no throwaway layer (which would shift
 * tfjs' automatic layer-name counters).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';

export function stockLayerClass<T>(className: string): T {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry === undefined) {
    throw new Error(`@frb/layers: tfjs-layers class '${className}' is not registered; is @tensorflow/tfjs-layers loaded?`);
  }
  return entry[0] as unknown as T;
}

/** One tensor from a layer's `inputs`, or an error naming the layer. */
export function singleInput(inputs: tf.Tensor | tf.Tensor[], layerName: string): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) {
      throw new Error(`${layerName}: expects exactly one input tensor, got ${inputs.length}`);
    }
    return inputs[0];
  }
  return inputs;
}

/** One shape from a layer's `inputShape`, or an error naming the layer. */
export function singleShape(inputShape: (number | null)[] | (number | null)[][], layerName: string): (number | null)[] {
  if (Array.isArray(inputShape[0])) {
    if (inputShape.length !== 1) {
      throw new Error(`${layerName}: expects exactly one input, got ${inputShape.length} input shapes`);
    }
    return inputShape[0] as (number | null)[];
  }
  return inputShape as (number | null)[];
}
