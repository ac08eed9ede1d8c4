// Reading a model's block outputs for given inputs, as a separate model sharing the same layers (no copy,
// no change to the model itself). Used for the frozen teacher during DBT and for attention-map plots.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { allLayers } from './pairing.js';

/**
 * A model from `model.inputs` to the outputs of the named layers. The layers must sit in the model's own
 * graph (not inside a nested sub-model), since the new model is wired from their symbolic outputs.
 */
export function blockOutputModel(model: tfl.LayersModel, layerNames: readonly string[], role = 'model'): tfl.LayersModel {
  const outputs = layerNames.map((name) => {
    const top = model.layers.find((l) => l.name === name);
    if (top === undefined) {
      const nested = allLayers(model).some((l) => l.name === name);
      throw new Error(nested
        ? `DBT: ${role} layer '${name}' sits inside a nested model of '${model.name}'; name a layer of the ` +
          `${role}'s own graph (e.g. the nested model itself)`
        : `DBT: ${role} '${model.name}' has no layer named '${name}'`);
    }
    let out: tfl.SymbolicTensor | tfl.SymbolicTensor[];
    try {
      out = top.output as tfl.SymbolicTensor | tfl.SymbolicTensor[];
    } catch (e) {
      throw new Error(`DBT: ${role} layer '${name}' has no single output (is it called more than once?): ` +
        `${(e as Error).message}`);
    }
    if (Array.isArray(out)) throw new Error(`DBT: ${role} layer '${name}' must have exactly one output`);
    return out;
  });
  return tfl.model({ inputs: model.inputs, outputs, name: `${model.name}_dbt_blocks` });
}

/** Runs a block-output model in inference mode and always returns a list, one tensor per layer name. */
export function runBlocks(blocks: tfl.LayersModel, inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  const xs = Array.isArray(inputs) ? inputs : [inputs];
  const out = blocks.apply(xs.length === 1 ? xs[0] : xs, { training: false }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/**
 * The student with its named block outputs as extra outputs: [model output, ...blocks], sharing the layers, so
 * one training forward pass gives the prediction and the block outputs DBT compares.
 */
export function studentWithBlocks(model: tfl.LayersModel, layerNames: readonly string[]): tfl.LayersModel {
  const blocks = blockOutputModel(model, layerNames, 'student');
  return tfl.model({ inputs: model.inputs, outputs: [model.outputs[0]!, ...blocks.outputs], name: `${model.name}_with_blocks` });
}
