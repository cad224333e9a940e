/** Daemon checkpoints on disk; the format and its validation are in checkpoint-codec.ts. */
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { ConfigError } from '../util/validate.ts';
import {
  CheckpointError,
  checkpointMismatch,
  encodeCheckpoint,
  decodeCheckpoint,
  outerStateNote,
  type Checkpoint,
  type CheckpointExpectation,
} from './checkpoint-codec.ts';

export {
  CheckpointError,
  checkpointMismatch,
  decodeCheckpoint,
  encodeCheckpoint,
  outerStateNote,
  type Checkpoint,
  type CheckpointExpectation,
};

export function saveCheckpoint(path: string, c: Checkpoint): void {
  writeFileAtomic(path, encodeCheckpoint(c), 0o600);
}

export type LoadResult =
  | { kind: 'none' }
  | { kind: 'ok'; checkpoint: Checkpoint }
  /** Unusable: moved aside to `movedTo` so the node starts fresh; `reason` says why. */
  | { kind: 'rejected'; reason: string; movedTo: string };

/**
 * Read the checkpoint at `path` if there is one. A corrupt one, or one for another model
 * (spec hash / parameter count / optimizer), is moved aside rather than silently overwritten.
 */
export function loadCheckpoint(path: string, expect: CheckpointExpectation): LoadResult {
  if (!existsSync(path)) return { kind: 'none' };
  // Not data to judge but an operator's mistake: refuse to start rather than move it aside.
  if (!statSync(path).isFile())
    throw new ConfigError(`${path}: exists but is not a regular file; move it out of the dataDir`);
  let problem: string;
  try {
    const c = decodeCheckpoint(readFileSync(path));
    const mismatch = checkpointMismatch(c, expect);
    if (mismatch === null) return { kind: 'ok', checkpoint: c };
    problem = mismatch;
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    problem = e.message;
  }
  const movedTo = `${path}.rejected-${Date.now()}`;
  renameSync(path, movedTo);
  return { kind: 'rejected', reason: problem, movedTo };
}
