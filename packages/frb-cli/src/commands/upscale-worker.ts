// A worker thread of `frb upscale --workers N` (run by piscina, see upscale-pool.ts). It selects the backend with
// one native-kernel thread (the pool supplies the parallelism) and loads the model on its first task, then keeps
// both for the rest of the run. Tile progress and notes go to the main thread over the task's port.
import { threadId, type MessagePort } from 'node:worker_threads';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, type BackendPreference } from '@frb/layers/node';
import { nativeBuildLine } from '../backend.js';
import { loadUpscaleModel, upscaleImage, type ImageDone, type UpscaleJob, type UpscaleSettings } from './upscale-image.js';

/** Messages a task posts on its port. */
export type WorkerMessage = { kind: 'tile' } | { kind: 'note'; text: string };

export interface WorkerTask {
  settings: UpscaleSettings;
  backend: BackendPreference;
  port: MessagePort;
  /** The image; none for the warm-up task that only loads the backend and model. */
  job?: UpscaleJob;
}

/**
 * An image's result: failures come back as values, so every image is accounted for in the summary. `thread` and
 * the wall-clock `start`/`end` (ms) let the main thread see how many images really ran at once.
 */
export interface WorkerResult {
  backend: string;
  done?: ImageDone;
  error?: string;
  thread: number;
  start: number;
  end: number;
}

const wallMs = () => performance.timeOrigin + performance.now();

let loaded: Promise<{ backend: string; model: tfl.LayersModel }> | undefined;

function load(task: WorkerTask): Promise<{ backend: string; model: tfl.LayersModel }> {
  loaded ??= (async () => {
    const post = (m: WorkerMessage) => task.port.postMessage(m);
    const backend = await initBackend(task.backend, { threads: 1, onNativeBuild: (info) => post({ kind: 'note', text: nativeBuildLine('upscale', info) }) });
    return { backend, model: await loadUpscaleModel(task.settings) };
  })();
  return loaded;
}

export default async function run(task: WorkerTask): Promise<WorkerResult> {
  const start = wallMs();
  const post = (m: WorkerMessage) => task.port.postMessage(m);
  try {
    // A model that cannot load fails the warm-up task (thrown); the images never get this far.
    const { backend, model } = await load(task);
    const result = { backend, thread: threadId, start };
    if (!task.job) return { ...result, end: wallMs() };
    try {
      const done = await upscaleImage(model, task.job, task.settings, undefined, () => post({ kind: 'tile' }));
      return { ...result, done, end: wallMs() };
    } catch (err) {
      return { ...result, error: err instanceof Error ? err.message : String(err), end: wallMs() };
    }
  } finally {
    task.port.close(); // after the messages above; the main thread waits for the close to have them all
  }
}
