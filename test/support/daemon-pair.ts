/** The small task and two-daemon topology that the daemon tests share (fast logreg on synthetic data). */
import { buildTopology, parseTopologySpec, type Topology } from '../../src/topology/index.ts';

export const PAIR_DATASET = { type: 'synthetic', samples: 2000, dim: 10, classes: 3, separation: 4 } as const;

/** Daemon 0 and daemon 1, linked to each other. */
export function pairTopology(): Topology {
  return buildTopology(parseTopologySpec({ edges: [[0, 1]] }, 'test'), { n: 2, seed: 1 });
}

/** The daemons' task: logreg on PAIR_DATASET, 5 steps of 16 per round, with node-config extras. */
export function pairTask(node: Record<string, unknown>): Record<string, unknown> {
  return { dataset: PAIR_DATASET, model: { type: 'logreg' }, node: { localSteps: 5, batchSize: 16, ...node } };
}

/** The daemons' `learning` extras: evaluation every `evalEvery` rounds on 300 test samples. */
export function pairLearning(evalEvery = 5): Record<string, unknown> {
  return { eval: { every: evalEvery, testSamples: 300 } };
}
