// A reproduction preset: the compared methods (or named variants of them, e.g. DBT settings), the shared
// training budget, the seeds and the evaluation, read from YAML and checked by a zod schema that is also the
// preset's type (errors name the file and the field).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ATTENTION_FORMS, DEFAULT_DBT_FORM, DEFAULT_DBT_GRAD_FRACTION, DEFAULT_DBT_WEIGHT, type AttentionForm } from '@frb/distill';
import { firstProblem, show } from '../schema.js';

/**
 * The compared methods: zoo model and row label (as in the paper's Table 1), and for binary rows the method id of
 * their FP twin (the zoo's ModelInfo.fpTwin; a DBT teacher is a run of it). 'frbc-m' is this project's extension
 * beyond the paper (BBCU-M's binarized upsampler on FRBC), listed so a preset can measure its quality cost.
 */
export const METHODS: Record<string, { label: string; model: string; binary: boolean; ours?: boolean; fpTwin?: string }> = {
  fp: { label: 'SRResNet (FP twin)', model: 'srresnet', binary: false },
  bnn: { label: 'BNN', model: 'srresnet-bnn', binary: true, fpTwin: 'fp' },
  xnor: { label: 'XNOR', model: 'srresnet-xnor', binary: true, fpTwin: 'fp' },
  bireal: { label: 'Bi-Real', model: 'srresnet-bireal', binary: true, fpTwin: 'fp' },
  reactnet: { label: 'ReActNet', model: 'srresnet-reactnet', binary: true, fpTwin: 'fp' },
  bbcu: { label: 'BBCU-L', model: 'bbcu-l', binary: true, fpTwin: 'fp' },
  frb1: { label: 'FRB order 1', model: 'frbc-o1', binary: true, ours: true, fpTwin: 'fp' },
  frb2: { label: 'FRB order 2', model: 'frbc', binary: true, ours: true, fpTwin: 'fp' },
  'frbc-m': { label: 'FRBC-M (binary upsampler, ours)', model: 'frbc-m', binary: true, ours: true, fpTwin: 'fp' },
  swinir: { label: 'SwinIR-S (FP twin of FRBT)', model: 'swinir-s', binary: false },
  frbt: { label: 'FRBT', model: 'frbt', binary: true, ours: true, fpTwin: 'swinir' },
};

export const PRESET_DIR = fileURLToPath(new URL('../../presets/', import.meta.url));

export class PresetError extends Error {}

/** "must be <what>, got <value>": the wording of every preset field error. */
const mustBe = (what: string) => (i: { input?: unknown }) => `must be ${what}, got ${show(i.input)}`;

const posInt = () => {
  const error = mustBe('a positive integer');
  return z.number({ error }).int({ error }).positive({ error });
};
/** A non-empty list whose elements pass `ok` (one message for the whole list, as the files write it). */
const listWhere = <T>(what: string, ok: (x: unknown) => boolean) =>
  z.custom<T[]>((x) => Array.isArray(x) && x.length > 0 && x.every(ok), { error: mustBe(what) });
const strList = (what: string) => listWhere<string>(what, (s) => typeof s === 'string' && s.length > 0);
const seedList = () => {
  const ints = listWhere<number>('a list of distinct integers >= 0', (s) => Number.isInteger(s) && (s as number) >= 0);
  return ints.refine((x) => new Set(x).size === x.length, { error: mustBe('a list of distinct integers >= 0') });
};
const word = (pattern: RegExp) => {
  const error = mustBe('a word');
  return z.string({ error }).regex(pattern, { error });
};
/** A mapping read without its own checks beyond being a mapping; `undefined` reads as empty so fields name themselves. */
const mapping = <S extends z.ZodRawShape>(shape: S) => z.preprocess((v) => v ?? {}, z.object(shape, { error: mustBe('a mapping') }));

/** createModel options; sizes fail here, naming the field, rather than in a training process an hour later. */
const modelOptions = z.record(z.string(), z.unknown(), { error: mustBe('a mapping of createModel options') }).superRefine((m, ctx) => {
  for (const k of ['features', 'blocks', 'embedDim', 'depth', 'numHeads']) {
    if (k in m && !posInt().safeParse(m[k]).success) ctx.addIssue({ code: 'custom', path: [k], input: m[k], message: mustBe('a positive integer')({ input: m[k] }) });
  }
});

