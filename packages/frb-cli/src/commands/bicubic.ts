// frb bicubic: the bicubic baseline row (MATLAB imresize), checked against the published table.
import { imresize } from '@frb/datasets';
import {
  BICUBIC_PUBLISHED, PARITY_TOLERANCE, formatTable, mergeRuns, type EvalRun, type ImageUpscaler, type SetResult, type TableFormat,
} from '@frb/bench';
import { flag, parseChoice, parseInt0, parseList, parseScales, str } from '../args.js';
import { EXIT_FAILURE, EXIT_OK } from '../context.js';
import { benchmarkRoot, checkSets, dataRoot } from '../data-root.js';
import { emit, jsonText } from '../output.js';
import { runSets } from '../sets-runner.js';
import { defineCommand } from './command.js';

const HELP = `Usage: frb bicubic [options]

Bicubic baseline (MATLAB-compatible imresize of the LR files) on benchmark sets, measured as the
published tables do (Y of BT.601, scale pixels shaved, uint8 outputs).

Options:
  --data DIR          data root holding benchmark/<Set>/... (default $FRB_DATA or ../shared/data)
  --sets LIST         comma-separated sets (default Set5,Set14,B100)
  --scale LIST        comma-separated scales (default 2,3,4)
  --generate-lr       make LR from HR with MATLAB bicubic instead of reading LR_bicubic/X<s>
  --limit N           only the first N images of each set
  --round-y           round Y to integers before measuring (MATLAB uint8 rgb2ycbcr)
  --rgb               also measure PSNR/SSIM on RGB (JSON output)
  --check             compare with the published table (0.02 dB / 0.001 SSIM); exit 1 if outside
  --format FMT        table format: md (default), csv, json
  --json              print the run as JSON (per-image and per-set; input of 'frb table')
  --out FILE          write the table / JSON to FILE instead of stdout
  -h, --help          this help
`;

const bicubic: ImageUpscaler = { upscaleImage: (lr, s) => imresize(lr, s) };

export const bicubicCommand = defineCommand({
  name: 'bicubic',
  help: HELP,
  options: {
    data: { type: 'string' },
    sets: { type: 'string' },
    scale: { type: 'string' },
    'generate-lr': { type: 'boolean' },
    limit: { type: 'string' },
    'round-y': { type: 'boolean' },
    rgb: { type: 'boolean' },
    check: { type: 'boolean' },
    format: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
  },
  positionals: false,
  async run(p, ctx) {
    const sets = parseList(str(p, 'sets'), ['Set5', 'Set14', 'B100']);
    const scales = parseScales('bicubic', str(p, 'scale'), [2, 3, 4]);
    const format = parseChoice<TableFormat>('bicubic', 'format', str(p, 'format'), ['md', 'csv', 'json'], 'md');
    const limit = parseInt0('bicubic', 'limit', str(p, 'limit'), 1);
    const root = benchmarkRoot('bicubic', dataRoot(ctx, str(p, 'data')));
    checkSets('bicubic', root, sets, scales, flag(p, 'generate-lr'));

    const results = await runSets(
      ctx,
      {
        benchRoot: root, sets, scales, generateLR: flag(p, 'generate-lr'), limit, label: 'bicubic',
        evalOptions: { roundY: flag(p, 'round-y'), rgb: flag(p, 'rgb') },
      },
      async () => ({ predictor: bicubic }),
    );
    const run: EvalRun & { results: SetResult[] } = {
      method: 'Bicubic',
      results,
      options: { data: root, generateLR: flag(p, 'generate-lr'), roundY: flag(p, 'round-y'), limit: limit ?? null },
    };
    await emit(ctx, flag(p, 'json') ? jsonText(run) : formatTable(mergeRuns([run]), format), str(p, 'out'));

    if (!flag(p, 'check')) return EXIT_OK;
    let ok = true;
    let compared = 0;
    for (const r of results) {
      const ref = BICUBIC_PUBLISHED[r.scale]?.[r.set];
      if (!ref) {
        ctx.stderr.write(`check: no published bicubic value for ${r.set} x${r.scale}; not compared\n`);
        continue;
      }
      compared++;
      const dp = r.psnr - ref.psnr;
      const ds = r.ssim - ref.ssim;
      const good = Math.abs(dp) <= PARITY_TOLERANCE.psnr + 1e-9 && Math.abs(ds) <= PARITY_TOLERANCE.ssim + 1e-9;
      ok &&= good;
      ctx.stderr.write(
        `check: ${r.set} x${r.scale}: ${r.psnr.toFixed(3)}/${r.ssim.toFixed(4)} vs published ${ref.psnr.toFixed(2)}/${ref.ssim.toFixed(4)} ` +
          `(${dp >= 0 ? '+' : ''}${dp.toFixed(3)} dB, ${ds >= 0 ? '+' : ''}${ds.toFixed(4)}) ${good ? 'ok' : 'OUT OF TOLERANCE'}\n`,
      );
    }
    if (limit !== undefined) ctx.stderr.write('check: --limit measures a subset; published values are for whole sets\n');
    if (compared === 0) {
      ctx.stderr.write('check: nothing was compared\n');
      return EXIT_FAILURE;
    }
    return ok ? EXIT_OK : EXIT_FAILURE;
  },
});
