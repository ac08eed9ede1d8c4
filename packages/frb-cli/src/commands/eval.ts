// frb eval: evaluate a zoo model or any tfjs layers-model model.json on benchmark sets.
import type * as tfl from '@tensorflow/tfjs-layers';
import { formatTable, mergeRuns, modelInputChannels, type Cost, type EvalRun, type SetResult, type TableFormat } from '@frb/bench';
import { flag, parseChoice, parseInt0, parseList, parseRange, parseScales, str, type Parsed } from '../args.js';
import { EXIT_OK, UsageError, type CliContext } from '../context.js';
import { benchmarkRoot, checkSets, dataRoot } from '../data-root.js';
import { emit, jsonText } from '../output.js';
import { runSets } from '../sets-runner.js';
import { instantiate, packModel, resolveModelSpec, shippedScales, withWeights } from '../model-source.js';
import { modelInfo } from '@frb/models';
import { useBackend } from '../backend.js';
import { COST_INPUT, modelCost } from '../cost.js';
import { defineCommand } from './command.js';

const HELP = `Usage: frb eval <model> [options]

Evaluate a model on benchmark sets: PSNR/SSIM on Y of BT.601 with 'scale' pixels shaved, outputs
quantized to uint8 (the conventions of published SR tables). Per image and per set.

<model>                a zoo name (see 'frb summary --help' for the list) or a path to a tfjs
                       layers-model model.json (or its folder), ours or a third party's.
                       A zoo name needs --weights or --random-weights.

Options:
  --weights W          zoo models: a shipped weight set (e.g. small-291 for frbc) or a model.json path
  --random-weights     zoo models: measure the untrained architecture (rows say "untrained")
  --scale LIST         comma-separated scales (default 4); a model.json takes exactly one
  --sets LIST          comma-separated sets (default Set5,Set14,B100)
  --data DIR           data root holding benchmark/<Set>/... (default $FRB_DATA or ../shared/data)
  --generate-lr        make LR from HR with MATLAB bicubic instead of reading LR_bicubic/X<s>
  --limit N            only the first N images of each set
  --input-range R      value range the model takes: 1 ([0, 1], default) or 255
  --output-range R     value range the model returns (default: the input range)
  --tile N             tiled inference with N x N LR tiles (bounded memory); default whole images
  --tile-overlap N     LR context pixels around each tile (default 16)
  --pad-multiple N     pad inputs (mirrored) to a multiple of N, e.g. a window size
  --self-ensemble      x8 self-ensemble (flips and transposes, outputs averaged)
  --save DIR           save SR images as DIR/<set>/x<scale>/<name>.png
  --rgb                also measure PSNR/SSIM on RGB
  --round-y            round Y before measuring (MATLAB uint8 rgb2ycbcr)
  --method NAME        row name in tables (default: the zoo name or the model folder)
  --features N         zoo models: feature width
  --blocks N           zoo models: number of blocks
  --no-cost            skip the Params/OPs count
  --packed             pack the binary layers to 1-bit XNOR-popcount layers (deployModel) before
                       running; same outputs within float rounding (rows say "packed")
  --backend B          auto (default: tfjs-node if installed, else wasm), wasm, cpu, tensorflow
  --per-image          print per-image results after the table
  --format FMT         table format: md (default), csv, json
  --json               print the run as JSON (per-image and per-set; input of 'frb table')
  --out FILE           write the table / JSON to FILE instead of stdout
  -h, --help           this help
`;

