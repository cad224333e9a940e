import type { SyncSnapshot, Transport } from './interfaces.ts';

/** Why a snapshot from the network cannot be adopted by a node of this spec and size; null if it can. */
export function snapshotProblem(s: SyncSnapshot, specHash: string, d: number): string | null {
  if (s.specHash !== specHash) return `model spec hash ${s.specHash} is not ${specHash}`;
  if (s.params.length !== d || s.publicCopy.length !== d)
    return `snapshot has ${s.params.length} values, expected ${d}`;
  if (!Number.isInteger(s.round) || s.round < 0 || !Number.isInteger(s.seq) || s.seq < 0) return 'bad round or seq';
  for (let i = 0; i < d; i++)
    if (!Number.isFinite(s.params[i]!) || !Number.isFinite(s.publicCopy[i]!)) return 'non-finite values';
  return null;
}

/**
 * Ask every one of `peers` for its snapshot and call `done` once all answered (or failed) with the
 * most advanced acceptable one (`minRound`: only snapshots past it), or null.
 */
export function pullBestSnapshot(
  transport: Transport,
  peers: readonly string[],
  check: (s: SyncSnapshot) => string | null,
  minRound: number,
  onFailed: (peer: string, problem: string) => void,
  done: (best: { peer: string; snap: SyncSnapshot } | null) => void,
): void {
  let pending = peers.length;
  let best: { peer: string; snap: SyncSnapshot } | null = null;
  for (const peer of peers) {
    transport.requestSync(peer, (r) => {
      pending--;
      const problem = r instanceof Error ? r.message : check(r);
      if (problem) onFailed(peer, problem);
      else if (!(r instanceof Error) && r.round > minRound && (!best || r.round > best.snap.round))
        best = { peer, snap: r };
      if (pending === 0) done(best);
    });
  }
}
