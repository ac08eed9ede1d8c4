// Node's workers for the packed conv's thread pool (xnor-threads.ts): worker_threads with the pool's source
// evaluated as a script, its parentPort as the port.
import { Worker } from 'node:worker_threads';
import type { WorkerSpawner } from './xnor-threads.js';

export const nodeWorkerSpawner: WorkerSpawner = (source) => {
  const w = new Worker(`${source}main(require('node:worker_threads').parentPort);\n`, { eval: true });
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (f) => w.on('message', f),
    onError: (f) => w.on('error', f),
    terminate: () => void w.terminate(),
  };
};
