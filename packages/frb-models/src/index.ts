// @frb/models: SRResNet (FP twin), FRBC and the binarization baselines, the model registry, binarizeModel,
// SwinIR-S (./transformer) and FRBT (./frbt.ts).
export * from './naming.js';
export * from './pixel_shuffle.js';
export * from './bilinear_upsample.js';
export * from './constant_scale.js';
export * from './backbone.js';
export * from './srresnet.js';
export * from './binarization.js';
export * from './frbc.js';
export * from './binarize_model.js';
export * from './registry.js';
export * from './zoo.js';
export * from './transformer/index.js';
export * from './frbt.js';
export * from './deploy.js';
export * from './pretrained.js';
