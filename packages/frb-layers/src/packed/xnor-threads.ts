/**
 * Threads for the direct packed conv (xnor-conv-wasm.ts): a small pool of workers that share its output rows, where
 * SharedArrayBuffer exists (a cross-origin isolated page, or Node's worker_threads).
 *
 * Layers compute synchronously, so the pool is driven through shared memory alone: the calling thread publishes a
 * job, wakes the workers (Atomics.notify), takes row chunks from an atomic counter as they do, and spins until every
 * row is done (a page's main thread may not Atomics.wait). Every output row runs the same code on the same memory
 * whichever thread takes it, so threaded output equals single-thread output bit for bit. The counter holds the job's
 * generation beside the next row, so a worker that read a finished job's parameters cannot claim rows of the next.
 */

/** What the pool needs of a worker: the page's Worker and Node's worker_threads.Worker both fit, wrapped. */
export interface PoolWorker {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (error: unknown) => void): void;
  terminate(): void;
}

/** Starts a worker running `source`, a script that defines `main(port)`, and calls main with its message port. */
export type WorkerSpawner = (source: string) => PoolWorker;

// Int32 slots of the control block. WAKE = (sequence << 2) | command.
const WAKE = 0, ACK = 1, FAIL = 2, DONE = 3, WORKER_ROWS = 4, LOAD_ID = 5, LOAD_LEN = 6;
const P = 8; // conv parameters: id, img, w, alpha, bias, out, owE, rowSkip, cout, order, k, tapOff, imgRow, outRow, total, chunk
const CMD_LOAD = 1, CMD_CONV = 2, CMD_EXIT = 3;
const COUNTER_BYTE = 128; // BigInt64: (generation << 32) | next row
const CTRL_BYTES = 136;
const STAGING_BYTES = 1 << 20; // module bytes on their way to the workers; a bigger module stays single-threaded

/** Most pages the shared memory may grow to (1 GiB); reserved address space, not committed memory. */
export const SHARED_MAX_PAGES = 16384;

/**
 * The worker side, as plain source text (a function's toString would carry whatever a bundler or loader adds to it).
 * Slot numbers are the ones above; it serves LOAD (instantiate the staged module over the shared memory) and CONV
 * (claim row chunks until none are left) until EXIT.
 */
const WORKER_SOURCE = `
function main(port) {
  const onMessage = (f) => (port.on ? port.on('message', f) : port.addEventListener('message', (e) => f(e.data)));
  onMessage(({ ctrlBuf, staging, memory }) => {
    const ctrl = new Int32Array(ctrlBuf);
    const counter = new BigInt64Array(ctrlBuf, ${COUNTER_BYTE}, 1);
    const bytes = new Uint8Array(staging);
    const convs = [];
    port.postMessage('ready');
    let handled = 0;
    for (;;) {
      const v = Atomics.load(ctrl, ${WAKE});
      if (v === handled) {
        Atomics.wait(ctrl, ${WAKE}, v);
        continue;
      }
      handled = v;
      const cmd = v & 3;
      if (cmd === ${CMD_EXIT}) return;
      if (cmd === ${CMD_LOAD}) {
        try {
          const mod = new WebAssembly.Module(bytes.slice(0, ctrl[${LOAD_LEN}]));
          convs[ctrl[${LOAD_ID}]] = new WebAssembly.Instance(mod, { env: { memory } }).exports.conv;
        } catch {
          Atomics.add(ctrl, ${FAIL}, 1);
        }
        Atomics.add(ctrl, ${ACK}, 1);
        continue;
      }
      for (;;) {
        const c = Atomics.load(counter, 0);
        const next = Number(c & 0xffffffffn);
        const total = ctrl[${P + 14}];
        if (next >= total) break;
        const p = ctrl.slice(${P}, ${P + 16});
        const take = Math.min(p[15], total - next);
        if (Atomics.compareExchange(counter, 0, c, c + BigInt(take)) !== c) continue;
        convs[p[0]](p[1] + next * p[12], p[2], p[3], p[4], p[5] + next * p[13], take, p[6], p[7], p[8], p[9], p[10], p[11]);
        Atomics.add(ctrl, ${WORKER_ROWS}, take);
        Atomics.add(ctrl, ${DONE}, take);
      }
    }
  });
}
`;

