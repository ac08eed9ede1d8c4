// A preset expanded into runs: one per (entry, seed, scale), each with its own folder and `frb train` config,
// and the run it distills from. Folder names are stable (`<runs>/x<scale>/<id>-s<seed>`), so a rerun finds
// finished runs and continues unfinished ones.
import { join } from 'node:path';
import { METHODS, type Preset, type PresetEntry } from './preset.js';

export interface PlannedRun {
  /** `<id>-s<seed>@x<scale>`, unique in the plan. */
  key: string;
  entry: PresetEntry;
  seed: number;
  scale: number;
  dir: string;
  /** The raw `frb train` config (validateConfig input), paths absolute. */
  config: Record<string, unknown>;
  /** Key of the teacher run (DBT), trained first. */
  teacher: string | null;
}

export const runKey = (id: string, seed: number, scale: number) => `${id}-s${seed}@x${scale}`;

/** Cosine periods that fill the preset's budget are stretched to an entry's own budget (e.g. a longer teacher). */
function schedulerFor(p: Preset, iterations: number): Record<string, unknown> {
  const s = p.train.scheduler;
  const periods = s['periods'];
  if (s['type'] === 'cosine' && Array.isArray(periods) && periods.reduce((a: number, b: number) => a + b, 0) === p.train.iterations &&
    iterations !== p.train.iterations) {
    return { ...s, periods: periods.map((x: number) => Math.round((x * iterations) / p.train.iterations)) };
  }
  const milestones = s['milestones'];
  if (s['type'] === 'multistep' && Array.isArray(milestones) && iterations !== p.train.iterations) {
    return { ...s, milestones: milestones.map((x: number) => Math.round((x * iterations) / p.train.iterations)) };
  }
  return s;
}

/**
 * Every run of the preset (optionally only some entry ids), teachers first. `dataRoot` resolves data.train;
 * `runsDir` is where run folders go.
 */
export function planRuns(p: Preset, o: { dataRoot: string; runsDir: string; only?: string[] }): PlannedRun[] {
  let entries = p.entries;
  if (o.only) {
    for (const id of o.only) if (!entries.some((e) => e.id === id)) throw new Error(`no method '${id}' in preset ${p.name} (it has: ${entries.map((e) => e.id).join(', ')})`);
    // A selected DBT run needs its teacher's run too.
    const keep = new Set(o.only);
    for (const e of entries) if (keep.has(e.id) && e.dbt) keep.add(e.dbt.teacher);
    entries = entries.filter((e) => keep.has(e.id));
  }
  const runs: PlannedRun[] = [];
  // Seed-major order (every entry's first seed, then every second seed, ...): an interrupted reproduction
  // has a complete one-seed table first. Within a seed rank, plain entries before distilled ones, so a
  // teacher (an entry's first seed) always comes before its students.
  const ordered = [...entries.filter((x) => !x.dbt), ...entries.filter((x) => x.dbt)];
  const ranks = Math.max(...ordered.map((e) => e.seeds.length));
  const pairs: Array<[PresetEntry, number]> = [];
  for (let r = 0; r < ranks; r++) for (const e of ordered) if (r < e.seeds.length) pairs.push([e, e.seeds[r]!]);
  for (const scale of p.scales) {
    for (const [e, seed] of pairs) {
      if (!e.scales.includes(scale)) continue;
      {
        const dir = join(o.runsDir, `x${scale}`, `${e.id}-s${seed}`);
        const t = e.dbt ? p.entries.find((x) => x.id === e.dbt!.teacher)! : null;
        const teacher = t ? runKey(t.id, t.seeds[0]!, scale) : null;
        runs.push({
          key: runKey(e.id, seed, scale), entry: e, seed, scale, dir, teacher,
          config: {
            name: `${p.name}-${e.id}-s${seed}-x${scale}`,
            seed,
            model: { name: METHODS[e.method]!.model, scale, ...e.modelOptions },
            data: { train: p.data.train.map((f) => join(o.dataRoot, f)), patch_size: p.data.patchSize, batch_size: p.data.batchSize },
            train: {
              iterations: e.iterations,
              optimizer: { lr: p.train.lr },
              scheduler: schedulerFor(p, e.iterations),
              ...(e.dbt ? {
                dbt: {
                  teacher: join(o.runsDir, `x${scale}`, `${t!.id}-s${t!.seeds[0]}`, 'model'),
                  weight: e.dbt.weight, grad_fraction: e.dbt.gradFraction, form: e.dbt.form,
                },
              } : {}),
            },
            checkpoint: { interval: Math.min(p.train.checkpointInterval, e.iterations), keep: 1 },
            log_interval: Math.max(1, Math.floor(e.iterations / 100)),
            output: dir,
          },
        });
      }
    }
  }
  return runs;
}
