// @frb/layers: quantizers, the SRB weight binarizer and binary layers for tfjs-layers.
export * from './quantizers.js';
export * from './srb.js';
export * from './layers/srb-conv2d.js';
export * from './layers/srb-dense.js';
export * from './layers/rprelu.js';
export * from './layers/learnable-bias.js';
export { isSRBLayer, type BinaryLayerArgs, type ResolvedBinaryArgs, type SRBLayer } from './layers/srb-base.js';
export * from './kernels/index.js';
export * from './summary.js';
export * from './float16.js';
export * from './packed/index.js';
