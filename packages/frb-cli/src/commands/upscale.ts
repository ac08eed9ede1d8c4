// frb upscale: super-resolve images (files or folders of them) with the shipped FRBC weights or a model.json,
// tiled, to PNGs; one progress line for the batch, a summary table when there are several images.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { FileExistsError, readImageInfo, type ImageInfo } from '@frb/datasets';
import { Progress } from '@frb/bench';
import { flag, parseInt0, parseRange, str, type Parsed } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext } from '../context.js';
import { bestShippedSet, resolveWeights, shippedScales } from '../model-source.js';
import { backendPreference, useBackend } from '../backend.js';
import { defineCommand } from './command.js';
import { MODEL, describeModel, loadUpscaleModel, tilesOf, upscaleImage, type ImageDone, type UpscaleJob, type UpscaleSettings } from './upscale-image.js';

const DEFAULT_TILE = 128;
const DEFAULT_MAX_MEMORY_MIB = 2048;
/** Extensions taken from a folder argument (files named one by one may be anything libvips reads). */
const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif', '.avif', '.heic', '.heif']);

const HELP = `Usage: frb upscale <image|folder>... [options]

Upscale images (PNG, JPEG, WebP, TIFF, ...) with the FRBC binary super-resolution model and the
weights shipped in @frb/models (no data folder needed), tile by tile, and write PNGs. A folder stands
for the images directly in it.

Options:
  --scale S            upscale factor: ${shippedScales(MODEL).join(' or ')} (the scales with shipped weights; default 4)
  -o, --output PATH    output PNG (one image), or a folder (several images, or a path ending in /);
                       default: <name>_x<S>.png beside each input. (--out is the same option.)
  --force              replace output files that already exist (default: refuse, before any work)
  --weights W          a shipped weight set (default: the one with the best Set5 PSNR at S:
                       ${shippedScales(MODEL).map((s) => `x${s} ${bestShippedSet(MODEL, s)}`).join(', ')}) or a path to a tfjs
                       layers-model model.json (or its folder) that upscales RGB by S
  --input-range R      value range a --weights model.json takes: 1 ([0, 1], default) or 255
  --output-range R     value range it returns (default: the input range)
  --tile N             LR tile size in pixels (default ${DEFAULT_TILE}; 0 = whole image at once)
  --tile-overlap N     LR context pixels around each tile (default 16, more than FRBC's receptive field,
                       so tiles join without seams)
  --max-memory MIB     --tile 0 is refused when one call is estimated to need more tensor memory than
                       this (default ${DEFAULT_MAX_MEMORY_MIB}); the message names a tile size that fits
  --packed             run 1-bit XNOR-popcount layers: a shipped set's packed files, or a model.json
                       packed at load (deployModel); the same image within float rounding
  --backend B          auto (default: tfjs-node if installed, else wasm), wasm, cpu, tensorflow
  --workers N          images upscaled at once, each in a worker thread that loads the model once and
                       runs its convolutions on one thread (default 1: one after another in this process,
                       convolutions on all cores; a pool pays off for many images on idle cores)
  -h, --help           this help

Photos are turned upright by their EXIF orientation. An alpha channel is kept: the colour channels go
through the model, the alpha channel is enlarged with MATLAB bicubic. Grayscale stays grayscale; CMYK,
Lab and 16-bit inputs are converted to 8-bit sRGB (said on stderr). The ICC profile and DPI of the input
are written into the PNG. Outputs are written atomically (temporary file, then rename).
Output paths go to stdout, details to stderr. Exit 1 when any image failed (the others are written).
`;

/** Same file? (resolving symlinks where the files exist). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    return existsSync(b) && realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

type Job = UpscaleJob;

/** The input files: files as given, folders expanded to their image files (sorted); missing paths are usage errors. */
function expandInputs(args: string[], cwd: string): string[] {
  const files: string[] = [];
  for (const a of args) {
    const p = resolve(cwd, a);
    if (!existsSync(p)) throw new UsageError(`frb upscale: image "${p}" does not exist`);
    if (statSync(p).isDirectory()) {
      const inDir = readdirSync(p)
        .filter((n) => !n.startsWith('.') && IMAGE_EXT.has(extname(n).toLowerCase()) && statSync(join(p, n)).isFile())
        .sort()
        .map((n) => join(p, n));
      if (inDir.length === 0) throw new UsageError(`frb upscale: folder "${p}" has no image files (${[...IMAGE_EXT].join(' ')})`);
      files.push(...inDir);
    } else files.push(p);
  }
  return files;
}

