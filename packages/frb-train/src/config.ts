// The `frb train` config: a JSON or YAML file in the spirit of BasicSR's option files (model, data, Adam and
// its schedule, L1, DBT, validation, checkpoints, seed). Keys are snake_case as in BasicSR; camelCase is
// accepted too. Every error names the field (`train.scheduler.milestones[1]`) and the file.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ATTENTION_FORMS, DEFAULT_DBT_FORM, DEFAULT_DBT_GRAD_FRACTION, DEFAULT_DBT_WEIGHT, type AttentionForm } from '@frb/distill';

export interface ModelSection {
  /** Zoo name (`frbc`, `srresnet`, `bbcu-l`, ...). */
  name: string;
  scale: number;
  /** Further createModel options (features, blocks, order, alignment, ...), passed as given. */
  options: Record<string, unknown>;
}

export interface DataSection {
  /** Folders of HR training images (LR made by MATLAB bicubic, cached). */
  train: string[];
  /** LR patch side. */
  patchSize: number;
  batchSize: number;
  augment: boolean;
  /** Leave out (and list) images too small for a patch instead of failing. */
  skipSmall: boolean;
  /** Generated-LR disk cache; false: none. */
  cacheDir: string | false;
  /** Decoded pairs kept in memory. */
  cacheSize: number;
}

export type SchedulerConfig =
  | { type: 'none' }
  | { type: 'multistep'; milestones: number[]; gamma: number }
  | { type: 'cosine'; periods: number[]; restartWeights: number[]; etaMin: number };

export interface OptimizerConfig {
  type: 'adam';
  lr: number;
  betas: [number, number];
  eps: number;
}

export interface DbtConfig {
  /** Teacher model.json (the trained full-precision twin). */
  teacher: string;
  /** λ, or 'auto': gradFraction · ‖∇L1‖ / ‖∇L_dis‖ measured on the run's first batch (kept across --resume). */
  weight: number | 'auto';
  /** With weight 'auto': the distillation gradient's size as a fraction of the task gradient's. */
  gradFraction: number;
  form: AttentionForm;
}

export interface TrainSection {
  iterations: number;
  optimizer: OptimizerConfig;
  scheduler: SchedulerConfig;
  loss: 'l1';
  dbt: DbtConfig | null;
}

export interface ValSection {
  /** Benchmark root (holding `<set>/HR` and `<set>/LR_bicubic/X<s>`, or a folder holding `benchmark/`). */
  data: string;
  set: string;
  /** Iterations between validations; 0: only at the end. */
  interval: number;
  /** Only the first N images (quick checks). */
  limit: number | null;
}

export interface CheckpointSection {
  /** Iterations between checkpoints (a SIGKILL loses at most this many). */
  interval: number;
  /** Checkpoints kept on disk (older ones are deleted). */
  keep: number;
}

export interface TrainConfig {
  name: string;
  seed: number;
  /** tfjs backend for `frb train`: wasm (default, via initBackend), cpu or auto. */
  backend: 'wasm' | 'cpu' | 'auto';
  model: ModelSection;
  data: DataSection;
  train: TrainSection;
  val: ValSection | null;
  checkpoint: CheckpointSection;
  /** Iterations between JSONL log lines and progress-bar updates. */
  logInterval: number;
  /** Run folder: checkpoints/, log.jsonl, curve.png, model/ (final weights). */
  output: string;
}

