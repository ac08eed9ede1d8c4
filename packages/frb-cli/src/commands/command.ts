// A command is data: its name, help, parseArgs options and a body. `defineCommand` adds what every command
// did by hand before (strict parsing with errors naming the command, `-h/--help`), so a body starts at its
// own arguments.
import { flag, parse, type Options, type Parsed } from '../args.js';
import { EXIT_OK, type CliContext } from '../context.js';

/** One `frb <name>` subcommand. `run` returns the exit code; it throws UsageError for bad arguments. */
export interface Command {
  name: string;
  /** One line for `frb --help`. */
  summary: string;
  /** Full text for `frb <name> --help`. */
  readonly help: string;
  run(argv: string[], ctx: CliContext): Promise<number>;
}

/** What a command module exports; its one-line summary lives in the command table (index.ts), not here. */
export type CommandModule = Omit<Command, 'summary'>;

/** A command whose module is imported only when it is used; `summary` is all `frb --help` needs. */
export interface LazyCommand {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

export interface CommandSpec {
  name: string;
  /** The `--help` text, or a function building it (when it lists something known only at run time). */
  help: string | (() => string);
  /** parseArgs options (`-h/--help` is added). */
  options: Options;
  /** Whether the command takes positional arguments (default true). */
  positionals?: boolean;
  /** The body, given the parsed arguments; not called for --help. */
  run(args: Parsed, ctx: CliContext): Promise<number>;
}

export function defineCommand(spec: CommandSpec): CommandModule {
  const help = () => (typeof spec.help === 'function' ? spec.help() : spec.help);
  return {
    name: spec.name,
    get help() {
      return help();
    },
    async run(argv, ctx) {
      const args = parse(spec.name, argv, spec.options, spec.positionals ?? true);
      if (flag(args, 'help')) {
        ctx.stdout.write(help());
        return EXIT_OK;
      }
      return spec.run(args, ctx);
    },
  };
}
