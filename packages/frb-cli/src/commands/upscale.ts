// frb upscale: super-resolve images (files or folders of them) with the shipped FRBC weights or a model.json,
// tiled, to PNGs; one progress line for the batch, a summary table when there are several images.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FileExistsError, conversionNote, readImage, readImageInfo, writePng } from '@frb/datasets';
import { MemoryBudgetError, Progress, formatBytes, superResolve, tileRanges } from '@frb/bench';
import { createModel } from '@frb/models';
import { flag, parse, parseInt0, parseRange, str } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext } from '../context.js';
import { loadModelFile, packModel, resolveWeights, shippedScales } from '../model-source.js';
import { useBackend } from '../backend.js';
import type { Command } from './command.js';

const MODEL = 'frbc';
const DEFAULT_WEIGHTS = 'small-291';
const DEFAULT_TILE = 128;
const DEFAULT_MAX_MEMORY_MIB = 2048;
/** Extensions taken from a folder argument (files named one by one may be anything libvips reads). */
const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif', '.avif', '.heic', '.heif']);

const HELP = `Usage: frb upscale <image|folder>... [options]

Upscale images (PNG, JPEG, WebP, TIFF, ...) with the FRBC binary super-resolution model and the
weights shipped in @frb/models (no data folder needed), tile by tile, and write PNGs. A folder stands
for the images directly in it.

Options:
  --scale S            upscale factor: 2 or 4 (the scales with shipped weights; default 4)
  -o, --output PATH    output PNG (one image), or a folder (several images, or a path ending in /);
                       default: <name>_x<S>.png beside each input. (--out is the same option.)
  --force              replace output files that already exist (default: refuse, before any work)
  --weights W          a shipped weight set (default ${DEFAULT_WEIGHTS}) or a path to a tfjs layers-model
                       model.json (or its folder) that upscales RGB by S
  --input-range R      value range a --weights model.json takes: 1 ([0, 1], default) or 255
  --output-range R     value range it returns (default: the input range)
  --tile N             LR tile size in pixels (default ${DEFAULT_TILE}; 0 = whole image at once)
  --tile-overlap N     LR context pixels around each tile (default 16, more than FRBC's receptive field,
                       so tiles join without seams)
  --max-memory MIB     --tile 0 is refused when one call is estimated to need more tensor memory than
                       this (default ${DEFAULT_MAX_MEMORY_MIB}); the message names a tile size that fits
  --packed             pack the model's binary layers to 1-bit XNOR-popcount layers (deployModel)
                       before running; the same image within float rounding
  --backend B          auto (default: tfjs-node if installed, else wasm), wasm, cpu, tensorflow
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

interface Job {
  input: string;
  out: string;
}

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

interface Done {
  job: Job;
  size?: string;
  seconds?: number;
  error?: string;
}

export const upscaleCommand: Command = {
  name: 'upscale',
  summary: 'upscale images x2/x4 with the shipped FRBC weights (tiled) and write PNGs',
  help: HELP,
  async run(argv: string[], ctx: CliContext): Promise<number> {
    const p = parse('upscale', argv, {
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
    });
    if (flag(p, 'help')) {
      ctx.stdout.write(HELP);
      return EXIT_OK;
    }
    if (p.positionals.length === 0) throw new UsageError('frb upscale: one or more <image> (or folders of images) expected, got 0');
    if (str(p, 'out') !== undefined && str(p, 'output') !== undefined) throw new UsageError('frb upscale: give --output or --out, not both');
    const inputs = expandInputs(p.positionals, ctx.cwd);

    // --weights: a shipped set name, or a model.json path.
    const w = str(p, 'weights') ?? DEFAULT_WEIGHTS;
    const weights = resolveWeights('upscale', MODEL, w, ctx.cwd);
    const weightsFile = 'file' in weights ? weights.file : undefined;
    const inputRange = parseRange('upscale', 'input-range', str(p, 'input-range'));
    const outputRange = parseRange('upscale', 'output-range', str(p, 'output-range'));
    if (!weightsFile && (inputRange !== undefined || outputRange !== undefined)) {
      throw new UsageError(`frb upscale: --input-range/--output-range describe a --weights model.json; the shipped '${w}' weights take [0, 1]`);
    }

    const scaleArg = str(p, 'scale') ?? '4';
    const scale = Number(scaleArg);
    const allowed = weightsFile ? undefined : shippedScales(MODEL, w);
    if (!Number.isInteger(scale) || scale < 2 || scale > 16 || (allowed && !allowed.includes(scale))) {
      throw new UsageError(
        allowed
          ? `frb upscale: --scale must be ${allowed.join(' or ')} (the scales weights '${w}' exist for), got '${scaleArg}'`
          : `frb upscale: --scale must be an integer 2..16, got '${scaleArg}'`,
      );
    }
    const tile = parseInt0('upscale', 'tile', str(p, 'tile'), 0) ?? DEFAULT_TILE;
    const overlap = parseInt0('upscale', 'tile-overlap', str(p, 'tile-overlap'), 0);
    const maxMemory = (parseInt0('upscale', 'max-memory', str(p, 'max-memory'), 1) ?? DEFAULT_MAX_MEMORY_MIB) * 2 ** 20;
    const jobs = planJobs(inputs, str(p, 'output') ?? str(p, 'out'), scale, flag(p, 'force'), ctx.cwd);

    // Headers first: the bar's total is known, and unreadable files are reported before the model loads.
    const infos = await Promise.all(jobs.map((j) => readImageInfo(j.input).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    const tilesOf = (h: number, w2: number) => (tile > 0 ? tileRanges(h, tile).length * tileRanges(w2, tile).length : 1);
    const total = infos.reduce((s, i) => s + (i instanceof Error ? 0 : tilesOf(i.height, i.width)), 0);

    const backend = await useBackend('upscale', str(p, 'backend'), ctx);
    const packed = flag(p, 'packed');
    const what = `${weightsFile ? `model "${weightsFile}"` : `${MODEL} '${w}'`}${packed ? ' (packed)' : ''}`;
    let model: tfl.LayersModel;
    if (weightsFile) model = await loadModelFile(weightsFile);
    else model = await createModel(MODEL, { scale, weights: w });
    if (packed) model = await packModel(model, `${weightsFile ? `--weights "${weightsFile}"` : `${MODEL} '${w}'`} for --packed`);
    const bar = new Progress(total, `upscale x${scale}`, { stream: ctx.stderr as NodeJS.WritableStream & { isTTY?: boolean } });
    const single = jobs.length === 1;
    const done: Done[] = [];
    try {
      for (const [k, job] of jobs.entries()) {
        const info = infos[k]!;
        const t0 = performance.now();
        try {
          if (info instanceof Error) throw info;
          const note = conversionNote(info);
          const lr = await readImage(job.input, { keepGray: true, allow16Bit: true, alpha: 'keep', orientation: 'apply' });
          let sr;
          try {
            sr = await superResolve(model, lr, {
              scale, tile: tile || undefined, tileOverlap: overlap, inputRange, outputRange, maxMemoryBytes: maxMemory,
              onStep: () => bar.tick(1, basename(job.input)),
            });
          } catch (err) {
            if (err instanceof MemoryBudgetError) {
              throw new UsageError(
                `frb upscale: --tile 0: ${err.message} (--tile ${err.tile}), or raise --max-memory (now ${formatBytes(err.budgetBytes)}) on "${job.input}"`,
              );
            }
            throw new Error(`${what} on "${job.input}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          }
          await writePng(job.out, sr, { overwrite: flag(p, 'force'), icc: info.icc, density: info.density });
          const seconds = (performance.now() - t0) / 1000;
          const notes = [
            note,
            info.orientation !== 1 ? `EXIF orientation ${info.orientation} applied` : null,
            lr.channels === 2 || lr.channels === 4 ? 'alpha enlarged with bicubic' : null,
          ].filter(Boolean);
          done.push({ job, size: `${lr.width}x${lr.height} -> ${sr.width}x${sr.height}`, seconds });
          if (single) {
            ctx.stderr.write(
              `upscale: ${lr.width}x${lr.height} -> ${sr.width}x${sr.height} (x${scale}, ${weightsFile ?? `${MODEL} '${w}'`}${packed ? ' packed' : ''}, ` +
                `${tilesOf(lr.height, lr.width)} tile${tilesOf(lr.height, lr.width) === 1 ? '' : 's'}, ${backend}, ${seconds.toFixed(2)} s)` +
                `${notes.length ? `; ${notes.join('; ')}` : ''}\n`,
            );
          } else if (notes.length) bar.note(`${basename(job.input)}: ${notes.join('; ')}`);
          ctx.stdout.write(`${job.out}\n`);
        } catch (err) {
          if (single) throw err instanceof FileExistsError ? new UsageError(`frb upscale: ${err.message} (it appeared while upscaling; --force replaces it)`) : err;
          done.push({ job, error: err instanceof Error ? err.message : String(err) });
        }
      }
    } finally {
      bar.finish();
      model.dispose();
    }
    if (single) return EXIT_OK;
    const failed = done.filter((d) => d.error !== undefined);
    const rows = done.map((d) => `| ${basename(d.job.input)} | ${d.error === undefined ? `${d.size} | ${d.seconds!.toFixed(2)} s | ${d.job.out}` : `failed | | ${d.error.replace(/\|/g, '\\|')}`} |`);
    ctx.stderr.write(
      `\nupscale x${scale} with ${what} on ${backend}: ${done.length - failed.length} of ${done.length} images written\n\n` +
        `| image | size | time | output |\n|---|---|---|---|\n${rows.join('\n')}\n`,
    );
    if (failed.length) {
      ctx.stderr.write(`\nupscale: ${failed.length} image${failed.length === 1 ? '' : 's'} failed:\n${failed.map((d) => `  ${d.job.input}: ${d.error}\n`).join('')}`);
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  },
};
