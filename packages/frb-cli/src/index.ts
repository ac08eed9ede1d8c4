// @frb/cli: the `frb` command. `main(argv)` runs one subcommand and returns its exit code
// (0 ok, 1 runtime failure, 2 usage error); it never calls process.exit, so tests call it in-process.
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, defaultContext, type CliContext } from './context.js';
import type { Command, CommandModule, LazyCommand } from './commands/command.js';

export { UsageError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE, type CliContext, type Output } from './context.js';
export type { Command, CommandModule, LazyCommand } from './commands/command.js';

// Each command's module (and with it tfjs, sharp, the native tier) is imported only when that command runs or
// prints its own help: `frb --help` and a mistyped command load nothing heavy. So the one-line summaries live
// here, in the table, and nowhere else.
const lazy = (name: string, summary: string, load: () => Promise<CommandModule>): LazyCommand => ({ name, summary, load });

/** The command table. */
export const COMMANDS: Array<Command | LazyCommand> = [
  lazy('eval', 'evaluate a zoo model or a model.json on benchmark sets (PSNR/SSIM, tiles, x8 ensemble)', async () => (await import('./commands/eval.js')).evalCommand),
  lazy('bicubic', 'bicubic baseline on benchmark sets, checked against the published table', async () => (await import('./commands/bicubic.js')).bicubicCommand),
  lazy('summary', 'bit-aware summary (Params, OPs, memory) of a zoo model or a model.json', async () => (await import('./commands/summary.js')).summaryCommand),
  lazy('table', 'merge runs into a Table-1-style Markdown/CSV/JSON table, with an optional PSNR-vs-OPs plot', async () => (await import('./commands/table.js')).tableCommand),
  lazy('train', 'train a model from a JSON/YAML config (Adam, L1, DBT, checkpoints, --resume)', async () => (await import('./commands/train.js')).trainCommand),
  lazy('reproduce', "train and compare the paper's methods at reduced scale over seeds (table, tests, plot)", async () => (await import('./commands/reproduce.js')).reproduceCommand),
  lazy('deploy', 'pack a binary model to 1-bit weights (XNOR-popcount layers) and save it as model.json + weights.bin', async () => (await import('./commands/deploy.js')).deployCommand),
  lazy('upscale', 'upscale images x2/x4 with the shipped FRBC weights (tiled) and write PNGs', async () => (await import('./commands/upscale.js')).upscaleCommand),
  lazy('doctor', 'print the backend, native kernels, threads, tfjs versions and data folder in use', async () => (await import('./commands/doctor.js')).doctorCommand),
];

/** Add a command (used by packages that bring their own, and by later work). */
export function registerCommand(cmd: Command | LazyCommand): void {
  if (COMMANDS.some((c) => c.name === cmd.name)) throw new Error(`frb: a command named '${cmd.name}' already exists`);
  COMMANDS.push(cmd);
}

/** The command itself, its module imported if it is a lazy entry. */
export async function loadCommand(entry: Command | LazyCommand): Promise<Command> {
  if (!('load' in entry)) return entry;
  const m = await entry.load();
  if (m.name !== entry.name) throw new Error(`frb: the command table's '${entry.name}' loads a module named '${m.name}'`);
  return { name: entry.name, summary: entry.summary, get help() { return m.help; }, run: (argv, ctx) => m.run(argv, ctx) };
}

function globalHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: frb <command> [options]',
    '',
    'Flexible Residual Binarization (FRB) super-resolution for TensorFlow.js.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    "Run 'frb <command> --help' for a command's options.",
    'Exit codes: 0 ok, 1 runtime failure, 2 usage error.',
    '',
  ].join('\n');
}

export async function main(argv: string[], ctx: CliContext = defaultContext()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    ctx.stderr.write(globalHelp());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const sub = name === 'help' ? rest[0] : undefined;
    const entry = sub ? COMMANDS.find((c) => c.name === sub) : undefined;
    if (sub && !entry) {
      ctx.stderr.write(`frb: unknown command '${sub}'\n\n${globalHelp()}`);
      return EXIT_USAGE;
    }
    ctx.stdout.write(entry ? (await loadCommand(entry)).help : globalHelp());
    return EXIT_OK;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    ctx.stderr.write(`frb: unknown command '${name}'\n\n${globalHelp()}`);
    return EXIT_USAGE;
  }
  try {
    return await (await loadCommand(entry)).run(rest, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`${err.message}\nRun 'frb ${entry.name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    const msg = err instanceof Error ? err.message : String(err);
    ctx.stderr.write(`frb ${entry.name}: ${msg}\n`);
    if (ctx.env.FRB_DEBUG && err instanceof Error && err.stack) ctx.stderr.write(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
}
