// The `frb train` config: a JSON or YAML file in the spirit of BasicSR's option files (model, data, Adam and
// its schedule, L1, DBT, validation, checkpoints, seed). Keys are snake_case as in BasicSR; camelCase is
// accepted too. The zod schema below is the config's type; every error names the field
// (`train.scheduler.milestones[1]`) and the file.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { LAYOUTS } from '@frb/datasets';
import { ATTENTION_FORMS, DEFAULT_DBT_FORM, DEFAULT_DBT_GRAD_FRACTION, DEFAULT_DBT_WEIGHT } from '@frb/distill';
import { bool, choice, firstProblem, mappingError, nonEmpty, num, numList, show } from './schema.js';

/** A config mistake: the message names the field and the file. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Obj = Record<string, unknown>;

// Keys are read in camelCase (the output's spelling) and shown in snake_case (the files' spelling).
const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * One mapping's keys in camelCase (both spellings of one key is an error); an absent section is an empty one,
 * and a null value is an absent one (a default applies) unless `keepNull` says otherwise.
 */
function normalizeKeys(raw: unknown, ctx: z.RefinementCtx, keepNull: (k: string) => boolean = () => false): unknown {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out: Obj = {};
  const spelled = new Map<string, string>();
  for (const [k, v] of Object.entries(raw as Obj)) {
    const c = camel(k);
    if (spelled.has(c)) ctx.addIssue({ code: 'custom', path: [c], input: raw, message: `given twice (as '${spelled.get(c)}' and '${k}')` });
    spelled.set(c, k);
    if (v !== null || keepNull(c)) out[c] = v;
  }
  return out;
}

/** A section: a mapping of known keys (unknown ones are reported: typos such as `itertions`). */
const section = <S extends z.ZodRawShape>(shape: S) =>
  z.preprocess((v, ctx) => normalizeKeys(v, ctx), z.strictObject(shape, { error: mappingError }));

/** A section that may be left out, null or false (then null). */
const optionalSection = <S extends z.ZodRawShape>(shape: S) =>
  z.preprocess((v, ctx) => (v === false || v == null ? null : normalizeKeys(v, ctx)), z.strictObject(shape, { error: mappingError }).nullable());

const folders = (() => {
  const error = (i: { input?: unknown }) => `must be a folder or a non-empty list of folders of HR images, got ${show(i.input)}`;
  const folder = z.string({ error }).min(1, { error });
  return z.union([folder, z.array(folder, { error }).min(1, { error })], { error }).transform((f) => (typeof f === 'string' ? [f] : f));
})();

const folderOrFalse = (() => {
  const error = (i: { input?: unknown }) => `must be a folder or false, got ${show(i.input)}`;
  return z.union([z.string({ error }).min(1, { error }), z.literal(false, { error })], { error });
})();

/** Further createModel options (features, blocks, order, alignment, ...) are kept, camelCase, as given. */
const modelSchema = z
  .preprocess(
    (v, ctx) => normalizeKeys(v, ctx, (k) => k !== 'name' && k !== 'scale'),
    z.object({
      /** Zoo name (`frbc`, `srresnet`, `bbcu-l`, ...). */
      name: nonEmpty(),
      scale: num({ int: true, min: 2, max: 8 }).default(4),
    }, { error: mappingError }).catchall(z.unknown()),
  )
  .transform(({ name, scale, ...options }, ctx) => {
    if ('weights' in options) ctx.addIssue({ code: 'custom', path: ['weights'], input: options, message: 'is set by the trainer' });
    return { name, scale, options: options as Obj };
  });

const dataSchema = section({
  /** Training folders: of HR images (LR made by MATLAB bicubic, cached), or as `layout` says. */
  train: folders,
  /** LR patch side. */
  patchSize: num({ int: true, min: 4 }).default(48),
  batchSize: num({ int: true, min: 1 }).default(16),
  augment: bool().default(true),
  /** Leave out (and list) images too small for a patch instead of failing. */
  skipSmall: bool().default(true),
  /** Generated-LR disk cache; false: none. */
  cacheDir: folderOrFalse.default('.frb-cache'),
  /** Decoded pairs kept in memory. */
  cacheSize: num({ int: true, min: 1 }).default(64),
  /**
   * How each `train` folder is laid out (layoutPairs of @frb/datasets): folder (HR images only; when left out),
   * div2k (a DIV2K root), df2k (a root with DIV2K and Flickr2K), benchmark (a set folder with HR and
   * LR_bicubic). Left unset rather than defaulted, so configs written before it resolve as they did.
   */
  layout: choice(LAYOUTS).optional(),
});

