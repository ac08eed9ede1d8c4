// frb deploy: pack a trained binary model for inference (deployModel of @frb/models: SRB layers → 1-bit
// PackedConv2D / PackedDense) and save it as model.json + weights.bin, atomically.
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { binarySummary, PackedChain } from '@frb/layers';
import { modelDirConflict, saveModelAtomic } from '@frb/layers/node';
import { modelInfo } from '@frb/models';
import { modelInputChannels } from '@frb/bench';
import { flag, parseInt0, parseScales, str } from '../args.js';
import { EXIT_OK, UsageError } from '../context.js';
import { instantiate, packModel, resolveModelSpec, withWeights } from '../model-source.js';
import { COST_INPUT } from '../cost.js';
import { jsonText } from '../output.js';
import { useBackend } from '../backend.js';
import { defineCommand } from './command.js';

const HELP = `Usage: frb deploy <model> -o <dir> [options]

Pack a trained binary model for inference: every SRBConv2D / SRBDense becomes PackedConv2D /
PackedDense (one bit per weight and base, XNOR-popcount kernels; deployModel of @frb/models), with
the float simulation's outputs within float rounding. Writes <dir>/model.json and <dir>/weights.bin
(a temporary folder, then a rename: a killed run leaves no half model) and prints the weights'
bytes before and after packing. Load the result anywhere a tfjs model.json loads (frb eval,
frb upscale --weights, loadModel of @frb/models/node).

<model>                a zoo name (needs --weights or --random-weights) or a path to a tfjs
                       layers-model model.json (or its folder) with SRB layers

Options:
  -o, --output DIR     output folder (required)
  --force              replace DIR when it holds a saved model (a folder with other files is never replaced)
  --float16            store the float weights (first/last convs, alphas, thresholds, RPReLU) as float16, as
                       tfjs-converter's --quantize_float16 does: about half their bytes, each value rounded to
                       its nearest float16 (outputs then differ from the float simulation by that rounding);
                       the 1-bit sign words are unchanged. tfjs loaders decode it to float32
  --weights W          zoo models: a shipped weight set (e.g. small-291 for frbc) or a model.json path
  --random-weights     zoo models: pack the untrained architecture
  --scale N            zoo models: scale (default 4)
  --features N         zoo models: feature width
  --blocks N           zoo models: number of blocks
  --json               print the report as JSON
  --backend B          auto (default: tfjs-node if installed, else wasm), wasm, cpu, tensorflow
  -h, --help           this help
`;

/** Bytes of a model's weights as a weights.bin holds them (float32 and int32 values, 4 bytes each). */
const weightBytes = (m: tfl.LayersModel) => m.countParams() * 4;