/** A config mistake: the message names the field and the file. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Obj = Record<string, unknown>;

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Field reader for one section: tracks which keys were used so unknown ones are reported. */
class Section {
  private readonly used = new Set<string>();
  private readonly obj: Obj;
  constructor(raw: unknown, readonly path: string, private readonly file: string) {
    if (raw === undefined || raw === null) raw = {};
    if (typeof raw !== 'object' || Array.isArray(raw)) throw this.err(path, `must be a mapping, got ${show(raw)}`);
    // Normalize camelCase keys to snake_case; both spellings of one key is an error.
    this.obj = {};
    for (const [k, v] of Object.entries(raw as Obj)) {
      const s = snake(k);
      if (s in this.obj) throw this.err(this.at(s), `given twice (as '${s}' and '${k}')`);
      this.obj[s] = v;
    }
  }
  at(k: string): string {
    return this.path ? `${this.path}.${k}` : k;
  }
  err(field: string, msg: string): ConfigError {
    return new ConfigError(`config "${this.file}": ${field || '(top level)'} ${msg}`);
  }
  has(k: string): boolean {
    return this.obj[k] !== undefined && this.obj[k] !== null;
  }
  raw(k: string): unknown {
    this.used.add(k);
    return this.obj[k];
  }
  sub(k: string): Section {
    return new Section(this.raw(k), this.at(k), this.file);
  }
  str(k: string, dflt?: string): string {
    const v = this.raw(k) ?? dflt;
    if (typeof v !== 'string' || v.length === 0) throw this.err(this.at(k), v === undefined ? 'is required (a string)' : `must be a non-empty string, got ${show(v)}`);
    return v;
  }
  num(k: string, dflt: number | undefined, check: { int?: boolean; min?: number; gt?: number; max?: number } = {}): number {
    const v = this.raw(k) ?? dflt;
    return checkNum(v, this.at(k), check, (f, m) => this.err(f, m));
  }
  bool(k: string, dflt: boolean): boolean {
    const v = this.raw(k) ?? dflt;
    if (typeof v !== 'boolean') throw this.err(this.at(k), `must be true or false, got ${show(v)}`);
    return v;
  }
  choice<T extends string>(k: string, choices: readonly T[], dflt: T): T {
    const v = this.raw(k) ?? dflt;
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
      throw this.err(this.at(k), `must be one of ${choices.join(', ')}, got ${show(v)}`);
    }
    return v as T;
  }
  numList(k: string, dflt: number[] | undefined, check: { int?: boolean; min?: number; gt?: number } = {}): number[] {
    const v = this.raw(k) ?? dflt;
    if (!Array.isArray(v)) throw this.err(this.at(k), v === undefined ? 'is required (a list of numbers)' : `must be a list of numbers, got ${show(v)}`);
    return v.map((x, i) => checkNum(x, `${this.at(k)}[${i}]`, check, (f, m) => this.err(f, m)));
  }
  rest(): Obj {
    const out: Obj = {};
    for (const [k, v] of Object.entries(this.obj)) if (!this.used.has(k)) out[k] = v;
    return out;
  }
  /** Fail on keys nobody read (typos such as `itertions`). */
  done(): void {
    const extra = Object.keys(this.rest());
    if (extra.length) throw this.err(this.at(extra[0]!), `is not a known option${extra.length > 1 ? ` (also unknown: ${extra.slice(1).join(', ')})` : ''}`);
  }
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

function checkNum(
  v: unknown,
  field: string,
  c: { int?: boolean; min?: number; gt?: number; max?: number },
  err: (f: string, m: string) => ConfigError,
): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw err(field, v === undefined ? 'is required (a number)' : `must be a finite number, got ${show(v)}`);
  if (c.int && !Number.isInteger(v)) throw err(field, `must be an integer, got ${v}`);
  if (c.min !== undefined && v < c.min) throw err(field, `must be >= ${c.min}, got ${v}`);
  if (c.gt !== undefined && !(v > c.gt)) throw err(field, `must be > ${c.gt}, got ${v}`);
  if (c.max !== undefined && v > c.max) throw err(field, `must be <= ${c.max}, got ${v}`);
  return v;
}

/**
 * Validates a parsed config object and fills defaults. Relative paths resolve against `baseDir` (the config
 * file's folder). `file` only labels error messages.
 */
/** Config path placeholders: `$data/train/T91` resolves under the data root, `$cwd/runs/x` under the working folder. */
export const DATA_ROOT_PREFIX = '$data';
export const CWD_PREFIX = '$cwd';

export interface ConfigContext {
  /** What `$data` stands for (the CLI passes --data, else $FRB_DATA, else ../shared/data from the working folder). */
  dataRoot?: string;
  /** What `$cwd` stands for (default process.cwd()). */
  cwd?: string;
}

