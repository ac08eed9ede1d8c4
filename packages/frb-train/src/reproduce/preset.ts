// A reproduction preset: the compared methods (or named variants of them, e.g. DBT settings), the shared
// training budget, the seeds and the evaluation, read from YAML and checked field by field (errors name the
// file and the field).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ATTENTION_FORMS, DEFAULT_DBT_FORM, DEFAULT_DBT_GRAD_FRACTION, DEFAULT_DBT_WEIGHT, type AttentionForm } from '@frb/distill';

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

export interface DbtSetting {
  /** Id of the preset entry whose (first-seed) run is the teacher, at the same scale. */
  teacher: string;
  weight: number | 'auto';
  gradFraction: number;
  form: AttentionForm;
}

/** One row of the comparison: a method, possibly with its own budget, seeds, model options or DBT. */
export interface PresetEntry {
  id: string;
  method: string;
  label: string;
  iterations: number;
  seeds: number[];
  scales: number[];
  /** createModel options (default: the preset's model section). */
  modelOptions: Record<string, unknown>;
  dbt: DbtSetting | null;
}

export interface Preset {
  name: string;
  description: string;
  scales: number[];
  model: Record<string, unknown>;
  data: { train: string[]; patchSize: number; batchSize: number };
  train: { iterations: number; lr: number; scheduler: Record<string, unknown>; checkpointInterval: number };
  seeds: number[];
  eval: { sets: string[] | 'all'; limit: number | null; plotSet: string };
  entries: PresetEntry[];
  /** Pairs of entry ids the results page tests against each other. */
  compare: Array<[string, string]>;
  /** Folders/files relative to the working directory. */
  runs: string;
  results: string;
  /** The PSNR-vs-OPs plot (none for studies whose rows share one model size). */
  plot: string | null;
}

export const PRESET_DIR = fileURLToPath(new URL('../../presets/', import.meta.url));

export class PresetError extends Error {}

const posInt = (x: unknown) => Number.isInteger(x) && (x as number) > 0;
const strList = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every((s) => typeof s === 'string' && s);
const seedList = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every((s) => Number.isInteger(s) && s >= 0) && new Set(x).size === x.length;

/** Reads and checks a preset (a name in presets/ or a YAML/JSON file); every error names the field. */
export async function loadPreset(nameOrFile: string): Promise<Preset> {
  const file = /\.(ya?ml|json)$/i.test(nameOrFile) ? nameOrFile : join(PRESET_DIR, `${nameOrFile}.yaml`);
  if (!existsSync(file)) throw new PresetError(`no preset '${nameOrFile}' ("${file}" does not exist)`);
  return checkPreset(parseYaml(await readFile(file, 'utf8')) as Record<string, any>, file);
}

