import { aggregate } from '../aggregate/registry.ts';
import { capTotalWeight, ParticipationWeights } from '../aggregate/participation-weights.ts';
import type { ParamLayout } from '../learn/layout.ts';
import type { NodeConfig } from './config.ts';
import type { Inbox } from './inbox.ts';
import type { OuterOptimizer } from './outer-optimizer.ts';
import type { OutgoingPolicy } from './outgoing-policy.ts';
import type { TrackedRescale } from './tracked-rescale.ts';

export interface MixerOptions {
  readonly config: NodeConfig;
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  readonly inbox: Inbox;
  readonly degreeOf: (peer: string) => number | undefined;
  readonly outer: OuterOptimizer | null;
  readonly tracked: TrackedRescale | null;
  readonly policy: OutgoingPolicy | null;
}

// Every node of a thread consumes its aggregate within mix(): they share one buffer for it.
let aggregateScratch = new Float32Array(0);

/**
 * A round's aggregation: the neighbours' models that are fresh enough, weighted (Metropolis or
 * uniform, staleness discount, FedAU participation), aggregated with the rule together with the
 * node's own copy, then x ← x + γ(aggregate − x̂_self) and the outer optimizer's step.
 */
export class Mixer {
  private readonly o: MixerOptions;
  private readonly gamma: number;
  private readonly participation: ParticipationWeights | null;

  constructor(o: MixerOptions) {
    this.o = o;
    const cfg = o.config;
    this.gamma = cfg.consensusStep ?? (cfg.codec.name === 'none' ? 1 : 0.5);
    this.participation = cfg.participation ? new ParticipationWeights(cfg.participation) : null;
  }

  mix(round: number, peers: readonly string[], selfCopy: Float32Array): { count: number; staleDropped: number } {
    const { config: cfg, inbox, outer } = this.o;
    const received: Float32Array[] = [];
    const weights: number[] = [];
    const degrees: number[] = [];
    let staleDropped = 0;
    const selfDegree = peers.length;
    const pw = this.participation;
    for (const p of peers) {
      const model = inbox.modelOf(p);
      const last = inbox.get(p)?.lastRound ?? -Infinity;
      const isNew = pw?.isNew(p, last) ?? false;
      pw?.observe(p, last);
      if (!model || !Number.isFinite(last)) continue;
      const staleness = Math.max(0, round - last);
      // A fragment from another round holds other coordinates: only this round's count.
      if (staleness > (outer?.fragmented ? 0 : cfg.staleness.maxRounds)) {
        staleDropped++;
        continue;
      }
      const deg = this.o.degreeOf(p) ?? selfDegree;
      const base = cfg.weights === 'metropolis' ? 1 / (1 + Math.max(selfDegree, deg)) : 1 / (1 + selfDegree);
      received.push(model);
      weights.push(base * cfg.staleness.discount ** staleness * (isNew ? pw!.interval(p) : 1));
      degrees.push(deg);
    }
    if (pw) capTotalWeight(weights, selfDegree / (1 + selfDegree));
    if (received.length === 0) {
      outer?.step(round, this.o.params);
      return { count: 0, staleDropped };
    }
    if (this.o.policy) {
      this.o.policy.mix(this.o.params, received);
      return { count: received.length, staleDropped };
    }
    const tracked = this.o.tracked;
    const rule = tracked ? { ...cfg.aggregator, varianceCorrection: 'none' as const } : cfg.aggregator;
    if (aggregateScratch.length !== selfCopy.length) aggregateScratch = new Float32Array(selfCopy.length);
    const ctx = { selfDegree, neighbourDegrees: degrees };
    const out = aggregate(rule, selfCopy, received, weights, this.o.layout, ctx, aggregateScratch);
    const x = this.o.params;
    const g = this.gamma;
    const { start, end } = outer ? outer.fragmentOf(round) : { start: 0, end: x.length };
    for (let i = start; i < end; i++) x[i] = x[i]! + g * (out[i]! - selfCopy[i]!);
    tracked?.afterConsensus(x, [selfCopy, ...received]);
    outer?.step(round, x);
    return { count: received.length, staleDropped };
  }
}