export function validateConfig(raw: unknown, baseDir: string, file = '<inline>', ctx: ConfigContext = {}): TrainConfig {
  const top = new Section(raw, '', file);
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

  const m = top.sub('model');
  const modelName = m.str('name');
  const scale = m.num('scale', 4, { int: true, min: 2, max: 8 });
  const options = m.rest();
  for (const k of ['scale', 'weights']) if (k in options) throw m.err(m.at(k), 'is set by the trainer');
  const model: ModelSection = { name: modelName, scale, options: camelKeys(options) };

  const d = top.sub('data');
  const trainRaw = d.raw('train');
  const folders = typeof trainRaw === 'string' ? [trainRaw] : trainRaw;
  if (!Array.isArray(folders) || folders.length === 0 || folders.some((f) => typeof f !== 'string' || !f)) {
    throw d.err(d.at('train'), `must be a folder or a non-empty list of folders of HR images, got ${show(trainRaw)}`);
  }
  const cacheRaw = d.raw('cache_dir');
  if (cacheRaw !== undefined && cacheRaw !== false && (typeof cacheRaw !== 'string' || !cacheRaw)) {
    throw d.err(d.at('cache_dir'), `must be a folder or false, got ${show(cacheRaw)}`);
  }
  const data: DataSection = {
    train: (folders as string[]).map(p),
    patchSize: d.num('patch_size', 48, { int: true, min: 4 }),
    batchSize: d.num('batch_size', 16, { int: true, min: 1 }),
    augment: d.bool('augment', true),
    skipSmall: d.bool('skip_small', true),
    cacheDir: cacheRaw === false ? false : p((cacheRaw as string | undefined) ?? '.frb-cache'),
    cacheSize: d.num('cache_size', 64, { int: true, min: 1 }),
  };
  d.done();

  const t = top.sub('train');
  const iterations = t.num('iterations', undefined, { int: true, min: 1 });
  const o = t.sub('optimizer');
  o.choice('type', ['adam'] as const, 'adam');
  const betas = o.numList('betas', [0.9, 0.99], { min: 0 });
  if (betas.length !== 2 || betas.some((b) => b >= 1)) throw o.err(o.at('betas'), `must be two numbers in [0, 1), got ${show(betas)}`);
  const optimizer: OptimizerConfig = {
    type: 'adam',
    lr: o.num('lr', 2e-4, { gt: 0 }),
    betas: [betas[0]!, betas[1]!],
    eps: o.num('eps', 1e-8, { gt: 0 }),
  };
  o.done();
  const s = t.sub('scheduler');
  const stype = s.choice('type', ['none', 'multistep', 'cosine'] as const, 'none');
  let scheduler: SchedulerConfig;
  if (stype === 'multistep') {
    const milestones = s.numList('milestones', undefined, { int: true, min: 1 });
    milestones.forEach((v, i) => {
      if (i > 0 && v <= milestones[i - 1]!) throw s.err(`${s.at('milestones')}[${i}]`, `must be larger than the previous milestone (${milestones[i - 1]}), got ${v}`);
    });
    scheduler = { type: 'multistep', milestones, gamma: s.num('gamma', 0.5, { gt: 0 }) };
  } else if (stype === 'cosine') {
    const periods = s.numList('periods', [iterations], { int: true, min: 1 });
    const restartWeights = s.numList('restart_weights', periods.map(() => 1), { min: 0 });
    if (restartWeights.length !== periods.length) {
      throw s.err(s.at('restart_weights'), `needs one weight per period (${periods.length}), got ${restartWeights.length}`);
    }
    scheduler = { type: 'cosine', periods, restartWeights, etaMin: s.num('eta_min', 1e-7, { min: 0 }) };
  } else {
    scheduler = { type: 'none' };
  }
  s.done();
  t.choice('loss', ['l1'] as const, 'l1');
  let dbt: DbtConfig | null = null;
  if (t.has('dbt') && t.raw('dbt') !== false) {
    const b = t.sub('dbt');
    const enabled = b.bool('enabled', true);
    const teacher = b.str('teacher');
    const w = b.raw('weight');
    if (typeof w === 'string' && w !== 'auto') throw b.err(b.at('weight'), `must be a number >= 0 or 'auto', got ${show(w)}`);
    const weight = w === 'auto' ? 'auto' as const : b.num('weight', DEFAULT_DBT_WEIGHT, { min: 0 });
    dbt = {
      teacher: p(teacher), weight,
      gradFraction: b.num('grad_fraction', DEFAULT_DBT_GRAD_FRACTION, { gt: 0 }),
      form: b.choice('form', ATTENTION_FORMS, DEFAULT_DBT_FORM),
    };
    b.done();
    if (!enabled) dbt = null;
  } else {
    t.raw('dbt');
  }
  const train: TrainSection = { iterations, optimizer, scheduler, loss: 'l1', dbt };
  t.done();

  let val: ValSection | null = null;
  if (top.has('val') && top.raw('val') !== false) {
    const v = top.sub('val');
    val = {
      data: p(v.str('data', '../shared/data')),
      set: v.str('set', 'Set5'),
      interval: v.num('interval', 0, { int: true, min: 0 }),
      limit: v.has('limit') ? v.num('limit', undefined, { int: true, min: 1 }) : (v.raw('limit'), null),
    };
    v.done();
  } else {
    top.raw('val');
  }

  const c = top.sub('checkpoint');
  const checkpoint: CheckpointSection = {
    interval: c.num('interval', Math.min(iterations, 500), { int: true, min: 1 }),
    keep: c.num('keep', 2, { int: true, min: 1 }),
  };
  c.done();

  const name = top.str('name', modelName);
  if (!/^[\w.+-]+$/.test(name)) throw top.err('name', `may hold only letters, digits, '_', '.', '+', '-', got ${show(name)}`);
  const cfg: TrainConfig = {
    name,
    seed: top.num('seed', 0, { int: true, min: 0 }),
    backend: top.choice('backend', ['wasm', 'cpu', 'auto'] as const, 'wasm'),
    model,
    data,
    train,
    val,
    checkpoint,
    logInterval: top.num('log_interval', 10, { int: true, min: 1 }),
    output: p(top.str('output', `runs/${name}`)),
  };
  top.done();
  return cfg;
}

/** createModel takes camelCase options; the config may spell them in snake_case. */
function camelKeys(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())] = v;
  return out;
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