const optimizerSchema = section({
  type: choice(['adam'] as const).default('adam'),
  lr: num({ gt: 0 }).default(2e-4),
  betas: numList({ min: 0 })
    .refine((b) => b.length === 2 && b.every((x) => x < 1), { error: (i) => `must be two numbers in [0, 1), got ${show(i.input)}` })
    .transform((b): [number, number] => [b[0]!, b[1]!])
    .default([0.9, 0.99]),
  eps: num({ gt: 0 }).default(1e-8),
});

const milestones = numList({ int: true, min: 1 }).superRefine((m, ctx) => {
  for (let i = 1; i < m.length; i++) {
    if (m[i]! <= m[i - 1]!) {
      ctx.addIssue({ code: 'custom', path: [i], input: m[i], message: `must be larger than the previous milestone (${m[i - 1]}), got ${m[i]}` });
      return;
    }
  }
});

const SCHEDULERS = ['none', 'multistep', 'cosine'] as const;

/** The learning-rate schedule (BasicSR's MultiStepLR and CosineAnnealingRestartLR); `type` defaults to none. */
const schedulerSchema = z.preprocess(
  (v, ctx) => {
    const o = normalizeKeys(v, ctx);
    return o !== null && typeof o === 'object' && !Array.isArray(o) && (o as Obj).type === undefined ? { ...o, type: 'none' } : o;
  },
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('multistep'), milestones, gamma: num({ gt: 0 }).default(0.5) }),
    z.strictObject({
      type: z.literal('cosine'),
      /** Default: one period of train.iterations. */
      periods: numList({ int: true, min: 1 }).optional(),
      /** Default: 1 per period. */
      restartWeights: numList({ min: 0 }).optional(),
      etaMin: num({ min: 0 }).default(1e-7),
    }),
  ], {
    // A non-mapping fails as invalid_type, though the union's issue type names only the discriminator case.
    error: (i) => (i as { code: string }).code === 'invalid_type'
      ? `must be a mapping, got ${show(i.input)}`
      : `must be one of ${SCHEDULERS.join(', ')}, got ${show((i.input as Obj | undefined)?.type)}`,
  }),
);

const dbtSchema = optionalSection({
  enabled: bool().default(true),
  /** Teacher model.json (the trained full-precision twin). */
  teacher: nonEmpty(),
  /** λ, or 'auto': gradFraction · ‖∇L1‖ / ‖∇L_dis‖ measured on the run's first batch (kept across --resume). */
  weight: z.union([z.literal('auto'), num({ min: 0 })], { error: (i) => `must be a number >= 0 or 'auto', got ${show(i.input)}` })
    .default(DEFAULT_DBT_WEIGHT),
  /** With weight 'auto': the distillation gradient's size as a fraction of the task gradient's. */
  gradFraction: num({ gt: 0 }).default(DEFAULT_DBT_GRAD_FRACTION),
  form: choice(ATTENTION_FORMS).default(DEFAULT_DBT_FORM),
}).transform((d) => (d && d.enabled ? { teacher: d.teacher, weight: d.weight, gradFraction: d.gradFraction, form: d.form } : null));

const trainSchema = section({
  iterations: num({ int: true, min: 1 }),
  optimizer: optimizerSchema,
  scheduler: schedulerSchema,
  loss: choice(['l1'] as const).default('l1'),
  dbt: dbtSchema,
}).transform((t, ctx) => {
  const s = t.scheduler;
  if (s.type !== 'cosine') return { ...t, scheduler: s };
  const periods = s.periods ?? [t.iterations];
  const restartWeights = s.restartWeights ?? periods.map(() => 1);
  if (restartWeights.length !== periods.length) {
    ctx.addIssue({ code: 'custom', path: ['scheduler', 'restartWeights'], input: restartWeights, message: `needs one weight per period (${periods.length}), got ${restartWeights.length}` });
  }
  return { ...t, scheduler: { type: s.type, periods, restartWeights, etaMin: s.etaMin } };
});

const valSchema = optionalSection({
  /** Benchmark root (holding `<set>/HR` and `<set>/LR_bicubic/X<s>`, or a folder holding `benchmark/`). */
  data: nonEmpty().default('../shared/data'),
  set: nonEmpty().default('Set5'),
  /** Iterations between validations; 0: only at the end. */
  interval: num({ int: true, min: 0 }).default(0),
  /** Only the first N images (quick checks). */
  limit: num({ int: true, min: 1 }).nullable().default(null),
});

