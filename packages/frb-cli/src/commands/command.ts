import type { CliContext } from '../context.js';

/** One `frb <name>` subcommand. `run` returns the exit code; it throws UsageError for bad arguments. */
export interface Command {
  name: string;
  /** One line for `frb --help`. */
  summary: string;
  /** Full text for `frb <name> --help`. */
  help: string;
  run(argv: string[], ctx: CliContext): Promise<number>;
}
