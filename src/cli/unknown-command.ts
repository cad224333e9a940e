import type { Command } from 'commander';

/**
 * The first word of `args` that names no subcommand where one is expected, e.g. "bogus" in
 * `gossiplearn bogus --help` (commander would print the main help and exit 0 there).
 */
export function unknownCommand(program: Command, args: readonly string[]): string | null {
  let cmd = program;
  let i = 0;
  while (cmd.commands.length > 0) {
    while (i < args.length && args[i]!.startsWith('-')) i++;
    const word = args[i++];
    if (word === undefined || word === 'help') return null;
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) return cmd === program ? word : `${cmd.name()} ${word}`;
    cmd = sub;
  }
  return null;
}
