// @frb/cli: the `frb` command. `main(argv)` runs one subcommand and returns its exit code
// (0 ok, 1 runtime failure, 2 usage error); it never calls process.exit, so tests call it in-process.
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, defaultContext, type CliContext } from './context.js';
import type { Command } from './commands/command.js';
import { bicubicCommand } from './commands/bicubic.js';
import { evalCommand } from './commands/eval.js';
import { summaryCommand } from './commands/summary.js';
import { tableCommand } from './commands/table.js';
import { trainCommand } from './commands/train.js';
import { reproduceCommand } from './commands/reproduce.js';
import { upscaleCommand } from './commands/upscale.js';

export { UsageError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE, type CliContext, type Output } from './context.js';
export type { Command } from './commands/command.js';

/** The command table; `train`, `upscale` and `reproduce` join it as they are written. */
export const COMMANDS: Command[] = [evalCommand, bicubicCommand, summaryCommand, tableCommand, trainCommand, reproduceCommand, upscaleCommand];

/** Add a command (used by packages that bring their own, and by later work). */
export function registerCommand(cmd: Command): void {
  if (COMMANDS.some((c) => c.name === cmd.name)) throw new Error(`frb: a command named '${cmd.name}' already exists`);
  COMMANDS.push(cmd);
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
    const cmd = sub ? COMMANDS.find((c) => c.name === sub) : undefined;
    if (sub && !cmd) {
      ctx.stderr.write(`frb: unknown command '${sub}'\n\n${globalHelp()}`);
      return EXIT_USAGE;
    }
    ctx.stdout.write(cmd ? cmd.help : globalHelp());
    return EXIT_OK;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    ctx.stderr.write(`frb: unknown command '${name}'\n\n${globalHelp()}`);
    return EXIT_USAGE;
  }
  try {
    return await cmd.run(rest, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`${err.message}\nRun 'frb ${cmd.name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    const msg = err instanceof Error ? err.message : String(err);
    ctx.stderr.write(`frb ${cmd.name}: ${msg}\n`);
    if (ctx.env.FRB_DEBUG && err instanceof Error && err.stack) ctx.stderr.write(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
}
