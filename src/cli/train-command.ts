import { Command, Option } from 'commander';
import { describeSelection, selectBackend, type BackendChoice } from '../learn/backend.ts';
import { parseTrainConfig, trainCentralized } from '../learn/centralized.ts';
import { parseIntOption, parseNumberOption, readJsonFile } from './options.ts';

export const backendOption = new Option('--backend <name>', 'tfjs backend')
  .choices(['auto', 'tensorflow', 'wasm', 'cpu'])
  .default('auto');

export function trainCommand(): Command {
  return new Command('train')
    .description('centralized training baseline on one dataset (prints per-epoch test accuracy)')
    .option(
      '-c, --config <file>',
      'JSON config file (keys: dataset, model, optimizer, epochs, batchSize, seed, trainSamples)',
    )
    .option('--model <type>', 'model: logreg | mlp | cnn')
    .option('--hidden <sizes>', 'mlp hidden sizes, comma separated (e.g. 128,64)')
    .option('--epochs <n>', 'epochs', parseIntOption('--epochs', 1))
    .option('--batch-size <n>', 'minibatch size', parseIntOption('--batch-size', 1))
    .option('--optimizer <type>', 'sgd | momentum | adam')
    .option('--lr <rate>', 'learning rate', parseNumberOption('--lr'))
    .option('--seed <n>', 'random seed', parseIntOption('--seed'))
    .option('--dataset <type>', 'mnist (embedded) | synthetic; use --config for idx/csv files')
    .addOption(backendOption)
    .action(async (o: Record<string, unknown>) => {
      const raw = (o.config ? readJsonFile(o.config as string) : {}) as Record<string, unknown>;
      const source = (o.config as string | undefined) ?? 'options';
      if (o.model)
        raw.model = { type: o.model, ...(o.hidden ? { hidden: String(o.hidden).split(',').map(Number) } : {}) };
      if (o.optimizer || o.lr !== undefined)
        raw.optimizer = {
          ...((raw.optimizer as object) ?? { type: 'momentum' }),
          ...(o.optimizer ? { type: o.optimizer } : {}),
          ...(o.lr !== undefined ? { lr: o.lr } : {}),
        };
      if (o.dataset) raw.dataset = { type: o.dataset };
      for (const [flag, key] of [
        ['epochs', 'epochs'],
        ['batchSize', 'batchSize'],
        ['seed', 'seed'],
      ] as const)
        if (o[flag] !== undefined) raw[key] = o[flag];
      const cfg = parseTrainConfig(raw, source);
      console.log(describeSelection(await selectBackend(o.backend as BackendChoice)));
      console.log(
        `model ${JSON.stringify(cfg.model)}, optimizer ${JSON.stringify(cfg.optimizer)}, ` +
          `dataset ${cfg.dataset.type}, ${cfg.epochs} epochs, batch ${cfg.batchSize}`,
      );
      trainCentralized(cfg, (r) =>
        console.log(
          `epoch ${r.epoch}: test accuracy ${(100 * r.accuracy).toFixed(2)}%  test loss ${r.loss.toFixed(4)}  ` +
            `train loss ${r.trainLoss.toFixed(4)}  (${r.seconds.toFixed(1)} s)`,
        ),
      );
    });
}
