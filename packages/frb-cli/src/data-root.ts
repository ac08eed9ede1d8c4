// Where benchmark sets live: --data, else $FRB_DATA, else ../shared/data next to the working directory
// (the layout of this workplace: <root>/benchmark/<Set>/HR and LR_bicubic/X<s>).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError, type CliContext } from './context.js';

export function dataRoot(ctx: CliContext, opt: string | undefined): string {
  return resolve(ctx.cwd, opt ?? ctx.env.FRB_DATA ?? '../shared/data');
}

/** The benchmark folder under a data root (accepts the benchmark folder itself too). */
export function benchmarkRoot(cmd: string, root: string): string {
  const b = join(root, 'benchmark');
  if (existsSync(b) && statSync(b).isDirectory()) return b;
  if (existsSync(root) && statSync(root).isDirectory()) return root;
  throw new UsageError(`frb ${cmd}: data folder "${root}" does not exist (pass --data DIR or set FRB_DATA)`);
}

/** Sets available under a benchmark root: folders, or symlinks to folders, that hold an HR folder. */
export function availableSets(benchRoot: string): string[] {
  return readdirSync(benchRoot)
    .filter((name) => {
      // statSync follows symlinks (a set linked in from elsewhere counts); a dangling link is passed over.
      try {
        return statSync(join(benchRoot, name)).isDirectory() && existsSync(join(benchRoot, name, 'HR'));
      } catch {
        return false;
      }
    })
    .sort();
}

/** Check that every asked-for set and scale exists on disk, before any work starts. */
export function checkSets(cmd: string, benchRoot: string, sets: string[], scales: number[], generateLR: boolean): void {
  const have = availableSets(benchRoot);
  for (const s of sets) {
    if (!have.includes(s)) {
      throw new UsageError(`frb ${cmd}: unknown set '${s}' in "${benchRoot}" (available: ${have.join(', ') || 'none'})`);
    }
    if (generateLR) continue;
    for (const x of scales) {
      if (!existsSync(join(benchRoot, s, 'LR_bicubic', `X${x}`))) {
        throw new UsageError(`frb ${cmd}: set '${s}' has no LR images for scale x${x} ("${join(benchRoot, s, 'LR_bicubic', `X${x}`)}" is missing; --generate-lr makes them from HR)`);
      }
    }
  }
}
