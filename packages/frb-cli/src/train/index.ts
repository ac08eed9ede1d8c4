// `frb train` as a library: config, loop, checkpoints, schedules, log and curve.
export * from './config.js';
export * from './schedule.js';
export * from './checkpoint.js';
export * from './logger.js';
export * from './curve.js';
export * from './seeded.js';
export * from './validate.js';
export * from './loop.js';
