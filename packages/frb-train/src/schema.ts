// Field schemas shared by the `frb train` config and the reproduction presets, on zod: each check carries its
// own message ("must be >= 1, got 0"), and `firstProblem` turns zod's first issue into "<field path> <message>"
// with the path written as in the file (`train.scheduler.periods[0]`).
import { z } from 'zod';

/** A value as the messages quote it. */
export function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

export interface NumberRule {
  int?: boolean;
  /** >= min */
  min?: number;
  /** > gt */
  gt?: number;
  /** <= max */
  max?: number;
}

/** A finite number with the old hand-written checks' wording, one message per rule. */
export function num(rule: NumberRule = {}) {
  let s = z.number({ error: (i) => (i.input === undefined ? 'is required (a number)' : `must be a finite number, got ${show(i.input)}`) });
  if (rule.int) s = s.int({ error: (i) => `must be an integer, got ${show(i.input)}` });
  if (rule.min !== undefined) s = s.gte(rule.min, { error: (i) => `must be >= ${rule.min}, got ${show(i.input)}` });
  if (rule.gt !== undefined) s = s.gt(rule.gt, { error: (i) => `must be > ${rule.gt}, got ${show(i.input)}` });
  if (rule.max !== undefined) s = s.lte(rule.max, { error: (i) => `must be <= ${rule.max}, got ${show(i.input)}` });
  return s;
}

export const nonEmpty = () =>
  z.string({ error: (i) => (i.input === undefined ? 'is required (a string)' : `must be a non-empty string, got ${show(i.input)}`) })
    .min(1, { error: (i) => `must be a non-empty string, got ${show(i.input)}` });

export const bool = () => z.boolean({ error: (i) => `must be true or false, got ${show(i.input)}` });

export const choice = <T extends string>(values: readonly T[]) =>
  z.enum(values as readonly T[] as [T, ...T[]], { error: (i) => `must be one of ${values.join(', ')}, got ${show(i.input)}` });

/** A list of numbers, each element checked by `rule` (its errors name the index). */
export const numList = (rule: NumberRule = {}) =>
  z.array(num(rule), { error: (i) => (i.input === undefined ? 'is required (a list of numbers)' : `must be a list of numbers, got ${show(i.input)}`) });

/** The mapping error every section shares. */
export const mappingError = (i: { code?: string; input?: unknown }) => (i.code === 'invalid_type' ? `must be a mapping, got ${show(i.input)}` : undefined);

/** `a.b[0].c`, with each key through `key` (the config shows camelCase keys in snake_case, as written). */
export function fieldPath(path: readonly PropertyKey[], key: (k: string) => string = (k) => k): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${key(String(p))}`;
  return out;
}

/**
 * "<field> <message>" for the first problem zod found, and where the others are. Unknown keys read as "x.itertions is not a known option (also unknown: ...)". A message that
 * starts with ':' is a sentence about the field rather than a predicate of it.
 */
export function firstProblem(error: z.ZodError, key?: (k: string) => string): string {
  const [first, ...others] = error.issues;
  if (!first) return 'is not valid';
  let path = first.path;
  let message = first.message;
  if (first.code === 'unrecognized_keys') {
    path = [...path, first.keys[0]!];
    message = `is not a known option${first.keys.length > 1 ? ` (also unknown: ${first.keys.slice(1).map((k) => (key ? key(k) : k)).join(', ')})` : ''}`;
  }
  const field = fieldPath(path, key) || '(top level)';
  const fields = [...new Set(others.map((i) => fieldPath(i.path, key) || '(top level)'))];
  const more = fields.length ? ` (more problems at ${fields.slice(0, 4).join(', ')}${fields.length > 4 ? ', …' : ''})` : '';
  return `${field}${message.startsWith(':') ? '' : ' '}${message}${more}`;
}
