// Runs jobs N at a time, each after the jobs it depends on (a DBT student after its teacher). A failed job
// fails its dependents (named) but not the rest, so one broken run does not cost a night of training.

export interface PoolJob {
  key: string;
  /** Keys of jobs that must finish first. */
  deps: string[];
  run: () => Promise<void>;
}

export type PoolEvent =
  | { kind: 'start'; key: string; running: number }
  | { kind: 'done'; key: string; seconds: number; finished: number; total: number }
  | { kind: 'failed'; key: string; error: Error; finished: number; total: number }
  | { kind: 'skipped'; key: string; because: string; finished: number; total: number };

export interface PoolResult {
  done: string[];
  failed: Array<{ key: string; error: Error }>;
  skipped: Array<{ key: string; because: string }>;
}

export async function runPool(jobs: PoolJob[], o: { concurrency: number; onEvent?: (e: PoolEvent) => void }): Promise<PoolResult> {
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new Error(`runPool: concurrency must be an integer >= 1, got ${o.concurrency}`);
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  if (byKey.size !== jobs.length) throw new Error('runPool: job keys must be unique');
  for (const j of jobs) {
    for (const d of j.deps) if (!byKey.has(d)) throw new Error(`runPool: job '${j.key}' depends on unknown job '${d}'`);
  }
  const state = new Map<string, 'waiting' | 'running' | 'done' | 'failed' | 'skipped'>(jobs.map((j) => [j.key, 'waiting']));
  const res: PoolResult = { done: [], failed: [], skipped: [] };
  const finished = () => res.done.length + res.failed.length + res.skipped.length;
  let running = 0;
  return new Promise((resolve) => {
    const pump = () => {
      // Dependents of a failed or skipped job cannot run: skip them, naming the cause.
      let changed = true;
      while (changed) {
        changed = false;
        for (const j of jobs) {
          if (state.get(j.key) !== 'waiting') continue;
          const bad = j.deps.find((d) => state.get(d) === 'failed' || state.get(d) === 'skipped');
          if (bad) {
            state.set(j.key, 'skipped');
            res.skipped.push({ key: j.key, because: bad });
            o.onEvent?.({ kind: 'skipped', key: j.key, because: bad, finished: finished(), total: jobs.length });
            changed = true;
          }
        }
      }
      for (const j of jobs) {
        if (running >= o.concurrency) break;
        if (state.get(j.key) !== 'waiting' || !j.deps.every((d) => state.get(d) === 'done')) continue;
        state.set(j.key, 'running');
        running++;
        o.onEvent?.({ kind: 'start', key: j.key, running });
        const t0 = Date.now();
        j.run().then(() => {
          state.set(j.key, 'done');
          res.done.push(j.key);
          o.onEvent?.({ kind: 'done', key: j.key, seconds: (Date.now() - t0) / 1000, finished: finished(), total: jobs.length });
        }, (e: unknown) => {
          state.set(j.key, 'failed');
          const error = e instanceof Error ? e : new Error(String(e));
          res.failed.push({ key: j.key, error });
          o.onEvent?.({ kind: 'failed', key: j.key, error, finished: finished(), total: jobs.length });
        }).finally(() => {
          running--;
          pump();
        });
      }
      if (running === 0 && finished() === jobs.length) resolve(res);
      else if (running === 0 && jobs.some((j) => state.get(j.key) === 'waiting')) {
        // Only a dependency cycle leaves waiting jobs with nothing running.
        for (const j of jobs.filter((x) => state.get(x.key) === 'waiting')) {
          state.set(j.key, 'failed');
          res.failed.push({ key: j.key, error: new Error(`runPool: '${j.key}' waits on a dependency cycle`) });
        }
        resolve(res);
      }
    };
    pump();
  });
}