const dbtSetting = z.object({
  teacher: z.string({ error: mustBe('the id of another entry') }),
  weight: z.union([z.literal('auto'), z.number().nonnegative({ error: mustBe("a number >= 0 or 'auto'") })], { error: mustBe("a number >= 0 or 'auto'") }),
  grad_fraction: z.number({ error: mustBe('a number > 0') }).positive({ error: mustBe('a number > 0') }),
  form: z.enum(ATTENTION_FORMS as readonly AttentionForm[] as [AttentionForm, ...AttentionForm[]], { error: mustBe(ATTENTION_FORMS.join(' or ')) }),
}).transform((d) => ({ teacher: d.teacher, weight: d.weight, gradFraction: d.grad_fraction, form: d.form }));

export type DbtSetting = z.output<typeof dbtSetting>;

/** The preset's own fields; its methods are read against them (entryOf). */
const presetFields = z.object({
  name: word(/^[\w-]+$/),
  description: z.unknown().optional().transform((d) => String(d ?? '')),
  scales: listWhere<number>('a list of 2, 3, 4', (s) => s === 2 || s === 3 || s === 4),
  model: modelOptions,
  data: mapping({
    train: strList('a list of folders (relative to the data root)'),
    patch_size: posInt(),
    batch_size: posInt(),
  }),
  train: mapping({
    iterations: posInt(),
    lr: z.number({ error: mustBe('a positive number') }).positive({ error: mustBe('a positive number') }),
    scheduler: z.record(z.string(), z.unknown(), { error: mustBe('a mapping') }).default({ type: 'none' }),
    checkpoint_interval: posInt().default(500),
  }),
  seeds: seedList().default([0]),
  /** DBT settings an entry's `dbt` starts from (checked in each entry that uses them). */
  dbt: z.record(z.string(), z.unknown()).optional(),
  eval: mapping({
    sets: z.union([z.literal('all'), strList("a list of sets or 'all' (every set under the data root)")], {
      error: mustBe("a list of sets or 'all' (every set under the data root)"),
    }).default(['Set5', 'Set14', 'B100']),
    limit: posInt().nullish().transform((x) => x ?? null),
    plot_set: z.string({ error: mustBe('a set name') }).default('Set5'),
  }),
  methods: z.array(z.unknown(), { error: mustBe('a non-empty list of method ids or entries') })
    .min(1, { error: mustBe('a non-empty list of method ids or entries') }),
  /** Pairs of entry ids the results page tests against each other (checked once the entries are known). */
  compare: z.unknown().optional().transform((x) => x ?? []),
  runs: z.string({ error: mustBe('a folder') }).min(1, { error: mustBe('a folder') }).optional(),
  results: z.string({ error: mustBe('a .md file') }).endsWith('.md', { error: mustBe('a .md file') }),
  plot: z.string({ error: mustBe('a .png or .svg file') }).regex(/\.(png|svg)$/, { error: mustBe('a .png or .svg file') }).nullish()
    .transform((x) => x ?? null),
});

type PresetFields = z.output<typeof presetFields>;

/** One entry of `methods`, its defaults taken from the preset. */
function entrySchema(top: PresetFields) {
  const { iterations } = top.train;
  return z.object({
    id: word(/^[\w.-]+$/).optional(),
    method: z.string({ error: mustBe(`one of ${Object.keys(METHODS).join(', ')}`) }).optional(),
    label: z.string({ error: mustBe('a non-empty string') }).min(1, { error: mustBe('a non-empty string') }).optional(),
    iterations: posInt().default(iterations),
    seeds: seedList().default(top.seeds),
    scales: listWhere<number>(`a subset of scales ${show(top.scales)}`, (s) => top.scales.includes(s as number)).default(top.scales),
    model: modelOptions.optional(),
    dbt: z.record(z.string(), z.unknown(), { error: mustBe('a mapping') }).optional(),
  }, { error: mustBe('a method id or a mapping') }).transform((e, ctx) => {
    const id = e.id ?? e.method;
    if (!word(/^[\w.-]+$/).safeParse(id).success) return fail(ctx, ['id'], mustBe('a word')({ input: id }));
    const method = e.method ?? id!;
    if (!(method in METHODS)) return fail(ctx, ['method'], mustBe(`one of ${Object.keys(METHODS).join(', ')}`)({ input: method }));
    const dbt = e.dbt ? read(dbtSetting, { ...DBT_DEFAULTS, ...top.dbt, ...e.dbt }, ctx, ['dbt']) : null;
    return {
      id: id!, method, dbt: dbt ?? null,
      label: e.label ?? METHODS[method]!.label,
      iterations: e.iterations, seeds: e.seeds, scales: e.scales,
      /** createModel options (default: the preset's model section). */
      modelOptions: e.model ?? top.model,
    };
  });
}

