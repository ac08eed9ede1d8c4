// `frb upscale --workers N`, N > 1: a piscina pool of N worker threads running upscale-worker. A warm-up task
// selects the backend and loads the model first, so a bad model or backend fails once, before any image is handed
// out; then each image is one task, and results come back in any order, reported by the image's index.
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { BackendPreference } from '@frb/layers/node';
import type { ImageDone, UpscaleJob, UpscaleSettings } from './upscale-image.js';
import type { WorkerMessage, WorkerResult, WorkerTask } from './upscale-worker.js';

export interface PoolHooks {
  onTile(index: number): void;
  onNote(text: string): void;
  onDone(index: number, outcome: { done?: ImageDone; error?: string }): void;
}

export interface PoolRun {
  backend: string;
  /** Worker threads that ran images. */
  threads: number;
  /** The most images that were being upscaled at one instant (from the workers' own start/end times). */
  maxAtOnce: number;
}

/**
 * The worker module and how to start it. Compiled, it is the .js beside this file. Run from the TypeScript sources
 * (tests, `npm run frb`), it is the .ts file, loaded through tsx with the repository's tsconfig so that @frb/*
 * imports resolve to the sources as they do here.
 */
function workerEntry(): { filename: string; execArgv?: string[]; env?: NodeJS.ProcessEnv } {
  const fromSource = import.meta.url.endsWith('.ts');
  const filename = new URL(`./upscale-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;
  if (!fromSource) return { filename };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const tsconfig = fileURLToPath(new URL('../../../../tsconfig.json', import.meta.url));
  return { filename, execArgv: ['--import', tsx], env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig } };
}

/** The most intervals covering one instant (an interval ending when another starts does not overlap it). */
export function maxOverlap(spans: ReadonlyArray<{ start: number; end: number }>): number {
  const edges = spans.flatMap((s) => [[s.start, 1] as const, [s.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) {
    now += d;
    most = Math.max(most, now);
  }
  return most;
}

export async function runPool(
  jobs: readonly UpscaleJob[],
  indices: readonly number[],
  settings: UpscaleSettings,
  backend: BackendPreference,
  threads: number,
  hooks: PoolHooks,
): Promise<PoolRun> {
  const pool = new Piscina<WorkerTask, WorkerResult>({
    ...workerEntry(),
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
    atomics: 'disabled', // workers keep a normal event loop between tasks (sharp and tfjs do async work)
  });
  // One task; resolves once the worker's port has closed, so every message it posted has been handled.
  const task = async (job: UpscaleJob | undefined, onMessage: (m: WorkerMessage) => void): Promise<WorkerResult> => {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', onMessage);
    const closed = once(port1, 'close');
    try {
      const r = await pool.run({ settings, backend, port: port2, job }, { transferList: [port2] });
      await closed;
      return r;
    } finally {
      port1.close();
    }
  };
  const note = (m: WorkerMessage) => {
    if (m.kind === 'note') hooks.onNote(m.text);
  };
  try {
    const warm = await task(undefined, note);
    const spans: WorkerResult[] = [];
    await Promise.all(
      indices.map(async (k) => {
        let r: WorkerResult;
        try {
          r = await task(jobs[k], (m) => (m.kind === 'tile' ? hooks.onTile(k) : note(m)));
        } catch (err) {
          // The thread itself died (out of memory, a crash in native code); the image is reported, not lost.
          hooks.onDone(k, { error: `worker thread failed: ${err instanceof Error ? err.message : String(err)}` });
          return;
        }
        spans.push(r);
        hooks.onDone(k, r);
      }),
    );
    return { backend: warm.backend, threads: new Set(spans.map((s) => s.thread)).size, maxAtOnce: maxOverlap(spans) };
  } finally {
    await pool.destroy();
  }
}
