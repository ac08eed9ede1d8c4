// Shared argument parsing and validation: node:util parseArgs plus the value checks every command needs.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './context.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs in strict mode, with its errors turned into UsageErrors naming the command. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parse(cmd: string, argv: string[], options: Options, allowPositionals = true): Parsed {
  try {
    const r = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (err) {
    throw new UsageError(`frb ${cmd}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** "2,3,4" → [2, 3, 4]; each an integer >= 2. */
export function parseScales(cmd: string, v: string | undefined, fallback: number[]): number[] {
  if (v === undefined) return fallback;
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new UsageError(`frb ${cmd}: --scale needs at least one value`);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 2 || n > 16) throw new UsageError(`frb ${cmd}: unknown scale '${p}' (expected integers 2..16, e.g. 2,3,4)`);
    return n;
  });
}

/** A string option (parseArgs already checked its type). */
export const str = (p: Parsed, k: string): string | undefined => p.values[k] as string | undefined;
export const flag = (p: Parsed, k: string): boolean => p.values[k] === true;

export function parseList(v: string | undefined, fallback: string[]): string[] {
  if (v === undefined) return fallback;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** A non-negative (or positive) integer option. */
export function parseInt0(cmd: string, name: string, v: string | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`frb ${cmd}: --${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

export function parseRange(cmd: string, name: string, v: string | undefined): 1 | 255 | undefined {
  if (v === undefined) return undefined;
  if (v === '1') return 1;
  if (v === '255') return 255;
  throw new UsageError(`frb ${cmd}: --${name} must be 1 (values in [0, 1]) or 255 (values in [0, 255]), got '${v}'`);
}

export function parseChoice<T extends string>(cmd: string, name: string, v: string | undefined, choices: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) {
    throw new UsageError(`frb ${cmd}: --${name} must be one of ${choices.join(', ')}, got '${v}'`);
  }
  return v as T;
}
