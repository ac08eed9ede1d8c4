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

/** A command whose module is imported only when it is used; `summary` is all `frb --help` needs. */
export interface LazyCommand {
  name: string;
  summary: string;
  load(): Promise<Command>;
}