/** The direct conv's arguments (xnor-conv-wasm.ts conv), byte offsets into the shared memory. */
export interface PoolConvArgs {
  img: number; w: number; alpha: number; bias: number; out: number;
  oh: number; owE: number; rowSkip: number; cout: number; order: number; k: number; tapOff: number;
  /** Bytes from one output row's first receptive field to the next, and between output rows. */
  imgRow: number; outRow: number;
}

type Conv = (img: number, w: number, alpha: number, bias: number, out: number, oh: number, ow: number, rowSkip: number,
  cout: number, order: number, k: number, tapOff: number) => void;

/** How long the calling thread waits for workers without any progress before it gives up, naming the pool. */
const STALL_MS = 30_000;

export class XnorThreadPool {
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
  private readonly ctrlBuf = new SharedArrayBuffer(CTRL_BYTES);
  private readonly ctrl = new Int32Array(this.ctrlBuf);
  private readonly counter = new BigInt64Array(this.ctrlBuf, COUNTER_BYTE, 1);
  private readonly staging = new SharedArrayBuffer(STAGING_BYTES);
  private seq = 0;
  private generation = 0;
  private modules = 0;
  /** The kernels instantiated over `memory` (xnor-conv-wasm.ts keeps them here: they die with the pool). */
  readonly kernels = new Map<string, unknown>();

  private constructor(private readonly workers: PoolWorker[]) {}

  /** Spawns `threads - 1` workers (the calling thread is the last) and waits until each has its memory. */
  static async start(threads: number, spawn: WorkerSpawner): Promise<XnorThreadPool> {
    if (!Number.isInteger(threads) || threads < 2) throw new Error(`packed threads: a pool needs at least 2 threads, got ${threads}`);
    const workers: PoolWorker[] = [];
    const pool = new XnorThreadPool(workers);
    try {
      await Promise.all(Array.from({ length: threads - 1 }, (_, i) => new Promise<void>((resolve, reject) => {
        const w = spawn(WORKER_SOURCE);
        workers.push(w);
        const timer = setTimeout(() => reject(new Error(`packed threads: worker ${i + 1} did not start within ${STALL_MS / 1000} s`)), STALL_MS);
        w.onError((e) => {
          clearTimeout(timer);
          reject(new Error(`packed threads: worker ${i + 1} failed: ${e instanceof Error ? e.message : String(e)}`));
        });
        w.onMessage((m) => {
          clearTimeout(timer);
          if (m === 'ready') resolve();
          else reject(new Error(`packed threads: worker ${i + 1} sent ${JSON.stringify(m)} instead of 'ready'`));
        });
        w.postMessage({ ctrlBuf: pool.ctrlBuf, staging: pool.staging, memory: pool.memory });
      })));
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    return pool;
  }

  /** Threads that take rows: the workers and the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Output rows the workers (not the calling thread) have computed since the pool started. */
  get workerRows(): number {
    return Atomics.load(this.ctrl, WORKER_ROWS);
  }

  private wake(cmd: number): void {
    this.seq = (this.seq + 1) & 0x1fffffff;
    Atomics.store(this.ctrl, WAKE, (this.seq << 2) | cmd);
    Atomics.notify(this.ctrl, WAKE);
  }

  /** Spins until `ready()`; throws, naming `what`, when `progress()` stands still for STALL_MS. */
  private spin(what: string, ready: () => boolean, progress: () => number): void {
    let last = progress();
    let since = Date.now();
    while (!ready()) {
      const now = progress();
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since > STALL_MS) {
        throw new Error(`packed threads: ${what} made no progress for ${STALL_MS / 1000} s (a worker died?)`);
      }
    }
  }

  /**
   * Has every worker instantiate the module `bytes` (a direct conv kernel importing env.memory); returns its id for
   * conv(), or null when it is too big to stage or a worker could not instantiate it (that kernel then runs on the
   * calling thread alone).
   */
  load(bytes: Uint8Array): number | null {
    if (bytes.length > STAGING_BYTES) return null;
    new Uint8Array(this.staging).set(bytes);
    const id = this.modules++;
    Atomics.store(this.ctrl, LOAD_ID, id);
    Atomics.store(this.ctrl, LOAD_LEN, bytes.length);
    Atomics.store(this.ctrl, ACK, 0);
    Atomics.store(this.ctrl, FAIL, 0);
    this.wake(CMD_LOAD);
    const acks = () => Atomics.load(this.ctrl, ACK);
    this.spin(`loading kernel ${id}`, () => acks() === this.workers.length, acks);
    return Atomics.load(this.ctrl, FAIL) === 0 ? id : null;
  }

