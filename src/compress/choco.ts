/**
 * CHOCO-gossip state (Koloskova et al. 2019). Every node keeps a public copy x̂ of itself and of
 * each neighbour. A sender transmits q = C(x − x̂_self) and adds the decoded q to x̂_self; each
 * receiver adds the same q to its x̂_j, so all copies of x̂_self stay bit-identical as long as no
 * update is lost. Updates carry a per-sender sequence number (1, 2, ...; 0 = initial copy);
 * a receiver that sees a gap refuses to apply further deltas until it is reset from a full copy.
 */
import type { Codec } from './codecs.ts';
import { decodeTopKSparse, type SparseEntries } from './codecs/topk.ts';
import { CODEC_IDS } from './config.ts';

const MAX_SEQ = 0xffffffff;

function checkLength(what: string, v: Float32Array, d: number): void {
  if (v.length !== d) throw new RangeError(`${what}: expected length ${d}, got ${v.length}`);
}

function checkSeq(what: string, seq: number): void {
  if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ)
    throw new RangeError(`${what}: seq must be a uint32, got ${seq}`);
}

export interface ChocoSnapshot {
  /** The public copy x̂. */
  params: Float32Array;
  /** Sequence number of the last update folded into params (0 = none). */
  seq: number;
}

/**
 * x − x̂ and its decoded form live only inside one makeUpdate call, so every sender in the thread
 * shares one pair of buffers: a simulator with many nodes keeps d floats per node instead of 3d.
 */
let scratch = { delta: new Float32Array(0), sent: new Float32Array(0) };
const sentEntries: SparseEntries = { indices: new Int32Array(0), values: new Float32Array(0) };

function scratchFor(d: number): { delta: Float32Array; sent: Float32Array } {
  if (scratch.delta.length !== d) scratch = { delta: new Float32Array(d), sent: new Float32Array(d) };
  return scratch;
}

export interface ChocoUpdate {
  readonly payload: Uint8Array;
  readonly seq: number;
}

export class ChocoSender {
  readonly d: number;
  /** x̂_self: what every neighbour believes this node's parameters are. Do not write to it. */
  readonly publicCopy: Float32Array;
  private seq: number;

  /** Starts from `initial` (default zeros) at seq 0; receivers must start from the same copy. */
  constructor(d: number, initial?: Float32Array) {
    this.d = d;
    this.publicCopy = new Float32Array(d);
    if (initial !== undefined) {
      checkLength('ChocoSender', initial, d);
      this.publicCopy.set(initial);
    }
    this.seq = 0;
  }

  /** Sequence number of the last update made (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Encode C(x − x̂_self), advance x̂_self by exactly what receivers will decode, and return the
   * payload with its sequence number. The codec must be contractive (CHOCO diverges otherwise).
   * There is no separate error feedback: x − x̂_self already carries everything not sent yet.
   * With `maxResidual`: when ‖x − x̂_self‖ > maxResidual · ‖x‖, nothing is encoded or changed and
   * the answer is null (the caller sends x whole); the norms come from the same pass as x − x̂_self.
   */
  makeUpdate(x: Float32Array, codec: Codec, seed: number): ChocoUpdate;
  makeUpdate(x: Float32Array, codec: Codec, seed: number, maxResidual: number): ChocoUpdate | null;
  makeUpdate(x: Float32Array, codec: Codec, seed: number, maxResidual = Infinity): ChocoUpdate | null {
    const d = this.d;
    checkLength('ChocoSender.makeUpdate', x, d);
    if (!codec.contractive) {
      throw new Error(
        `ChocoSender: codec ${codec.label} is not contractive; ` +
          'CHOCO needs one (e.g. randk with rescale: false, or qsgd with more levels)',
      );
    }
    if (this.seq >= MAX_SEQ)
      throw new RangeError('ChocoSender: sequence number space exhausted; resync with a new sender');
    const hat = this.publicCopy;
    const { delta, sent: sentBuffer } = scratchFor(d);
    let residual = 0;
    let norm = 0;
    for (let i = 0; i < d; i++) {
      const r = x[i]! - hat[i]!;
      delta[i] = r;
      residual += r * r;
      norm += x[i]! * x[i]!;
    }
    if (maxResidual !== Infinity && residual > maxResidual * maxResidual * norm) return null;
    const payload = codec.encode(delta, seed);
    if (codec.id === CODEC_IDS.topk) {
      // Only the k sent entries change x̂ (adding the decoded zeros elsewhere changes no value).
      const k = decodeTopKSparse(payload, d, sentEntries);
      const { indices, values } = sentEntries;
      for (let j = 0; j < k; j++) hat[indices[j]!] = hat[indices[j]!]! + values[j]!;
    } else if (codec.adderFor) codec.adderFor(payload, d)(hat);
    else {
      const sent = codec.decodeInto(payload, sentBuffer);
      for (let i = 0; i < d; i++) hat[i] = hat[i]! + sent[i]!;
    }
    this.seq++;
    return { payload, seq: this.seq };
  }