const checkpointSchema = section({
  /** Iterations between checkpoints (a SIGKILL loses at most this many); default min(train.iterations, 500). */
  interval: num({ int: true, min: 1 }).optional(),
  /** Checkpoints kept on disk (older ones are deleted). */
  keep: num({ int: true, min: 1 }).default(2),
});

const NAME = /^[\w.+-]+$/;

/** The whole config, paths not yet resolved (validateConfig resolves them against the file and the roots). */
const configSchema = section({
  /** Default: the model's name. */
  name: nonEmpty().optional(),
  seed: num({ int: true, min: 0 }).default(0),
  /** tfjs backend for `frb train`: wasm (default, via initBackend), cpu or auto. */
  backend: choice(['wasm', 'cpu', 'auto'] as const).default('wasm'),
  model: modelSchema,
  data: dataSchema,
  train: trainSchema,
  val: valSchema,
  checkpoint: checkpointSchema,
  /** Iterations between JSONL log lines and progress-bar updates. */
  logInterval: num({ int: true, min: 1 }).default(10),
  /** Run folder: checkpoints/, log.jsonl, curve.png, model/ (final weights); default runs/<name>. */
  output: nonEmpty().optional(),
}).transform((c, ctx) => {
  const name = c.name ?? c.model.name;
  if (!NAME.test(name)) ctx.addIssue({ code: 'custom', path: ['name'], input: name, message: `may hold only letters, digits, '_', '.', '+', '-', got ${show(name)}` });
  const checkpoint = { interval: c.checkpoint.interval ?? Math.min(c.train.iterations, 500), keep: c.checkpoint.keep };
  return { ...c, name, checkpoint, output: c.output ?? `runs/${name}` };
});

export type TrainConfig = z.output<typeof configSchema>;
export type ModelSection = TrainConfig['model'];
export type DataSection = TrainConfig['data'];
export type TrainSection = TrainConfig['train'];
export type OptimizerConfig = TrainSection['optimizer'];
export type SchedulerConfig = TrainSection['scheduler'];
export type DbtConfig = NonNullable<TrainSection['dbt']>;
export type ValSection = NonNullable<TrainConfig['val']>;
export type CheckpointSection = TrainConfig['checkpoint'];

/** Config path placeholders: `$data/train/T91` resolves under the data root, `$cwd/runs/x` under the working folder. */
export const DATA_ROOT_PREFIX = '$data';
export const CWD_PREFIX = '$cwd';

export interface ConfigContext {
  /** What `$data` stands for (the CLI passes --data, else $FRB_DATA, else ../shared/data from the working folder). */
  dataRoot?: string;
  /** What `$cwd` stands for (default process.cwd()). */
  cwd?: string;
}

/**
 * Validates a parsed config object and fills defaults. Relative paths resolve against `baseDir` (the config
 * file's folder). `file` only labels error messages.
 */
export function validateConfig(raw: unknown, baseDir: string, file = '<inline>', ctx: ConfigContext = {}): TrainConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`config "${file}": ${firstProblem(parsed.error, snake)}`);
  // Paths starting with $data / $cwd resolve under the data root / working folder, so a shipped config works
  // from any folder (and from node_modules); other relative paths resolve against the config's own folder.
  const under = (s: string, prefix: string) => s === prefix || s.startsWith(`${prefix}/`);
  const p = (s: string) => {
    if (under(s, CWD_PREFIX)) return resolve(ctx.cwd ?? process.cwd(), s.slice(CWD_PREFIX.length + 1));
    if (!under(s, DATA_ROOT_PREFIX)) return resolve(baseDir, s);
    if (!ctx.dataRoot) {
      throw new ConfigError(`config "${file}": the path "${s}" uses ${DATA_ROOT_PREFIX}, but no data root is set (pass --data DIR or set FRB_DATA)`);
    }
    return resolve(ctx.dataRoot, s.slice(DATA_ROOT_PREFIX.length + 1));
  };
  const c = parsed.data;
  return {
    ...c,
    data: { ...c.data, train: c.data.train.map(p), cacheDir: c.data.cacheDir === false ? false : p(c.data.cacheDir) },
    train: { ...c.train, dbt: c.train.dbt && { ...c.train.dbt, teacher: p(c.train.dbt.teacher) } },
    val: c.val && { ...c.val, data: p(c.val.data) },
    output: p(c.output),
  };
}

/** Reads and validates a `.json`, `.yaml` or `.yml` config; relative paths resolve against its folder, `$data/…` under ctx.dataRoot. */
export async function loadConfig(file: string, ctx: ConfigContext = {}): Promise<TrainConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`config "${file}": cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`config "${file}": not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  return validateConfig(raw, dirname(resolve(file)), file, ctx);
}
