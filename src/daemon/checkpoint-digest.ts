/**
 * What a checkpoint file on disk holds, as a round and a parameter digest: read right after a
 * kill -9, it is what the restarted daemon must resume from (compare with its /status resumed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { CheckpointError, decodeCheckpoint } from './checkpoint.ts';
import { paramsDigest } from './params-digest.ts';

export interface CheckpointDigest {
  /** The round the checkpoint resumes at (the next round to run). */
  readonly round: number;
  readonly paramsHash: string;
}

/** The checkpoint at `path`, digested; null when there is none or it does not decode. */
export function checkpointDigest(path: string): CheckpointDigest | null {
  if (!existsSync(path)) return null;
  try {
    const c = decodeCheckpoint(readFileSync(path));
    return { round: c.node.round, paramsHash: paramsDigest(c.node.params) };
  } catch (e) {
    if (e instanceof CheckpointError) return null;
    throw e;
  }
}
