// frb train <config.json|yaml> [--resume]: the training loop of ./train/ behind the command line.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@frb/layers/node';
import { flag, parseChoice, parseInt0, str } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../context.js';
import { ConfigError, loadConfig, train } from '@frb/train';
import { dataRoot } from '../data-root.js';
import { resolve } from 'node:path';
import { defineCommand } from './command.js';

const HELP = `Usage: frb train <config.json|config.yaml> [options]

Train a (binary) SR model from a BasicSR-like config: model and its options, scale, training folders,
patch size, batch, iterations, Adam and its schedule (multistep / cosine), L1, DBT (teacher model.json
and weight), validation set and interval, checkpoint interval, seed. Relative paths in the config are
relative to the config file. See packages/frb-cli/configs/ for annotated examples.

Writes into the config's output folder (default runs/<name>): log.jsonl (one JSON line per log
interval, validation and event), curve.png (loss and validation PSNR), checkpoints/iter_NNNNNNNN/
(model.json + weights + Adam state + data RNG state, written atomically; the newest 'keep' are kept) and,
at the end, model/ (model.json + weights.bin, for 'frb eval').

A run stopped at any point continues with --resume from its newest checkpoint, on the same loss
trajectory as an uninterrupted run. Ctrl-C or SIGTERM checkpoints the current iteration and exits
(code 130; a second Ctrl-C kills); a SIGKILL loses at most one checkpoint interval. A NaN/Inf loss stops the run before that step is applied (exit 1), keeping the last good
checkpoint.

Options:
  --resume           continue from the newest checkpoint in the output folder
  --until N          stop after iteration N (a checkpoint is written there)
  --backend B        wasm (default, or the config's 'backend'), cpu, or auto (tfjs-node if installed)
  --data DIR         what config paths starting with $data/ stand for (default $FRB_DATA, else ../shared/data);
                     paths starting with $cwd/ are under the working folder
  -h, --help         this help
`;

export const trainCommand = defineCommand({
  name: 'train',
  help: HELP,
  options: {
    resume: { type: 'boolean' },
    until: { type: 'string' },
    backend: { type: 'string' },
    data: { type: 'string' },
  },
  async run(p, ctx) {
    if (p.positionals.length !== 1) {
      throw new UsageError(`frb train: one <config> file expected, got ${p.positionals.length ? p.positionals.join(' ') : 'none'}`);
    }
    const until = parseInt0('train', 'until', str(p, 'until'), 1);
    const backendOpt = str(p, 'backend');
    if (backendOpt !== undefined) parseChoice('train', 'backend', backendOpt, ['wasm', 'cpu', 'auto'] as const, 'wasm');
    let cfg;
    try {
      cfg = await loadConfig(resolve(ctx.cwd, p.positionals[0]!), { dataRoot: dataRoot(ctx, str(p, 'data')), cwd: ctx.cwd });
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(`frb train: ${e.message}`);
      throw e;
    }
    const backend = (backendOpt ?? cfg.backend) as 'wasm' | 'cpu' | 'auto';
    const got = await initBackend(backend);
    await tf.ready();
    ctx.stderr.write(`train: ${cfg.name}: ${cfg.model.name} x${cfg.model.scale}, ${cfg.train.iterations} iterations, backend ${got}\n`);
    // Ctrl-C / SIGTERM: finish the current iteration, checkpoint it, and exit (a second Ctrl-C kills).
    const ac = new AbortController();
    const onSignal = (sig: string) => {
      ctx.stderr.write(`\ntrain: ${sig}: stopping after this iteration with a checkpoint (again to kill)\n`);
      ac.abort();
    };
    const handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => [sig, () => onSignal(sig)] as const);
    for (const [sig, h] of handlers) process.once(sig, h);
    let r;
    try {
      r = await train(cfg, { resume: flag(p, 'resume'), until, stderr: ctx.stderr, signal: ac.signal });
    } finally {
      for (const [sig, h] of handlers) process.removeListener(sig, h);
    }
    if (r.stopped === 'interrupted') {
      ctx.stderr.write(`frb train: interrupted at iteration ${r.iteration}; continue with --resume\n`);
      return 130;
    }
    if (r.stopped === 'non-finite') {
      ctx.stderr.write(`frb train: ${r.message}\n`);
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  },
});
