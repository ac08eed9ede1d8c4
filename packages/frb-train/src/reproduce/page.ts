// The results page of a reproduction: the seeded table (mean ± std over seeds), the tested comparisons and
// the FP-twin check (@frb/bench's rule), the plot, each DBT run's measured gradient ratio, the training times
// and the machine, all from the runs' own files so a rerun that reuses them writes the same page.
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import {
  comparisonsMarkdown, formatSeededTable, mergeSeededRuns, scatterPoints, seededTableLegend, writeScatter,
  type SeededRun, type SetResult,
} from '@frb/bench';
import { writeFileAtomic } from '@frb/datasets';
import { METHODS, type Preset } from './preset.js';
import type { RunOutcome } from './run.js';

export interface PageInput {
  preset: Preset;
  outcomes: RunOutcome[];
  bicubic: SetResult[];
  sets: string[];
  cwd: string;
  /** The command line that made the page. */
  command: string;
  machine: { backend: string; jobs: number; threads: number; wallSeconds: number; loadStart: number; loadEnd: number };
}

/** The 'dbt' event a DBT run logs at iteration 0: the weight used and the gradient norms it was measured from. */
interface DbtEvent { weight: number; configured: string; task_grad_norm: number; distill_grad_norm: number; distill_grad_ratio: number }

async function dbtEvent(dir: string): Promise<DbtEvent | null> {
  const f = join(dir, 'log.jsonl');
  if (!existsSync(f)) return null;
  for (const line of (await readFile(f, 'utf8')).split('\n')) {
    try {
      const e = JSON.parse(line) as { event?: string } & DbtEvent;
      if (e.event === 'dbt') return e;
    } catch {
      // a line cut by a kill
    }
  }
  return null;
}

const fmtNum = (v: number) => (Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? v.toFixed(3) : v.toExponential(2));

export async function writeReproductionPage(a: PageInput): Promise<{ resultsFile: string; plotFile: string | null }> {
  const { preset } = a;
  const runs: SeededRun[] = [{ method: 'Bicubic', results: a.bicubic }];
  for (const o of a.outcomes) if (o.eval) runs.push({ ...o.eval, method: o.run.entry.label, seed: o.run.seed });
  const table = mergeSeededRuns(runs);
  const plotScale = preset.scales[preset.scales.length - 1]!;
  const resultsFile = resolve(a.cwd, preset.results);
  const notes: string[] = [];
  let plotFile: string | null = null;
  if (preset.plot) {
    plotFile = resolve(a.cwd, preset.plot);
    const ours = new Set(preset.entries.filter((e) => METHODS[e.method]!.ours).map((e) => e.label));
    try {
      const { points } = scatterPoints(table, { set: preset.eval.plotSet, scale: plotScale, x: 'ops', highlight: (m) => ours.has(m) });
      await writeScatter(plotFile, points, { title: `${preset.eval.plotSet} x${plotScale}, preset ${preset.name}: PSNR vs OPs (bars: ±1 std over seeds)` });
    } catch (e) {
      notes.push(`Plot not written: ${(e as Error).message}`);
      plotFile = null;
    }
  }
  const cpu = os.cpus();
  const L: string[] = [`# Reduced-scale reproduction: preset \`${preset.name}\``, ''];
  if (preset.description) L.push(preset.description.trim(), '');
  L.push(`Command: \`${a.command}\` (rerunning it reuses finished runs and rewrites this page)`, '');
  L.push('## Budget', '');
  const its = new Set(preset.entries.map((e) => e.iterations));
  L.push(`- ${preset.train.iterations} iterations of batch ${preset.data.batchSize}, LR patch ${preset.data.patchSize}, Adam lr ${preset.train.lr} (β = 0.9, 0.99), scheduler ${JSON.stringify(preset.train.scheduler)}, L1` +
    (its.size > 1 ? `; rows with another budget say so in their label (the schedule is stretched to it)` : ''));
  L.push(`- model: ${JSON.stringify(preset.model)} unless a row says otherwise (the paper: 64 features, 16 blocks)`);
  L.push(`- training data: ${preset.data.train.join(' + ')} (LR by MATLAB bicubic); seeds: ${[...new Set(preset.entries.flatMap((e) => e.seeds))].join(', ')} (a seed sets the initial weights and the patch order)`);
  L.push(`- evaluation: ${a.sets.join(', ')}${preset.eval.limit ? ` (first ${preset.eval.limit} images of each set only)` : ''}, Y of BT.601, scale pixels shaved, official LR files`);
  L.push('', '## Machine', '');
  L.push(`- ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores visible, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; tfjs backend ${a.machine.backend}; ${a.machine.jobs} run(s) at a time, ${a.machine.threads} thread(s) each`);
  const reused = a.outcomes.filter((o) => o.reused);
  const logged = reused.reduce((s, o) => s + (o.trainSeconds ?? 0), 0);
  L.push(`- this invocation: ${(a.machine.wallSeconds / 60).toFixed(1)} min wall (${new Date().toISOString().slice(0, 10)}), 1-min load average ${a.machine.loadStart.toFixed(1)} at start and ${a.machine.loadEnd.toFixed(1)} at the end` +
    (reused.length ? `; it reused ${reused.length} finished run(s) whose training took ${(logged / 60).toFixed(1)} min by their logs (runs in parallel overlap, so this is more than their wall time)` : ''));
  L.push('', '## Results (PSNR / SSIM)', '', seededTableLegend().trim(), '');
  L.push('Params (K) and OPs (G) count binary parameters / 32 and binary operations / 64 on a 320x180 LR input, as the binary-SR papers do.', '');
  L.push(formatSeededTable(table, 'md').trim(), '');
  if (plotFile) L.push(`![PSNR vs OPs](${relative(dirname(resultsFile), plotFile).split('\\').join('/')})`, '');
  L.push(...comparisonsSection(a, table, plotScale));
  L.push(...await dbtSection(a.outcomes));
  L.push(...timeSection(a.outcomes));
  const failed = a.outcomes.filter((o) => o.error);
  for (const o of failed) notes.push(`${o.run.entry.label} (seed ${o.run.seed}, x${o.run.scale}): ${o.error}`);
  if (notes.length) L.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  await writeFileAtomic(resultsFile, L.join('\n') + '\n');
  return { resultsFile, plotFile };
}

