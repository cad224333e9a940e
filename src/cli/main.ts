#!/usr/bin/env node
import { ConfigError } from '../util/validate.ts';
import { DatasetError } from '../learn/dataset.ts';
import { buildProgram } from './program.ts';
import { unknownCommand } from './unknown-command.ts';

const program = buildProgram();
const unknown = unknownCommand(program, process.argv.slice(2));
if (unknown !== null) {
  console.error(`error: unknown command '${unknown}' (see gossiplearn --help)`);
  process.exit(2);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Expected user errors get one line; anything else is a bug and keeps its stack.
  if (e instanceof ConfigError || e instanceof DatasetError) {
    console.error(`error: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