/** Input → output pairs, checked before any work: no input overwritten, no two outputs alike, no existing file replaced without --force. */
function planJobs(inputs: string[], output: string | undefined, scale: number, force: boolean, cwd: string): Job[] {
  const folderOut = output !== undefined && (inputs.length > 1 || /[\\/]$/.test(output) || (existsSync(resolve(cwd, output)) && statSync(resolve(cwd, output)).isDirectory()));
  const jobs = inputs.map((input) => {
    const name = `${basename(input, extname(input))}_x${scale}.png`;
    const out = output === undefined ? join(dirname(input), name) : folderOut ? join(resolve(cwd, output), name) : resolve(cwd, output);
    return { input, out };
  });
  for (const { input, out } of jobs) {
    if (extname(out).toLowerCase() !== '.png') throw new UsageError(`frb upscale: --output must end in .png (the output is a PNG), or be a folder; got "${out}"`);
    if (sameFile(input, out)) throw new UsageError(`frb upscale: refusing to overwrite the input image "${input}"; choose another --output`);
    if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`frb upscale: output "${out}" is a folder`);
  }
  const seen = new Map<string, string>();
  for (const { input, out } of jobs) {
    const other = seen.get(out);
    if (other) throw new UsageError(`frb upscale: "${other}" and "${input}" would both be written to "${out}"`);
    seen.set(out, input);
  }
  const existing = jobs.filter((j) => existsSync(j.out)).map((j) => j.out);
  if (existing.length && !force) {
    throw new UsageError(`frb upscale: refusing to overwrite existing file${existing.length > 1 ? 's' : ''} ${existing.map((f) => `"${f}"`).join(', ')} (--force replaces them)`);
  }
  return jobs;
}

/** An image's outcome, as the summary reports it. */
interface Done {
  job: Job;
  done?: ImageDone;
  error?: string;
}