  /**
   * Change x̂_self in place by a map every receiver applies too (the frame's rescales section),
   * so the copies stay identical; not an update of its own (seq unchanged).
   */
  transformCopy(apply: (copy: Float32Array) => void): void {
    apply(this.publicCopy);
  }

  /** What a neighbour needs to resynchronise: a copy of x̂_self and its sequence number. */
  snapshot(): ChocoSnapshot {
    return { params: this.publicCopy.slice(), seq: this.seq };
  }

  /** Restore from a checkpoint taken with snapshot(). */
  restore(s: ChocoSnapshot): void {
    checkLength('ChocoSender.restore', s.params, this.d);
    checkSeq('ChocoSender.restore', s.seq);
    this.publicCopy.set(s.params);
    this.seq = s.seq;
  }
}

export type ChocoApplyResult = 'ok' | 'gap' | 'duplicate';

export class ChocoReceiver {
  readonly d: number;
  /** x̂_j: the public copy of the neighbour. Do not write to it. */
  readonly publicCopy: Float32Array;
  private seq: number;
  private gapSeen = false;

  constructor(d: number, initial?: Float32Array, seq = 0) {
    checkSeq('ChocoReceiver', seq);
    this.d = d;
    this.publicCopy = new Float32Array(d);
    if (initial !== undefined) {
      checkLength('ChocoReceiver', initial, d);
      this.publicCopy.set(initial);
    }
    this.seq = seq;
  }

  /** Sequence number of the last update applied. */
  get lastSeq(): number {
    return this.seq;
  }

  /** True once a gap was seen, until resetFromFull. The caller should request a resync. */
  get needsResync(): boolean {
    return this.gapSeen;
  }

  /**
   * Apply a decoded delta with its sequence number, after `before` (the sender's transformCopy).
   * 'duplicate' (seq already applied) and 'gap' (an update is missing) leave x̂_j unchanged.
   */
  apply(delta: Float32Array, seq: number, before?: (copy: Float32Array) => void): ChocoApplyResult {
    checkLength('ChocoReceiver.apply', delta, this.d);
    const verdict = this.classify(seq);
    if (verdict !== 'ok') return verdict;
    const hat = this.publicCopy;
    // The sender's transformCopy() made before this update (e.g. a tracked variance correction).
    before?.(hat);
    for (let i = 0, d = this.d; i < d; i++) hat[i] = hat[i]! + delta[i]!;
    this.seq = seq;
    return 'ok';
  }

  /** apply() for a delta that `add` adds to the copy itself (e.g. straight from a checked payload). */
  applyWith(add: (copy: Float32Array) => void, seq: number, before?: (copy: Float32Array) => void): ChocoApplyResult {
    const verdict = this.classify(seq);
    if (verdict !== 'ok') return verdict;
    before?.(this.publicCopy);
    add(this.publicCopy);
    this.seq = seq;
    return 'ok';
  }

  /**
   * apply() for a sparse delta (entries `indices[j]`, `values[j]`, j < count; all others zero):
   * the same sums at those entries, and nothing to add elsewhere.
   */
  applySparse(
    indices: Int32Array,
    values: Float32Array,
    count: number,
    seq: number,
    before?: (copy: Float32Array) => void,
  ): ChocoApplyResult {
    const verdict = this.classify(seq);
    if (verdict !== 'ok') return verdict;
    for (let j = 0; j < count; j++) {
      const i = indices[j]!;
      if (!(i >= 0 && i < this.d)) throw new RangeError(`ChocoReceiver.applySparse: index ${i} outside [0, ${this.d})`);
    }
    const hat = this.publicCopy;
    before?.(hat);
    for (let j = 0; j < count; j++) hat[indices[j]!] = hat[indices[j]!]! + values[j]!;
    this.seq = seq;
    return 'ok';
  }

  /** Replace x̂_j by a full copy from the sender (e.g. its snapshot()) and continue after seq. */
  resetFromFull(params: Float32Array, seq: number): void {
    checkLength('ChocoReceiver.resetFromFull', params, this.d);
    checkSeq('ChocoReceiver.resetFromFull', seq);
    this.publicCopy.set(params);
    this.seq = seq;
    this.gapSeen = false;
  }

  private classify(seq: number): ChocoApplyResult {
    checkSeq('ChocoReceiver', seq);
    if (seq <= this.seq) return 'duplicate';
    if (seq !== this.seq + 1) {
      this.gapSeen = true;
      return 'gap';
    }
    return 'ok';
  }
}
