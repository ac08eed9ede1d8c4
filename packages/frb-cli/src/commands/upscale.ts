// frb upscale: super-resolve any image with the shipped FRBC weights (or a model.json), tiled, to a PNG.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readImage, readImageInfo, writePng } from '@frb/datasets';
import { Progress, superResolve, tileRanges } from '@frb/bench';
import { PRETRAINED, createModel } from '@frb/models';
import '@frb/models/node'; // registers the file reader for the weights shipped beside @frb/models' sources
import { flag, parse, parseInt0, str } from '../args.js';
import { EXIT_OK, UsageError, type CliContext } from '../context.js';
import { loadModelFile } from '../model-source.js';
import { useBackend } from '../backend.js';
import type { Command } from './command.js';

const MODEL = 'frbc';
const DEFAULT_WEIGHTS = 'small-291';
const DEFAULT_TILE = 128;

const shipped = () => PRETRAINED.filter((p) => p.model === MODEL);
const shippedScales = (w: string) => shipped().filter((p) => p.name === w).map((p) => p.scale).sort((a, b) => a - b);

const HELP = `Usage: frb upscale <image> [options]

Upscale an image (PNG, JPEG, WebP, TIFF, ...) with the FRBC binary super-resolution model and the
weights shipped in @frb/models (no data folder needed), tile by tile, and write a PNG.

Options:
  --scale S            upscale factor: 2 or 4 (the scales with shipped weights; default 4)
  --out FILE           output PNG (default: <name>_x<S>.png beside the input; never the input itself)
  --weights W          a shipped weight set (default ${DEFAULT_WEIGHTS}) or a path to a tfjs layers-model
                       model.json (or its folder) that takes [0, 1] RGB and upscales by S
  --tile N             LR tile size in pixels (default ${DEFAULT_TILE}; 0 = whole image at once)
  --tile-overlap N     LR context pixels around each tile (default 16, more than FRBC's receptive field,
                       so tiles join without seams)
  --backend B          auto (default: tfjs-node if installed, else wasm), wasm, cpu, tensorflow
  -h, --help           this help

Grayscale images stay grayscale; an alpha channel is dropped (said on stderr); 16-bit inputs are
written as 8-bit. The output path is printed on stdout, details on stderr.
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

export const upscaleCommand: Command = {
  name: 'upscale',
  summary: 'upscale an image x2/x4 with the shipped FRBC weights (tiled) and write a PNG',
  help: HELP,
  async run(argv: string[], ctx: CliContext): Promise<number> {
    const p = parse('upscale', argv, {
      scale: { type: 'string' },
      out: { type: 'string' },
      weights: { type: 'string' },
      tile: { type: 'string' },
      'tile-overlap': { type: 'string' },
      backend: { type: 'string' },
    });
    if (flag(p, 'help')) {
      ctx.stdout.write(HELP);
      return EXIT_OK;
    }
    if (p.positionals.length !== 1) {
      throw new UsageError(`frb upscale: one <image> expected, got ${p.positionals.length}${p.positionals.length ? `: ${p.positionals.join(' ')}` : ''}`);
    }
    const input = resolve(ctx.cwd, p.positionals[0]!);
    if (!existsSync(input)) throw new UsageError(`frb upscale: image "${input}" does not exist`);
    if (statSync(input).isDirectory()) throw new UsageError(`frb upscale: "${input}" is a folder, not an image`);

    // --weights: a shipped set name, or a model.json path.
    const w = str(p, 'weights') ?? DEFAULT_WEIGHTS;
    const names = [...new Set(shipped().map((e) => e.name))];
    const isFile = !names.includes(w);
    let weightsFile: string | undefined;
    if (isFile) {
      if (!(w.endsWith('.json') || w.includes('/') || w.includes('\\') || w.startsWith('.'))) {
        throw new UsageError(`frb upscale: --weights '${w}' is neither a shipped weight set (${names.join(', ') || 'none'}) nor a model.json path`);
      }
      weightsFile = resolve(ctx.cwd, w);
      if (existsSync(weightsFile) && statSync(weightsFile).isDirectory()) weightsFile = join(weightsFile, 'model.json');
      if (!existsSync(weightsFile)) throw new UsageError(`frb upscale: --weights file "${weightsFile}" does not exist`);
    }

    const scaleArg = str(p, 'scale') ?? '4';
    const scale = Number(scaleArg);
    const allowed = isFile ? undefined : shippedScales(w);
    if (!Number.isInteger(scale) || scale < 2 || scale > 16 || (allowed && !allowed.includes(scale))) {
      throw new UsageError(
        allowed
          ? `frb upscale: --scale must be ${allowed.join(' or ')} (the scales weights '${w}' exist for), got '${scaleArg}'`
          : `frb upscale: --scale must be an integer 2..16, got '${scaleArg}'`,
      );
    }
    const tile = parseInt0('upscale', 'tile', str(p, 'tile'), 0) ?? DEFAULT_TILE;
    const overlap = parseInt0('upscale', 'tile-overlap', str(p, 'tile-overlap'), 0);

    const ext = extname(input);
    const out = resolve(ctx.cwd, str(p, 'out') ?? join(dirname(input), `${basename(input, ext)}_x${scale}.png`));
    if (extname(out).toLowerCase() !== '.png') throw new UsageError(`frb upscale: --out must end in .png (the output is a PNG), got "${out}"`);
    if (sameFile(input, out)) throw new UsageError(`frb upscale: refusing to overwrite the input image "${input}"; choose another --out`);
    if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`frb upscale: --out "${out}" is a folder`);

    const info = await readImageInfo(input);
    const lr = await readImage(input, { keepGray: true, allow16Bit: true });
    if (info.channels === 2 || info.channels === 4) ctx.stderr.write(`upscale: "${input}" has an alpha channel; it is dropped (not upscaled)\n`);
    if (info.bits === 16) ctx.stderr.write(`upscale: "${input}" is 16-bit; the output is 8-bit\n`);

    const backend = await useBackend('upscale', str(p, 'backend'));
    const t0 = performance.now();
    let model: tfl.LayersModel;
    if (weightsFile) model = await loadModelFile(weightsFile);
    else model = await createModel(MODEL, { scale, weights: w });
    const tiles = tile > 0 ? tileRanges(lr.height, tile).length * tileRanges(lr.width, tile).length : 1;
    const bar = new Progress(tiles, `upscale x${scale}`, { stream: ctx.stderr as NodeJS.WritableStream & { isTTY?: boolean } });
    let sr;
    try {
      sr = await superResolve(model, lr, { scale, tile: tile || undefined, tileOverlap: overlap, onStep: () => bar.tick() });
    } catch (err) {
      const what = weightsFile ? `model "${weightsFile}"` : `${MODEL} x${scale} '${w}'`;
      throw new Error(`${what} on "${input}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      bar.finish();
      model.dispose();
    }
    await writePng(out, sr);
    const secs = (performance.now() - t0) / 1000;
    ctx.stderr.write(
      `upscale: ${lr.width}x${lr.height} -> ${sr.width}x${sr.height} (x${scale}, ${weightsFile ? weightsFile : `${MODEL} '${w}'`}, ` +
        `${tiles} tile${tiles === 1 ? '' : 's'}, ${backend}, ${secs.toFixed(2)} s)\n`,
    );
    ctx.stdout.write(`${out}\n`);
    return EXIT_OK;
  },
};
