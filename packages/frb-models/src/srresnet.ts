// SRResNet as the binary-SR papers use it (BasicSR's MSRResNet): the full-precision twin of FRBC.
// Block i: x + conv2(ReLU(conv1(x))), no BatchNorm; its output layer is `body/block_NN`.
import * as tfl from '@tensorflow/tfjs-layers';
import { buildBackbone, checkBackboneOptions, fpConv } from './backbone.js';
import { blockName } from './naming.js';

type SymbolicTensor = tfl.SymbolicTensor;

export interface SRResNetOptions {
  /** Upscale factor 2, 3 or 4 (default 4). */
  scale?: number;
  /** Feature channels C (default 64). */
  features?: number;
  /** Residual blocks N (default 16). */
  blocks?: number;
  /** Image channels (default 3). */
  channels?: number;
  /** Fix the LR input size [height, width] (default: any size). */
  inputSize?: [number, number];
  /** Model name (default `srresnet_x{scale}`). */
  name?: string;
}

/** Build the FP SRResNet. At x4, C = 64, N = 16 it has 1,517,571 parameters. */
export function srresnet(opts: SRResNetOptions = {}): tfl.LayersModel {
  const scale = opts.scale ?? 4;
  const features = opts.features ?? 64;
  const blocks = opts.blocks ?? 16;
  const name = opts.name ?? `srresnet_x${scale}`;
  checkBackboneOptions({ scale, features, blocks, channels: opts.channels }, `srresnet '${name}'`);
  const block = (x: SymbolicTensor, i: number): SymbolicTensor => {
    const p = blockName(i);
    let y = fpConv(features, `${p}/conv1`).apply(x) as SymbolicTensor;
    y = tfl.layers.reLU({ name: `${p}/relu` }).apply(y) as SymbolicTensor;
    y = fpConv(features, `${p}/conv2`).apply(y) as SymbolicTensor;
    return tfl.layers.add({ name: p }).apply([x, y]) as SymbolicTensor;
  };
  return buildBackbone({ scale, features, blocks, channels: opts.channels, name, block, inputSize: opts.inputSize });
}
