// @frb/distill: Distillation-guided Binarization Training (DBT) for tfjs-layers models, as a fit callback.
export * from './attention.js';
export * from './attention-loss.js';
export * from './pairing.js';
export * from './block-outputs.js';
export * from './dbt-term.js';
export * from './dbt-callback.js';
export * from './attention-maps.js';