export const evalCommand = defineCommand({
  name: 'eval',
  help: HELP,
  options: {
    weights: { type: 'string' },
    'random-weights': { type: 'boolean' },
    scale: { type: 'string' },
    sets: { type: 'string' },
    data: { type: 'string' },
    'generate-lr': { type: 'boolean' },
    limit: { type: 'string' },
    'input-range': { type: 'string' },
    'output-range': { type: 'string' },
    tile: { type: 'string' },
    'tile-overlap': { type: 'string' },
    'pad-multiple': { type: 'string' },
    'self-ensemble': { type: 'boolean' },
    save: { type: 'string' },
    rgb: { type: 'boolean' },
    'round-y': { type: 'boolean' },
    method: { type: 'string' },
    features: { type: 'string' },
    blocks: { type: 'string' },
    'no-cost': { type: 'boolean' },
    packed: { type: 'boolean' },
    backend: { type: 'string' },
    'per-image': { type: 'boolean' },
    format: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
  },
  async run(p, ctx) {
    const { spec, scales } = modelAndScales(p, ctx);
    const sets = parseList(str(p, 'sets'), ['Set5', 'Set14', 'B100']);
    const format = parseChoice<TableFormat>('eval', 'format', str(p, 'format'), ['md', 'csv', 'json'], 'md');
    const limit = parseInt0('eval', 'limit', str(p, 'limit'), 1);
    const inputRange = parseRange('eval', 'input-range', str(p, 'input-range')) ?? 1;
    const outputRange = parseRange('eval', 'output-range', str(p, 'output-range')) ?? inputRange;
    const tile = parseInt0('eval', 'tile', str(p, 'tile'), 1);
    const tileOverlap = parseInt0('eval', 'tile-overlap', str(p, 'tile-overlap'), 0);
    const padMultiple = parseInt0('eval', 'pad-multiple', str(p, 'pad-multiple'), 1);
    const features = parseInt0('eval', 'features', str(p, 'features'), 1);
    const blocks = parseInt0('eval', 'blocks', str(p, 'blocks'), 1);
    if (spec.kind === 'file' && (features !== undefined || blocks !== undefined)) {
      throw new UsageError('frb eval: --features/--blocks apply to zoo models only');
    }
    if (tileOverlap !== undefined && tile === undefined) throw new UsageError('frb eval: --tile-overlap needs --tile');
    const root = benchmarkRoot('eval', dataRoot(ctx, str(p, 'data')));
    checkSets('eval', root, sets, scales, flag(p, 'generate-lr'));
    const backend = await useBackend('eval', str(p, 'backend'), ctx);

    const packed = flag(p, 'packed');
    if (packed && spec.kind === 'zoo' && modelInfo(spec.ref)?.binary === false) {
      throw new UsageError(`frb eval: --packed: zoo model '${spec.ref}' is full precision; it has no binary layers to pack`);
    }
    const method = str(p, 'method') ?? `${spec.label}${packed ? ' packed' : ''}`;
    if (spec.label.endsWith('(untrained)')) ctx.stderr.write(`eval: '${spec.ref}' runs with fresh random weights (--random-weights); its numbers say nothing about a trained model\n`);
    const cost: Record<string, Cost> = {};
    const results: SetResult[] = await runSets(
      ctx,
      {
        benchRoot: root, sets, scales, generateLR: flag(p, 'generate-lr'), limit, label: method,
        saveDir: str(p, 'save'),
        evalOptions: {
          inputRange, outputRange, tile, tileOverlap, padMultiple,
          selfEnsemble: flag(p, 'self-ensemble'), rgb: flag(p, 'rgb'), roundY: flag(p, 'round-y'),
        },
      },
      async (scale) => {
        let model: tfl.LayersModel;
        try {
          model = await instantiate(spec, { scale, features, blocks });
          if (packed) model = await packModel(model, `${spec.kind === 'file' ? `"${spec.ref}"` : `'${spec.ref}'`} for --packed`);
        } catch (err) {
          throw new Error(`model '${spec.ref}' (x${scale}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        if (!flag(p, 'no-cost')) {
          try {
            cost[String(scale)] = modelCost(model, COST_INPUT, modelInputChannels(model) ?? 3);
          } catch (err) {
            ctx.stderr.write(`eval: Params/OPs not counted for x${scale}: ${err instanceof Error ? err.message : String(err)}\n`);
          }
        }
        return { predictor: model, dispose: () => model.dispose() };
      },
    );
    const run: EvalRun & { results: SetResult[] } = {
      method,
      cost,
      results,
      options: {
        model: spec.ref, backend, data: root, generateLR: flag(p, 'generate-lr'), limit: limit ?? null, inputRange, outputRange,
        tile: tile ?? null, tileOverlap: tile ? (tileOverlap ?? 16) : null, padMultiple: padMultiple ?? 1,
        selfEnsemble: flag(p, 'self-ensemble'), roundY: flag(p, 'round-y'), packed,
      },
    };
    let text = flag(p, 'json') ? jsonText(run) : formatTable(mergeRuns([run]), format);
    if (!flag(p, 'json') && flag(p, 'per-image')) text += perImage(results);
    await emit(ctx, text, str(p, 'out'));
    return EXIT_OK;
  },
});

/** The <model> argument with its weights, and the scales it is evaluated at (a model.json has one). */
function modelAndScales(p: Parsed, ctx: CliContext) {
  if (p.positionals.length > 1) throw new UsageError(`frb eval: one <model> expected, got ${p.positionals.length}: ${p.positionals.join(' ')}`);
  const spec = withWeights('eval', resolveModelSpec('eval', p.positionals[0], ctx.cwd), str(p, 'weights'), flag(p, 'random-weights'), ctx.cwd);
  const scales = parseScales('eval', str(p, 'scale'), [4]);
  if (spec.kind === 'file' && scales.length !== 1) {
    throw new UsageError(`frb eval: a model.json has one scale; give exactly one --scale (got ${scales.join(',')})`);
  }
  const shipped = spec.weights === undefined ? undefined : shippedScales(spec.ref, spec.weights);
  if (shipped && scales.some((x) => !shipped.includes(x))) {
    throw new UsageError(`frb eval: weights '${spec.weights}' of '${spec.ref}' exist for x${shipped.join(', x')}; got --scale ${scales.join(',')}`);
  }
  return { spec, scales };
}

/** Per-image lines after the table (--per-image). */
function perImage(results: SetResult[]): string {
  let text = '';
  for (const r of results) {
    text += `\n${r.set} x${r.scale} (${r.count} images, ${r.seconds.toFixed(1)} s):\n`;
    for (const i of r.images) text += `  ${i.name}: ${i.psnr.toFixed(3)} dB / ${i.ssim.toFixed(4)} (${i.seconds.toFixed(2)} s)\n`;
  }
  return text;
}