  /** Runs conv `id` (the calling thread's instance: `local`) over a.oh output rows, shared with the workers. */
  conv(id: number, local: Conv, a: PoolConvArgs): void {
    // One row at a time: a row is tens of microseconds of work against a compare-exchange, and a worker that the OS
    // deschedules holding a row keeps the caller spinning for that row only.
    const chunk = 1;
    this.ctrl.set([id, a.img, a.w, a.alpha, a.bias, a.out, a.owE, a.rowSkip, a.cout, a.order, a.k, a.tapOff, a.imgRow, a.outRow, a.oh, chunk], P);
    Atomics.store(this.ctrl, DONE, 0);
    this.generation = (this.generation + 1) & 0x7fffffff;
    Atomics.store(this.counter, 0, BigInt(this.generation) << 32n);
    this.wake(CMD_CONV);
    for (;;) {
      const c = Atomics.load(this.counter, 0);
      const next = Number(c & 0xffffffffn);
      if (next >= a.oh) break;
      const take = Math.min(chunk, a.oh - next);
      if (Atomics.compareExchange(this.counter, 0, c, c + BigInt(take)) !== c) continue;
      local(a.img + next * a.imgRow, a.w, a.alpha, a.bias, a.out + next * a.outRow, take, a.owE, a.rowSkip, a.cout, a.order, a.k, a.tapOff);
      Atomics.add(this.ctrl, DONE, take);
    }
    const done = () => Atomics.load(this.ctrl, DONE);
    this.spin(`a conv of ${a.oh} rows`, () => done() === a.oh, done);
  }

  /** Ends the workers; the pool cannot be used afterwards. */
  stop(): void {
    this.wake(CMD_EXIT);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

let pool: XnorThreadPool | null = null;

/** Why a pool cannot run here, or null when it can (SharedArrayBuffer, shared wasm memory and Atomics.wait exist). */
export function packedThreadsUnavailable(): string | null {
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (typeof SharedArrayBuffer === 'undefined') {
    return g.crossOriginIsolated === false ? 'the page is not cross-origin isolated (no SharedArrayBuffer)' : 'no SharedArrayBuffer here';
  }
  if (typeof WebAssembly === 'undefined' || typeof Atomics === 'undefined') return 'no WebAssembly or Atomics here';
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (e) {
    return `no shared WebAssembly memory (${e instanceof Error ? e.message : e})`;
  }
  return null;
}

/** The page's spawner: a Worker from a blob URL (same origin, so a cross-origin isolated page may start it). */
export const browserWorkerSpawner: WorkerSpawner = (source) => {
  const url = URL.createObjectURL(new Blob([`${source}main(self);\n`], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (f) => w.addEventListener('message', (e) => f(e.data)),
    onError: (f) => w.addEventListener('error', (e) => f(e.message || 'worker error')),
    terminate: () => w.terminate(),
  };
};

/**
 * Starts `threads` threads (the calling one included) for the packed wasm conv, replacing any pool; returns the
 * number that run. Throws, saying why, where SharedArrayBuffer or shared memory is missing or a worker fails to
 * start. `spawn` defaults to a page Worker; Node passes nodeWorkerSpawner from '@frb/layers/node'.
 */
export async function startPackedThreads(threads: number, spawn: WorkerSpawner = browserWorkerSpawner): Promise<number> {
  const why = packedThreadsUnavailable();
  if (why !== null) throw new Error(`startPackedThreads: ${why}`);
  stopPackedThreads();
  pool = await XnorThreadPool.start(threads, spawn);
  return pool.threads;
}

/** Ends the pool, if any: the packed conv runs on the calling thread alone again. */
export function stopPackedThreads(): void {
  pool?.stop();
  pool = null;
}

/** The running pool, or null. */
export function packedThreadPool(): XnorThreadPool | null {
  return pool;
}

/** Threads the packed wasm conv runs on now (1 without a pool), and the rows its workers have computed so far. */
export function packedThreads(): { threads: number; workerRows: number } {
  return { threads: pool?.threads ?? 1, workerRows: pool?.workerRows ?? 0 };
}
