/**
 * Daemon checkpoints: everything needed to resume a node after a crash or a restart.
 *
 *   0  magic "GLCK"   4 version u32   8 header length u32   12 header (UTF-8 JSON)
 *   …  body: params, CHOCO public copy, optimizer slots, then the header's `extra` vectors
 *      (each paramCount float32, little-endian)
 *   end-4  CRC32 of all preceding bytes
 *
 * Version 2 adds `extra` to the header: the names of the vectors after the optimizer slots, in
 * order (today none, or the outer optimizer's "outer.anchor", "outer.velocity"). A state with no
 * extra vectors is still written as version 1, byte for byte what earlier builds wrote and read;
 * both versions are read.
 *
 * The public copy x̂ is the error-feedback state (x − x̂ is what compression has not delivered),
 * so no separate residual is stored. Read back like network input: every field is checked.
 * Encoding and validation only (no file system): the daemon keeps it in a file, the browser in IndexedDB.
 */
import { crc32 } from '#crc32';
import type { NodeState } from '../core/node.ts';
import { OUTER_STATE_VECTORS, outerStateFromVectors, outerStateVectors } from '../core/outer-optimizer.ts';
import type { OptimizerState } from '../learn/optimizer.ts';
import type { LearnerState } from './learner.ts';

const MAGIC = 'GLCK';
const V1 = 1;
/** Adds the header's `extra` vector names. */
const V2 = 2;
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_U32 = 0xffffffff;
const OPTIMIZER_SLOTS: Record<string, number> = { sgd: 0, momentum: 1, adam: 2 };

export interface Checkpoint {
  readonly specHash: string;
  readonly node: NodeState;
  readonly learner: LearnerState;
}

interface Header {
  v: number;
  specHash: string;
  round: number;
  seq: number;
  paramCount: number;
  optimizer: { type: string; step: number; slots: number };
  samplesDrawn: number;
  /** Version 2 only: names of the vectors after the optimizer slots. */
  extra?: string[];
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const d = c.node.params.length;
  const slots = c.learner.optimizer.slots;
  const extra = c.node.outer ? outerStateVectors(c.node.outer) : [];
  const version = extra.length > 0 ? V2 : V1;
  const header: Header = {
    v: version,
    specHash: c.specHash,
    round: c.node.round,
    seq: c.node.seq,
    paramCount: d,
    optimizer: { type: c.learner.optimizer.type, step: c.learner.optimizer.step, slots: slots.length },
    samplesDrawn: c.learner.samplesDrawn,
    ...(version === V2 ? { extra: [...OUTER_STATE_VECTORS] } : {}),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const vectors = [c.node.params, c.node.publicCopy, ...slots, ...extra];
  for (const v of vectors) if (v.length !== d) throw new RangeError('checkpoint vectors differ in length');
  const bodyStart = 12 + json.length;
  const total = bodyStart + 4 * d * vectors.length + 4;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, version, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  vectors.forEach((v, i) => bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), bodyStart + 4 * d * i));
  view.setUint32(total - 4, crc32(bytes.subarray(0, total - 4)), true);
  return bytes;
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_U32;
}

function sameNames(a: readonly unknown[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The header's extra vector names, checked: a version-1 header has none, version 2 a known list. */
function extraNames(h: Header, version: number): string[] {
  if (version === V1) {
    if (h.extra !== undefined) throw new CheckpointError('a version-1 header has no extra vectors');
    return [];
  }
  const e: unknown = h.extra;
  if (!Array.isArray(e) || !(e.length === 0 || sameNames(e, OUTER_STATE_VECTORS)))
    throw new CheckpointError(
      `extra vectors ${JSON.stringify(e)}: known are none, or ${OUTER_STATE_VECTORS.join(', ')}`,
    );
  return e as string[];
}

function parseHeader(bytes: Uint8Array, len: number, version: number): Header {
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + len))) as Header;
  } catch {
    throw new CheckpointError('header is not UTF-8 JSON');
  }
  if (h === null || typeof h !== 'object' || h.v !== version)
    throw new CheckpointError(`header version does not match the file's ${version}`);
  if (typeof h.specHash !== 'string' || !/^[0-9a-f]{16}$/.test(h.specHash)) throw new CheckpointError('bad specHash');
  if (!isU32(h.round) || !isU32(h.seq) || !isU32(h.paramCount) || h.paramCount === 0)
    throw new CheckpointError('round, seq and paramCount must be uint32 (paramCount > 0)');
  if (!Number.isSafeInteger(h.samplesDrawn) || h.samplesDrawn < 0) throw new CheckpointError('bad samplesDrawn');
  const o = h.optimizer;
  if (
    !o ||
    typeof o !== 'object' ||
    !(o.type in OPTIMIZER_SLOTS) ||
    OPTIMIZER_SLOTS[o.type] !== o.slots ||
    !Number.isSafeInteger(o.step) ||
    o.step < 0
  )
    throw new CheckpointError('bad optimizer section');
  return h;
}

