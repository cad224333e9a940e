import { z } from 'zod';
import { Rng } from '../util/rng.ts';
import { parseWith } from '../util/validate.ts';

export const partitionSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('iid') }).strict(),
  z.object({ type: z.literal('dirichlet'), alpha: z.number().positive() }).strict(),
  z.object({ type: z.literal('shards'), classesPerNode: z.number().int().positive() }).strict(),
]);

export type PartitionSpec = z.output<typeof partitionSpecSchema>;

export function parsePartitionSpec(input: unknown, source = 'partition'): PartitionSpec {
  return parseWith(partitionSpecSchema, input, source);
}

function range(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function byClass(labels: ArrayLike<number>, numClasses: number): number[][] {
  const lists: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) lists[labels[i]!]!.push(i);
  return lists;
}

/** Shuffle then deal: every node gets ⌊n/k⌋ or ⌈n/k⌉ samples. */
export function partitionIid(sampleCount: number, nodes: number, rng: Rng): Int32Array[] {
  const order = rng.shuffle(range(sampleCount));
  return Array.from({ length: nodes }, (_, k) => {
    const out = new Int32Array(Math.floor((sampleCount - k + nodes - 1) / nodes));
    for (let i = k, j = 0; i < sampleCount; i += nodes) out[j++] = order[i]!;
    return out;
  });
}

/**
 * Label skew: for each class, node shares are drawn from Dirichlet(α). Small α concentrates each
 * class on few nodes. Redrawn (bounded) until every node holds at least one sample.
 */
export function partitionDirichlet(
  labels: ArrayLike<number>,
  numClasses: number,
  nodes: number,
  alpha: number,
  rng: Rng,
): Int32Array[] {
  const classes = byClass(labels, numClasses);
  if (labels.length < nodes) throw new Error(`cannot split ${labels.length} samples over ${nodes} nodes`);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const parts: number[][] = Array.from({ length: nodes }, () => []);
    for (const members of classes) {
      const shuffled = rng.shuffle([...members]);
      const g = Array.from({ length: nodes }, () => rng.gamma(alpha));
      const total = g.reduce((a, b) => a + b, 0) || 1;
      let start = 0;
      let cum = 0;
      for (let k = 0; k < nodes; k++) {
        cum += g[k]! / total;
        const end = k === nodes - 1 ? shuffled.length : Math.round(cum * shuffled.length);
        for (let i = start; i < end; i++) parts[k]!.push(shuffled[i]!);
        start = Math.max(start, end);
      }
    }
    if (parts.every((p) => p.length > 0)) return parts.map((p) => Int32Array.from(p));
  }
  throw new Error(
    `dirichlet(α=${alpha}) left a node without samples in 1000 draws: use more data, fewer nodes or a larger α`,
  );
}

/** Sort by label, cut into nodes·k shards, hand each node k shards at random (McMahan et al.). */
export function partitionShards(
  labels: ArrayLike<number>,
  numClasses: number,
  nodes: number,
  k: number,
  rng: Rng,
): Int32Array[] {
  const sorted = byClass(labels, numClasses).flatMap((c) => rng.shuffle(c));
  const shardCount = nodes * k;
  if (sorted.length < shardCount) throw new Error(`cannot cut ${sorted.length} samples into ${shardCount} shards`);
  const shardOrder = rng.shuffle(Array.from({ length: shardCount }, (_, i) => i));
  return Array.from({ length: nodes }, (_, node) => {
    const out: number[] = [];
    for (let j = 0; j < k; j++) {
      const s = shardOrder[node * k + j]!;
      const from = Math.floor((s * sorted.length) / shardCount);
      const to = Math.floor(((s + 1) * sorted.length) / shardCount);
      for (let i = from; i < to; i++) out.push(sorted[i]!);
    }
    return Int32Array.from(out);
  });
}

export function partition(
  spec: PartitionSpec,
  labels: ArrayLike<number>,
  numClasses: number,
  nodes: number,
  seed: number,
): Int32Array[] {
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`node count must be a positive integer, got ${nodes}`);
  const rng = new Rng(seed);
  switch (spec.type) {
    case 'iid':
      return partitionIid(labels.length, nodes, rng);
    case 'dirichlet':
      return partitionDirichlet(labels, numClasses, nodes, spec.alpha, rng);
    case 'shards':
      return partitionShards(labels, numClasses, nodes, spec.classesPerNode, rng);
  }
}
