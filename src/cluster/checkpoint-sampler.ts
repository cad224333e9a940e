/**
 * Models never leave a daemon except as updates, but every daemon writes its full model to
 * checkpoint.bin every `checkpointEvery` rounds. Polling those files (a stat per file; a read only
 * when one changed) gives each node's parameters at the same rounds, from outside: enough for the
 * consensus distance of a cluster run, at checkpoint granularity.
 */
import { statSync, readFileSync } from 'node:fs';
import { CheckpointError, decodeCheckpoint } from '../daemon/checkpoint.ts';

export class CheckpointSampler {
  private readonly paths: readonly string[];
  private readonly onSample: (node: number, round: number, params: Float32Array) => void;
  private readonly stamps: string[];
  private readonly seen = new Set<string>();

  /** onSample(node, round, params): the model as node closed `round` (the checkpoint's round − 1). */
  constructor(paths: readonly string[], onSample: (node: number, round: number, params: Float32Array) => void) {
    this.paths = paths;
    this.onSample = onSample;
    this.stamps = paths.map(() => '');
  }

  poll(): void {
    this.paths.forEach((path, node) => {
      let stamp: string;
      try {
        const st = statSync(path);
        stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      } catch {
        return;
      }
      if (stamp === this.stamps[node]) return;
      this.stamps[node] = stamp;
      let c: ReturnType<typeof decodeCheckpoint>;
      try {
        c = decodeCheckpoint(readFileSync(path));
      } catch (e) {
        // Unreadable mid-replace, or torn: the next change is read instead.
        if (e instanceof CheckpointError || (e as NodeJS.ErrnoException).code) return;
        throw e;
      }
      const round = c.node.round - 1;
      const key = `${node}:${round}`;
      if (round < 0 || this.seen.has(key)) return;
      this.seen.add(key);
      this.onSample(node, round, c.node.params);
    });
  }
}