/** Parse and validate a checkpoint; throws CheckpointError naming the problem. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < 16) throw new CheckpointError(`${bytes.length} bytes is too short`);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC)
    throw new CheckpointError('not a gossiplearn checkpoint (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== V1 && version !== V2)
    throw new CheckpointError(`version ${version}, this build reads ${V1} and ${V2}`);
  const end = bytes.length - 4;
  if (crc32(bytes.subarray(0, end)) !== view.getUint32(end, true))
    throw new CheckpointError('CRC32 does not match (truncated or corrupt)');
  const len = view.getUint32(8, true);
  if (len > MAX_HEADER_BYTES || 12 + len > end) throw new CheckpointError(`header length ${len} is out of range`);
  const h = parseHeader(bytes, len, version);
  const extra = extraNames(h, version);
  const d = h.paramCount;
  const slotCount = h.optimizer.slots;
  const slotNames = Array.from({ length: slotCount }, (_, k) => `optimizer slot ${k}`);
  const names = ['params', 'publicCopy', ...slotNames, ...extra];
  const count = names.length;
  const bodyStart = 12 + len;
  if (end - bodyStart !== 4 * d * count)
    throw new CheckpointError(`body has ${end - bodyStart} bytes, header implies ${4 * d * count}`);
  // A fresh, aligned copy of each vector. Not `bytes.slice()`: on a Node Buffer (what readFileSync
  // returns) slice() is a view into Node's shared pool, so `.buffer` would start somewhere else.
  const vectors = Array.from({ length: count }, (_, i) => {
    const v = new Float32Array(d);
    new Uint8Array(v.buffer).set(bytes.subarray(bodyStart + 4 * d * i, bodyStart + 4 * d * (i + 1)));
    return v;
  });
  vectors.forEach((v, k) => {
    for (let i = 0; i < d; i++)
      if (!Number.isFinite(v[i]!))
        throw new CheckpointError(`non-finite value in vector ${k} at index ${i} (${names[k]})`);
  });
  const [params, publicCopy, ...rest] = vectors as [Float32Array, Float32Array, ...Float32Array[]];
  const slots = rest.slice(0, slotCount);
  const outer = extra.length > 0 ? { outer: outerStateFromVectors(rest.slice(slotCount)) } : {};
  const optimizer: OptimizerState = { type: h.optimizer.type as OptimizerState['type'], step: h.optimizer.step, slots };
  const node: NodeState = { round: h.round, seq: h.seq, params, publicCopy, ...outer };
  return { specHash: h.specHash, node, learner: { optimizer, samplesDrawn: h.samplesDrawn } };
}

export interface CheckpointExpectation {
  readonly specHash: string;
  readonly paramCount: number;
  readonly optimizer: string;
}

/** Why a well-formed checkpoint cannot resume this node (another model or optimizer), or null. */
export function checkpointMismatch(c: Checkpoint, expect: CheckpointExpectation): string | null {
  if (c.specHash !== expect.specHash) return `it is for model spec ${c.specHash}, this node trains ${expect.specHash}`;
  if (c.node.params.length !== expect.paramCount)
    return `it has ${c.node.params.length} parameters, the model ${expect.paramCount}`;
  if (c.learner.optimizer.type !== expect.optimizer)
    return `its optimizer is ${c.learner.optimizer.type}, the config says ${expect.optimizer}`;
  return null;
}

/**
 * Null when the checkpoint's outer-optimizer state fits a node with (or without) `outer`, else what
 * resuming does about it. Not a reason to refuse the checkpoint: the model resumes either way.
 */
export function outerStateNote(c: Checkpoint, outerConfigured: boolean): string | null {
  if (outerConfigured && !c.node.outer)
    return (
      'it holds no outer-optimizer state (no `outer` when written, or an older build): ' +
      'θ_outer starts from the model, momentum 0'
    );
  if (!outerConfigured && c.node.outer)
    return 'it holds outer-optimizer state and the config has no `outer`: that state is dropped';
  return null;
}