export const upscaleCommand = defineCommand({
  name: 'upscale',
  help: HELP,
  options: {
    scale: { type: 'string' },
    output: { type: 'string', short: 'o' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    weights: { type: 'string' },
    'input-range': { type: 'string' },
    'output-range': { type: 'string' },
    tile: { type: 'string' },
    'tile-overlap': { type: 'string' },
    'max-memory': { type: 'string' },
    packed: { type: 'boolean' },
    backend: { type: 'string' },
    workers: { type: 'string' },
  },
  async run(p, ctx) {
    const plan = planUpscale(p, ctx);
    // Headers first: the bar's total is known, and unreadable files are reported before the model loads.
    const infos = await Promise.all(plan.jobs.map((j) => readImageInfo(j.input).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    const total = infos.reduce((s, i) => s + (i instanceof Error ? 0 : tilesOf(plan.settings, i.height, i.width)), 0);
    const bar = new Progress(total, `upscale x${plan.settings.scale}`, { stream: ctx.stderr as NodeJS.WritableStream & { isTTY?: boolean } });
    const out = new Outcomes(plan.jobs, bar, ctx);
    const readable = plan.jobs.map((_, k) => k).filter((k) => !(infos[k] instanceof Error));
    // In-process by default: each worker pays the module and model start-up again, and on the 2-core machine this
    // was measured the pool was about 2x slower (packages/frb-cli/README.md, "Many images").
    const workers = Math.min(plan.workersWanted ?? 1, readable.length);
    const ran = workers > 1 ? await inPool(plan, infos, readable, workers, out, ctx) : await inProcess(plan, infos, out, ctx);
    return plan.jobs.length === 1 ? EXIT_OK : report(plan, out.settled(), ran, ctx);
  },
});

/** Each input's header, or why it could not be read. */
type Infos = Array<Error | ImageInfo>;

interface UpscalePlan {
  jobs: Job[];
  settings: UpscaleSettings;
  /** What --weights named (a shipped set or a file), for messages. */
  weightsArg: string;
  workersWanted: number | undefined;
  backendWanted: ReturnType<typeof backendPreference>;
}

/** The options checked and the input → output pairs planned, before anything is read or loaded. */
function planUpscale(p: Parsed, ctx: CliContext): UpscalePlan {
  if (p.positionals.length === 0) throw new UsageError('frb upscale: one or more <image> (or folders of images) expected, got 0');
  if (str(p, 'out') !== undefined && str(p, 'output') !== undefined) throw new UsageError('frb upscale: give --output or --out, not both');
  const inputs = expandInputs(p.positionals, ctx.cwd);

  // --weights: a shipped set name, or a model.json path; by default the best shipped set at --scale.
  const scaleArg = str(p, 'scale') ?? '4';
  const w = str(p, 'weights') ?? bestShippedSet(MODEL, Number(scaleArg)) ?? bestShippedSet(MODEL, 4)!;
  const weights = resolveWeights('upscale', MODEL, w, ctx.cwd);
  const weightsFile = 'file' in weights ? weights.file : undefined;
  const inputRange = parseRange('upscale', 'input-range', str(p, 'input-range'));
  const outputRange = parseRange('upscale', 'output-range', str(p, 'output-range'));
  if (!weightsFile && (inputRange !== undefined || outputRange !== undefined)) {
    throw new UsageError(`frb upscale: --input-range/--output-range describe a --weights model.json; the shipped '${w}' weights take [0, 1]`);
  }

  const scale = Number(scaleArg);
  const named = str(p, 'weights') !== undefined;
  const allowed = weightsFile ? undefined : shippedScales(MODEL, named ? w : undefined);
  if (!Number.isInteger(scale) || scale < 2 || scale > 16 || (allowed && !allowed.includes(scale))) {
    const which = named ? `the scales weights '${w}' exist for` : 'the scales with shipped weights';
    throw new UsageError(
      allowed
        ? `frb upscale: --scale must be ${allowed.join(' or ')} (${which}), got '${scaleArg}'`
        : `frb upscale: --scale must be an integer 2..16, got '${scaleArg}'`,
    );
  }
  const tile = parseInt0('upscale', 'tile', str(p, 'tile'), 0) ?? DEFAULT_TILE;
  const overlap = parseInt0('upscale', 'tile-overlap', str(p, 'tile-overlap'), 0);
  const maxMemory = (parseInt0('upscale', 'max-memory', str(p, 'max-memory'), 1) ?? DEFAULT_MAX_MEMORY_MIB) * 2 ** 20;
  const workersWanted = parseInt0('upscale', 'workers', str(p, 'workers'), 1);
  const backendWanted = backendPreference('upscale', str(p, 'backend'));
  const jobs = planJobs(inputs, str(p, 'output') ?? str(p, 'out'), scale, flag(p, 'force'), ctx.cwd);
  const settings: UpscaleSettings = {
    weights, scale, tile, overlap, inputRange, outputRange, maxMemoryBytes: maxMemory, force: flag(p, 'force'), packed: flag(p, 'packed'),
  };
  return { jobs, settings, weightsArg: w, workersWanted, backendWanted };
}

/** Each image's outcome as it settles; written paths go to stdout in input order, each once the images before it are settled. */
class Outcomes {
  private readonly results: Array<Done | undefined>;
  private listed = 0;
  constructor(private readonly jobs: Job[], readonly bar: Progress, private readonly ctx: CliContext) {
    this.results = jobs.map(() => undefined);
  }
  settle(k: number, d: Done): void {
    this.results[k] = d;
    if (this.jobs.length > 1 && d.done?.notes.length) this.bar.note(`${basename(d.job.input)}: ${d.done.notes.join('; ')}`);
    for (let r = this.results[this.listed]; r !== undefined && this.listed < this.jobs.length; r = this.results[++this.listed]) {
      if (r.error === undefined) this.ctx.stdout.write(`${r.job.out}\n`);
    }
  }
  fail(k: number, err: unknown): void {
    this.settle(k, { job: this.jobs[k]!, error: err instanceof Error ? err.message : String(err) });
  }
  settled(): Done[] {
    return this.results.filter((d): d is Done => d !== undefined);
  }
}

/** --workers N: a pool of worker threads; returns how it ran, for the summary. */
async function inPool(plan: UpscalePlan, infos: Infos, readable: number[], workers: number, out: Outcomes, ctx: CliContext): Promise<string> {
  const { jobs } = plan;
  for (const [k, info] of infos.entries()) if (info instanceof Error) out.fail(k, info);
  const { runPool } = await import('./upscale-pool.js');
  try {
    const pool = await runPool(jobs, readable, plan.settings, plan.backendWanted, workers, {
      onTile: (k) => out.bar.tick(1, basename(jobs[k]!.input)),
      onNote: (text) => ctx.stderr.write(text),
      onDone: (k, o) => out.settle(k, { job: jobs[k]!, done: o.done, error: o.error }),
    });
    return `${pool.backend}, ${pool.threads} worker thread${pool.threads === 1 ? '' : 's'} of ${workers} (at most ${pool.maxAtOnce} image${pool.maxAtOnce === 1 ? '' : 's'} at once)`;
  } finally {
    out.bar.finish();
  }
}

/** In this process, one image after another; returns how it ran, for the summary. */
async function inProcess(plan: UpscalePlan, infos: Infos, out: Outcomes, ctx: CliContext): Promise<string> {
  const { jobs, settings } = plan;
  const { weights, scale } = settings;
  const w = plan.weightsArg;
  const single = jobs.length === 1;
  const backend = await useBackend('upscale', plan.backendWanted, ctx);
  const model = await loadUpscaleModel(settings);
  try {
    for (const [k, job] of jobs.entries()) {
      try {
        const info = infos[k]!;
        if (info instanceof Error) throw info;
        const d = await upscaleImage(model, job, settings, info, () => out.bar.tick(1, basename(job.input)));
        if (single) {
          ctx.stderr.write(
            `upscale: ${d.lrWidth}x${d.lrHeight} -> ${d.srWidth}x${d.srHeight} (x${scale}, ${'file' in weights ? weights.file : `${MODEL} '${w}'`}${settings.packed ? ' packed' : ''}, ` +
              `${d.tiles} tile${d.tiles === 1 ? '' : 's'}, ${backend}, ${d.seconds.toFixed(2)} s)${d.notes.length ? `; ${d.notes.join('; ')}` : ''}\n`,
          );
        }
        out.settle(k, { job, done: d });
      } catch (err) {
        if (single) throw err instanceof FileExistsError ? new UsageError(`frb upscale: ${err.message} (it appeared while upscaling; --force replaces it)`) : err;
        out.fail(k, err);
      }
    }
  } finally {
    out.bar.finish();
    model.dispose();
  }
  return `${backend}, in this process`;
}

/** The many-images summary table on stderr; exit 1 when any image failed. */
function report(plan: UpscalePlan, done: Done[], ran: string, ctx: CliContext): number {
  const what = describeModel(plan.settings);
  const scale = plan.settings.scale;
  const failed = done.filter((d) => d.error !== undefined);
  const cell = (t: string) => t.replace(/\|/g, '\\|');
  const rows = done.map(({ job, done: d, error }) =>
    d
      ? `| ${cell(basename(job.input))} | ${d.lrWidth}x${d.lrHeight} -> ${d.srWidth}x${d.srHeight} | ${d.seconds.toFixed(2)} | written | ${cell(job.out)} |`
      : `| ${cell(basename(job.input))} | | | failed | ${cell(error ?? '')} |`,
  );
  ctx.stderr.write(
    `\nupscale x${scale} with ${what} on ${ran}: ${done.length - failed.length} of ${done.length} images written\n\n` +
      `| image | size in -> out | seconds | status | output or error |\n|---|---|---|---|---|\n${rows.join('\n')}\n`,
  );
  if (failed.length) {
    ctx.stderr.write(`\nupscale: ${failed.length} image${failed.length === 1 ? '' : 's'} failed:\n${failed.map((d) => `  ${d.job.input}: ${d.error}\n`).join('')}`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}