const DBT_DEFAULTS = { weight: DEFAULT_DBT_WEIGHT, form: DEFAULT_DBT_FORM, grad_fraction: DEFAULT_DBT_GRAD_FRACTION };

function fail(ctx: z.RefinementCtx, path: PropertyKey[], message: string): never {
  ctx.addIssue({ code: 'custom', path, message, input: undefined });
  return z.NEVER;
}

/** `schema` applied to a part of the value, its issues reported at `path` under the current one. */
function read<T extends z.ZodType>(schema: T, value: unknown, ctx: z.RefinementCtx, path: PropertyKey[]): z.output<T> | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const i of r.error.issues) ctx.addIssue({ ...i, code: 'custom', path: [...path, ...i.path], input: undefined });
  return undefined;
}

/** 'frb2-dbt' is FRB order 2 distilled from the preset's FP twin with the preset's DBT setting. */
const shorthand = (m: unknown) =>
  typeof m !== 'string' ? m : m === 'frb2-dbt' ? { id: m, method: 'frb2', label: 'FRB order 2 + DBT', dbt: { teacher: 'fp' } } : { id: m, method: m };

const presetSchema = presetFields.transform((top, ctx) => {
  const entries = top.methods.map((m, i) => read(entrySchema(top), shorthand(m), ctx, ['methods', i]));
  if (entries.some((e) => e === undefined)) return z.NEVER;
  const list = entries as Array<NonNullable<(typeof entries)[number]>>;
  const ids = new Set<string>();
  for (const [i, e] of list.entries()) {
    if (ids.has(e.id)) return fail(ctx, ['methods', i], `: the id '${e.id}' is used twice`);
    ids.add(e.id);
  }
  for (const [i, e] of list.entries()) {
    if (!e.dbt) continue;
    const t = list.find((x) => x.id === e.dbt!.teacher);
    const at = ['methods', i, 'dbt', 'teacher'];
    if (!t) return fail(ctx, at, `: no entry '${e.dbt.teacher}' (DBT distills from a run of this preset)`);
    if (t.dbt) return fail(ctx, at, `: '${t.id}' is itself distilled; a teacher must be trained plainly`);
    if (!e.scales.every((s) => t.scales.includes(s))) return fail(ctx, ['methods', i], `: teacher '${t.id}' is not trained at every scale of '${e.id}'`);
  }
  const isPairs = (x: unknown): x is Array<[string, string]> =>
    Array.isArray(x) && x.every((p) => Array.isArray(p) && p.length === 2 && p.every((s) => ids.has(s)));
  if (!isPairs(top.compare)) return fail(ctx, ['compare'], mustBe('a list of [id, id] pairs of entries')({ input: top.compare }));
  return {
    name: top.name, description: top.description, scales: top.scales, model: top.model, seeds: top.seeds,
    entries: list,
    /** Pairs of entry ids the results page tests against each other. */
    compare: top.compare,
    data: { train: top.data.train, patchSize: top.data.patch_size, batchSize: top.data.batch_size },
    train: { iterations: top.train.iterations, lr: top.train.lr, scheduler: top.train.scheduler, checkpointInterval: top.train.checkpoint_interval },
    eval: { sets: top.eval.sets, limit: top.eval.limit, plotSet: top.eval.plot_set },
    /** Folders/files relative to the working directory. */
    runs: top.runs ?? `runs/reproduce-${top.name}`,
    results: top.results,
    /** The PSNR-vs-OPs plot (none for studies whose rows share one model size). */
    plot: top.plot,
  };
});

export type Preset = z.output<typeof presetSchema>;
/** One row of the comparison: a method, possibly with its own budget, seeds, model options or DBT. */
export type PresetEntry = Preset['entries'][number];

/** Reads and checks a preset (a name in presets/ or a YAML/JSON file); every error names the field. */
export async function loadPreset(nameOrFile: string): Promise<Preset> {
  const file = /\.(ya?ml|json)$/i.test(nameOrFile) ? nameOrFile : join(PRESET_DIR, `${nameOrFile}.yaml`);
  if (!existsSync(file)) throw new PresetError(`no preset '${nameOrFile}' ("${file}" does not exist)`);
  return checkPreset(parseYaml(await readFile(file, 'utf8')), file);
}

export function checkPreset(raw: unknown, file: string): Preset {
  const r = presetSchema.safeParse(raw);
  if (!r.success) throw new PresetError(`preset "${file}": ${firstProblem(r.error)}`);
  return r.data;
}
