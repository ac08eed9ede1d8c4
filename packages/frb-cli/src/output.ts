// Writing results: to stdout, or to --out FILE (folders created, written atomically).
import { resolve } from 'node:path';
import { writeFileAtomic } from '@frb/datasets';
import type { CliContext } from './context.js';

export async function emit(ctx: CliContext, text: string, out: string | undefined): Promise<void> {
  if (!out) {
    ctx.stdout.write(text);
    return;
  }
  const file = resolve(ctx.cwd, out);
  try {
    await writeFileAtomic(file, text); // a killed run leaves the previous results page whole
  } catch (err) {
    throw new Error(`cannot write "${file}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  ctx.stderr.write(`wrote ${file}\n`);
}

/** JSON.stringify that keeps Infinity/NaN readable ("inf"/"nan") instead of null. */
export function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? (x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan') : x), 2) + '\n';
}
