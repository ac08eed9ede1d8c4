// @frb/train: the training loop as a library (`train(config, {signal, onProgress})`), its config, schedules,
// checkpoints, log, curve and validation; `frb train` and `frb reproduce` are thin wrappers over it.
export * from './config.js';
export * from './schedule.js';
export * from './checkpoint.js';
export * from './logger.js';
export * from './curve.js';
export * from './seeded.js';
export * from './validate.js';
export * from './setup.js';
export * from './step.js';
export * from './loop.js';
export * from './reproduce/preset.js';
export * from './reproduce/plan.js';
export * from './reproduce/pool.js';
export * from './reproduce/run.js';
export * from './reproduce/page.js';
