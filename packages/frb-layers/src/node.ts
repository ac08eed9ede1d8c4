// @frb/layers/node: the Node-only entry (backend loader, file-system model IO).
// The layers themselves come from the browser-clean main entry, '@frb/layers'.
export * from './backend.js';
export * from './file-system-io.js';
export { nodeWorkerSpawner } from './packed/node-workers.js';
