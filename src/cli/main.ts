#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../util/validate.ts';
import { DatasetError } from '../learn/dataset.ts';
import { clusterCommand } from './cluster-command.ts';
import { nodeCommand } from './node-command.ts';
import { privacyCommand } from './privacy-command.ts';
import { simulateCommand } from './simulate-command.ts';
import { testnetCommand } from './testnet-command.ts';
import { trainCommand } from './train-command.ts';

const program = new Command('gossiplearn')
  .description('peer-to-peer decentralized learning: compressed gossip, robust aggregation, churn-tolerant nodes, local simulation')
  .showHelpAfterError()
  .addCommand(simulateCommand())
  .addCommand(trainCommand())
  .addCommand(nodeCommand())
  .addCommand(clusterCommand())
  .addCommand(testnetCommand())
  .addCommand(privacyCommand());

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
