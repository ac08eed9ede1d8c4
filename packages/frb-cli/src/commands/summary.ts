// frb summary: the bit-aware summary (binarySummary of @frb/layers) of a zoo model or a model.json.
import { binarySummary } from '@frb/layers';
import { listModels } from '@frb/models';
import { flag, parseInt0, parseScales, str } from '../args.js';
import { EXIT_OK, UsageError } from '../context.js';
import { instantiate, resolveModelSpec } from '../model-source.js';
import { modelInputChannels } from '@frb/bench';
import { emit, jsonText } from '../output.js';
import { useBackend } from '../backend.js';
import { defineCommand } from './command.js';

function help(): string {
  const models = listModels();
  const w = Math.max(...models.map((m) => m.name.length), 4);
  return `Usage: frb summary <model> [options]

Per-layer bit-aware summary: FP and binary parameters, scalars, memory, FP and binary MACs, and the
papers' totals Params = FP + binary/32 and OPs = FP MACs + binary MACs/64 (per image of --input).

<model>                a zoo name or a path to a tfjs layers-model model.json (or its folder)

Options:
  --scale N            zoo models: scale (default 4)
  --input HxW          LR input size for MACs (default 180x320, the tables' 320x180 image)
  --features N         zoo models: feature width
  --blocks N           zoo models: number of blocks
  --json               print the summary as JSON
  --out FILE           write to FILE instead of stdout
  --backend B          auto (default: tfjs-node if installed, else wasm), wasm, cpu, tensorflow
  -h, --help           this help

Zoo models:
${models.map((m) => `  ${m.name.padEnd(w)}  ${m.description}`).join('\n')}
`;
}

export const summaryCommand = defineCommand({
  name: 'summary',
  help: help,
  options: {
    scale: { type: 'string' },
    input: { type: 'string' },
    features: { type: 'string' },
    blocks: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    backend: { type: 'string' },
  },
  async run(p, ctx) {
    if (p.positionals.length > 1) throw new UsageError(`frb summary: one <model> expected, got ${p.positionals.length}`);
    const spec = resolveModelSpec('summary', p.positionals[0], ctx.cwd);
    const scales = parseScales('summary', str(p, 'scale'), [4]);
    if (scales.length !== 1) throw new UsageError('frb summary: --scale takes one value');
    const inputArg = str(p, 'input') ?? '180x320';
    const m = /^(\d+)x(\d+)$/.exec(inputArg);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`frb summary: --input must be HxW, e.g. 180x320, got '${inputArg}'`);
    const features = parseInt0('summary', 'features', str(p, 'features'), 1);
    const blocks = parseInt0('summary', 'blocks', str(p, 'blocks'), 1);
    await useBackend('summary', str(p, 'backend'), ctx);
    const model = await instantiate(spec, { scale: scales[0], features, blocks });
    try {
      const inputShape = [Number(m[1]), Number(m[2]), modelInputChannels(model) ?? 3];
      const s = binarySummary(model, { inputShape });
      const text = flag(p, 'json')
        ? jsonText({ model: spec.ref, scale: spec.kind === 'zoo' ? scales[0] : null, inputShape, totals: s.totals, rows: s.rows })
        : `${spec.label}${spec.kind === 'zoo' ? ` x${scales[0]}` : ''}, input ${inputShape.join('x')}\n${s.toString()}\n`;
      await emit(ctx, text, str(p, 'out'));
    } finally {
      model.dispose();
    }
    return EXIT_OK;
  },
});