function comparisonsSection(a: PageInput, table: ReturnType<typeof mergeSeededRuns>, plotScale: number): string[] {
  const { preset } = a;
  const L: string[] = [];
  const label = (id: string) => preset.entries.find((e) => e.id === id)!.label;
  const fp = preset.entries.find((e) => e.method === 'fp' && e.iterations === preset.train.iterations);
  const binary = preset.entries.filter((e) => METHODS[e.method]!.binary).map((e) => e.label);
  if (preset.compare.length || fp) {
    L.push('## Comparisons', '');
    for (const set of a.sets) {
      if (!table.rows.some((r) => r.cells[set])) continue;
      L.push(`### ${set} x${plotScale}`, '');
      // Rows without a result yet (runs not finished) are left out of the tests and named.
      const have = (m: string) => table.rows.some((r) => r.method === m && r.scale === plotScale && r.cells[set]);
      const pairs = preset.compare.map(([x, y]) => [label(x), label(y)] as const);
      const missing = pairs.filter(([x, y]) => !have(x) || !have(y));
      const present = binary.filter(have);
      try {
        L.push(comparisonsMarkdown(table, {
          set, scale: plotScale, pairs: pairs.filter(([x, y]) => have(x) && have(y)),
          ...(fp && have(fp.label) && present.length ? { fpTwin: { name: fp.label, binary: present } } : {}),
        }).trim(), '');
        if (missing.length) L.push('', `Not compared (no result yet): ${missing.map(([x, y]) => `${x} vs ${y}`).join('; ')}.`, '');
      } catch (e) {
        L.push(`Not compared: ${(e as Error).message}`, '');
      }
    }
  }
  return L;
}

async function dbtSection(outcomes: RunOutcome[]): Promise<string[]> {
  const L: string[] = [];
  const dbtRuns = outcomes.filter((o) => o.run.entry.dbt);
  if (dbtRuns.length) {
    L.push('## DBT: the distillation gradient against the task gradient', '');
    L.push('Measured by each DBT run on its first batch before the first step (the log\'s `dbt` event): ‖∇L1‖ and ‖∇L_dis‖ over all student weights, ' +
      'and weight · ‖∇L_dis‖ / ‖∇L1‖, the size of the distillation gradient relative to the task gradient that the weight gave.', '');
    L.push('| run | form | weight | ‖∇L1‖ | ‖∇L_dis‖ (weight 1) | ‖∇L_dis‖/‖∇L1‖ at weight 1 | at the weight used |', '|---|---|---|---|---|---|---|');
    for (const o of dbtRuns) {
      const e = await dbtEvent(o.run.dir);
      const d = o.run.entry.dbt!;
      L.push(e
        ? `| ${o.run.entry.label} (seed ${o.run.seed}) | ${d.form} | ${e.configured === 'auto' ? `auto (${d.gradFraction}) → ${fmtNum(e.weight)}` : fmtNum(e.weight)} | ${fmtNum(e.task_grad_norm)} | ${fmtNum(e.distill_grad_norm)} | ${fmtNum(e.distill_grad_norm / e.task_grad_norm)} | ${fmtNum(e.distill_grad_ratio)} |`
        : `| ${o.run.entry.label} (seed ${o.run.seed}) | ${d.form} | ${String(d.weight)} | - | - | - | ${existsSync(join(o.run.dir, 'log.jsonl')) ? 'not in its log (trained before the measurement existed)' : 'not trained yet'} |`);
    }
    L.push('');
  }
  return L;
}

function timeSection(outcomes: RunOutcome[]): string[] {
  const L: string[] = [];
  L.push('## Training time', '', '| run | seed | scale | training seconds | source |', '|---|---|---|---|---|');
  for (const o of outcomes) {
    const source = o.reused ? 'its log (reused run; sessions summed)' : o.error ? 'not finished (see Notes)' : 'this invocation';
    L.push(`| ${o.run.entry.label} | ${o.run.seed} | x${o.run.scale} | ${o.trainSeconds === null ? '-' : o.trainSeconds.toFixed(0)} | ${source} |`);
  }
  return L;
}