export const deployCommand = defineCommand({
  name: 'deploy',
  help: HELP,
  options: {
    output: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
    float16: { type: 'boolean' },
    weights: { type: 'string' },
    'random-weights': { type: 'boolean' },
    scale: { type: 'string' },
    features: { type: 'string' },
    blocks: { type: 'string' },
    json: { type: 'boolean' },
    backend: { type: 'string' },
  },
  async run(p, ctx) {
    if (p.positionals.length > 1) throw new UsageError(`frb deploy: one <model> expected, got ${p.positionals.length}: ${p.positionals.join(' ')}`);
    const spec = withWeights('deploy', resolveModelSpec('deploy', p.positionals[0], ctx.cwd), str(p, 'weights'), flag(p, 'random-weights'), ctx.cwd);
    if (spec.kind === 'zoo' && modelInfo(spec.ref)?.binary === false) {
      throw new UsageError(`frb deploy: zoo model '${spec.ref}' is full precision; it has no binary layers to pack`);
    }
    const outArg = str(p, 'output');
    if (outArg === undefined) throw new UsageError('frb deploy: -o/--output DIR is required (the folder for model.json and weights.bin)');
    const out = resolve(ctx.cwd, outArg);
    if (spec.kind === 'file' && resolve(dirname(spec.ref)) === out) {
      throw new UsageError(`frb deploy: refusing to overwrite the input model in "${out}"; choose another --output`);
    }
    const conflict = await modelDirConflict(out, flag(p, 'force'));
    if (conflict) throw new UsageError(`frb deploy: --output "${out}" ${conflict}${flag(p, 'force') ? '' : ' (--force replaces a saved model)'}`);
    const scales = parseScales('deploy', str(p, 'scale'), [4]);
    if (scales.length !== 1) throw new UsageError('frb deploy: --scale takes one value');
    const features = parseInt0('deploy', 'features', str(p, 'features'), 1);
    const blocks = parseInt0('deploy', 'blocks', str(p, 'blocks'), 1);
    if (spec.kind === 'file' && (features !== undefined || blocks !== undefined || str(p, 'scale') !== undefined)) {
      throw new UsageError('frb deploy: --scale/--features/--blocks apply to zoo models only');
    }
    const backend = await useBackend('deploy', str(p, 'backend'), ctx);

    const what = spec.kind === 'file' ? `model "${spec.ref}"` : `model '${spec.ref}'`;
    const model = await instantiate(spec, { scale: scales[0], features, blocks });
    const latent = weightBytes(model);
    const cost = binarySummary(model, { inputShape: [...COST_INPUT, modelInputChannels(model) ?? 3] }).totals;
    const packed = await packModel(model, what);
    try {
      const float16 = flag(p, 'float16');
      await saveModelAtomic(packed, out, { overwrite: flag(p, 'force'), float16 });
      const written = statSync(join(out, 'weights.bin')).size;
      // A fused unit (PackedBinaryUnit: conv + RPReLU + residual add) or upsampler stage (PackedUpsampleUnit: conv +
      // RPReLU + shuffle + the enlarged input) is one packed layer too, inside a PackedChain (units run in one pass) or not.
      const flat = packed.layers.flatMap((l) => (l instanceof PackedChain ? l.parts : [l]));
      const count = (re: RegExp) => flat.filter((l) => re.test(l.getClassName())).length;
      const layers = count(/^Packed(Conv2D|Dense|BinaryUnit|UpsampleUnit)$/);
      const units = count(/^PackedBinaryUnit$/);
      const stages = count(/^PackedUpsampleUnit$/);
      const chains = packed.layers.filter((l) => l instanceof PackedChain).length;
      const report = {
        model: spec.ref, label: spec.label, scale: spec.kind === 'zoo' ? scales[0] : null, output: out, backend,
        float16, packedLayers: layers, fusedUnits: units, fusedStages: stages, chains, latentBytes: latent, packedBytes: written, ratio: written / latent,
        params: cost.params, ops: cost.ops, costInput: COST_INPUT,
      };
      ctx.stdout.write(flag(p, 'json') ? jsonText(report) : [
        `deploy: ${spec.label}${report.scale ? ` x${report.scale}` : ''} -> ${out}`,
        `  packed layers: ${layers} (${units} fused with their RPReLU and residual add${stages ? `, ${stages} upsampler stage${stages > 1 ? 's' : ''} with RPReLU, shuffle and enlarged input` : ''}${chains ? `; ${chains} chain${chains > 1 ? 's' : ''} of them run in one pass each` : ''})`,
        `  weights: ${latent.toLocaleString('en-US')} bytes latent (float simulation) -> ${written.toLocaleString('en-US')} bytes packed weights.bin (${report.ratio.toFixed(3)})${float16 ? ', float weights stored as float16' : ''}`,
        `  Params ${(cost.params / 1e3).toFixed(2)} K, OPs ${(cost.ops / 1e9).toFixed(2)} G (binarySummary, ${COST_INPUT[0]}x${COST_INPUT[1]} LR input; the same for both forms)`,
        '',
      ].join('\n'));
    } finally {
      packed.dispose();
    }
    return EXIT_OK;
  },
});
