import { z } from 'zod';
import { parseWith } from '../util/validate.ts';
import { deriveSeed } from '../util/rng.ts';
import { BatchSampler } from './batches.ts';
import { datasetSpecSchema, loadDataset } from './datasets/index.ts';
import type { Dataset } from './dataset.ts';
import { Model } from './model.ts';
import { modelSpecSchema } from './model-spec.ts';
import { FlatOptimizer, optimizerSpecSchema } from './optimizer.ts';
import { Trainer, type Evaluation } from './trainer.ts';

export const trainConfigSchema = z
  .object({
    dataset: datasetSpecSchema.default({ type: 'mnist' }),
    model: modelSpecSchema.default({ type: 'mlp' }),
    optimizer: optimizerSpecSchema.default({ type: 'momentum' }),
    epochs: z.number().int().positive().default(5),
    batchSize: z.number().int().positive().default(32),
    seed: z.number().int().nonnegative().default(1),
    /** Train on only this many samples (the decentralized comparison matches sample counts). */
    trainSamples: z.number().int().positive().optional(),
  })
  .strict();

export type TrainConfig = z.output<typeof trainConfigSchema>;

export function parseTrainConfig(input: unknown, source = 'config'): TrainConfig {
  return parseWith(trainConfigSchema, input, source);
}

export interface EpochReport extends Evaluation {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly seconds: number;
}

/** Centralized baseline: one model, all the (train) data, plain epochs. */
export function trainCentralized(
  cfg: TrainConfig,
  onEpoch: (r: EpochReport) => void = () => {},
  data = loadDataset(cfg.dataset, cfg.seed),
): EpochReport[] {
  const train: Dataset = data.train;
  const model = new Model(cfg.model, train);
  try {
    const trainer = new Trainer(model);
    const params = model.initParams(deriveSeed(cfg.seed, 'init'));
    const n = Math.min(cfg.trainSamples ?? train.y.length, train.y.length);
    const sampler = new BatchSampler(n, deriveSeed(cfg.seed, 'batches'));
    const steps = Math.ceil(n / cfg.batchSize);
    const opt = new FlatOptimizer(cfg.optimizer, model.size, steps * cfg.epochs);
    const reports: EpochReport[] = [];
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      const t0 = performance.now();
      const trainLoss = trainer.train(params, opt, train, sampler, { steps, batchSize: cfg.batchSize });
      const ev = trainer.evaluate(params, data.test);
      const r = { epoch, trainLoss, seconds: (performance.now() - t0) / 1000, ...ev };
      reports.push(r);
      onEpoch(r);
    }
    return reports;
  } finally {
    model.dispose();
  }
}
