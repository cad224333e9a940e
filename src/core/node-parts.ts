import { getCodec, type Codec } from '../compress/index.ts';
import { ChocoGossip } from './gossip/choco.ts';
import { DirectGossip } from './gossip/direct.ts';
import type { GossipScheme } from './gossip/scheme.ts';
import { Inbox } from './inbox.ts';
import { PeerLiveness } from './liveness.ts';
import { Mixer } from './mixing.ts';
import type { LearningNodeOptions } from './node-options.ts';
import type { OutgoingPolicy } from './outgoing-policy.ts';
import { OuterOptimizer } from './outer-optimizer.ts';
import { PrivacyBudget } from './privacy-budget.ts';
import { Publisher } from './publisher.ts';
import type { RoundRecord } from './round-record.ts';
import { RoundTimer } from './round-timer.ts';
import { TrackedRescale } from './tracked-rescale.ts';
import { TrainAhead } from './train-ahead.ts';

/** The collaborators a learning node runs its rounds with, built from its options. */
export interface NodeParts {
  readonly codec: Codec;
  readonly maxFrameBytes: number;
  readonly inbox: Inbox;
  readonly gossip: GossipScheme;
  readonly timer: RoundTimer;
  readonly liveness: PeerLiveness;
  readonly mixer: Mixer;
  readonly publisher: Publisher;
  readonly policy: OutgoingPolicy | null;
  /** Variance correction on the model with the maps sent along (config trackedRescale); else null. */
  readonly tracked: TrackedRescale | null;
  /** ε accounting of this node's DP training; null without a privacy config (and for attackers). */
  readonly budget: PrivacyBudget | null;
  readonly outer: OuterOptimizer | null;
  readonly ahead: TrainAhead<RoundRecord['closedBy']> | null;
}

export function buildParts(o: LearningNodeOptions): NodeParts {
  const cfg = o.config;
  const id = o.transport.selfId;
  const { params, layout, transport } = o;
  const d = layout.totalSize;
  const codec = getCodec(cfg.codec, layout);
  const policy = o.outgoing ?? null;
  const inbox = new Inbox(d);
  const timer = new RoundTimer(o.clock, cfg.deadline);
  const liveness = new PeerLiveness(inbox, o.clock, cfg, () => timer.ms());
  const budget = cfg.privacy && !policy ? PrivacyBudget.forNode(id, cfg.privacy, o) : null;
  const outer = cfg.outer ? new OuterOptimizer(cfg.outer, params) : null;
  const ahead = outer?.cfg.overlap ? new TrainAhead<RoundRecord['closedBy']>(o.learner, outer) : null;
  const vc = cfg.aggregator.varianceCorrection;
  const tracks = cfg.trackedRescale && cfg.gossip === 'choco' && vc !== 'none' && !policy;
  const tracked = tracks ? new TrackedRescale(layout, vc) : null;
  const ownInitial = o.sharedInitialCopy ?? o.initialCopyOf?.(id);
  const { keyframeResidual } = cfg;
  const gossip: GossipScheme =
    cfg.gossip === 'direct'
      ? new DirectGossip(params, codec, outer, ownInitial)
      : new ChocoGossip({ d, layout, codec, keyframeResidual, ownInitial, initialCopyOf: o.initialCopyOf, tracked });
  const degreeOf = (p: string) => transport.degreeOf(p);
  const mixer = new Mixer({ config: cfg, layout, params, inbox, degreeOf, outer, tracked, policy });
  const { specHash, seed } = o;
  const publisher = new Publisher({ id, specHash, seed, params, gossip, inbox, transport, policy });
  const maxFrameBytes = cfg.maxFrameBytes ?? 8 * d + 65536;
  const collaborators = { inbox, gossip, timer, liveness, mixer, publisher, policy, tracked, budget, outer, ahead };
  return { codec, maxFrameBytes, ...collaborators };
}