export function checkPreset(raw: Record<string, any>, file: string): Preset {
  const need = <T>(v: unknown, field: string, check: (x: any) => boolean, what: string): T => {
    if (!check(v)) throw new PresetError(`preset "${file}": ${field} must be ${what}, got ${JSON.stringify(v)}`);
    return v as T;
  };
  const list = need<unknown[]>(raw.methods, 'methods', (x) => Array.isArray(x) && x.length > 0, 'a non-empty list of method ids or entries');
  const modelOptions = (v: unknown, field: string) => {
    const m = need<Record<string, unknown>>(v, field, (x) => typeof x === 'object' && x !== null && !Array.isArray(x), 'a mapping of createModel options');
    // Sizes fail here, naming the field, rather than in a training process an hour later.
    for (const k of ['features', 'blocks', 'embedDim', 'depth', 'numHeads']) if (k in m) need(m[k], `${field}.${k}`, posInt, 'a positive integer');
    return m;
  };
  const model = modelOptions(raw.model, 'model');
  const scales = need<number[]>(raw.scales, 'scales', (x) => Array.isArray(x) && x.length > 0 && x.every((s) => [2, 3, 4].includes(s)), 'a list of 2, 3, 4');
  const iterations = need<number>(raw.train?.iterations, 'train.iterations', posInt, 'a positive integer');
  const seeds = need<number[]>(raw.seeds ?? [0], 'seeds', seedList, 'a list of distinct integers >= 0');
  const dbtDefaults = {
    weight: raw.dbt?.weight ?? DEFAULT_DBT_WEIGHT,
    form: raw.dbt?.form ?? DEFAULT_DBT_FORM,
    grad_fraction: raw.dbt?.grad_fraction ?? DEFAULT_DBT_GRAD_FRACTION,
  };
  const entries = list.map((m, i): PresetEntry => {
    const at = `methods[${i}]`;
    // 'frb2-dbt' is FRB order 2 distilled from the preset's FP twin with the preset's DBT setting.
    const e: Record<string, any> = typeof m === 'string'
      ? (m === 'frb2-dbt' ? { id: m, method: 'frb2', label: 'FRB order 2 + DBT', dbt: { teacher: 'fp' } } : { id: m, method: m })
      : (m as Record<string, any>);
    if (typeof e !== 'object' || e === null) throw new PresetError(`preset "${file}": ${at} must be a method id or a mapping`);
    const id = need<string>(e.id ?? e.method, `${at}.id`, (x) => typeof x === 'string' && /^[\w.-]+$/.test(x), 'a word');
    const method = need<string>(e.method ?? id, `${at}.method`, (x) => typeof x === 'string' && x in METHODS, `one of ${Object.keys(METHODS).join(', ')}`);
    let dbt: DbtSetting | null = null;
    if (e.dbt) {
      const d = { ...dbtDefaults, ...e.dbt };
      dbt = {
        teacher: need<string>(d.teacher, `${at}.dbt.teacher`, (x) => typeof x === 'string', 'the id of another entry'),
        weight: need<number | 'auto'>(d.weight, `${at}.dbt.weight`, (x) => x === 'auto' || (typeof x === 'number' && x >= 0), "a number >= 0 or 'auto'"),
        gradFraction: need<number>(d.grad_fraction, `${at}.dbt.grad_fraction`, (x) => typeof x === 'number' && x > 0, 'a number > 0'),
        form: need<AttentionForm>(d.form, `${at}.dbt.form`, (x) => (ATTENTION_FORMS as readonly string[]).includes(x), ATTENTION_FORMS.join(' or ')),
      };
    }
    return {
      id, method, dbt,
      label: need<string>(e.label ?? METHODS[method]!.label, `${at}.label`, (x) => typeof x === 'string' && x.length > 0, 'a non-empty string'),
      iterations: need<number>(e.iterations ?? iterations, `${at}.iterations`, posInt, 'a positive integer'),
      seeds: need<number[]>(e.seeds ?? seeds, `${at}.seeds`, seedList, 'a list of distinct integers >= 0'),
      scales: need<number[]>(e.scales ?? scales, `${at}.scales`, (x) => Array.isArray(x) && x.length > 0 && x.every((s) => scales.includes(s)), `a subset of scales ${JSON.stringify(scales)}`),
      modelOptions: e.model === undefined ? model : modelOptions(e.model, `${at}.model`),
    };
  });
  const ids = new Set<string>();
  for (const [i, e] of entries.entries()) {
    if (ids.has(e.id)) throw new PresetError(`preset "${file}": methods[${i}]: the id '${e.id}' is used twice`);
    ids.add(e.id);
  }
  for (const [i, e] of entries.entries()) {
    if (!e.dbt) continue;
    const t = entries.find((x) => x.id === e.dbt!.teacher);
    if (!t) throw new PresetError(`preset "${file}": methods[${i}].dbt.teacher: no entry '${e.dbt.teacher}' (DBT distills from a run of this preset)`);
    if (t.dbt) throw new PresetError(`preset "${file}": methods[${i}].dbt.teacher: '${t.id}' is itself distilled; a teacher must be trained plainly`);
    if (!e.scales.every((s) => t.scales.includes(s))) throw new PresetError(`preset "${file}": methods[${i}]: teacher '${t.id}' is not trained at every scale of '${e.id}'`);
  }
  const compare = need<Array<[string, string]>>(raw.compare ?? [], 'compare',
    (x) => Array.isArray(x) && x.every((p) => Array.isArray(p) && p.length === 2 && p.every((s) => ids.has(s))), 'a list of [id, id] pairs of entries');
  return {
    name: need<string>(raw.name, 'name', (x) => typeof x === 'string' && /^[\w-]+$/.test(x), 'a word'),
    description: String(raw.description ?? ''),
    scales, model, seeds, entries, compare,
    data: {
      train: need<string[]>(raw.data?.train, 'data.train', strList, 'a list of folders (relative to the data root)'),
      patchSize: need<number>(raw.data?.patch_size, 'data.patch_size', posInt, 'a positive integer'),
      batchSize: need<number>(raw.data?.batch_size, 'data.batch_size', posInt, 'a positive integer'),
    },
    train: {
      iterations,
      lr: need<number>(raw.train?.lr, 'train.lr', (x) => typeof x === 'number' && x > 0, 'a positive number'),
      scheduler: need<Record<string, unknown>>(raw.train?.scheduler ?? { type: 'none' }, 'train.scheduler', (x) => typeof x === 'object' && x !== null, 'a mapping'),
      checkpointInterval: need<number>(raw.train?.checkpoint_interval ?? 500, 'train.checkpoint_interval', posInt, 'a positive integer'),
    },
    eval: {
      sets: need<string[] | 'all'>(raw.eval?.sets ?? ['Set5', 'Set14', 'B100'], 'eval.sets', (x) => x === 'all' || strList(x), "a list of sets or 'all' (every set under the data root)"),
      limit: raw.eval?.limit == null ? null : need<number>(raw.eval.limit, 'eval.limit', posInt, 'a positive integer'),
      plotSet: need<string>(raw.eval?.plot_set ?? 'Set5', 'eval.plot_set', (x) => typeof x === 'string', 'a set name'),
    },
    runs: need<string>(raw.runs ?? `runs/reproduce-${raw.name}`, 'runs', (x) => typeof x === 'string' && x.length > 0, 'a folder'),
    results: need<string>(raw.results, 'results', (x) => typeof x === 'string' && x.endsWith('.md'), 'a .md file'),
    plot: raw.plot == null ? null : need<string>(raw.plot, 'plot', (x) => typeof x === 'string' && /\.(png|svg)$/.test(x), 'a .png or .svg file'),
  };
}
