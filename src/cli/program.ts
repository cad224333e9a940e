import { Command } from 'commander';
import { clusterCommand } from './cluster-command.ts';
import { nodeCommand } from './node-command.ts';
import { privacyCommand } from './privacy-command.ts';
import { simulateCommand } from './simulate-command.ts';
import { testnetCommand } from './testnet-command.ts';
import { trainCommand } from './train-command.ts';

/** The whole command tree; built on demand so that tests can walk it without running anything. */
export function buildProgram(): Command {
  return new Command('gossiplearn')
    .description(
      'peer-to-peer decentralized learning: compressed gossip, robust aggregation, ' +
        'churn-tolerant nodes, local simulation',
    )
    .showHelpAfterError()
    .addCommand(simulateCommand())
    .addCommand(trainCommand())
    .addCommand(nodeCommand())
    .addCommand(clusterCommand())
    .addCommand(testnetCommand())
    .addCommand(privacyCommand());
}
